import type { DockerenvState } from "../agent/isolation.js";
import type { ExitInfo, OutputLine } from "../agent/launcher.js";
import type { LaunchPlan } from "../agent/types.js";

/** A file of an image already on this host: a blob of the emulator's ECR store. */
export interface OciBlobFile {
  digest: string;
  mediaType: string;
  size: number;
  path: string;
}

/**
 * An OCI image: one tag of an OCI image layout directory, or an image
 * manifest whose config and layers are files on this host (what the
 * emulator's ECR holds after a push), named by the reference it was pulled by.
 */
export type OciImage =
  | { source: "layout"; dir: string; tag: string }
  | {
      source: "blobs";
      ref: string;
      manifest: { digest: string; mediaType: string; text: string };
      /** The config blob and every layer blob the manifest names. */
      blobs: OciBlobFile[];
    };

/**
 * What an executor starts: the agent's directory run as a command on this
 * host (its Dockerfile's CMD, this machine's packages), or a real image run
 * by a standard OCI runtime.
 */
export type Artifact =
  | { kind: "host-command"; plan: LaunchPlan }
  | {
      kind: "oci-image";
      image: OciImage;
      run?: OciRunOverride;
      /**
       * The architecture of the machine the instance starts as if on (AgentCore's hosts: arm64).
       * An entry program built for another one fails as that machine's kernel refuses it
       * ('exec format error'), though this host could run it; unset, this host's own rules apply.
       */
      machine?: string;
    };

/**
 * What a platform runs on an image instead of its own Entrypoint and Cmd: a
 * managed runtime's base image starting a code zip bound into it (AgentCore
 * code runtimes: the unpacked zip, the entry point's argv, its directory).
 */
export interface OciRunOverride {
  /** Replaces the image's Entrypoint and Cmd. */
  argv: string[];
  /** Replaces the image's WorkingDir. */
  cwd: string;
  /** Added to the image's Env, under the platform's variables (StartOptions.env wins). */
  env?: Record<string, string>;
  /** Host directories bound into the container (rbind; read-only unless `writable`). */
  binds?: { source: string; destination: string; writable?: boolean }[];
}

export interface StartOptions {
  artifact: Artifact;
  /** Run inside this existing network namespace (a name under /var/run/netns). */
  netns?: string;
  /** What the platform adds on top of the artifact's own environment (AWS_REGION, credentials, the CA). */
  env?: Record<string, string>;
  /** A PEM bundle (a host path) the instance's AWS SDKs, OpenSSL and Node must trust: the emulator's CA. */
  caBundle?: string;
  /**
   * The instance's own process starts only once this resolves (the session's
   * network: its links, routes and resolv.conf); what comes before (an image's
   * overlay and bundle) is prepared meanwhile. A rejection fails the start,
   * with what was prepared undone.
   */
  after?: Promise<unknown>;
  /** Host mode only: pass the caller's AWS_* variables through, as `check` does; an emulated session does not. */
  inheritAwsEnv?: boolean;
  /** How many of the last output lines to keep. */
  keepLines?: number;
  onOutput?: (line: OutputLine) => void;
}

/** One running instance of an artifact: its output, its processes, its exit, and how to stop it. */
export interface Instance {
  /** Milliseconds since the Unix epoch, when the start was asked for. */
  readonly startedAt: number;
  readonly exit: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  /** The argv the instance runs, as the artifact says it. */
  readonly command: readonly string[];
  readonly dockerenv: DockerenvState;
  /** Facts about the run for the report ("runs as USER ...", "linux/arm64 emulated with qemu-user"). */
  readonly notes: readonly string[];
  /** Set when the instance's programs are for another architecture and run under an emulator (qemu-user). */
  readonly emulated?: { architecture: string; by: string };
  output(): readonly OutputLine[];
  /** The instance's processes as this host sees them, for socket and CPU readings. */
  tree(): Promise<number[]>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves when the instance is gone and its resources are released. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

/** Starts instances of the artifacts of one kind; sessions and `check` use it without knowing which. */
export interface Executor {
  readonly kind: Artifact["kind"];
  start(options: StartOptions): Promise<Instance>;
}

/** A containerUri that names nothing this host can run (no pushed image, no mapped directory, no OCI runtime): the message says which. */
export class ArtifactUnavailable extends Error {
  override readonly name = "ArtifactUnavailable";
}

/** What a containerUri names, as an artifact an executor can start. */
export type ArtifactResolver = (containerUri: string) => Promise<Artifact>;
