import {
  type BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";

/** What every bench sends an agent: small, so the figures are the platform's and not the payload's. */
export const BENCH_PAYLOAD = JSON.stringify({ prompt: "ping" });

/** One new session: milliseconds from InvokeAgentRuntime to the answer's first byte; the session is stopped after. */
export async function coldStart(
  data: BedrockAgentCoreClient,
  arn: string,
  runtimeSessionId: string,
): Promise<number> {
  const started = performance.now();
  const answer = await data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: arn,
      runtimeSessionId,
      contentType: "application/json",
      payload: Buffer.from(BENCH_PAYLOAD),
    }),
  );
  const reader = (answer.response as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  await reader.next();
  const elapsed = performance.now() - started;
  await reader.return?.();
  await data.send(new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId }));
  return elapsed;
}
