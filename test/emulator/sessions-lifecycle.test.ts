import { resolve } from "node:path";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  type CreateAgentRuntimeCommandInput,
  CreateAgentRuntimeEndpointCommand,
  GetAgentRuntimeCommand,
  GetAgentRuntimeEndpointCommand,
  UpdateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MMDSV2_REQUIRED_MESSAGE } from "../../src/emulator/bedrock-agentcore/mmds.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { netnsSupport } from "../../src/net/netns.js";
import { sdkConfig } from "../helpers/emulator.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const ROLE = "arn:aws:iam::123456789012:role/AgentRuntimeRole";
const images = {
  [`${REGISTRY}/echo`]: resolve(agents, "py-echo-request"),
  [`${REGISTRY}/stuck-busy`]: resolve(agents, "py-ping-stuck-busy"),
  [`${REGISTRY}/mcp`]: resolve(agents, "mcp-healthy"),
};
const artifact = (image: string) => ({ containerConfiguration: { containerUri: `${REGISTRY}/${image}:1` } });
const netns = await netnsSupport();
if (!netns.ok) console.warn(`skipping the tests that need two sessions at once: ${netns.reason}`);
/** One lifecycle second lasts 20 ms here: the 60 s minimum idle timeout is 1.2 s. */
const SECOND_MS = 20;

type Failure = Error & { $metadata?: { httpStatusCode?: number } };
const failure = (p: Promise<unknown>) =>
  p.then(() => undefined as Failure | undefined).catch((e: Failure) => e);
const session = (tag: string) => `session-${tag}-${"x".repeat(33)}`;

