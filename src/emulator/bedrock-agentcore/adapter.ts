import { randomUUID } from "node:crypto";
import type {
  InvokeAgentRuntimeCommandInput,
  StopRuntimeSessionCommandInput,
} from "@aws-sdk/client-bedrock-agentcore";
import { REQUEST_ID_HEADER, SESSION_HEADER } from "../../agent/probe.js";
import type { Protocol } from "../../agent/types.js";
import type { Adapter } from "../adapter.js";
import type { AgentRuntimes, RuntimeView } from "../bedrock-agentcore-control/model.js";
import type { RequestContext } from "../context.js";
import { AwsError } from "../protocol/errors.js";
import { InboundAuth } from "./inbound-auth.js";
import type { SessionManager, SessionSpec } from "./sessions.js";

function specFor(
  view: RuntimeView,
  ctx: RequestContext,
  qualifier: string | undefined,
  sessionId: string,
): SessionSpec {
  const container = (view.agentRuntimeArtifact as { containerConfiguration?: { containerUri: string } })
    .containerConfiguration;
  if (!container) {
    throw new AwsError(
      "ValidationException",
      "The emulator runs container runtimes only; this runtime has a code artifact.",
      { reason: "FieldValidationFailed" },
    );
  }
  return {
    account: ctx.account,
    runtimeId: view.agentRuntimeId,
    endpointName: qualifier ?? "DEFAULT",
    roleArn: view.roleArn,
    version: view.agentRuntimeVersion,
    sessionId,
    containerUri: container.containerUri,
    protocol: (view.protocolConfiguration?.serverProtocol ?? "HTTP") as Protocol,
    environmentVariables: view.environmentVariables ?? {},
    region: ctx.region,
    idleTimeoutSeconds: view.lifecycleConfiguration.idleRuntimeSessionTimeout,
    maxLifetimeSeconds: view.lifecycleConfiguration.maxLifetime,
    network: view.networkConfiguration,
  };
}

/** The data plane: invocations go to a session's instance, started on first use. */
export function dataPlaneAdapter(
  runtimes: AgentRuntimes,
  sessions: SessionManager,
  inboundAuth: InboundAuth = new InboundAuth(),
): Adapter {
  /** The version the call reaches, once its caller is let in (inbound auth) as AgentCore lets callers in. */
  async function admitted(
    ctx: RequestContext,
    arn: string,
    qualifier: string | undefined,
  ): Promise<RuntimeView> {
    inboundAuth.requireCredentials(ctx);
    const view = runtimes.resolveInvocationTarget(ctx, arn, qualifier);
    await inboundAuth.authorize(view.authorizerConfiguration, ctx);
    return view;
  }
  return {
    InvokeAgentRuntime: async (input: InvokeAgentRuntimeCommandInput, ctx: RequestContext) => {
      const sessionId = input.runtimeSessionId ?? randomUUID();
      const view = await admitted(ctx, input.agentRuntimeArn!, input.qualifier);
      const spec = specFor(view, ctx, input.qualifier, sessionId);
      const headers: Record<string, string> = {
        "content-type": input.contentType ?? "application/json",
        accept: input.accept ?? "application/json, text/event-stream",
        [SESSION_HEADER]: sessionId,
        [REQUEST_ID_HEADER]: ctx.requestId,
        ...(input.mcpSessionId ? { "mcp-session-id": input.mcpSessionId } : {}),
        ...(input.mcpProtocolVersion ? { "mcp-protocol-version": input.mcpProtocolVersion } : {}),
        ...(input.traceId ? { "x-amzn-trace-id": input.traceId } : {}),
        ...(input.traceParent ? { traceparent: input.traceParent } : {}),
      };
      const forwarded = await sessions.invoke(
        spec,
        Buffer.from((input.payload as Uint8Array | undefined) ?? new Uint8Array()),
        headers,
      );
      return {
        runtimeSessionId: sessionId,
        contentType: forwarded.contentType,
        statusCode: forwarded.statusCode,
        response: forwarded.body,
        ...(input.mcpSessionId ? { mcpSessionId: input.mcpSessionId } : {}),
      };
    },
    StopRuntimeSession: async (input: StopRuntimeSessionCommandInput, ctx: RequestContext) => {
      const view = await admitted(ctx, input.agentRuntimeArn!, input.qualifier);
      const stopped = await sessions.stop(view.agentRuntimeId, input.runtimeSessionId!);
      if (!stopped)
        throw new AwsError("ResourceNotFoundException", `Session ${input.runtimeSessionId} is not running.`);
      return { runtimeSessionId: input.runtimeSessionId, statusCode: 200 };
    },
  };
}
