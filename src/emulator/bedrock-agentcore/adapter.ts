import { randomUUID } from "node:crypto";
import type {
  GetAgentCardCommandInput,
  InvokeAgentRuntimeCommandCommandInput,
  InvokeAgentRuntimeCommandInput,
  StopRuntimeSessionCommandInput,
} from "@aws-sdk/client-bedrock-agentcore";
import { REQUEST_ID_HEADER, SESSION_HEADER } from "../../agent/probe.js";
import type { Protocol } from "../../agent/types.js";
import { forwardedHeaders } from "../../facts/agentcore-headers.js";
import type { Adapter } from "../adapter.js";
import type { AgentRuntimes, RuntimeView } from "../bedrock-agentcore-control/model.js";
import {
  accountOf,
  crossAccountRefusal,
  type ResourcePolicies,
} from "../bedrock-agentcore-control/resource-policies.js";
import type { RequestContext } from "../context.js";
import { AwsError } from "../protocol/errors.js";
import { commandStream, EVENT_STREAM_CONTENT_TYPE } from "./command-stream.js";
import { InboundAuth } from "./inbound-auth.js";
import { DEFAULT_MMDSV2_CUTOVER, mmdsRefusal } from "./mmds.js";
import type { SessionManager, SessionSpec } from "./sessions.js";

export interface DataPlaneOptions {
  /** From when runtimes without MMDSv2 are refused (ISO date); default AWS's 2026-06-30. */
  mmdsv2Cutover?: string;
}

/** The MCP session id answered with a 404 once its runtime session ended (wording ours: AWS's is not documented). */
function deadMcpSession(mcpSessionId: string, ended: { runtimeSessionId: string; reason: string }): AwsError {
  return new AwsError(
    "ResourceNotFoundException",
    `Mcp-Session-Id ${mcpSessionId} belongs to runtime session ${ended.runtimeSessionId}, which has ended (${ended.reason}). Initialize a new MCP session without Mcp-Session-Id.`,
  );
}

export function specFor(
  view: RuntimeView,
  ctx: RequestContext,
  qualifier: string | undefined,
  sessionId: string,
): SessionSpec {
  const artifact = view.agentRuntimeArtifact as {
    containerConfiguration?: { containerUri: string };
    codeConfiguration?: {
      code?: { s3?: { bucket?: string; prefix?: string; versionId?: string } };
      runtime?: string;
      entryPoint?: string[];
    };
  };
  const container = artifact.containerConfiguration;
  const s3 = artifact.codeConfiguration?.code?.s3;
  const code =
    !container && s3?.bucket && s3.prefix !== undefined
      ? {
          bucket: s3.bucket,
          prefix: s3.prefix,
          ...(s3.versionId ? { versionId: s3.versionId } : {}),
          runtime: artifact.codeConfiguration?.runtime ?? "",
          entryPoint: artifact.codeConfiguration?.entryPoint ?? [],
        }
      : undefined;
  if (!container && !code) {
    throw new AwsError(
      "ValidationException",
      "The runtime's artifact names neither an image nor code in S3.",
      {
        reason: "FieldValidationFailed",
      },
    );
  }
  return {
    account: ctx.account,
    runtimeId: view.agentRuntimeId,
    endpointName: qualifier ?? "DEFAULT",
    roleArn: view.roleArn,
    version: view.agentRuntimeVersion,
    sessionId,
    containerUri: container ? container.containerUri : `s3://${code!.bucket}/${code!.prefix}`,
    ...(code ? { code } : {}),
    protocol: (view.protocolConfiguration?.serverProtocol ?? "HTTP") as Protocol,
    environmentVariables: view.environmentVariables ?? {},
    region: ctx.region,
    idleTimeoutSeconds: view.lifecycleConfiguration.idleRuntimeSessionTimeout,
    maxLifetimeSeconds: view.lifecycleConfiguration.maxLifetime,
    network: view.networkConfiguration,
  };
}

/** Admits a data-plane call (the operations here, the WebSocket stream): resolves its target, then lets its caller in or refuses it. */
export type Admission = (
  ctx: RequestContext,
  operation: string,
  arn: string,
  qualifier: string | undefined,
) => Promise<RuntimeView>;

