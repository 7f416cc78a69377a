import { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import { BedrockAgentCoreControlClient } from "@aws-sdk/client-bedrock-agentcore-control";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { diagnoseCredentials } from "./credentials.js";
import { guardClient } from "./guard.js";

export interface ClientOptions {
  region?: string;
  profile?: string;
  /** One endpoint for every service: the emulator, or a proxy. */
  endpointUrl?: string;
  /** Allow the one non-read-only call, InvokeAgentRuntime. */
  allowInvoke: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Told of every call that passes the guard (for the report's count of API calls). */
  onCall?: (service: string, operation: string) => void;
}

/**
 * Every client `diagnose` uses, each behind the read-only guard; region from
 * the SDK's standard chain, credentials from one resolution of its standard
 * credential chain shared by all (src/diagnose/credentials.ts), whose own
 * STS calls pass the guard too.
 */
export interface DiagnoseClients {
  control: BedrockAgentCoreControlClient;
  data: BedrockAgentCoreClient;
  ec2: EC2Client;
  cloudtrail: CloudTrailClient;
  iam: IAMClient;
  logs: CloudWatchLogsClient;
  ecr: ECRClient;
  sts: STSClient;
  /** GetObject only: a code runtime's zip. */
  s3: S3Client;
  destroy(): void;
}

export function createClients(options: ClientOptions): DiagnoseClients {
  const guard = { allowInvoke: options.allowInvoke, ...(options.onCall ? { onCall: options.onCall } : {}) };
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    credentials:
      options.credentials ??
      diagnoseCredentials({
        ...(options.profile ? { profile: options.profile } : {}),
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
        guard,
      }),
  };
  const clients = {
    control: guardClient(new BedrockAgentCoreControlClient(config), guard),
    data: guardClient(new BedrockAgentCoreClient(config), guard),
    ec2: guardClient(new EC2Client(config), guard),
    // LookupEvents is limited to 2 per second per account and region, shared with every other caller:
    // more patience than the SDK's default 3 attempts before the timeline is given up as a gap.
    cloudtrail: guardClient(new CloudTrailClient({ ...config, maxAttempts: 6 }), guard),
    // IAM is global: its endpoint is in us-east-1 whatever the runtime's region.
    iam: guardClient(
      new IAMClient({ ...config, ...(options.endpointUrl ? {} : { region: "us-east-1" }) }),
      guard,
    ),
    logs: guardClient(new CloudWatchLogsClient(config), guard),
    ecr: guardClient(new ECRClient(config), guard),
    sts: guardClient(new STSClient(config), guard),
    // One endpoint for every service (the emulator) takes the bucket in the path, not the host.
    s3: guardClient(
      new S3Client({ ...config, ...(options.endpointUrl ? { forcePathStyle: true } : {}) }),
      guard,
    ),
  };
  return {
    ...clients,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
