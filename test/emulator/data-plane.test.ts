import { resolve } from "node:path";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionDriver } from "../../src/emulator/bedrock-agentcore/sessions.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { netnsSupport } from "../../src/net/netns.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const images = {
  [`${REGISTRY}/ts-sdk-healthy`]: resolve(agents, "ts-sdk-healthy"),
  [`${REGISTRY}/py-healthy`]: resolve(agents, "py-healthy"),
  [`${REGISTRY}/py-bind-loopback`]: resolve(agents, "py-bind-loopback"),
};
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const netns = await netnsSupport();
if (!netns.ok) console.warn(`skipping the netns session driver tests: ${netns.reason}`);

const drivers: SessionDriver[] = netns.ok ? ["netns", "process"] : ["process"];

describe.each(drivers)("InvokeAgentRuntime with the %s driver", (driver) => {
  let emulator: RunningEmulator;
  let control: BedrockAgentCoreControlClient;
  let data: BedrockAgentCoreClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      images,
      driver,
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 3_000,
    });
    const config = { endpoint: emulator.url, region: "us-east-1", credentials };
    control = new BedrockAgentCoreControlClient(config);
    data = new BedrockAgentCoreClient(config);
  });
  afterAll(async () => {
    control?.destroy();
    data?.destroy();
    await emulator?.stop();
    expect(await leftoverAgentProcesses()).toEqual([]);
  });

  async function runtime(name: string, image: string): Promise<string> {
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: `${name}_${driver}`,
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/${image}:latest` } },
        roleArn: "arn:aws:iam::123456789012:role/AgentRuntimeRole",
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    return created.agentRuntimeArn!;
  }

  it("reports the driver in use", () => {
    expect(emulator.driver).toBe(driver);
  });

  it("invokes the official TypeScript SDK agent and streams its SSE answer", async () => {
    const arn = await runtime("ts_healthy", "ts-sdk-healthy");
    const sessionId = `session-${"x".repeat(40)}`;
    const answer = await data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: arn,
        runtimeSessionId: sessionId,
        contentType: "application/json",
        accept: "text/event-stream",
        payload: new TextEncoder().encode(JSON.stringify({ prompt: "hello", stream: true })),
      }),
    );
    expect(answer.runtimeSessionId).toBe(sessionId);
    expect(answer.contentType).toMatch(/^text\/event-stream/);
    const chunks: string[] = [];
    for await (const chunk of answer.response as AsyncIterable<Uint8Array>)
      chunks.push(Buffer.from(chunk).toString("utf8"));
    expect(chunks.join("")).toMatch(/^data: /m);

    // The same session id reaches the same instance; StopRuntimeSession ends it.
    const json = await data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: arn,
        runtimeSessionId: sessionId,
        contentType: "application/json",
        payload: new TextEncoder().encode('{"prompt":"again"}'),
      }),
    );
    expect(JSON.parse(await json.response!.transformToString())).toBeTruthy();
    const stopped = await data.send(
      new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId: sessionId }),
    );
    expect(stopped.$metadata.httpStatusCode).toBe(200);
  });

  it("fails a loopback-only agent with AgentCore's health-check RuntimeClientError, in PUBLIC mode too", async () => {
    const arn = await runtime("loopback", "py-bind-loopback");
    const error = await data
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          payload: new TextEncoder().encode('{"prompt":"hi"}'),
        }),
      )
      .catch((e: Error & { $metadata: { httpStatusCode: number } }) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("RuntimeClientError");
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(424);
    expect((error as Error).message).toMatch(
      /^Runtime health check failed or timed out\. Please make sure that health check is implemented according to the requirements here - /,
    );
  });

  it("answers an unmapped image and an unknown runtime with AWS errors", async () => {
    const arn = await runtime("unmapped", "not-mapped");
    const unmapped = await data
      .send(new InvokeAgentRuntimeCommand({ agentRuntimeArn: arn, payload: new Uint8Array() }))
      .catch((e: Error) => e);
    expect((unmapped as Error).name).toBe("RuntimeClientError");
    expect((unmapped as Error).message).toContain("--image");
    const missing = await data
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/nobody-0123456789",
          payload: new Uint8Array(),
        }),
      )
      .catch((e: Error) => e);
    expect((missing as Error).name).toBe("ResourceNotFoundException");
  });
});
