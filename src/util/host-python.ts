import { execFileSync } from "node:child_process";

/**
 * The host's Python for the tool's own readings of source (never for running an
 * agent, whose interpreter its project chooses): `ACD_PYTHON`, else `python3`,
 * resolved once to the interpreter binary itself. Behind a version manager's
 * shim (pyenv here) every start of `python3` costs a shell and a lookup, about
 * a quarter of a second on this machine; the binary starts in a tenth of that.
 * Undefined when there is none, with the reason.
 */
export function hostPython(): { path: string } | { why: string } {
  resolved ??= resolve();
  return resolved;
}

let resolved: { path: string } | { why: string } | undefined;

function resolve(): { path: string } | { why: string } {
  const named = process.env.ACD_PYTHON ?? "python3";
  try {
    const path = execFileSync(named, ["-I", "-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
      timeout: 15_000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return { path: path || named };
  } catch (error) {
    return {
      why: `${named} could not be run (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    };
  }
}
