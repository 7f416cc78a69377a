import { resolve } from "node:path";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnose } from "../../src/diagnose/run.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

const credentials = { accessKeyId: "a", secretAccessKey: "b" };
const fixture = resolve(import.meta.dirname, "../fixtures/agents/py-sdk-default-host");
let emulator: RunningEmulator;
let runtimeId: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 0 }, cloudTrailLookupsPerSecond: 2 });
  const admin = new BedrockAgentCoreControlClient({
    endpoint: emulator.url,
    region: "us-east-1",
    credentials,
  });
  runtimeId = (
    await admin.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "loopback_agent",
        agentRuntimeArtifact: {
          containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1" },
        },
        roleArn: "arn:aws:iam::123456789012:role/AgentRole",
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    )
  ).agentRuntimeId!;
  admin.destroy();
});
afterAll(async () => {
  await emulator?.stop();
});

describe("diagnose (the parts built so far), end to end against the emulator", () => {
  it("ranks the Python SDK's loopback default first from --source evidence, read-only, within seconds", async () => {
    const result = await diagnose({
      runtime: "loopback_agent",
      endpointUrl: emulator.url,
      region: "us-east-1",
      credentials,
      allowInvoke: false,
      sourceDir: fixture,
    });
    expect(result.evidence.runtime.value.runtimeId).toBe(runtimeId);
    expect(result.hypotheses[0]).toMatchObject({
      cause: "PYTHON_SDK_LOOPBACK_DEFAULT",
      verdict: "confirmed",
    });
    expect(result.hypotheses.find((h) => h.cause === "VPC_NO_EGRESS_PATH")?.verdict).toBe("ruled-out");
    expect(result.evidence.timeline?.value.map((e) => e.name)).toEqual(["CreateAgentRuntime"]);
    expect(result.apiCalls).toMatchObject({ BedrockAgentCoreControl: expect.any(Number), CloudTrail: 6 });
    expect(result.elapsedMs).toBeLessThan(10_000);
  });
});
