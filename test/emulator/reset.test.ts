import {
  BedrockAgentCoreControlClient,
  ListAgentRuntimesCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { CreateRoleCommand, IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let logs: CloudWatchLogsClient;
let iam: IAMClient;
let ecr: ECRClient;
let control: BedrockAgentCoreControlClient;
let trail: CloudTrailClient;

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

async function post(
  path: string,
  method = "POST",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}${path}`, { method });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function seed(): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: "/reset/test" }));
  await iam.send(new CreateRoleCommand({ RoleName: "ResetRole", AssumeRolePolicyDocument: TRUST }));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: "reset-repo" }));
  await seedRuntimes(emulator, runtimeRequest("reset_agent"));
}

const counts = async () => ({
  logGroups: (await logs.send(new DescribeLogGroupsCommand({}))).logGroups?.length ?? 0,
  roles:
    (await iam.send(new ListRolesCommand({}))).Roles?.filter((r) => r.RoleName === "ResetRole").length ?? 0,
  repositories: (await ecr.send(new DescribeRepositoriesCommand({}))).repositories?.length ?? 0,
  runtimes: (await control.send(new ListAgentRuntimesCommand({}))).agentRuntimes?.length ?? 0,
});

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, driver: "process" });
  logs = new CloudWatchLogsClient(sdkConfig(emulator));
  iam = new IAMClient(sdkConfig(emulator));
  ecr = new ECRClient(sdkConfig(emulator));
  control = new BedrockAgentCoreControlClient(sdkConfig(emulator));
  trail = new CloudTrailClient(sdkConfig(emulator));
});
afterAll(async () => {
  for (const client of [logs, iam, ecr, control, trail]) client?.destroy();
  await emulator?.stop();
});
beforeEach(async () => {
  expect((await post("/_emulator/reset")).status).toBe(200);
});

describe("POST /_emulator/reset", () => {
  it("clears every service's state, CloudTrail's history included", async () => {
    await seed();
    expect(await counts()).toEqual({ logGroups: 1, roles: 1, repositories: 1, runtimes: 1 });
    const reset = await post("/_emulator/reset");
    expect(reset.status).toBe(200);
    expect(reset.body.reset).toEqual(
      expect.arrayContaining(["bedrock-agentcore", "cloudtrail", "ec2", "ecr", "iam", "logs", "sts"]),
    );
    expect(reset.body.resources).toBeGreaterThan(4);
    const events = await trail.send(new LookupEventsCommand({}));
    // Only the reads just made since the reset (LookupEvents itself is recorded after it answers).
    expect(events.Events ?? []).toEqual([]);
    expect(await counts()).toEqual({ logGroups: 0, roles: 0, repositories: 0, runtimes: 0 });
  });

  it("clears one service's state by its signing name and leaves the others", async () => {
    await seed();
    const reset = await post("/_emulator/reset/logs");
    expect(reset).toEqual({ status: 200, body: { reset: ["logs"], resources: 1 } });
    expect(await counts()).toEqual({ logGroups: 0, roles: 1, repositories: 1, runtimes: 1 });
    expect((await post("/_emulator/reset/bedrock-agentcore/")).body.reset).toEqual(["bedrock-agentcore"]);
    expect(await counts()).toEqual({ logGroups: 0, roles: 1, repositories: 1, runtimes: 0 });
  });

  it("serves again after a reset: names are free to be made again", async () => {
    await seed();
    await post("/_emulator/reset");
    await seed();
    expect(await counts()).toEqual({ logGroups: 1, roles: 1, repositories: 1, runtimes: 1 });
  });

  it("refuses a service that keeps no state, naming those that do, and any method but POST", async () => {
    const unknown = await post("/_emulator/reset/dynamodb");
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(
      /"dynamodb".*bedrock-agentcore, cloudtrail, ec2, ecr, iam, logs, s3, secretsmanager, ssm, sts/,
    );
    const get = await post("/_emulator/reset", "GET");
    expect(get.status).toBe(405);
  });
});
