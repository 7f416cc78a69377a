import { resolve } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommandCommand } from "@aws-sdk/client-bedrock-agentcore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

describe("InvokeAgentRuntimeCommand", () => {
  let emulator: RunningEmulator;
  let data: BedrockAgentCoreClient;
  let arn: string;

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      images: { [`${REGISTRY}/py-healthy`]: resolve(agents, "py-healthy") },
      driver: "process",
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 5_000,
    });
    data = new BedrockAgentCoreClient(sdkConfig(emulator));
    const [created] = await seedRuntimes(
      emulator,
      runtimeRequest("command_agent", {
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/py-healthy:1` } },
        environmentVariables: { AGENT_MARK: "from-the-runtime" },
      }),
    );
    arn = created!.agentRuntimeArn!;
  });
  afterAll(async () => {
    data?.destroy();
    await emulator?.stop();
    expect(await leftoverAgentProcesses()).toEqual([]);
  });

  async function run(command: string, timeout?: number) {
    const answer = await data.send(
      new InvokeAgentRuntimeCommandCommand({
        agentRuntimeArn: arn,
        runtimeSessionId: `command-session-${"g".repeat(30)}`,
        body: { command, ...(timeout ? { timeout } : {}) },
      }),
    );
    const events: Record<string, unknown>[] = [];
    for await (const event of answer.stream!) events.push(event.chunk as Record<string, unknown>);
    return { answer, events };
  }

  it("runs a command in the session's instance, in its environment, and streams stdout, stderr and the exit", async () => {
    const { answer, events } = await run('echo "$AGENT_MARK in $AWS_REGION"; echo oops >&2; exit 3');
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect(events[0]).toHaveProperty("contentStart");
    const deltas = events.flatMap((e) =>
      e.contentDelta ? [e.contentDelta as { stdout?: string; stderr?: string }] : [],
    );
    expect(deltas.map((d) => d.stdout ?? "").join("")).toBe("from-the-runtime in us-east-1\n");
    expect(deltas.map((d) => d.stderr ?? "").join("")).toBe("oops\n");
    expect(events.at(-1)).toEqual({ contentStop: { exitCode: 3, status: "COMPLETED" } });
  });

  it("stops a command at its timeout and says TIMED_OUT", async () => {
    const { events } = await run("sleep 30", 1);
    expect((events.at(-1) as { contentStop: { status: string } }).contentStop.status).toBe("TIMED_OUT");
  });
});
