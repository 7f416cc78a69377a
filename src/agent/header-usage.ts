import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { listSources } from "./plan.js";

/**
 * The request headers an agent's source reads by name: `request_headers.get("X-Api-Key")`,
 * `context.request_headers["X-Tenant"]`, `request.headers.get('x-api-key')`,
 * `req.headers["x-api-key"]`, `event.headers?.["x-api-key"]`. Only a caller's
 * headers count (X-… and Authorization): HTTP's own and the platform's
 * session, request and trace ids are never a question of the allow-list.
 */
export interface HeaderRead {
  /** As written in the source. */
  name: string;
  file: string;
  line: number;
}

const SOURCE_EXTENSIONS = [".py", ".js", ".cjs", ".mjs", ".ts", ".cts", ".mts"];
const MAX_FILES = 400;
/**
 * A read of an incoming request's header: `<object>.headers` (or
 * `request_headers`, bare or as an attribute) then `.get("…")` or `["…"]`,
 * or `getHeader("…")`. A bare `headers` is left out: it is most often a dict
 * the agent builds for its own outgoing calls, as is any `…["…"] = value`.
 */
const READ =
  /(?:\w\.headers|\brequest_headers)\??\.?(?:get\(\s*|\[\s*)(["'])([A-Za-z][A-Za-z0-9_-]{0,255})\1(?!\s*\]?\s*=[^=])|getHeader\(\s*(["'])([A-Za-z][A-Za-z0-9_-]{0,255})\3/g;

/**
 * Whether a header is one a caller would send for the agent to read, and so a
 * question of the allow-list: custom names (X-…) and Authorization. HTTP's own
 * headers (Transfer-Encoding, Accept-Encoding, Connection, …) come with every
 * request the platform makes, so an agent reading them says nothing; the
 * platform's own X- headers are left out by name.
 */
function mayBeCallers(name: string): boolean {
  const lower = name.toLowerCase();
  return (lower.startsWith("x-") || lower === "authorization") && !PLATFORM_HEADERS.has(lower);
}

/** The platform's own X- headers, sent on every invocation: never a question of the allow-list. */
const PLATFORM_HEADERS = new Set([
  "x-amzn-bedrock-agentcore-runtime-session-id",
  "x-amzn-bedrock-agentcore-runtime-request-id",
  "x-amzn-bedrock-agentcore-runtime-user-id",
  "x-amzn-trace-id",
]);

export async function scanHeaderReads(dir: string): Promise<HeaderRead[]> {
  const files = (await listSources(dir, SOURCE_EXTENSIONS, 6))
    .filter((f) => !f.endsWith(".d.ts") && !/[/\\](node_modules|\.venv|site-packages)[/\\]/.test(f))
    .slice(0, MAX_FILES);
  const reads: HeaderRead[] = [];
  for (const file of files) {
    const text = await readFile(file, "utf8").catch(() => "");
    for (const [i, line] of text.split("\n").entries()) {
      if (/^\s*(#|\/\/)/.test(line)) continue;
      for (const match of line.matchAll(READ)) {
        const name = match[2] ?? match[4]!;
        if (!mayBeCallers(name)) continue;
        reads.push({ name, file: relative(dir, file) || file, line: i + 1 });
      }
    }
  }
  return reads;
}
