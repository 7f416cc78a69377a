import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  UpdateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClients, type DiagnoseClients } from "../../src/diagnose/clients.js";
import { collectRuntime, resolveRuntimeId } from "../../src/diagnose/collect/runtime.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

const credentials = { accessKeyId: "a", secretAccessKey: "b" };
let emulator: RunningEmulator;
let clients: DiagnoseClients;
let runtimeId: string;
let runtimeArn: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 0 } });
  const admin = new BedrockAgentCoreControlClient({
    endpoint: emulator.url,
    region: "us-east-1",
    credentials,
  });
  const spec = {
    agentRuntimeArtifact: {
      containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1" },
    },
    roleArn: "arn:aws:iam::123456789012:role/AgentRole",
    networkConfiguration: { networkMode: "PUBLIC" as const },
    environmentVariables: { OPENAI_API_KEY: "sk-secret", MODE: "prod" },
  };
  const created = await admin.send(new CreateAgentRuntimeCommand({ agentRuntimeName: "collected", ...spec }));
  runtimeId = created.agentRuntimeId!;
  runtimeArn = created.agentRuntimeArn!;
  await admin.send(new UpdateAgentRuntimeCommand({ agentRuntimeId: runtimeId, ...spec }));
  admin.destroy();
  clients = createClients({
    endpointUrl: emulator.url,
    region: "us-east-1",
    credentials,
    allowInvoke: false,
  });
});
afterAll(async () => {
  clients?.destroy();
  await emulator?.stop();
});

describe("the runtime collector", () => {
  it("resolves a runtime by ARN, id or name", async () => {
    expect(await resolveRuntimeId(clients.control, runtimeArn)).toBe(runtimeId);
    expect(await resolveRuntimeId(clients.control, runtimeId)).toBe(runtimeId);
    expect(await resolveRuntimeId(clients.control, "collected")).toBe(runtimeId);
    await expect(resolveRuntimeId(clients.control, "nobody")).rejects.toThrow(
      /No agent runtime is named nobody/,
    );
  });

  it("collects status, network, versions and the endpoint, with environment variable names only", async () => {
    const { value, source } = await collectRuntime(clients.control, runtimeId, "DEFAULT");
    expect(value).toMatchObject({
      runtimeArn,
      name: "collected",
      version: "2",
      status: "READY",
      networkMode: "PUBLIC",
      protocol: "HTTP",
      containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1",
      environmentVariableNames: ["MODE", "OPENAI_API_KEY"],
      endpoint: { name: "DEFAULT", liveVersion: "2" },
    });
    expect(value.versions.map((v) => v.version)).toEqual(["2", "1"]);
    expect(JSON.stringify(value)).not.toContain("sk-secret");
    expect(source).toEqual({
      kind: "api",
      service: "bedrock-agentcore-control",
      operation: "GetAgentRuntime",
      parameters: { agentRuntimeId: runtimeId },
    });
  });
});
