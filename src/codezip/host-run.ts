import { spawnSync } from "node:child_process";
import type { CodeZipTarget } from "./runtime.js";

/**
 * Starting an unpacked code zip on this machine's interpreter for its
 * managed runtime: shared by `check` (a zip file) and the emulator's
 * sessions of code runtimes.
 */

/** The interpreter of this machine a zip's start-up runs on, and how it differs from the runtime asked. */
export interface ZipInterpreter {
  /** The program as found on PATH (`python3.12`, `python3`, `node`). */
  command: string;
  /** Its own sys.executable / process.execPath. */
  path: string;
  version: string;
  /** Whether its version is the one the runtime names (3.12 for PYTHON_3_12, 22 for NODE_22). */
  matches: boolean;
}

function probeInterpreter(command: string, args: string[]): { path: string; version: string } | undefined {
  const run = spawnSync(command, args, { encoding: "utf8", timeout: 10_000 });
  if (run.status !== 0) return undefined;
  const [version, path] = run.stdout.trim().split("\n");
  return version && path ? { version: version.trim(), path: path.trim() } : undefined;
}

/**
 * The host interpreter closest to the managed runtime: python3.N when this
 * machine has it, else python3; node for NODE_22. Undefined when none runs.
 */
export function hostInterpreter(runtime: CodeZipTarget["runtime"]): ZipInterpreter | undefined {
  if (runtime === "NODE_22") {
    const found = probeInterpreter("node", [
      "-e",
      "console.log(process.versions.node);console.log(process.execPath)",
    ]);
    return found && { command: "node", ...found, matches: found.version.split(".")[0] === "22" };
  }
  const wanted = `3.${runtime.slice("PYTHON_3_".length)}`;
  for (const command of [`python${wanted}`, "python3"]) {
    const found = probeInterpreter(command, [
      "-c",
      "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(sys.executable)",
    ]);
    if (found)
      return { command, ...found, matches: found.version.split(".").slice(0, 2).join(".") === wanted };
  }
  return undefined;
}

/**
 * The command that starts an unpacked zip on this machine: the entry
 * script with the host interpreter. Python runs with -S (no site-packages
 * of this machine: only the zip and the standard library, as the zip
 * checks assume) and the zip's root on PYTHONPATH (where pip --target puts
 * dependencies). A command item (opentelemetry-instrument) is not run in
 * host mode; the notes say so.
 */
export function zipRunCommand(
  target: CodeZipTarget,
  interpreter: ZipInterpreter,
  root: string,
): { argv: string[]; env: Record<string, string>; notes: string[] } | { why: string } {
  const items = target.entryPoint.map((i) => i.trim().replace(/^(\.\/)+/, ""));
  const script = items.find((i) => /\.(py|js|mjs|cjs)$/.test(i));
  if (!script)
    return { why: `the entry point ${JSON.stringify(target.entryPoint)} names no script to start` };
  const notes: string[] = [];
  const command = items.find((i) => i !== script);
  if (command)
    notes.push(
      `the entry point's command ${command} was not run in host mode: ${script} was started directly with the interpreter`,
    );
  const wanted =
    target.runtime === "NODE_22" ? "Node.js 22" : `Python 3.${target.runtime.slice("PYTHON_3_".length)}`;
  const lang = target.runtime === "NODE_22" ? "Node.js" : "Python";
  notes.push(
    interpreter.matches
      ? `started from the unpacked zip with ${interpreter.path} (${lang} ${interpreter.version}), this machine's interpreter for ${target.runtime}; not the managed runtime's own base`
      : `started from the unpacked zip with ${interpreter.path} (${lang} ${interpreter.version}): this machine has no ${wanted}, so start-up was judged on ${interpreter.version}, not on ${target.runtime}`,
  );
  if (target.runtime === "NODE_22") return { argv: [interpreter.path, script], env: {}, notes };
  return {
    argv: [interpreter.path, "-S", script],
    env: { PYTHONPATH: root, PYTHONNOUSERSITE: "1" },
    notes: [
      ...notes,
      "Python ran with -S and the zip's root on PYTHONPATH: this machine's site-packages were not used",
    ],
  };
}
