import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { repoRoot } from "./cli.js";

/**
 * `agentcore-doctor emulate --port 0 [--state-dir DIR] [args]` as its own process, so a test can kill it
 * with SIGKILL; `detached` gives it its own process group, as a terminal's, for signals sent to the group.
 */
export async function startEmulatorProcess(
  stateDir: string | undefined,
  args: readonly string[] = [],
  options: { detached?: boolean } = {},
): Promise<{ child: ChildProcess; url: string; port: number; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      resolve(repoRoot, "src/cli/main.ts"),
      "emulate",
      "--port",
      "0",
      ...(stateDir ? ["--state-dir", stateDir] : []),
      ...args,
    ],
    { cwd: repoRoot, ...(options.detached ? { detached: true, stdio: ["ignore", "pipe", "pipe"] } : {}) },
  );
  let stderr = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk;
      const match = /emulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) resolveUrl(match[1]!);
    });
    child.once("exit", () => reject(new Error(`emulate exited early: ${stderr}`)));
  });
  return { child, url, port: Number(new URL(url).port), stderr: () => stderr };
}

/** Sends `signal` and waits for the process to be gone. */
export function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    child.once("exit", () => resolveStop());
    child.kill(signal);
  });
}
