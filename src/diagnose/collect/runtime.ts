import {
  type BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  GetAgentRuntimeEndpointCommand,
  paginateListAgentRuntimes,
  paginateListAgentRuntimeVersions,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { UsageError } from "../../util/errors.js";
import { apiSource, type Sourced } from "../evidence.js";
import { type VersionConfig, versionConfig } from "./versions.js";

export interface RuntimeEvidence {
  runtimeId: string;
  runtimeArn: string;
  name: string;
  version: string;
  status: string;
  failureReason?: string;
  networkMode: "PUBLIC" | "VPC";
  subnets: string[];
  securityGroups: string[];
  protocol: string;
  containerUri?: string;
  /** A code runtime's `codeConfiguration`: where its zip is in S3, the managed runtime and the entry point. */
  code?: CodeArtifact;
  roleArn: string;
  /** The inbound JWT authorizer (authorizerConfiguration.customJWTAuthorizer); unset: the runtime takes SigV4. */
  authorizer?: JwtAuthorizerEvidence;
  idleTimeoutSeconds?: number;
  maxLifetimeSeconds?: number;
  /** Names only: values may be secrets. */
  environmentVariableNames: string[];
  createdAt?: Date;
  lastUpdatedAt?: Date;
  versions: { version: string; status: string; lastUpdatedAt?: Date }[];
  /** The latest version's configuration as an update keeps or loses it (metadata, headers, authorizer, lifecycle). */
  configuration?: VersionConfig;
  endpoint: {
    name: string;
    status: string;
    liveVersion?: string;
    targetVersion?: string;
    failureReason?: string;
  };
}

export interface JwtAuthorizerEvidence {
  discoveryUrl: string;
  allowedAudience?: string[];
  allowedClients?: string[];
  allowedScopes?: string[];
  /** The names of the claims its customClaims rules check. */
  customClaims?: string[];
}

export interface CodeArtifact {
  bucket: string;
  prefix: string;
  versionId?: string;
  runtime: string;
  entryPoint: string[];
}

const ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,99}-[a-zA-Z0-9]{10}$/;
const ARN_PATTERN = /^arn:aws[^:]*:bedrock-agentcore:[^:]+:\d{12}:runtime\/(.+)$/;

/** A runtime id from what the user typed: an ARN, an id, or a name looked up with ListAgentRuntimes. */
export async function resolveRuntimeId(
  control: BedrockAgentCoreControlClient,
  reference: string,
): Promise<string> {
  const arn = ARN_PATTERN.exec(reference);
  if (arn) return arn[1]!;
  if (ID_PATTERN.test(reference)) return reference;
  const matches: string[] = [];
  for await (const page of paginateListAgentRuntimes({ client: control }, {})) {
    for (const runtime of page.agentRuntimes ?? [])
      if (runtime.agentRuntimeName === reference) matches.push(runtime.agentRuntimeId!);
  }
  if (matches.length === 0)
    throw new UsageError(
      `No agent runtime is named ${reference} in this account and region. Pass its id or ARN, or check --region.`,
    );
  return matches[0]!;
}

