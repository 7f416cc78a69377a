/**
 * Which request headers AgentCore Runtime passes to an agent (devguide
 * runtime-header-allowlist, widened in 2026-05): those the runtime's
 * requestHeaderConfiguration allow-lists, when the header is allowed at all:
 * not in the restricted set, not x-amz-*, not x-amzn-* except the legacy
 * X-Amzn-Bedrock-AgentCore-Runtime-Custom-* prefix, Authorization only with
 * a customJWTAuthorizer; values up to 4 KB. The emulator forwards by these
 * rules and diagnose judges by them.
 */
export const HEADER_ALLOWLIST_SOURCE =
  "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-header-allowlist.html";

/** The prefix every AgentCore release has forwarded (the only one before the 2026-05 widening). */
export const LEGACY_CUSTOM_PREFIX = "x-amzn-bedrock-agentcore-runtime-custom-";

/** Headers AgentCore never propagates to an agent (devguide runtime-header-allowlist, "Restricted headers"). */
export const RESTRICTED_HEADERS: ReadonlySet<string> = new Set(
  [
    "Proxy-Authorization",
    "WWW-Authenticate",
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Content-Type",
    "Content-Length",
    "Content-Encoding",
    "Content-Language",
    "Content-Location",
    "Content-Range",
    "Cache-Control",
    "ETag",
    "Expires",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Last-Modified",
    "Pragma",
    "Vary",
    "Connection",
    "Keep-Alive",
    "Proxy-Connection",
    "Upgrade",
    "Host",
    "User-Agent",
    "Referer",
    "From",
    "Range",
    "Accept-Ranges",
    "Transfer-Encoding",
    "TE",
    "Trailer",
  ].map((h) => h.toLowerCase()),
);

/** Why a header name cannot be in a runtime's allow-list, or undefined when it can. */
export function headerRefusal(name: string, hasJwtAuthorizer: boolean): string | undefined {
  const lower = name.toLowerCase();
  if (RESTRICTED_HEADERS.has(lower)) return `${name} is a restricted header`;
  if (lower.startsWith(LEGACY_CUSTOM_PREFIX)) return undefined;
  if (lower.startsWith("x-amz-")) return `headers starting with x-amz- are reserved for SigV4 signing`;
  if (lower.startsWith("x-amzn-"))
    return `headers starting with x-amzn- are not allowed, except X-Amzn-Bedrock-AgentCore-Runtime-Custom-*`;
  if (lower === "authorization" && !hasJwtAuthorizer)
    return "the Authorization header requires a customJWTAuthorizer on the runtime";
  return undefined;
}

/**
 * The headers of an invocation that reach the agent: those the runtime
 * allow-lists (case-insensitively) and the rules allow. Everything else a
 * caller sends stays at the platform.
 */
export function forwardedHeaders(
  received: Readonly<Record<string, string>> | undefined,
  allowlist: readonly string[] | undefined,
  hasJwtAuthorizer: boolean,
): Record<string, string> {
  if (!received || !allowlist?.length) return {};
  const allowed = new Set(allowlist.map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(received)) {
    const lower = name.toLowerCase();
    // Header values are limited to 4 KB.
    if (allowed.has(lower) && !headerRefusal(lower, hasJwtAuthorizer) && Buffer.byteLength(value) <= 4096)
      out[lower] = value;
  }
  return out;
}
