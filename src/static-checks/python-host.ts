import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { listSources, starterToolkitDeploy } from "../agent/plan.js";
import { type Evidence, makeFinding } from "../findings/index.js";
import type { StaticCheck } from "./context.js";
import { type PythonReading, readPython } from "./python-ast.js";

/**
 * Blanks out comments and string literals (or only comments, with
 * `keepStrings`), keeping every newline, so a call found in what remains is
 * code and its offset still gives the right line.
 */
export function blankPythonNonCode(source: string, options: { keepStrings?: boolean } = {}): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "#") {
      while (i < source.length && source[i] !== "\n") {
        out += " ";
        i++;
      }
      continue;
    }
    if (ch === '"' || ch === "'") {
      const triple = source.startsWith(ch.repeat(3), i);
      const close = triple ? ch.repeat(3) : ch;
      const start = i;
      i += close.length;
      while (i < source.length && !source.startsWith(close, i) && (triple || source[i] !== "\n")) {
        if (source[i] === "\\") i++;
        i++;
      }
      i = Math.min(i + close.length, source.length);
      const literal = source.slice(start, i);
      out += options.keepStrings ? literal : literal.replace(/[^\n]/g, " ");
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** The text between the parenthesis at `open` and its match. */
function callArguments(code: string, open: number): string {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if ("([{".includes(code[i]!)) depth++;
    else if (")]}".includes(code[i]!) && --depth === 0) return code.slice(open + 1, i);
  }
  return code.slice(open + 1);
}

/** Whether a call passes `host`: by keyword, or as `run`'s second positional argument. */
function passesHost(args: string, hostPosition: number | undefined): boolean {
  if (/\bhost\s*=/.test(args) || /\*\*\w/.test(args)) return true;
  if (hostPosition === undefined) return false;
  let depth = 0;
  let positional = args.trim() === "" ? 0 : 1;
  for (const ch of args) {
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === "," && depth === 0) positional++;
  }
  const keywordArgs = (args.match(/\b\w+\s*=(?!=)/g) ?? []).length;
  return positional - keywordArgs > hostPosition;
}

/** The 1-based line of an offset in a source text. */
export const lineAt = (code: string, offset: number) => code.slice(0, offset).split("\n").length;

export interface HostlessCall {
  file: string;
  line: number;
  call: string;
  /** The same call with a host, as its fix: `app.run(host="0.0.0.0")`, `serve_a2a(agent, host="0.0.0.0")`. */
  fixed?: string;
}

/** The call with `host="0.0.0.0"` added to the arguments it was given. */
function withHost(callee: string, args: string): string {
  const given = args.trim().replace(/\s+/g, " ").replace(/,\s*$/, "");
  return `${callee}(${given ? `${given}, ` : ""}host="0.0.0.0")`;
}

