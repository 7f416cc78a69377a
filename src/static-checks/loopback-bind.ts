import { readFile } from "node:fs/promises";
import { extname, relative } from "node:path";
import { listSources } from "../agent/plan.js";
import { type Evidence, makeFinding } from "../findings/index.js";
import type { StaticCheck } from "./context.js";
import { blankPythonNonCode, lineAt } from "./python-host.js";

const LOOPBACK = String.raw`(?:127(?:\.\d{1,3}){3}|localhost|::1)`;
/** A host given as a loopback literal: `host="127.0.0.1"`, `host: 'localhost'`, `hostname: "::1"`. */
const HOST_ARGUMENT = new RegExp(String.raw`\b(?:host|hostname)\s*[=:]\s*["'](${LOOPBACK})["']`, "g");
/** A socket address tuple or a listen call: `("127.0.0.1", 8080)`, `.listen(8080, "localhost")`. */
const ADDRESS = new RegExp(
  String.raw`\(\s*["'](${LOOPBACK})["']\s*,\s*(\d{2,5})\s*\)|\.listen\s*\(\s*(\d{2,5})\s*,\s*["'](${LOOPBACK})["']`,
  "g",
);

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
export const checkLoopbackBind: StaticCheck = async ({ dir }) => {
  const evidence: Evidence[] = [];
  let port: number | undefined;
  for (const file of await listSources(dir, [".py", ".js", ".mjs", ".ts"], 3)) {
    const source = await readFile(file, "utf8");
    if (!/127\.|localhost|::1/.test(source)) continue;
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
