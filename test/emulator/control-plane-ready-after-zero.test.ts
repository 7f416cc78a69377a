import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeEndpointCommand,
  GetAgentRuntimeCommand,
  GetAgentRuntimeEndpointCommand,
  UpdateAgentRuntimeCommand,
  UpdateAgentRuntimeEndpointCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let client: BedrockAgentCoreControlClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 0 } });
  client = new BedrockAgentCoreControlClient(sdkConfig(emulator));
});
afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

describe("--ready-after 0", () => {
  it("answers creates with CREATING and updates with UPDATING, as AgentCore always does; READY only after", async () => {
    const [created] = await seedRuntimes(emulator, runtimeRequest("instant_agent"));
    const agentRuntimeId = created!.agentRuntimeId!;
    expect(created!.status).toBe("CREATING");
    expect((await client.send(new GetAgentRuntimeCommand({ agentRuntimeId }))).status).toBe("READY");
    const { agentRuntimeName: _name, ...config } = runtimeRequest("instant_agent");
    const updated = await client.send(new UpdateAgentRuntimeCommand({ agentRuntimeId, ...config }));
    expect(updated.status).toBe("UPDATING");
    expect((await client.send(new GetAgentRuntimeCommand({ agentRuntimeId }))).status).toBe("READY");
    const endpoint = await client.send(
      new CreateAgentRuntimeEndpointCommand({ agentRuntimeId, name: "live" }),
    );
    expect(endpoint.status).toBe("CREATING");
    const endpointName = "live";
    expect(
      (await client.send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId, endpointName }))).status,
    ).toBe("READY");
    const moved = await client.send(
      new UpdateAgentRuntimeEndpointCommand({ agentRuntimeId, endpointName, agentRuntimeVersion: "1" }),
    );
    expect(moved.status).toBe("UPDATING");
    expect(
      (await client.send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId, endpointName }))).status,
    ).toBe("READY");
  });
});