/** The AgentCore SDK apps a module creates (`app = BedrockAgentCoreApp()`), with the 1-based line of each. */
export function sdkApps(code: string): { name: string; line: number }[] {
  return [
    ...code.matchAll(
      /\b([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*(?:[\w.]+\.)?(?:BedrockAgentCoreApp|AGUIApp)\s*\(/g,
    ),
  ].map((m) => ({ name: m[1]!, line: lineAt(code, m.index) }));
}

/** Calls that start an AgentCore SDK server with the SDK's host default. */
export function findHostlessRuns(code: string, file: string): HostlessCall[] {
  const calls: HostlessCall[] = [];
  const apps = new Set(sdkApps(code).map((app) => app.name));
  for (const app of apps) {
    for (const m of code.matchAll(new RegExp(`\\b${app}\\s*\\.\\s*run\\s*\\(`, "g"))) {
      const open = m.index + m[0].length - 1;
      const args = callArguments(code, open);
      if (!passesHost(args, 1))
        calls.push({
          file,
          line: lineAt(code, m.index),
          call: `${app}.run(${args.trim()})`,
          fixed: withHost(`${app}.run`, args),
        });
    }
  }
  // The SDK's A2A and AG-UI servers take the same host default (host=None: auto-detected).
  for (const m of code.matchAll(/\b(serve_a2a|serve_ag_ui)\s*\(/g)) {
    const open = m.index + m[0].length - 1;
    const args = callArguments(code, open);
    if (!passesHost(args, undefined)) {
      const shown = args.trim().length > 40 ? "..." : args.trim().replace(/\s+/g, " ");
      calls.push({
        file,
        line: lineAt(code, m.index),
        call: `${m[1]}(${shown})`,
        fixed: withHost(m[1]!, shown === "..." ? "..." : args),
      });
    }
  }
  return calls;
}

/** The same calls, from Python's own parse of the file (src/static-checks/python-ast.ts). */
export function hostlessRunsOf(reading: PythonReading, file: string): HostlessCall[] {
  return reading.starts
    .filter((start) => !start.passesHost)
    .map((start) => {
      const run = start.callee.endsWith(".run");
      const shown = run || start.args.length <= 40 ? start.args : "...";
      return {
        file,
        line: start.line,
        call: `${start.callee}(${shown})`,
        fixed: withHost(start.callee, shown),
      };
    });
}

/**
 * The Python SDK binds 127.0.0.1 when run() gets no host, unless /.dockerenv
 * exists or DOCKER_CONTAINER is set; AgentCore's microVMs have no /.dockerenv.
 */
export const checkPythonSdkHostDefault: StaticCheck = async ({ dir, image, config }) => {
  if (image?.env.DOCKER_CONTAINER?.value) return [];
  // A CodeZip deploy runs on the managed runtime, whose environment we cannot see from here.
  if (!image && config?.kind === "agentcore-json" && config.build === "CodeZip") return [];
  // The starter toolkit's generated Dockerfile (made at `agentcore launch` when there is none) sets DOCKER_CONTAINER=1.
  if (!image && (await starterToolkitDeploy(dir, config))) return [];
  const calls: HostlessCall[] = [];
  const candidates: { file: string; source: string }[] = [];
  for (const file of await listSources(dir, [".py"], 3)) {
    const source = await readFile(file, "utf8");
    if (/BedrockAgentCoreApp|AGUIApp|serve_a2a|serve_ag_ui/.test(source)) candidates.push({ file, source });
  }
  // Python's own parse where it can; the text reading for a file it cannot parse (or without python3).
  const readings = await readPython(candidates.map((c) => c.file));
  for (const { file, source } of candidates) {
    const reading = readings.get(file);
    calls.push(
      ...(reading
        ? hostlessRunsOf(reading, relative(dir, file))
        : findHostlessRuns(blankPythonNonCode(source), relative(dir, file))),
    );
  }
  if (calls.length === 0) return [];
  const evidence: Evidence[] = calls.map((c) => ({
    fact: `${c.call} passes no host`,
    source: { kind: "file", path: c.file, line: c.line },
  }));
  evidence.push(
    image
      ? {
          fact: "the Dockerfile does not set ENV DOCKER_CONTAINER",
          source: { kind: "file", path: relative(dir, image.path) },
        }
      : { fact: "no Dockerfile sets DOCKER_CONTAINER", source: { kind: "tool", detail: "static check" } },
  );
  const first = calls[0]!;
  return [
    makeFinding("PYTHON_SDK_LOOPBACK_DEFAULT", evidence, {
      file: `${first.file}:${first.line}`,
      call: first.call.replace(/\(.+\)$/s, "(...)"),
      fixed: first.fixed ?? `${first.call.replace(/\(.*\)$/s, "")}(host="0.0.0.0")`,
      // Only a Dockerfile that exists is worth editing.
      remedy: image
        ? "Add `ENV DOCKER_CONTAINER=1` to the Dockerfile"
        : "Set `DOCKER_CONTAINER=1` in the environment of the image that runs it",
    }),
  ];
};
