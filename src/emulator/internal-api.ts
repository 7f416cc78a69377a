import { containerOutput } from "./bedrock-agentcore/runtime-logs.js";
import type { WireRequest, WireResponse } from "./protocol/codec.js";
import type { Store } from "./store/store.js";

/** The emulator's own routes, apart from every AWS API: what `emulate logs` reads. */
export const INTERNAL_PREFIX = "/_emulator/";

function json(status: number, body: unknown): WireResponse {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/**
 * GET /_emulator/container-output?account=&region=&runtimeId=&after=: every
 * line the runtime's instances wrote, with whether AWS would have delivered
 * it to CloudWatch Logs; `after` (a count already read) lets a follower poll.
 */
export function internalRoute(
  store: Store,
  defaults: { account: string; region: string },
  request: WireRequest,
): WireResponse {
  if (request.method !== "GET" || request.path !== `${INTERNAL_PREFIX}container-output`) {
    return json(404, { message: `No emulator route ${request.method} ${request.path}.` });
  }
  const scope = {
    account: request.query.get("account") ?? defaults.account,
    region: request.query.get("region") ?? defaults.region,
  };
  const runtimeId = request.query.get("runtimeId") ?? undefined;
  const after = Number(request.query.get("after") ?? 0);
  const lines = containerOutput(store, scope, runtimeId);
  return json(200, {
    total: lines.length,
    lines: lines.slice(Number.isInteger(after) && after > 0 ? after : 0),
  });
}
