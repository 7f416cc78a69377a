import { containerOutput } from "./bedrock-agentcore/runtime-logs.js";
import { CONSOLE_PAGE } from "./console/page.js";
import type { ConsoleState } from "./console/state.js";
import { INTERNAL_PREFIX } from "./defaults.js";
import type { ServiceBinding } from "./dispatch.js";
import type { WireRequest, WireResponse } from "./protocol/codec.js";
import { resetState, resettableServices } from "./reset.js";
import type { Store } from "./store/store.js";

export { INTERNAL_PREFIX };

const RESET = `${INTERNAL_PREFIX}reset`;

export interface InternalApiContext {
  store: Store;
  services: readonly ServiceBinding[];
  defaults: { account: string; region: string };
  /** The read-only state document, and whether `emulate --console` asked for the page. */
  view?: { state: () => ConsoleState; console: boolean };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): WireResponse {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/**
 * GET /_emulator/container-output?account=&region=&runtimeId=&after=: every
 * line the runtime's instances wrote, with whether AWS would have delivered
 * it to CloudWatch Logs; `after` (a count already read) lets a follower poll.
 */
function containerOutputRoute(context: InternalApiContext, request: WireRequest): WireResponse {
  const scope = {
    account: request.query.get("account") ?? context.defaults.account,
    region: request.query.get("region") ?? context.defaults.region,
  };
  const runtimeId = request.query.get("runtimeId") ?? undefined;
  const after = Number(request.query.get("after") ?? 0);
  const lines = containerOutput(context.store, scope, runtimeId);
  return json(200, {
    total: lines.length,
    lines: lines.slice(Number.isInteger(after) && after > 0 ? after : 0),
  });
}

/**
 * POST /_emulator/reset: every account's and region's state, as a fresh
 * emulator has it; POST /_emulator/reset/<service> (a signing name: ec2,
 * logs, bedrock-agentcore, ...): that service's only. The names LocalStack
 * (`POST /_localstack/state/reset`, `/_localstack/state/<service>/reset`) and
 * moto (`POST /moto-api/reset`) use for theirs, in this emulator's prefix.
 */
async function resetRoute(context: InternalApiContext, request: WireRequest): Promise<WireResponse> {
  if (request.method !== "POST")
    return json(405, { message: `Reset is POST ${request.path}.` }, { allow: "POST" });
  const rest = request.path.slice(RESET.length).replace(/^\//, "").replace(/\/$/, "");
  const service = rest === "" ? undefined : decodeURIComponentSafe(rest);
  const result = await resetState(context.store, context.services, service);
  if (!result)
    return json(404, {
      message: `No emulated service keeps state as ${JSON.stringify(rest)}; reset one of: ${resettableServices(context.services).join(", ")}, or POST ${RESET} for all.`,
    });
  return json(200, result);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export async function internalRoute(
  context: InternalApiContext,
  request: WireRequest,
): Promise<WireResponse> {
  if (request.path === RESET || request.path.startsWith(`${RESET}/`)) return resetRoute(context, request);
  if (request.method === "GET" && request.path === `${INTERNAL_PREFIX}container-output`)
    return containerOutputRoute(context, request);
  if (request.method === "GET" && request.path === `${INTERNAL_PREFIX}state` && context.view)
    return json(200, context.view.state(), { "cache-control": "no-store" });
  if (request.method === "GET" && request.path === `${INTERNAL_PREFIX}console`) {
    if (!context.view?.console)
      return json(404, { message: "The console is off: start the emulator with `emulate --console`." });
    return {
      status: 200,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        // The page loads nothing but itself and the state document.
        "content-security-policy":
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      },
      body: Buffer.from(CONSOLE_PAGE),
    };
  }
  return json(404, { message: `No emulator route ${request.method} ${request.path}.` });
}
