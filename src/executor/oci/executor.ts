import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ExitInfo, OutputLine } from "../../agent/launcher.js";
import { entryBinary } from "../../image/entry-binary.js";
import type { Executor, Instance, StartOptions } from "../types.js";
import { enabledBinfmtRule, ensureEmulation, hostArchitecture } from "./binfmt.js";
import { type UnpackedImage, unpackedImage } from "./image-cache.js";
import { containerName, instanceBundle, RuncContainer, reapOrphans, unmountRoot } from "./runc.js";
import { buildRuntimeConfig, imageArgs } from "./runtime-config.js";

const run = promisify(execFile);

/** The OCI runtime: runc unless ACD_OCI_RUNTIME names another (crun refuses a hybrid cgroup layout). */
export const OCI_RUNTIME = process.env.ACD_OCI_RUNTIME ?? "runc";

/**
 * An instance that never ran: the OCI runtime refused its config (a USER
 * the image does not list), or the machine's kernel its entry program. It
 * has exited, with the reason on stderr as the runtime prints it.
 */
class RefusedInstance implements Instance {
  readonly startedAt = Date.now();
  readonly exit: ExitInfo;
  readonly exited: Promise<ExitInfo>;
  readonly dockerenv = { state: "absent-on-host" } as const;
  readonly notes: readonly string[];
  private readonly lines: OutputLine[];

  constructor(
    readonly command: readonly string[],
    stderr: string,
    notes: readonly string[],
    onOutput?: (line: OutputLine) => void,
  ) {
    this.exit = { code: 1, signal: null, at: this.startedAt };
    this.exited = Promise.resolve(this.exit);
    this.notes = notes;
    this.lines = [
      {
        stream: "stderr",
        text: stderr,
        at: this.startedAt,
      },
    ];
    for (const line of this.lines) onOutput?.(line);
  }
  output(): readonly OutputLine[] {
    return this.lines;
  }
  async tree(): Promise<number[]> {
    return [];
  }
  async stop(): Promise<ExitInfo> {
    return this.exit;
  }
}

/** What the report says about how the image ran here. */
function platformNotes(image: UnpackedImage): {
  notes: string[];
  emulated?: { architecture: string; by: string };
} {
  const notes = [`image ${image.ref} (${image.digest}), linux/${image.architecture}, run by ${OCI_RUNTIME}`];
  const host = hostArchitecture();
  if (image.architecture === host) return { notes };
  const handler = enabledBinfmtRule(image.architecture);
  if (!handler) {
    notes.push(
      `the image is for ${image.os}/${image.architecture} and this host is ${host} with no binfmt_misc handler for it: its programs cannot execute here`,
    );
    return { notes };
  }
  notes.push(`${image.os}/${image.architecture} emulated with qemu-user (binfmt_misc ${handler})`);
  return { notes, emulated: { architecture: image.architecture, by: `qemu-user (${handler})` } };
}

/**
 * The program the kernel is asked to execute and the architecture it is
 * built for: the ELF the entry command reaches (a script's interpreter
 * included), else the image config's architecture.
 */
function entryOf(image: UnpackedImage): { program: string; architecture: string } {
  const argv = imageArgs(image.config);
  const path =
    (image.config.Env ?? []).find((e) => e.startsWith("PATH="))?.slice(5) ??
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  const entry = argv.length > 0 ? entryBinary(image.rootfs, argv, path) : undefined;
  return { program: entry?.path ?? argv[0] ?? "", architecture: entry?.architecture ?? image.architecture };
}

/**
 * On `machine`, a program built for another architecture is refused by the
 * kernel (ENOEXEC): runc's init prints `exec <program>: exec format error`
 * and the container exits, though this host could have run it.
 */
function refusedOn(
  machine: string | undefined,
  entry: { program: string; architecture: string },
): { stderr: string; note: string } | undefined {
  if (!machine || entry.architecture === machine || entry.architecture === "unknown") return undefined;
  return {
    stderr: `exec ${entry.program}: exec format error`,
    note: `not started: its entry program ${entry.program} is built for ${entry.architecture}; it runs as on a linux/${machine} host, whose kernel refuses it, though this ${hostArchitecture()} host could run it`,
  };
}

/**
 * Real images on a standard OCI runtime: the image unpacked once by umoci
 * (image-cache.ts), each instance on its own overlay of it, its config
 * honoured (Entrypoint, Cmd, Env, WorkingDir, User), the platform's
 * variables and CA added, no /.dockerenv, inside the given network namespace;
 * output streamed line by line; stop is runc kill TERM then KILL, runc
 * delete, the overlay unmounted and the bundle removed.
 */
let reaped: Promise<unknown> | undefined;