describe("sessions, lifecycle and versions as AgentCore keeps them", () => {
  let emulator: RunningEmulator;
  let control: BedrockAgentCoreControlClient;
  let data: BedrockAgentCoreClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      images,
      driver: netns.ok ? "netns" : "process",
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 5_000,
      lifecycleSecondMs: SECOND_MS,
    });
    control = new BedrockAgentCoreControlClient(sdkConfig(emulator));
    data = new BedrockAgentCoreClient(sdkConfig(emulator));
  });
  afterAll(async () => {
    control?.destroy();
    data?.destroy();
    await emulator?.stop();
    expect(await leftoverAgentProcesses()).toEqual([]);
  });

  async function create(name: string, image: string, extra: Partial<CreateAgentRuntimeCommandInput> = {}) {
    return control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: name,
        agentRuntimeArtifact: artifact(image),
        roleArn: ROLE,
        networkConfiguration: { networkMode: "PUBLIC" },
        ...extra,
      }),
    );
  }

  async function invoke(arn: string, sessionId: string, extra: Record<string, string> = {}) {
    const answer = await data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: arn,
        runtimeSessionId: sessionId,
        contentType: "application/json",
        accept: "application/json",
        payload: new TextEncoder().encode(JSON.stringify({ prompt: "hi", ...extra })),
      }),
    );
    return JSON.parse(await answer.response!.transformToString()) as {
      headers: Record<string, string>;
      mark: string;
    };
  }

  it("refuses a runtime session id under 33 characters with the model's ValidationException", async () => {
    const { agentRuntimeArn } = await create("short_session", "echo");
    const error = await failure(invoke(agentRuntimeArn!, "a".repeat(20)));
    expect(error?.name).toBe("ValidationException");
    expect(error?.$metadata?.httpStatusCode).toBe(400);
    expect(error?.message).toBe(
      `1 validation error detected: Value '${"a".repeat(20)}' at 'runtimeSessionId' failed to satisfy constraint: Member must have length greater than or equal to 33`,
    );
  });

  it("keeps lifecycle bounds at Create and Update: 60 s minimum, microVM maximum, idle <= max, the defaults table", async () => {
    const low = await failure(
      create("too_low", "echo", { lifecycleConfiguration: { idleRuntimeSessionTimeout: 59 } }),
    );
    expect(low?.name).toBe("ValidationException");
    expect(low?.message).toContain("greater than or equal to 60");
    const high = await failure(
      create("too_high", "echo", { lifecycleConfiguration: { maxLifetime: 28_801 } }),
    );
    expect(high?.name).toBe("ValidationException");
    expect(high?.message).toContain("at most 28800");
    const crossed = await failure(
      create("crossed", "echo", {
        lifecycleConfiguration: { idleRuntimeSessionTimeout: 7200, maxLifetime: 3600 },
      }),
    );
    expect(crossed?.message).toContain("must be less than or equal to");
    const onlyMax = await create("only_max", "echo", { lifecycleConfiguration: { maxLifetime: 600 } });
    const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: onlyMax.agentRuntimeId }));
    expect(got.lifecycleConfiguration).toEqual({ idleRuntimeSessionTimeout: 600, maxLifetime: 600 });
    const update = await failure(
      control.send(
        new UpdateAgentRuntimeCommand({
          agentRuntimeId: onlyMax.agentRuntimeId,
          agentRuntimeArtifact: artifact("echo"),
          roleArn: ROLE,
          lifecycleConfiguration: { idleRuntimeSessionTimeout: 1200, maxLifetime: 900 },
        }),
      ),
    );
    expect(update?.name).toBe("ValidationException");
  });

  it("ends an idle session after its idle timeout, keeps a HealthyBusy one, and StopRuntimeSession ends it", async () => {
    const lifecycle = { idleRuntimeSessionTimeout: 60, maxLifetime: 28_800 };
    const idle = await create("idles_out", "echo", { lifecycleConfiguration: lifecycle });
    await invoke(idle.agentRuntimeArn!, session("idle"));
    await new Promise((r) => setTimeout(r, 60 * SECOND_MS * 2.5));
    const gone = await failure(
      data.send(
        new StopRuntimeSessionCommand({
          agentRuntimeArn: idle.agentRuntimeArn,
          runtimeSessionId: session("idle"),
        }),
      ),
    );
    expect(gone?.name).toBe("ResourceNotFoundException");

    const busy = await create("stays_busy", "stuck-busy", { lifecycleConfiguration: lifecycle });
    await data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: busy.agentRuntimeArn,
        runtimeSessionId: session("busy"),
        payload: new TextEncoder().encode("{}"),
      }),
    );
    await new Promise((r) => setTimeout(r, 60 * SECOND_MS * 2.5));
    const stopped = await data.send(
      new StopRuntimeSessionCommand({
        agentRuntimeArn: busy.agentRuntimeArn,
        runtimeSessionId: session("busy"),
      }),
    );
    expect(stopped.$metadata.httpStatusCode).toBe(200);
    expect(stopped.runtimeSessionId).toBe(session("busy"));
  });

  it("forwards only allow-listed headers the rules allow; the rest never reach the agent", async () => {
    const bad = await failure(
      create("bad_headers", "echo", {
        requestHeaderConfiguration: { requestHeaderAllowlist: ["X-Amz-Date"] },
      }),
    );
    expect(bad?.name).toBe("ValidationException");
    const noJwt = await failure(
      create("auth_no_jwt", "echo", {
        requestHeaderConfiguration: { requestHeaderAllowlist: ["Authorization"] },
      }),
    );
    expect(noJwt?.message).toContain("customJWTAuthorizer");
    const { agentRuntimeArn } = await create("headers", "echo", {
      requestHeaderConfiguration: {
        requestHeaderAllowlist: ["X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant", "X-Api-Key"],
      },
    });
    const sent = {
      "x-amzn-bedrock-agentcore-runtime-custom-tenant": "t-1",
      "x-api-key": "k-1",
      "x-amzn-bedrock-agentcore-runtime-custom-other": "not listed",
      "x-custom-signature": "not listed either",
    };
    data.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        Object.assign(request.headers, sent);
        return next(args);
      },
      { step: "build", name: "customHeaders" },
    );
    try {
      const { headers } = await invoke(agentRuntimeArn!, session("headers"));
      expect(headers["x-amzn-bedrock-agentcore-runtime-custom-tenant"]).toBe("t-1");
      expect(headers["x-api-key"]).toBe("k-1");
      expect(headers["x-amzn-bedrock-agentcore-runtime-custom-other"]).toBeUndefined();
      expect(headers["x-custom-signature"]).toBeUndefined();
      expect(headers.authorization).toBeUndefined();
      expect(headers["x-amzn-bedrock-agentcore-runtime-session-id"]).toBe(session("headers"));
    } finally {
      data.middlewareStack.remove("customHeaders");
    }
  });

  it.skipIf(!netns.ok)(
    "pins named endpoints and open sessions to their version; DEFAULT follows; an update replaces the configuration",
    async () => {
      const created = await create("versions", "echo", {
        environmentVariables: { AGENT_MARK: "v1" },
        lifecycleConfiguration: { idleRuntimeSessionTimeout: 600, maxLifetime: 3600 },
      });
      const id = created.agentRuntimeId!;
      const arn = created.agentRuntimeArn!;
      await control.send(new CreateAgentRuntimeEndpointCommand({ agentRuntimeId: id, name: "prod" }));
      expect((await invoke(arn, session("open"))).mark).toBe("v1");
      // The deploy script sends only the image and role: the rest of the configuration is gone.
      await control.send(
        new UpdateAgentRuntimeCommand({
          agentRuntimeId: id,
          agentRuntimeArtifact: artifact("echo"),
          roleArn: ROLE,
        }),
      );
      const v2 = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id }));
      expect(v2.agentRuntimeVersion).toBe("2");
      expect(v2.environmentVariables).toBeUndefined();
      expect(v2.lifecycleConfiguration).toEqual({ idleRuntimeSessionTimeout: 900, maxLifetime: 28_800 });
      const prod = await control.send(
        new GetAgentRuntimeEndpointCommand({ agentRuntimeId: id, endpointName: "prod" }),
      );
      expect(prod.liveVersion).toBe("1");
      // The open session keeps its microVM and version; a new DEFAULT session runs version 2.
      expect((await invoke(arn, session("open"))).mark).toBe("v1");
      expect((await invoke(arn, session("new"))).mark).toBe("");
      const pinned = await data.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          qualifier: "prod",
          runtimeSessionId: session("prod"),
          accept: "application/json",
          payload: new TextEncoder().encode("{}"),
        }),
      );
      expect(JSON.parse(await pinned.response!.transformToString()).mark).toBe("v1");
    },
  );

  it("refuses runtimes without MMDSv2 after the cutover with AgentCore's message", async () => {
    const { agentRuntimeId, agentRuntimeArn } = await create("mmds", "echo");
    await control.send(
      new UpdateAgentRuntimeCommand({
        agentRuntimeId,
        agentRuntimeArtifact: artifact("echo"),
        roleArn: ROLE,
        metadataConfiguration: { requireMMDSV2: false },
      }),
    );
    const refused = await failure(invoke(agentRuntimeArn!, session("mmds")));
    expect(refused?.name).toBe("ValidationException");
    expect(refused?.$metadata?.httpStatusCode).toBe(400);
    expect(refused?.message).toBe(MMDSV2_REQUIRED_MESSAGE);
    await control.send(
      new UpdateAgentRuntimeCommand({
        agentRuntimeId,
        agentRuntimeArtifact: artifact("echo"),
        roleArn: ROLE,
        metadataConfiguration: { requireMMDSV2: true },
      }),
    );
    const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId }));
    expect(got.metadataConfiguration).toEqual({ requireMMDSV2: true });
    expect((await invoke(agentRuntimeArn!, session("mmds2"))).mark).toBe("");
  });

  it("MCP: the platform's Mcp-Session-Id comes back; once its session ended that id gets 404", async () => {
    const { agentRuntimeArn } = await create("mcp", "mcp", {
      protocolConfiguration: { serverProtocol: "MCP" },
    });
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    const first = await data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn,
        runtimeSessionId: session("mcp"),
        contentType: "application/json",
        accept: "application/json, text/event-stream",
        payload: new TextEncoder().encode(initialize),
      }),
    );
    await first.response!.transformToString();
    const mcpSessionId = first.mcpSessionId!;
    expect(mcpSessionId).toBeTruthy();
    await data.send(new StopRuntimeSessionCommand({ agentRuntimeArn, runtimeSessionId: session("mcp") }));
    const dead = await failure(
      data.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn,
          mcpSessionId,
          contentType: "application/json",
          payload: new TextEncoder().encode(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })),
        }),
      ),
    );
    expect(dead?.name).toBe("ResourceNotFoundException");
    expect(dead?.$metadata?.httpStatusCode).toBe(404);
  });
});
