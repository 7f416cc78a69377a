import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { CodeZipTarget } from "../../codezip/index.js";
import type { OciImage, OciRunOverride } from "../../executor/index.js";
import { ensureEmulation } from "../../executor/oci/binfmt.js";
import { layoutManifest } from "../../executor/oci/image-cache.js";

const run = promisify(execFile);

/**
 * Where a code runtime's zip runs: AgentCore's managed runtimes are
 * linux/arm64, so by default, where this host has every part (root, runc,
 * umoci, qemu-user's binfmt_misc rule for aarch64 on a host of another
 * architecture, the arm64 Debian image of scripts/build-test-images.sh, built
 * once from Debian's arm64 packages and cached where it is not yet), the
 * unpacked zip runs on that image under runc, bound at /var/task, in the
 * session's network namespace; elsewhere on this machine's interpreter
 * (src/codezip/host-run.ts), with the reason said.
 */
export type CodeBase =
  | { kind: "arm64"; image: OciImage; describe: string; release(): Promise<void> }
  | { kind: "host"; why: string };

/**
 * ACD_CODE_RUNTIME_BASE: `auto` (default) the arm64 base where it can run, else
 * the host's interpreter; `arm64` the arm64 base or a session that fails saying
 * why; `host` this machine's interpreter.
 */
export type CodeBaseChoice = "auto" | "arm64" | "host";

export interface CodeBaseOptions {
  /** Overrides ACD_CODE_RUNTIME_BASE. */
  choice?: CodeBaseChoice;
  /** The session driver: the process driver gives an instance no network namespace for runc to join. */
  driver?: "netns" | "process";
  log?: (line: string) => void;
}

/** Where the unpacked zip is bound in the arm64 base. */
export const CODE_TASK_DIR = "/var/task";

const SCRIPT = fileURLToPath(new URL("../../../scripts/build-test-images.sh", import.meta.url));

/** ACD_CODE_RUNTIME_BASE as a choice, or why it is not one. */
export function codeBaseChoice(value = process.env.ACD_CODE_RUNTIME_BASE): CodeBaseChoice | { why: string } {
  if (value === undefined || value === "" || value === "auto") return "auto";
  if (value === "arm64" || value === "host") return value;
  return { why: `ACD_CODE_RUNTIME_BASE=${value} is none of auto, arm64, host` };
}

function imagesCache(): string {
  return (
    process.env.ACD_TEST_IMAGES ??
    join(
      process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? "/root", ".cache"),
      "agentcore-doctor/test-images",
    )
  );
}

/** The layout directory scripts/build-test-images.sh keeps for its current version (key: the script's sha256, 12 hex digits). */
function layoutDir(): string {
  const key = createHash("sha256").update(readFileSync(SCRIPT)).digest("hex").slice(0, 12);
  return join(imagesCache(), `layout-${key}`);
}

// One build per process: sessions that start while it runs wait for the same one.
let building: Promise<{ dir: string } | { why: string }> | undefined;

/**
 * The layout of scripts/build-test-images.sh: from its cache when complete,
 * else built now from Debian's packages (mmdebstrap, umoci; minutes, once per
 * version of the script and machine), or why it cannot be.
 */
async function baseLayout(log?: (line: string) => void): Promise<{ dir: string } | { why: string }> {
  if (!existsSync(SCRIPT))
    return { why: `${SCRIPT} is not there (an installed package has no base image builder)` };
  const dir = layoutDir();
  if (existsSync(join(dir, ".complete"))) return { dir };
  if (!onPath("mmdebstrap"))
    return {
      why: `no linux/arm64 base image is cached (${dir}) and mmdebstrap, which builds it from Debian's arm64 packages, is not installed (scripts/ensure-system-deps.sh installs it)`,
    };
  building ??= (async () => {
    log?.(
      `code runtimes: building the linux/arm64 base from Debian's arm64 packages (once; cached at ${dir})`,
    );
    const started = Date.now();
    try {
      const { stdout } = await run("sh", [SCRIPT], { maxBuffer: 1 << 20, timeout: 900_000 });
      log?.(`code runtimes: linux/arm64 base built in ${Math.round((Date.now() - started) / 1000)} s`);
      return { dir: stdout.trim() };
    } catch (error) {
      building = undefined;
      const said = ((error as { stderr?: string }).stderr ?? (error as Error).message)
        .trim()
        .split("\n")
        .pop();
      return { why: `the linux/arm64 base could not be built from Debian's packages: ${said}` };
    }
  })();
  return building;
}

function onPath(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function manifestProblem(dir: string, tag: string): string | undefined {
  try {
    layoutManifest(dir, tag);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The arm64 base when every part is here (ACD_CODE_RUNTIME_BASE unset, auto or
 * arm64), else why not; ACD_CODE_RUNTIME_IMAGE=DIR:TAG names another layout's
 * image. With `arm64` chosen, a missing part is the caller's to fail on
 * (`required` in the answer).
 */
export async function codeBase(options: CodeBaseOptions = {}): Promise<CodeBase & { required?: boolean }> {
  const choice = options.choice ?? codeBaseChoice();
  if (typeof choice !== "string") return { kind: "host", why: choice.why };
  if (choice === "host")
    return { kind: "host", why: "ACD_CODE_RUNTIME_BASE=host chooses this machine's interpreter" };
  const required = choice === "arm64";
  const host = (why: string) => ({ kind: "host" as const, why, ...(required ? { required } : {}) });
  if (process.platform !== "linux" || process.getuid?.() !== 0)
    return host("running the arm64 base with runc needs root on Linux");
  if (options.driver === "process")
    return host("the process driver gives a session no network namespace of its own for runc to join");
  for (const tool of [process.env.ACD_OCI_RUNTIME ?? "runc", "umoci"])
    if (!onPath(tool)) return host(`${tool} is not installed (scripts/ensure-system-deps.sh installs it)`);
  // The emulator first (a missing qemu rule is said at once), then the base (built when missing: minutes).
  // Held for as long as this base serves sessions (binfmt.ts counts the process's holds).
  const emulation = await ensureEmulation("arm64");
  if (emulation.needed && !emulation.ok) return host(`linux/arm64 cannot run here: ${emulation.reason}`);
  const releaseEmulation = async () => {
    if (emulation.needed) await emulation.release();
  };
  const named = process.env.ACD_CODE_RUNTIME_IMAGE;
  const at = named?.lastIndexOf(":") ?? -1;
  const layout = named && at > 0 ? { dir: named.slice(0, at) } : await baseLayout(options.log);
  const tag = named && at > 0 ? named.slice(at + 1) : "base-arm64";
  const missing = "why" in layout ? layout.why : manifestProblem(layout.dir, tag);
  if (missing !== undefined || "why" in layout) {
    await releaseEmulation();
    return host(missing ?? "");
  }
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
