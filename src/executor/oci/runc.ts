import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import type { ExitInfo, OutputLine } from "../../agent/launcher.js";
import { processTree } from "../../agent/proc.js";
import { ownerAlive, thisOwner } from "../../util/owner.js";
import { buildRuntimeConfig, type ImageRunConfig, imageArgs } from "./runtime-config.js";

const run = promisify(execFile);

/** Where owner records of running containers live; a record whose owner is gone is reaped. */
export const OCI_STATE_DIR = process.env.ACD_OCI_STATE ?? "/run/agentcore-doctor/oci";
/** Every container and bundle this tool makes is named so. */
export const NAME_PREFIX = "acd-";

export interface OwnerRecord {
  name: string;
  ownerPid: number;
  /** The owner's start time (util/owner.ts): a reused pid is not the owner. */
  ownerStart?: string;
  bundle: string;
  startedAt: number;
  /** The bundle's rootfs is a mount (an overlay on a cached image) to undo before the bundle is removed. */
  mounted?: boolean;
}

async function forceDelete(runtime: string, name: string): Promise<void> {
  await run(runtime, ["delete", "--force", name]).catch(() => undefined);
}

/** Where instance bundles are made: a file system that can hold an overlay's upper directory. */
export const OCI_BUNDLE_DIR = process.env.ACD_OCI_BUNDLES ?? join(tmpdir(), "agentcore-doctor-oci");

/**
 * A new bundle whose rootfs is an overlay on an unpacked image's root
 * filesystem: the instance writes into its own upper directory and the
 * cached image stays as it was, as container engines' snapshotters do. Where
 * overlayfs cannot be mounted (an upper directory on overlayfs, no
 * privilege), the rootfs is a copy. `mounted` says which.
 */
export async function instanceBundle(
  lower: string,
  parent = OCI_BUNDLE_DIR,
): Promise<{ bundle: string; mounted: boolean }> {
  mkdirSync(parent, { recursive: true });
  const bundle = mkdtempSync(join(parent, NAME_PREFIX));
  const rootfs = join(bundle, "rootfs");
  for (const dir of ["rootfs", "upper", "work"]) mkdirSync(join(bundle, dir));
  try {
    await run("mount", [
      "-t",
      "overlay",
      "overlay",
      "-o",
      `lowerdir=${lower},upperdir=${join(bundle, "upper")},workdir=${join(bundle, "work")}`,
      rootfs,
    ]);
    return { bundle, mounted: true };
  } catch {
    rmSync(rootfs, { recursive: true, force: true });
    try {
      await run("cp", ["-a", "--reflink=auto", lower, rootfs]);
    } catch (error) {
      rmSync(bundle, { recursive: true, force: true });
      throw new Error(
        `could not make the instance's root filesystem: ${(error as { stderr?: string }).stderr ?? error}`,
      );
    }
    return { bundle, mounted: false };
  }
}

/** Undoes instanceBundle's overlay (lazily, should a process of the host still hold it). */
export async function unmountRoot(bundle: string): Promise<void> {
  await run("umount", [join(bundle, "rootfs")]).catch(() =>
    run("umount", ["-l", join(bundle, "rootfs")]).catch(() => undefined),
  );
}

/**
 * Removes the containers and bundles of owners that died without stopping
 * them (a crash, kill -9): `runc delete --force` and the bundle directory.
 * Returns the names reaped.
 */
export async function reapOrphans(runtime = "runc"): Promise<string[]> {
  if (!existsSync(OCI_STATE_DIR)) return [];
  const reaped: string[] = [];
  for (const file of readdirSync(OCI_STATE_DIR)) {
    if (!file.startsWith(NAME_PREFIX) || !file.endsWith(".json")) continue;
    let record: OwnerRecord;
    try {
      record = JSON.parse(readFileSync(join(OCI_STATE_DIR, file), "utf8")) as OwnerRecord;
    } catch {
      continue;
    }
    if (ownerAlive({ pid: record.ownerPid, ...(record.ownerStart ? { start: record.ownerStart } : {}) }))
      continue;
    await forceDelete(runtime, record.name);
    if (record.mounted) await unmountRoot(record.bundle);
    if (record.bundle.includes(NAME_PREFIX)) rmSync(record.bundle, { recursive: true, force: true });
    rmSync(join(OCI_STATE_DIR, file), { force: true });
    reaped.push(record.name);
  }
  return reaped;
}

/**
 * Unpacks one image of an OCI image layout (`DIR:TAG`) into a new bundle's
 * rootfs with umoci (whiteouts and hard links applied as the layers say),
 * and returns the bundle directory and the image's run config.
 */
export async function unpackImage(
  layoutRef: string,
  parent: string,
): Promise<{ bundle: string; image: ImageRunConfig }> {
  mkdirSync(parent, { recursive: true });
  const bundle = mkdtempSync(join(parent, NAME_PREFIX));
  await run("umoci", ["raw", "unpack", "--image", layoutRef, join(bundle, "rootfs")], { maxBuffer: 1 << 24 });
  const [dir, tag] = splitRef(layoutRef);
  const image = readImageConfig(dir, tag);
  return { bundle, image };
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(":");
  return at > 0 ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, "latest"];
}

function blob(dir: string, digest: string): string {
  const [alg, hex] = digest.split(":");
  return readFileSync(join(dir, "blobs", alg as string, hex as string), "utf8");
}

/** The image config (`config` of the config blob) of a tag in an OCI layout. */
export function readImageConfig(dir: string, tag: string): ImageRunConfig {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!entry) throw new Error(`no tag ${tag} in the OCI layout ${dir}`);
  const manifest = JSON.parse(blob(dir, entry.digest)) as { config: { digest: string } };
  const config = JSON.parse(blob(dir, manifest.config.digest)) as { config?: ImageRunConfig };
  return config.config ?? {};
}

