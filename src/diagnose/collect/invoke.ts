import { randomUUID } from "node:crypto";
import { type BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { apiSource, type Sourced } from "../evidence.js";

export interface InvokeEvidence {
  sessionId: string;
  ok: boolean;
  elapsedMs: number;
  statusCode?: number;
  contentType?: string;
  /** The first bytes of the answer. */
  preview?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** The messages AgentCore gives a session whose container never turned healthy. */
const HEALTH_CHECK = /health check failed or timed out|initialization time exceeded/i;

export function isHealthCheckFailure(e: InvokeEvidence): boolean {
  return (
    !e.ok &&
    (HEALTH_CHECK.test(e.errorMessage ?? "") ||
      (e.errorCode === "RuntimeClientError" && e.statusCode === 424 && !e.errorMessage))
  );
}

/**
 * `--invoke`: one invocation on a fresh session id, the only call diagnose
 * makes that is not read-only. A new session means a new instance, so this
 * tests the container's start-up and health check as a user's first call would.
 */
export async function probeInvoke(
  data: BedrockAgentCoreClient,
  target: { runtimeArn: string; qualifier: string },
  timeoutMs = 180_000,
): Promise<Sourced<InvokeEvidence>> {
  const sessionId = `agentcore-doctor-${randomUUID()}`;
  const parameters = {
    agentRuntimeArn: target.runtimeArn,
    qualifier: target.qualifier,
    runtimeSessionId: sessionId,
  };
  const source = apiSource("bedrock-agentcore", "InvokeAgentRuntime", parameters);
  const started = Date.now();
  try {
    const output = await data.send(
      new InvokeAgentRuntimeCommand({
        ...parameters,
        contentType: "application/json",
        accept: "application/json, text/event-stream",
        payload: new TextEncoder().encode(JSON.stringify({ prompt: "agentcore-doctor diagnose: hello" })),
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    const body = output.response ? await output.response.transformToString() : "";
    return {
      value: {
        sessionId,
        ok: true,
        elapsedMs: Date.now() - started,
        ...(output.statusCode ? { statusCode: output.statusCode } : {}),
        ...(output.contentType ? { contentType: output.contentType } : {}),
        preview: body.slice(0, 300),
      },
      source,
    };
  } catch (error) {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return {
      value: {
        sessionId,
        ok: false,
        elapsedMs: Date.now() - started,
        ...(e.$metadata?.httpStatusCode ? { statusCode: e.$metadata.httpStatusCode } : {}),
        errorCode: e.name ?? "Error",
        errorMessage: e.message ?? String(error),
      },
      source,
    };
  }
}
