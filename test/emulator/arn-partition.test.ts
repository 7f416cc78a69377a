import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { ARN_PARTITION, partitionOf, partitionOfArn } from "../../src/util/arn.js";
import { sdkConfig } from "../helpers/emulator.js";

const ACCOUNT = "210987654321";
let emulator: RunningEmulator;
const clients: { destroy(): void }[] = [];

function client<C extends { destroy(): void }>(
  Client: new (config: ReturnType<typeof sdkConfig> & { forcePathStyle?: boolean }) => C,
  region: string,
): C {
  const made = new Client({ ...sdkConfig(emulator), region, forcePathStyle: true });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, account: ACCOUNT });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await emulator?.stop();
});

describe("partitionOf", () => {
  it("names each region's partition as the AWS SDK's table does", () => {
    expect(partitionOf("us-east-1")).toBe("aws");
    expect(partitionOf("eu-west-3")).toBe("aws");
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
    expect(partitionOf("cn-northwest-1")).toBe("aws-cn");
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
    expect(partitionOf("us-iso-east-1")).toBe("aws-iso");
    expect(partitionOf("us-isob-east-1")).toBe("aws-iso-b");
    expect(partitionOf("eu-isoe-west-1")).toBe("aws-iso-e");
    expect(partitionOf("us-isof-south-1")).toBe("aws-iso-f");
  });

  it("reads an ARN's partition, and the parsing pattern takes every partition", () => {
    expect(partitionOfArn("arn:aws-iso-b:iam::123456789012:role/r")).toBe("aws-iso-b");
    const pattern = new RegExp(`^arn:${ARN_PARTITION}:iam::`);
    for (const p of [
      "aws",
      "aws-cn",
      "aws-us-gov",
      "aws-iso",
      "aws-iso-b",
      "aws-iso-e",
      "aws-iso-f",
      "aws-eusc",
    ]) {
      expect(pattern.test(`arn:${p}:iam::123456789012:role/r`), p).toBe(true);
    }
  });
});

describe.each([
  ["cn-north-1", "aws-cn"],
  ["us-isob-east-1", "aws-iso-b"],
  ["us-gov-west-1", "aws-us-gov"],
])("ARNs answered to a caller signing for %s", (region, partition) => {
  it("STS and IAM: the caller, a role, its policy and an assumed role are in the region's partition", async () => {
    const sts = client(STSClient, region);
    const iam = client(IAMClient, region);
    const caller = await sts.send(new GetCallerIdentityCommand({}));
    expect(caller.Arn).toBe(`arn:${partition}:iam::${ACCOUNT}:user/agentcore-doctor`);

    const name = `role-${partition}`;
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:${partition}:iam::${ACCOUNT}:root` },
          Action: "sts:AssumeRole",
        },
      ],
    });
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }),
    );
    expect(Role!.Arn).toBe(`arn:${partition}:iam::${ACCOUNT}:role/${name}`);
    expect((await iam.send(new GetRoleCommand({ RoleName: name }))).Role!.Arn).toBe(Role!.Arn);

    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: `policy-${partition}`,
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:${partition}:s3:::b/*` }],
        }),
      }),
    );
    expect(Policy!.Arn).toBe(`arn:${partition}:iam::${ACCOUNT}:policy/policy-${partition}`);
    const managed = `arn:${partition}:iam::aws:policy/AdministratorAccess`;
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: Policy!.Arn! }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: managed }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
    expect(attached.AttachedPolicies!.map((p) => p.PolicyArn).sort()).toEqual([Policy!.Arn, managed].sort());

    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: Role!.Arn!, RoleSessionName: "sess" }));
    expect(assumed.AssumedRoleUser!.Arn).toBe(`arn:${partition}:sts::${ACCOUNT}:assumed-role/${name}/sess`);
    const asRole = new STSClient({
      ...sdkConfig(emulator),
      region,
      credentials: {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      },
    });
    clients.push(asRole);
    expect((await asRole.send(new GetCallerIdentityCommand({}))).Arn).toBe(assumed.AssumedRoleUser!.Arn);
  });

  it("regional services: log groups, parameters, secrets, repositories and buckets", async () => {
    const logs = client(CloudWatchLogsClient, region);
    await logs.send(new CreateLogGroupCommand({ logGroupName: "g" }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "g" }));
    expect(logGroups![0]!.arn).toBe(`arn:${partition}:logs:${region}:${ACCOUNT}:log-group:g:*`);

    const ssm = client(SSMClient, region);
    await ssm.send(new PutParameterCommand({ Name: "/p", Value: "v", Type: "String" }));
    expect((await ssm.send(new GetParameterCommand({ Name: "/p" }))).Parameter!.ARN).toBe(
      `arn:${partition}:ssm:${region}:${ACCOUNT}:parameter/p`,
    );

    const secrets = client(SecretsManagerClient, region);
    const secret = await secrets.send(new CreateSecretCommand({ Name: "s", SecretString: "x" }));
    expect(secret.ARN).toMatch(
      new RegExp(`^arn:${partition}:secretsmanager:${region}:${ACCOUNT}:secret:s-\\w{6}$`),
    );
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: secret.ARN! }))).Name).toBe("s");

    const ecr = client(ECRClient, region);
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: "repo" }));
    expect(repository!.repositoryArn).toBe(`arn:${partition}:ecr:${region}:${ACCOUNT}:repository/repo`);

    const s3 = client(S3Client, region);
    const bucket = await s3.send(
      new CreateBucketCommand({
        Bucket: `b-${region}`,
        CreateBucketConfiguration: { LocationConstraint: region as never },
      }),
    );
    expect(bucket.BucketArn).toBe(`arn:${partition}:s3:::b-${region}`);
  });
});
