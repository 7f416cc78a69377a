import { readFile } from "node:fs/promises";
import { extname, relative } from "node:path";
import { listSources } from "../agent/plan.js";
import { type Evidence, makeFinding } from "../findings/index.js";
import type { StaticCheck } from "./context.js";
import { jsLoopbackBinds } from "./js-binds.js";
import { type PythonBind as LoopbackBind, readPython } from "./python-ast.js";
import { blankPythonNonCode, lineAt } from "./python-host.js";

const LOOPBACK = String.raw`(?:127(?:\.\d{1,3}){3}|localhost|::1)`;
/** A host given as a loopback literal: `host="127.0.0.1"`, `host: 'localhost'`, `hostname: "::1"`. */
const HOST_ARGUMENT = new RegExp(String.raw`\b(?:host|hostname)\s*[=:]\s*["'](${LOOPBACK})["']`, "g");
/** A socket address tuple or a listen call: `("127.0.0.1", 8080)`, `.listen(8080, "localhost")`. */
const ADDRESS = new RegExp(
  String.raw`\(\s*["'](${LOOPBACK})["']\s*,\s*(\d{2,5})\s*\)|\.listen\s*\(\s*(\d{2,5})\s*,\s*["'](${LOOPBACK})["']`,
  "g",
);

const Q = `["']`;
/**
 * A name given a loopback host, directly or as an environment variable's
 * default: `HOST = "127.0.0.1"`, `const HOST = process.env.HOST || "localhost"`,
 * `process.env["HOST"] ?? '::1'`, `os.environ.get("HOST", "127.0.0.1")`,
 * `os.getenv("HOST") or "localhost"`. Groups: name, variable, host (either form).
 */
const HOST_DEFINITION = new RegExp(
  [
    String.raw`^[ \t]*(?:export\s+)?(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)\s*(?::\s*[\w|" ]+)?=\s*`,
    "(?:",
    // JS: process.env.X || / ?? "loopback"
    String.raw`process\.env(?:\.([A-Za-z_]\w*)|\[\s*${Q}([A-Za-z_]\w*)${Q}\s*\])\s*(?:\|\||\?\?)\s*${Q}(${LOOPBACK})${Q}`,
    // Python: os.environ.get("X", "loopback") / os.getenv("X", "loopback")
    String.raw`|os\.(?:environ\.get|getenv)\(\s*${Q}([A-Za-z_]\w*)${Q}\s*,\s*${Q}(${LOOPBACK})${Q}\s*\)`,
    // Python: os.environ.get("X") or "loopback"
    String.raw`|os\.(?:environ\.get|getenv)\(\s*${Q}([A-Za-z_]\w*)${Q}\s*\)\s*or\s*${Q}(${LOOPBACK})${Q}`,
    // a constant
    String.raw`|${Q}(${LOOPBACK})${Q}\s*;?\s*$`,
    ")",
  ].join(""),
  "gm",
);
/** A loopback host a server call is given, in the words of the text reading. */
function bindFact(b: LoopbackBind, hasImage: boolean): string {
  if (b.env)
    return `the server is given ${b.via ?? "a host"}, which is ${b.host} unless the environment sets ${b.env}${hasImage ? " (the Dockerfile does not)" : ""}`;
  if (b.via) return `the server is given ${b.via}, the loopback host ${b.host}`;
  return b.address
    ? `the server binds the loopback address ${b.host}${b.port ? `:${b.port}` : ""}`
    : `the server is given the loopback host ${b.host}`;
}

/** Calls that start a server, whose arguments name its address. */
const SERVER_CALL =
  /\b(?:listen|run|serve|run_app|start_server|make_server|create_server|HTTPServer|ThreadingHTTPServer|TCPServer|ThreadingTCPServer|WSGIServer)\s*\(/g;

/** The text between the parenthesis at `open` and its match. */
function argumentsAt(code: string, open: number): string {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if ("([{".includes(code[i]!)) depth++;
    else if (")]}".includes(code[i]!) && --depth === 0) return code.slice(open + 1, i);
  }
  return code.slice(open + 1);
}

