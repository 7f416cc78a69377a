import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CodeZipTarget } from "../../codezip/index.js";
import type { OciImage, OciRunOverride } from "../../executor/index.js";
import { type Emulation, ensureEmulation } from "../../executor/oci/binfmt.js";
import { layoutManifest } from "../../executor/oci/image-cache.js";

/**
 * Where a code runtime's zip runs: AgentCore's managed runtimes are
 * linux/arm64, so where this host can (root, runc, umoci, qemu-user's
 * binfmt_misc rule for aarch64, the cached arm64 Debian image of
 * scripts/build-test-images.sh) the unpacked zip runs on that image under
 * runc, bound at /var/task; elsewhere on this machine's interpreter
 * (src/codezip/host-run.ts), with the reason said.
 */
export type CodeBase =
  | { kind: "arm64"; image: OciImage; describe: string; release(): Promise<void> }
  | { kind: "host"; why: string };

/** Where the unpacked zip is bound in the arm64 base. */
export const CODE_TASK_DIR = "/var/task";

const SCRIPT = fileURLToPath(new URL("../../../scripts/build-test-images.sh", import.meta.url));

/**
 * The layout scripts/build-test-images.sh keeps in its cache (same key: the
 * script's sha256, 12 hex digits), only when complete: a session never builds it.
 */
function cachedTestLayout(): { dir: string } | { why: string } {
  if (!existsSync(SCRIPT)) return { why: `${SCRIPT} is not there (an installed package has no test images)` };
  const key = createHash("sha256").update(readFileSync(SCRIPT)).digest("hex").slice(0, 12);
  const cache =
    process.env.ACD_TEST_IMAGES ??
    join(
      process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? "/root", ".cache"),
      "agentcore-doctor/test-images",
    );
  const dir = join(cache, `layout-${key}`);
  if (!existsSync(join(dir, ".complete")))
    return { why: `no linux/arm64 base image is cached (${dir}; sh scripts/build-test-images.sh builds it)` };
  return { dir };
}

function onPath(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

// One binfmt_misc hold per process, released when its last code session is gone.
let held: { emulation: Promise<Emulation>; users: number } | undefined;

async function holdEmulation(): Promise<Emulation> {
  held ??= { emulation: ensureEmulation("arm64"), users: 0 };
  const emulation = await held.emulation;
  if (emulation.needed && !emulation.ok) {
    held = undefined;
    return emulation;
  }
  held.users += 1;
  return emulation;
}

async function releaseEmulation(): Promise<void> {
  if (!held) return;
  held.users -= 1;
  if (held.users > 0) return;
  const emulation = await held.emulation;
  held = undefined;
  if (emulation.needed && emulation.ok) await emulation.release();
}

/**
 * The arm64 base when ACD_CODE_RUNTIME_BASE=arm64 asks for it and every part
 * is here, else why not; ACD_CODE_RUNTIME_IMAGE=DIR:TAG names another
 * layout's image. Not the default yet: a healthy zip on runc in a session's
 * namespace needs the OCI sessions' health check to read the container's
 * sockets, not runc's (helper oci-sessions' branch, unlanded).
 */
export async function codeBase(): Promise<CodeBase> {
  if (process.env.ACD_CODE_RUNTIME_BASE !== "arm64")
    return {
      kind: "host",
      why: "the linux/arm64 base is not chosen (ACD_CODE_RUNTIME_BASE=arm64 chooses it)",
    };
  if (process.platform !== "linux" || process.getuid?.() !== 0)
    return { kind: "host", why: "running the arm64 base with runc needs root on Linux" };
  for (const tool of [process.env.ACD_OCI_RUNTIME ?? "runc", "umoci"])
    if (!onPath(tool)) return { kind: "host", why: `${tool} is not installed` };
  const named = process.env.ACD_CODE_RUNTIME_IMAGE;
  const at = named?.lastIndexOf(":") ?? -1;
  const layout = named && at > 0 ? { dir: named.slice(0, at) } : cachedTestLayout();
  if ("why" in layout) return { kind: "host", why: layout.why };
  const tag = named && at > 0 ? named.slice(at + 1) : "base-arm64";
  try {
    layoutManifest(layout.dir, tag);
  } catch (error) {
    return { kind: "host", why: (error as Error).message };
  }
  const emulation = await holdEmulation();
  if (emulation.needed && !emulation.ok)
    return { kind: "host", why: `linux/arm64 cannot run here: ${emulation.reason}` };
  const by = emulation.needed ? `, emulated by ${emulation.by}` : "";
  return {
    kind: "arm64",
    image: { source: "layout", dir: layout.dir, tag },
    describe: `the linux/arm64 Debian 12 image ${layout.dir}:${tag} on runc${by}`,
    release: releaseEmulation,
  };
}

/** The start of a zip bound at /var/task on the arm64 base, and what to say of it; or why it cannot start. */
export function arm64RunCommand(
  target: CodeZipTarget,
  base: Extract<CodeBase, { kind: "arm64" }>,
  root: string,
): { run: OciRunOverride; notes: string[] } | { why: string } {
  const items = target.entryPoint.map((i) => i.trim().replace(/^(\.\/)+/, ""));
  const script = items.find((i) => /\.(py|js|mjs|cjs)$/.test(i));
  if (!script)
    return { why: `the entry point ${JSON.stringify(target.entryPoint)} names no script to start` };
  const notes: string[] = [];
  const command = items.find((i) => i !== script);
  if (command) notes.push(`the entry point's command ${command} was not run: ${script} was started directly`);
  const node = target.runtime === "NODE_22";
  // The image's own packages (scripts/build-test-images.sh): Debian 12's python3 3.11 and nodejs 18.
  const has = node ? "Node.js 18" : "Python 3.11";
  notes.push(
    `started from the unpacked zip at ${CODE_TASK_DIR} on ${base.describe} (${has}, not the ${target.runtime} managed runtime's own base)`,
  );
  return {
    run: {
      argv: node ? ["node", script] : ["python3", script],
      cwd: CODE_TASK_DIR,
      env: node ? {} : { PYTHONPATH: CODE_TASK_DIR, PYTHONNOUSERSITE: "1" },
      binds: [{ source: root, destination: CODE_TASK_DIR }],
    },
    notes,
  };
}
