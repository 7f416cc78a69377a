import { resolve } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";
import { AGENTCORE_TRUST } from "../helpers/iam.js";

const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/healthy:1";
const LOGS_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: "arn:aws:logs:*:*:log-group:/aws/bedrock-agentcore/runtimes/*",
    },
  ],
});

let emulator: RunningEmulator;
let iam: IAMClient;
let logs: CloudWatchLogsClient;
let data: BedrockAgentCoreClient;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    timing: { readyAfterMs: 0 },
    images: { [IMAGE]: resolve(import.meta.dirname, "../fixtures/agents/py-healthy") },
    startupTimeoutMs: 10_000,
  });
  iam = new IAMClient(sdkConfig(emulator));
  logs = new CloudWatchLogsClient(sdkConfig(emulator));
  data = new BedrockAgentCoreClient(sdkConfig(emulator));
});
afterAll(async () => {
  for (const client of [iam, logs, data]) client?.destroy();
  await emulator?.stop();
});

async function role(name: string, logsPolicy: boolean): Promise<string> {
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: AGENTCORE_TRUST }),
  );
  if (logsPolicy) {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: name, PolicyName: "logs", PolicyDocument: LOGS_POLICY }),
    );
  }
  return Role!.Arn!;
}

async function invokeOnce(runtimeArn: string): Promise<void> {
  const out = await data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: runtimeArn,
      contentType: "application/json",
      payload: new TextEncoder().encode(JSON.stringify({ prompt: "hi" })),
    }),
  );
  await out.response?.transformToString();
}

const settle = () => new Promise((r) => setTimeout(r, 600));

describe("container output in CloudWatch Logs", () => {
  it("is delivered under AgentCore's group and stream names when the execution role may write logs", async () => {
    const roleArn = await role("CanLog", true);
    const [created] = await seedRuntimes(
      emulator,
      runtimeRequest("logs_ok", {
        roleArn,
        agentRuntimeArtifact: { containerConfiguration: { containerUri: IMAGE } },
      }),
    );
    await invokeOnce(created!.agentRuntimeArn!);
    await settle();
    const group = `/aws/bedrock-agentcore/runtimes/${created!.agentRuntimeId}-DEFAULT`;
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    expect(streams.logStreams).toHaveLength(1);
    expect(streams.logStreams![0]!.logStreamName).toMatch(
      /^\d{4}\/\d{2}\/\d{2}\/\[runtime-logs\][0-9a-f-]{36}$/,
    );
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: streams.logStreams![0]!.logStreamName!,
        startFromHead: true,
      }),
    );
    expect(events.events?.map((e) => e.message).join("\n")).toMatch(/listening on http:\/\/0\.0\.0\.0:8080/);
  });

  it("is not delivered when the role may not, and the emulator still shows it, saying why", async () => {
    const roleArn = await role("CannotLog", false);
    const [created] = await seedRuntimes(
      emulator,
      runtimeRequest("logs_denied", {
        roleArn,
        agentRuntimeArtifact: { containerConfiguration: { containerUri: IMAGE } },
      }),
    );
    await invokeOnce(created!.agentRuntimeArn!);
    await settle();
    const groups = await logs.send(
      new DescribeLogGroupsCommand({
        logGroupNamePrefix: `/aws/bedrock-agentcore/runtimes/${created!.agentRuntimeId}`,
      }),
    );
    expect(groups.logGroups).toEqual([]);
    const kept = (await (
      await fetch(`${emulator.url}/_emulator/container-output?runtimeId=${created!.agentRuntimeId}`)
    ).json()) as { lines: Array<{ delivered: boolean; notDeliveredBecause?: string; text: string }> };
    const { lines } = kept;
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => !l.delivered)).toBe(true);
    expect(lines[0]!.notDeliveredBecause).toMatch(
      /CannotLog is not allowed logs:CreateLogStream and logs:PutLogEvents/,
    );
  });
});