/** The per-namespace files `ip netns exec` would bind (/etc/netns/NAME/*: the session's resolv.conf), and an /etc/hosts naming localhost, as container engines write one. */
function etcFiles(bundle: string, netns: string | undefined): { source: string; destination: string }[] {
  const hosts = join(bundle, "hosts");
  writeFileSync(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
  const files = [{ source: hosts, destination: "/etc/hosts" }];
  const dir = netns ? join("/etc/netns", netns) : undefined;
  if (dir && existsSync(dir))
    for (const name of readdirSync(dir)) files.push({ source: join(dir, name), destination: `/etc/${name}` });
  return files;
}

const readOr = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");

export interface RuncStartOptions {
  bundle: string;
  image: ImageRunConfig;
  env?: Record<string, string>;
  caBundle?: string;
  netns?: string;
  /** Host directories bound into the container. */
  binds?: { source: string; destination: string; writable?: boolean }[];
  runtime?: string;
  /** The bundle's rootfs is a mount, undone when the container is removed. */
  mounted?: boolean;
  keepLines?: number;
  onOutput?: (line: OutputLine) => void;
}

/** One container run by `runc run` in the foreground: its stdio piped, stopped with runc kill, removed with runc delete. */
export class RuncContainer {
  readonly startedAt = Date.now();
  exit: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  readonly command: readonly string[];
  readonly dockerenv = { state: "absent-on-host" } as const;
  readonly notes: string[] = [];
  emulated?: { architecture: string; by: string };
  private readonly lines: OutputLine[] = [];
  private readonly child: ChildProcess;
  private readonly record: string;

  constructor(
    readonly name: string,
    private readonly options: RuncStartOptions,
  ) {
    const root = join(options.bundle, "rootfs");
    const config = buildRuntimeConfig({
      image: options.image,
      passwd: readOr(join(root, "etc/passwd")),
      group: readOr(join(root, "etc/group")),
      ...(options.env ? { env: options.env } : {}),
      ...(options.caBundle ? { caBundle: options.caBundle } : {}),
      ...(options.netns ? { netnsPath: `/var/run/netns/${options.netns}` } : {}),
      binds: [...etcFiles(options.bundle, options.netns), ...(options.binds ?? [])],
    });
    writeFileSync(join(options.bundle, "config.json"), JSON.stringify(config, null, 2));
    this.command = imageArgs(options.image);
    if (options.image.User) this.notes.push(`runs as USER ${options.image.User}, from the image's config`);
    mkdirSync(OCI_STATE_DIR, { recursive: true });
    this.record = join(OCI_STATE_DIR, `${name}.json`);
    const record: OwnerRecord = {
      name,
      ownerPid: process.pid,
      ...(thisOwner().start ? { ownerStart: thisOwner().start } : {}),
      bundle: options.bundle,
      startedAt: this.startedAt,
      ...(options.mounted ? { mounted: true } : {}),
    };
    writeFileSync(this.record, JSON.stringify(record));
    this.child = spawn(options.runtime ?? "runc", ["run", "--bundle", options.bundle, name], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = options.keepLines ?? 200;
    for (const stream of ["stdout", "stderr"] as const) {
      const source = this.child[stream];
      if (!source) continue;
      createInterface({ input: source }).on("line", (text) => {
        const line: OutputLine = { stream, text, at: Date.now() };
        this.lines.push(line);
        if (this.lines.length > keep) this.lines.shift();
        options.onOutput?.(line);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once("close", (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        resolve(this.exit);
      });
      this.child.once("error", (error) => {
        this.lines.push({ stream: "stderr", text: String(error), at: Date.now() });
      });
    });
    live.add(this);
  }

  output(): readonly OutputLine[] {
    return this.lines;
  }

  /**
   * The container's processes as this host sees them, its init first: runc
   * itself stays in the host's network namespace, so it is left out, or the
   * socket readings (which read the first pid's tables) would see the host's.
   */
  async tree(): Promise<number[]> {
    return this.child.pid ? (await processTree(this.child.pid)).slice(1) : [];
  }

  private stopping: Promise<ExitInfo> | undefined;

  /**
   * runc kill TERM, KILL after `graceMs`; a container still there 2 s later
   * (runc itself gone) is removed by runc delete --force, which its pipes
   * wait on: the output is read to its end before the exit is reported.
   * Then the overlay, the bundle and the owner record go. Idempotent.
   */
  stop(graceMs = 5000): Promise<ExitInfo> {
    this.stopping ??= this.halt(graceMs);
    return this.stopping;
  }

  private async halt(graceMs: number): Promise<ExitInfo> {
    const runtime = this.options.runtime ?? "runc";
    const within = (ms: number) =>
      Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
      ]);
    if (!this.exit) {
      await run(runtime, ["kill", this.name, "TERM"]).catch(() => undefined);
      if (!(await within(graceMs))) {
        await run(runtime, ["kill", this.name, "KILL"]).catch(() => undefined);
        if (!(await within(2000))) {
          await forceDelete(runtime, this.name);
          this.child.kill("SIGKILL");
        }
      }
    }
    const exit = await this.exited;
    await forceDelete(runtime, this.name);
    if (this.options.mounted) await unmountRoot(this.options.bundle);
    rmSync(this.options.bundle, { recursive: true, force: true });
    rmSync(this.record, { force: true });
    live.delete(this);
    return exit;
  }
}

const live = new Set<RuncContainer>();

let counter = 0;
/** A container name unique on this host: acd-<pid>-<n>. */
export function containerName(): string {
  counter += 1;
  return `${NAME_PREFIX}${process.pid}-${counter}`;
}