export function admission(
  runtimes: AgentRuntimes,
  inboundAuth: InboundAuth,
  policies?: ResourcePolicies,
): Admission {
  /**
   * The version the call reaches, once its caller is let in as AgentCore lets callers in:
   * inbound auth (SigV4 or the runtime's JWT authorizer), then, for a SigV4 caller from
   * another account, the resource-based policies of the runtime and the endpoint named.
   */
  return async function admitted(
    ctx: RequestContext,
    operation: string,
    arn: string,
    qualifier: string | undefined,
  ): Promise<RuntimeView> {
    inboundAuth.requireCredentials(ctx);
    const view = runtimes.resolveInvocationTarget(ctx, arn, qualifier);
    await inboundAuth.authorize(view.authorizerConfiguration, ctx);
    const callerAccount = accountOf(ctx.caller);
    if (policies && ctx.inbound?.kind !== "bearer" && callerAccount && callerAccount !== ctx.account) {
      const action = `bedrock-agentcore:${operation}`;
      const endpointArn = `${view.agentRuntimeArn}/runtime-endpoint/${qualifier ?? "DEFAULT"}`;
      const decision = policies.decide(ctx, [view.agentRuntimeArn, endpointArn], action, ctx.caller);
      if (decision !== "allowed")
        throw crossAccountRefusal(ctx.caller, action, view.agentRuntimeArn, decision);
    }
    return view;
  };
}