export const ociImageExecutor: Executor = {
  kind: "oci-image",
  async start(options: StartOptions): Promise<Instance> {
    const artifact = options.artifact;
    if (artifact.kind !== "oci-image") {
      throw new Error(`the oci-image executor cannot run a ${artifact.kind} artifact`);
    }
    // Containers, overlays and bundles of owners that died without stopping them, once per process.
    reaped ??= reapOrphans(OCI_RUNTIME).catch(() => undefined);
    await reaped;
    const unpacked = await unpackedImage(artifact.image);
    // A platform's own start (a code runtime's entry point) replaces the image's Entrypoint, Cmd and WorkingDir.
    const image = artifact.run
      ? {
          ...unpacked,
          config: {
            ...unpacked.config,
            Entrypoint: artifact.run.argv,
            Cmd: null,
            WorkingDir: artifact.run.cwd,
          },
        }
      : unpacked;
    // The platform is said again once the emulation is held below (holding may register the binfmt rule).
    const said: string[] = [];
    for (const bind of artifact.run?.binds ?? [])
      said.push(`${bind.source} bound at ${bind.destination}${bind.writable ? "" : " (read-only)"}`);
    if (existsSync(join(image.rootfs, ".dockerenv")))
      said.push("the image itself contains /.dockerenv: AgentCore's instance sees it too");
    const env = { ...artifact.run?.env, ...options.env };
    const root = image.rootfs;
    const readOr = (path: string) =>
      existsSync(join(root, path)) ? readFileSync(join(root, path), "utf8") : "";
    try {
      // Checked before a bundle is made: the runtime would refuse this config.
      buildRuntimeConfig({ image: image.config, passwd: readOr("etc/passwd"), group: readOr("etc/group") });
    } catch (error) {
      return new RefusedInstance(
        imageArgs(image.config),
        `runc run failed: unable to start container process: ${(error as Error).message}`,
        [...platformNotes(image).notes, ...said],
        options.onOutput,
      );
    }
    const entry = entryOf(image);
    const refused = refusedOn(artifact.machine, entry);
    if (refused) {
      const notes = [...platformNotes(image).notes, ...said, refused.note];
      return new RefusedInstance(imageArgs(image.config), refused.stderr, notes, options.onOutput);
    }
    // Another architecture's programs run here through qemu-user, held while the instance runs.
    const emulation =
      entry.architecture === "unknown"
        ? { needed: false as const }
        : await ensureEmulation(entry.architecture);
    if (emulation.needed && !emulation.ok)
      throw new Error(
        `this ${hostArchitecture()} host cannot run the image's linux/${entry.architecture} programs: ${emulation.reason}`,
      );
    const release = async () => {
      if (emulation.needed && emulation.ok) await emulation.release();
    };
    const platform = platformNotes(image);
    const notes = [...platform.notes, ...said];
    const emulated = platform.emulated;
    const { bundle, mounted } = await instanceBundle(image.rootfs);
    try {
      // The config reads the namespace's /etc/netns files: written once the session's network is made.
      await options.after;
      const container = new RuncContainer(containerName(), {
        bundle,
        mounted,
        image: image.config,
        env,
        runtime: OCI_RUNTIME,
        ...(options.caBundle ? { caBundle: options.caBundle } : {}),
        ...(options.netns ? { netns: options.netns } : {}),
        ...(artifact.run?.binds ? { binds: artifact.run.binds } : {}),
        ...(options.keepLines !== undefined ? { keepLines: options.keepLines } : {}),
        ...(options.onOutput ? { onOutput: options.onOutput } : {}),
      });
      container.notes.unshift(...notes);
      if (emulated) container.emulated = emulated;
      void container.exited.then(release, release);
      return container;
    } catch (error) {
      await release();
      if (mounted) await unmountRoot(bundle);
      rmSync(bundle, { recursive: true, force: true });
      throw error;
    }
  },
};

export type OciSupport = { ok: true } | { ok: false; reason: string };
let support: Promise<OciSupport> | undefined;

/** Whether images can run here: Linux, root, the OCI runtime and umoci on PATH. Checked once. */
export function ociSupport(): Promise<OciSupport> {
  support ??= (async () => {
    if (process.platform !== "linux")
      return { ok: false, reason: `OCI containers need Linux (this is ${process.platform})` };
    if (process.getuid?.() !== 0)
      return { ok: false, reason: `${OCI_RUNTIME} runs containers as root here, and this is not root` };
    for (const tool of [OCI_RUNTIME, "umoci"]) {
      const found = await run("sh", ["-c", `command -v ${tool}`]).then(
        () => true,
        () => false,
      );
      if (!found)
        return { ok: false, reason: `${tool} is not installed (scripts/ensure-system-deps.sh installs it)` };
    }
    return { ok: true };
  })();
  return support;
}
