import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ExitInfo, OutputLine } from "../../agent/launcher.js";
import type { Executor, Instance, StartOptions } from "../types.js";
import { type UnpackedImage, unpackedImage } from "./image-cache.js";
import { containerName, instanceBundle, RuncContainer, reapOrphans, unmountRoot } from "./runc.js";
import { buildRuntimeConfig, imageArgs } from "./runtime-config.js";

const run = promisify(execFile);

/** The OCI runtime: runc unless ACD_OCI_RUNTIME names another (crun refuses a hybrid cgroup layout). */
export const OCI_RUNTIME = process.env.ACD_OCI_RUNTIME ?? "runc";

/** This host's architecture in OCI's words. */
export function hostArchitecture(): string {
  return process.arch === "x64" ? "amd64" : process.arch === "ia32" ? "386" : process.arch;
}

/** binfmt_misc handlers for OCI architectures, as Debian's qemu-user-static names them. */
const QEMU_HANDLERS: Readonly<Record<string, string>> = {
  arm64: "qemu-aarch64",
  amd64: "qemu-x86_64",
  arm: "qemu-arm",
  ppc64le: "qemu-ppc64le",
  s390x: "qemu-s390x",
  riscv64: "qemu-riscv64",
};

function binfmtHandler(architecture: string): string | undefined {
  const handler = QEMU_HANDLERS[architecture];
  if (!handler) return undefined;
  const path = `/proc/sys/fs/binfmt_misc/${handler}`;
  try {
    return readFileSync(path, "utf8").startsWith("enabled") ? handler : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An instance that never ran: the OCI runtime refused its config (a USER
 * the image does not list). It has exited, with the runtime's reason on
 * stderr, as `runc run` reports it.
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
    reason: string,
    notes: readonly string[],
    onOutput?: (line: OutputLine) => void,
  ) {
    this.exit = { code: 1, signal: null, at: this.startedAt };
    this.exited = Promise.resolve(this.exit);
    this.notes = notes;
    this.lines = [
      {
        stream: "stderr",
        text: `runc run failed: unable to start container process: ${reason}`,
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
  const handler = binfmtHandler(image.architecture);
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
    const { notes, emulated } = platformNotes(image);
    for (const bind of artifact.run?.binds ?? [])
      notes.push(`${bind.source} bound at ${bind.destination}${bind.writable ? "" : " (read-only)"}`);
    if (existsSync(join(image.rootfs, ".dockerenv")))
      notes.push("the image itself contains /.dockerenv: AgentCore's instance sees it too");
    const env = { ...artifact.run?.env, ...options.env };
    const root = image.rootfs;
    const readOr = (path: string) =>
      existsSync(join(root, path)) ? readFileSync(join(root, path), "utf8") : "";
    try {
      // Checked before a bundle is made: the runtime would refuse this config.
      buildRuntimeConfig({ image: image.config, passwd: readOr("etc/passwd"), group: readOr("etc/group") });
    } catch (error) {
      return new RefusedInstance(imageArgs(image.config), (error as Error).message, notes, options.onOutput);
    }
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
      return container;
    } catch (error) {
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