/** Comments out of the way, strings kept: a literal in a comment is not a bind. */
function codeOf(source: string, extension: string): string {
  if (extension === ".py") return blankPythonNonCode(source, { keepStrings: true });
  return source.replace(
    /\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm,
    (m, lead: string | undefined) => (lead ?? "") + m.slice((lead ?? "").length).replace(/[^\n]/g, " "),
  );
}

/**
 * A server told, in the code, to listen on a loopback address: AgentCore's
 * health check arrives on the instance's interface and never reaches it.
 * The SDK's own default (no host) is PYTHON_SDK_LOOPBACK_DEFAULT's.
 */
export const checkLoopbackBind: StaticCheck = async ({ dir, image }) => {
  const evidence: Evidence[] = [];
  let port: number | undefined;
  const files: string[] = [];
  for (const file of await listSources(dir, [".py", ".js", ".mjs", ".ts"], 3)) {
    if (/127\.|localhost|::1/.test(await readFile(file, "utf8"))) files.push(file);
  }
  // Python read with its own parser (python-ast.ts), JS and TS with @babel/parser (js-binds.ts); the text reading below only for a file neither could read.
  const python = await readPython(files.filter((f) => extname(f) === ".py"));
  for (const file of files) {
    const binds =
      extname(file) === ".py" ? python.get(file)?.binds : jsLoopbackBinds(await readFile(file, "utf8"));
    if (binds) {
      for (const b of binds) {
        // The image sets the variable: its value, not the default, is the host.
        if (b.env && image?.env[b.env] !== undefined) continue;
        port ??= b.port;
        evidence.push({
          fact: bindFact(b, image !== undefined),
          source: { kind: "file", path: relative(dir, file), line: b.line },
        });
      }
      continue;
    }
    const source = await readFile(file, "utf8");
    const code = codeOf(source, extname(file));
    const line = (offset: number) => lineAt(code, offset);
    for (const m of code.matchAll(HOST_ARGUMENT)) {
      const statement = code.slice(m.index, code.indexOf("\n", m.index));
      port ??= Number(/\bport\s*[=:]\s*(\d{2,5})/.exec(statement)?.[1] ?? Number.NaN) || undefined;
      evidence.push({
        fact: `the server is given the loopback host ${m[1]}`,
        source: { kind: "file", path: relative(dir, file), line: line(m.index) },
      });
    }
    // A host named once (a constant, or an environment variable's default) and given to a server later.
    for (const d of code.matchAll(HOST_DEFINITION)) {
      const [name, variable] = [d[1]!, d[2] ?? d[3] ?? d[5] ?? d[7]];
      const host = d[4] ?? d[6] ?? d[8] ?? d[9]!;
      // The image sets the variable: its value, not the default, is the host.
      if (variable && image?.env[variable] !== undefined) continue;
      const used = new RegExp(String.raw`(?<![\w$.])${name.replace(/\$/g, "\\$")}(?![\w$])`);
      const given = [...code.matchAll(SERVER_CALL)].find((call) => {
        if (call.index <= d.index) return false;
        return used.test(argumentsAt(code, call.index + call[0].length - 1));
      });
      if (!given) continue;
      evidence.push({
        fact: variable
          ? `the server is given ${name}, which is ${host} unless the environment sets ${variable}${image ? " (the Dockerfile does not)" : ""}`
          : `the server is given ${name}, the loopback host ${host}`,
        source: { kind: "file", path: relative(dir, file), line: line(given.index) },
      });
    }
    for (const m of code.matchAll(ADDRESS)) {
      port ??= Number(m[2] ?? m[3]);
      evidence.push({
        fact: `the server binds the loopback address ${m[1] ?? m[4]}:${m[2] ?? m[3]}`,
        source: { kind: "file", path: relative(dir, file), line: line(m.index) },
      });
    }
  }
  return evidence.length > 0 ? [makeFinding("BIND_LOOPBACK", evidence, { port: port ?? 8080 })] : [];
};
