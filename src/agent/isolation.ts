import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readlink, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * AgentCore's microVMs have no /.dockerenv, but Docker hosts and devcontainers
 * do, and the Python SDK binds loopback only when it is absent. So the agent
 * runs in a private mount namespace whose root is a tmpfs holding bind mounts
 * of every top-level entry of / except /.dockerenv.
 */
export type DockerenvState =
  | { state: "absent-on-host" }
  | { state: "hidden"; method: string }
  | { state: "visible"; reason: string };

const ROOT_PREFIX = "acd-root-";

/** A word the shell takes literally, whatever its characters. */
const quoted = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * The script that builds the new root, written from a look at / made here rather than a loop in
 * the shell: one mkdir for every directory and no readlink per link, where the loop forked some
 * thirty processes at every agent start. $1: the empty directory that becomes the new root;
 * $2: the working directory; then argv.
 */
async function hideDockerenvScript(): Promise<string> {
  const lines = ["set -e", 'root="$1"; shift', 'mount -t tmpfs -o mode=755 acd-root "$root"'];
  const dirs: string[] = [];
  const mounts: string[] = [];
  for (const entry of await readdir("/", { withFileTypes: true })) {
    const name = entry.name;
    if (name === ".dockerenv") continue;
    const at = `"$root"/${quoted(name)}`;
    if (entry.isSymbolicLink()) {
      lines.push(`ln -s ${quoted(await readlink(`/${name}`))} ${at}`);
    } else if (entry.isDirectory()) {
      dirs.push(at);
      mounts.push(`mount --rbind ${quoted(`/${name}`)} ${at}`);
    } else {
      lines.push(`: > ${at}`);
      mounts.push(`mount --bind ${quoted(`/${name}`)} ${at}`);
    }
  }
  if (dirs.length > 0) lines.push(`mkdir ${dirs.join(" ")}`);
  lines.push(...mounts, `exec chroot "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$@"`);
  return lines.join("\n");
}

let capability: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether this process can make mount namespaces (root on Linux with unshare), probed once. */
function canHideDockerenv(): { ok: true } | { ok: false; reason: string } {
  if (capability) return capability;
  if (process.platform !== "linux") {
    capability = { ok: false, reason: `mount namespaces need Linux (this is ${process.platform})` };
  } else if (process.getuid?.() !== 0) {
    capability = { ok: false, reason: "making a private mount namespace needs root" };
  } else {
    try {
      execFileSync("unshare", ["--mount", "--propagation", "private", "true"], { stdio: "ignore" });
      capability = { ok: true };
    } catch (error) {
      capability = {
        ok: false,
        reason: `unshare --mount failed: ${(error as Error).message.split("\n")[0]}`,
      };
    }
  }
  return capability;
}

export interface IsolatedCommand {
  argv: string[];
  dockerenv: DockerenvState;
  /** Removes the empty mount point left on the host once the agent has exited. */
  cleanup(): Promise<void>;
}

/** Wraps `argv` so that it runs in `cwd` without seeing /.dockerenv, where that file exists and hiding is possible. */
export async function isolateFromDockerenv(argv: readonly string[], cwd: string): Promise<IsolatedCommand> {
  if (!existsSync("/.dockerenv")) {
    return { argv: [...argv], dockerenv: { state: "absent-on-host" }, cleanup: async () => {} };
  }
  const able = canHideDockerenv();
  if (!able.ok) {
    return { argv: [...argv], dockerenv: { state: "visible", reason: able.reason }, cleanup: async () => {} };
  }
  const root = await mkdtemp(join(tmpdir(), ROOT_PREFIX));
  return {
    argv: [
      "unshare",
      "--mount",
      "--propagation",
      "private",
      "/bin/sh",
      "-c",
      await hideDockerenvScript(),
      "sh",
      root,
      resolve(cwd),
      ...argv,
    ],
    dockerenv: { state: "hidden", method: "private mount namespace without /.dockerenv" },
    cleanup: () => rmdir(root).catch(() => {}),
  };
}

/** Removes the empty mount points that runs killed before their cleanup left behind, unless a process still lives in one. */
export async function reapStaleRoots(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  const stale = entries.filter((name) => name.startsWith(ROOT_PREFIX)).map((name) => join(tmpdir(), name));
  if (stale.length === 0) return;
  const inUse = new Set<string>();
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (/^\d+$/.test(pid)) inUse.add(await readlink(`/proc/${pid}/root`).catch(() => "/"));
  }
  await Promise.all(stale.filter((root) => !inUse.has(root)).map((root) => rmdir(root).catch(() => {})));
}
