/**
 * Node.js 22's built-in modules: what a NODE_22 code zip may import without
 * carrying it in node_modules.
 *
 * `require("node:module").builtinModules` of Node.js v20.20.2 on the
 * machine this was written on (2026-12): Node 22 adds no module to that list.
 * Node 22 also has modules that exist only with the `node:` prefix
 * (nodejs.org/docs/latest-v22.x/api/modules.html, "Built-in modules with
 * mandatory node: prefix"): node:sea, node:sqlite, node:test and
 * node:test/reporters. Any other `node:` name does not exist.
 */
export const NODE_BUILTINS_SOURCE =
  "require('node:module').builtinModules of Node.js v20.20.2, and the node: prefix-only modules of the Node.js 22 docs";

const BUILTINS: ReadonlySet<string> = new Set([
  "_http_agent",
  "_http_client",
  "_http_common",
  "_http_incoming",
  "_http_outgoing",
  "_http_server",
  "_stream_duplex",
  "_stream_passthrough",
  "_stream_readable",
  "_stream_transform",
  "_stream_wrap",
  "_stream_writable",
  "_tls_common",
  "_tls_wrap",
  "assert",
  "assert/strict",
  "async_hooks",
  "buffer",
  "child_process",
  "cluster",
  "console",
  "constants",
  "crypto",
  "dgram",
  "diagnostics_channel",
  "dns",
  "dns/promises",
  "domain",
  "events",
  "fs",
  "fs/promises",
  "http",
  "http2",
  "https",
  "inspector",
  "inspector/promises",
  "module",
  "net",
  "os",
  "path",
  "path/posix",
  "path/win32",
  "perf_hooks",
  "process",
  "punycode",
  "querystring",
  "readline",
  "readline/promises",
  "repl",
  "stream",
  "stream/consumers",
  "stream/promises",
  "stream/web",
  "string_decoder",
  "sys",
  "timers",
  "timers/promises",
  "tls",
  "trace_events",
  "tty",
  "url",
  "util",
  "util/types",
  "v8",
  "vm",
  "wasi",
  "worker_threads",
  "zlib",
]);

const PREFIX_ONLY: ReadonlySet<string> = new Set(["sea", "sqlite", "test", "test/reporters"]);

/** Whether `specifier` (as written in an import or require) names a Node.js 22 built-in module. */
export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith("node:")) {
    const name = specifier.slice("node:".length);
    return BUILTINS.has(name) || PREFIX_ONLY.has(name);
  }
  return BUILTINS.has(specifier);
}