/** The data plane: invocations go to a session's instance, started on first use. */
export function dataPlaneAdapter(
  runtimes: AgentRuntimes,
  sessions: SessionManager,
  policies?: ResourcePolicies,
  inboundAuth: InboundAuth = new InboundAuth(),
  options: DataPlaneOptions = {},
): Adapter {
  const cutover = new Date(options.mmdsv2Cutover ?? DEFAULT_MMDSV2_CUTOVER);
  const admitted = admission(runtimes, inboundAuth, policies);
  /** AgentCore refuses a runtime without MMDSv2 (after the cutover) before any session starts. */
  function requireMmds(view: RuntimeView, ctx: RequestContext): void {
    const refusal = mmdsRefusal(view, ctx.now, cutover);
    if (refusal) throw refusal;
  }
  return {
    InvokeAgentRuntime: async (input: InvokeAgentRuntimeCommandInput, ctx: RequestContext) => {
      const view = await admitted(ctx, "InvokeAgentRuntime", input.agentRuntimeArn!, input.qualifier);
      requireMmds(view, ctx);
      const protocol = view.protocolConfiguration?.serverProtocol ?? "HTTP";
      // MCP: the Mcp-Session-Id routes to its microVM; one whose session ended is dead; none sent, the platform makes one.
      let mcpSessionId = input.mcpSessionId;
      let sessionId = input.runtimeSessionId;
      if (protocol === "MCP" && mcpSessionId) {
        const ended = sessions.endedMcpSession(view.agentRuntimeId, mcpSessionId);
        const live = sessions.sessionOfMcpId(view.agentRuntimeId, mcpSessionId);
        if (ended && !live) throw deadMcpSession(mcpSessionId, ended);
        sessionId ??= live;
      }
      sessionId ??= randomUUID();
      if (protocol === "MCP") mcpSessionId ??= randomUUID();
      const spec = specFor(view, ctx, input.qualifier, sessionId);
      const headers: Record<string, string> = {
        // Only allow-listed headers the rules let through reach the agent; the platform's own come after.
        ...forwardedHeaders(
          ctx.headers,
          view.requestHeaderConfiguration?.requestHeaderAllowlist,
          view.authorizerConfiguration?.customJWTAuthorizer !== undefined,
        ),
        "content-type": input.contentType ?? "application/json",
        accept: input.accept ?? "application/json, text/event-stream",
        [SESSION_HEADER]: sessionId,
        [REQUEST_ID_HEADER]: ctx.requestId,
        ...(mcpSessionId ? { "mcp-session-id": mcpSessionId } : {}),
        ...(input.mcpProtocolVersion ? { "mcp-protocol-version": input.mcpProtocolVersion } : {}),
        ...(input.traceId ? { "x-amzn-trace-id": input.traceId } : {}),
        ...(input.traceParent ? { traceparent: input.traceParent } : {}),
      };
      const forwarded = await sessions.invoke(
        spec,
        Buffer.from((input.payload as Uint8Array | undefined) ?? new Uint8Array()),
        headers,
      );
      const answeredMcpId = forwarded.headers["mcp-session-id"];
      const returnedMcpId = typeof answeredMcpId === "string" && answeredMcpId ? answeredMcpId : mcpSessionId;
      return {
        runtimeSessionId: sessionId,
        contentType: forwarded.contentType,
        statusCode: forwarded.statusCode,
        response: forwarded.body,
        ...(returnedMcpId ? { mcpSessionId: returnedMcpId } : {}),
      };
    },
    StopRuntimeSession: async (input: StopRuntimeSessionCommandInput, ctx: RequestContext) => {
      const view = await admitted(ctx, "StopRuntimeSession", input.agentRuntimeArn!, input.qualifier);
      const stopped = await sessions.stop(view.agentRuntimeId, input.runtimeSessionId!);
      if (!stopped)
        throw new AwsError("ResourceNotFoundException", `Session ${input.runtimeSessionId} is not running.`);
      return { runtimeSessionId: input.runtimeSessionId, statusCode: 200 };
    },
    // A command in the session's instance, its output streamed as it comes (an AWS event stream).
    InvokeAgentRuntimeCommand: async (input: InvokeAgentRuntimeCommandCommandInput, ctx: RequestContext) => {
      const view = await admitted(ctx, "InvokeAgentRuntimeCommand", input.agentRuntimeArn!, input.qualifier);
      requireMmds(view, ctx);
      const sessionId = input.runtimeSessionId ?? randomUUID();
      const spec = specFor(view, ctx, input.qualifier, sessionId);
      const { command, timeout } = input.body!;
      // The session starts (or its failure is the call's error) before the 200 and its stream.
      const held = await sessions.connect(spec);
      const out = commandStream();
      out.push({ contentStart: {} });
      sessions
        .runCommand(spec, command!, timeout ?? DEFAULT_COMMAND_TIMEOUT_SECONDS, (line) =>
          out.push({ contentDelta: { [line.stream]: `${line.text}\n` } }),
        )
        .then(({ exitCode, timedOut }) =>
          out.push({ contentStop: { exitCode, status: timedOut ? "TIMED_OUT" : "COMPLETED" } }),
        )
        .catch((error: Error) => out.push({ contentDelta: { stderr: `${error.message}\n` } }))
        .finally(() => {
          out.end();
          held.done();
        });
      return {
        runtimeSessionId: sessionId,
        contentType: EVENT_STREAM_CONTENT_TYPE,
        statusCode: 200,
        stream: out.stream,
      };
    },
    // A2A runtimes: the agent's own card, fetched from its session's instance (started if needed).
    GetAgentCard: async (input: GetAgentCardCommandInput, ctx: RequestContext) => {
      const view = await admitted(ctx, "GetAgentCard", input.agentRuntimeArn!, input.qualifier);
      requireMmds(view, ctx);
      if ((view.protocolConfiguration?.serverProtocol ?? "HTTP") !== "A2A") {
        throw new AwsError(
          "ValidationException",
          "GetAgentCard is supported only for runtimes with the A2A protocol.",
          {
            reason: "FieldValidationFailed",
          },
        );
      }
      const sessionId = input.runtimeSessionId ?? randomUUID();
      const spec = specFor(view, ctx, input.qualifier, sessionId);
      const forwarded = await sessions.invoke(
        spec,
        Buffer.alloc(0),
        { accept: "application/json", [SESSION_HEADER]: sessionId, [REQUEST_ID_HEADER]: ctx.requestId },
        { method: "GET", path: A2A_AGENT_CARD_PATH },
      );
      const chunks: Buffer[] = [];
      for await (const chunk of forwarded.body) chunks.push(chunk as Buffer);
      let agentCard: unknown;
      try {
        agentCard = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        throw new AwsError(
          "RuntimeClientError",
          `The agent's ${A2A_AGENT_CARD_PATH} is not JSON. Please check your CloudWatch logs for more information`,
        );
      }
      return { runtimeSessionId: sessionId, agentCard, statusCode: forwarded.statusCode };
    },
  };
}

/** How long a command may run when the call names no timeout (the model gives no default; ours). */
const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;

/** Where an A2A server serves its Agent Card (devguide runtime-service-contract, A2A). */
const A2A_AGENT_CARD_PATH = "/.well-known/agent-card.json";