/** The runtime, every version, and the endpoint invocations go to. */
export async function collectRuntime(
  control: BedrockAgentCoreControlClient,
  runtimeId: string,
  qualifier: string,
): Promise<Sourced<RuntimeEvidence>> {
  const runtime = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: runtimeId }));
  const endpoint = await control.send(
    new GetAgentRuntimeEndpointCommand({ agentRuntimeId: runtimeId, endpointName: qualifier }),
  );
  const versions: RuntimeEvidence["versions"] = [];
  for await (const page of paginateListAgentRuntimeVersions(
    { client: control },
    { agentRuntimeId: runtimeId },
  )) {
    for (const v of page.agentRuntimes ?? []) {
      versions.push({
        version: v.agentRuntimeVersion!,
        status: v.status!,
        ...(v.lastUpdatedAt ? { lastUpdatedAt: v.lastUpdatedAt } : {}),
      });
    }
  }
  const network = runtime.networkConfiguration;
  const artifact = runtime.agentRuntimeArtifact;
  const containerUri =
    artifact && "containerConfiguration" in artifact
      ? artifact.containerConfiguration?.containerUri
      : undefined;
  const codeConfiguration =
    artifact && "codeConfiguration" in artifact ? artifact.codeConfiguration : undefined;
  const s3 =
    codeConfiguration?.code && "s3" in codeConfiguration.code ? codeConfiguration.code.s3 : undefined;
  const code: CodeArtifact | undefined =
    codeConfiguration && s3?.bucket && s3.prefix
      ? {
          bucket: s3.bucket,
          prefix: s3.prefix,
          ...(s3.versionId ? { versionId: s3.versionId } : {}),
          runtime: codeConfiguration.runtime ?? "",
          entryPoint: codeConfiguration.entryPoint ?? [],
        }
      : undefined;
  const jwt = runtime.authorizerConfiguration?.customJWTAuthorizer;
  const authorizer: JwtAuthorizerEvidence | undefined = jwt?.discoveryUrl
    ? {
        discoveryUrl: jwt.discoveryUrl,
        ...(jwt.allowedAudience ? { allowedAudience: jwt.allowedAudience } : {}),
        ...(jwt.allowedClients ? { allowedClients: jwt.allowedClients } : {}),
        ...(jwt.allowedScopes ? { allowedScopes: jwt.allowedScopes } : {}),
        ...(jwt.customClaims
          ? { customClaims: jwt.customClaims.map((c) => c.inboundTokenClaimName ?? "").filter(Boolean) }
          : {}),
      }
    : undefined;
  return {
    value: {
      runtimeId,
      runtimeArn: runtime.agentRuntimeArn!,
      name: runtime.agentRuntimeName!,
      version: runtime.agentRuntimeVersion!,
      status: runtime.status!,
      ...(runtime.failureReason ? { failureReason: runtime.failureReason } : {}),
      networkMode: (network?.networkMode ?? "PUBLIC") as "PUBLIC" | "VPC",
      subnets: network?.networkModeConfig?.subnets ?? [],
      securityGroups: network?.networkModeConfig?.securityGroups ?? [],
      protocol: runtime.protocolConfiguration?.serverProtocol ?? "HTTP",
      ...(containerUri ? { containerUri } : {}),
      ...(code ? { code } : {}),
      roleArn: runtime.roleArn!,
      ...(authorizer ? { authorizer } : {}),
      ...(runtime.lifecycleConfiguration?.idleRuntimeSessionTimeout
        ? { idleTimeoutSeconds: runtime.lifecycleConfiguration.idleRuntimeSessionTimeout }
        : {}),
      ...(runtime.lifecycleConfiguration?.maxLifetime
        ? { maxLifetimeSeconds: runtime.lifecycleConfiguration.maxLifetime }
        : {}),
      environmentVariableNames: Object.keys(runtime.environmentVariables ?? {}).sort(),
      ...(runtime.createdAt ? { createdAt: runtime.createdAt } : {}),
      ...(runtime.lastUpdatedAt ? { lastUpdatedAt: runtime.lastUpdatedAt } : {}),
      versions,
      configuration: versionConfig(runtime),
      endpoint: {
        name: endpoint.name ?? qualifier,
        status: endpoint.status!,
        ...(endpoint.liveVersion ? { liveVersion: endpoint.liveVersion } : {}),
        ...(endpoint.targetVersion ? { targetVersion: endpoint.targetVersion } : {}),
        ...(endpoint.failureReason ? { failureReason: endpoint.failureReason } : {}),
      },
    },
    source: apiSource("bedrock-agentcore-control", "GetAgentRuntime", { agentRuntimeId: runtimeId }),
  };
}
