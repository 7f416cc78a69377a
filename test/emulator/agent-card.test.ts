import { resolve } from "node:path";
import { BedrockAgentCoreClient, GetAgentCardCommand } from "@aws-sdk/client-bedrock-agentcore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

describe("GetAgentCard", () => {
  let emulator: RunningEmulator;
  let data: BedrockAgentCoreClient;
  let a2aArn: string;
  let httpArn: string;

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      images: {
        [`${REGISTRY}/a2a-healthy`]: resolve(agents, "a2a-healthy"),
        [`${REGISTRY}/py-healthy`]: resolve(agents, "py-healthy"),
      },
      driver: "process",
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 5_000,
    });
    data = new BedrockAgentCoreClient(sdkConfig(emulator));
    const [a2a, http] = await seedRuntimes(
      emulator,
      runtimeRequest("card_agent", {
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/a2a-healthy:1` } },
        protocolConfiguration: { serverProtocol: "A2A" },
      }),
      runtimeRequest("http_agent", {
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/py-healthy:1` } },
      }),
    );
    a2aArn = a2a!.agentRuntimeArn!;
    httpArn = http!.agentRuntimeArn!;
  });
  afterAll(async () => {
    data?.destroy();
    await emulator?.stop();
    expect(await leftoverAgentProcesses()).toEqual([]);
  });

  it("returns the A2A agent's own card, from its session's instance, through the official SDK", async () => {
    const sessionId = `card-session-${"c".repeat(30)}`;
    const answer = await data.send(
      new GetAgentCardCommand({ agentRuntimeArn: a2aArn, runtimeSessionId: sessionId }),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.runtimeSessionId).toBe(sessionId);
    const card = answer.agentCard as { name?: string; skills?: unknown[] };
    expect(typeof card.name).toBe("string");
  });

  it("refuses a runtime that is not A2A with a ValidationException", async () => {
    const error = (await data
      .send(new GetAgentCardCommand({ agentRuntimeArn: httpArn }))
      .catch((e: Error) => e)) as Error & { $metadata: { httpStatusCode?: number } };
    expect(error.name).toBe("ValidationException");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});
