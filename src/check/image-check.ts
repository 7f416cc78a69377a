import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PING_TIMEOUT_MS, PROTOCOL_PORTS, type Protocol } from "../agent/types.js";
import { type Artifact, type Instance, startInstance } from "../executor/index.js";
import { ensureEmulation, hostArchitecture } from "../executor/oci/binfmt.js";
import { unpackedImage } from "../executor/oci/image-cache.js";
import { imageArgs, resolveUser } from "../executor/oci/runtime-config.js";
import { type Finding, makeFinding, mergeFindings, sortFindings } from "../findings/index.js";
import { acquireImage, ImageUnavailable } from "../image/acquire.js";
import { entryBinary } from "../image/entry-binary.js";
import { type ImageFacts, readLayoutImage, tagManifest } from "../image/layout.js";
import { imageLimitFindings, imageSource } from "../image/limits.js";
import { createNamespace, type Namespace, netnsSupport } from "../net/netns.js";
import { UsageError } from "../util/errors.js";
import { type LiveRun, liveFindings } from "./live-findings.js";
import { probeAgent } from "./probe-agent.js";
import { type CheckReport, type ImageSection, reportVerdict } from "./report.js";
import { startupSection, toReportExchange } from "./report-sections.js";
import type { CheckStage } from "./run-check.js";

const run = promisify(execFile);

export interface ImageCheckOptions {
  /** An OCI layout (DIR or DIR:TAG), an OCI or docker archive, a registry reference, or a local engine's image. */
  image: string;
  /** What the report calls it when it differs from `image` (the image `--build` made of DIR). */
  label?: string;
  /** Said first in the notes (how --build made the image). */
  notes?: string[];
  protocol?: Protocol;
  startupTimeoutMs: number;
  slowPingMs?: number;
  pingTimeoutMs?: number;
  env?: Record<string, string>;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  onProgress?: (stage: CheckStage, detail: string) => void;
}

const DEFAULT_SLOW_PING_MS = 1_000;

async function installed(tool: string): Promise<boolean> {
  return run("sh", ["-c", `command -v ${tool}`]).then(
    () => true,
    () => false,
  );
}

/** Why this machine cannot run an image under an OCI runtime, or undefined when it can. */
async function cannotRun(): Promise<string | undefined> {
  if (process.platform !== "linux") return `running an image needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "running an image under runc, in a network namespace, needs root";
  for (const tool of ["runc", "umoci"])
    if (!(await installed(tool)))
      return `${tool} is not installed (scripts/ensure-system-deps.sh installs it as root on Debian)`;
  const netns = await netnsSupport();
  return netns.ok ? undefined : `no network namespace for the image: ${netns.reason}`;
}

/** The protocol an image's EXPOSE suggests when it exposes one contract port only. */
function exposedProtocol(config: ImageFacts["config"] & { ExposedPorts?: Record<string, unknown> }) {
  const ports = Object.keys(config.ExposedPorts ?? {}).map((p) => Number(p.split("/")[0]));
  const matching = (Object.entries(PROTOCOL_PORTS) as [Protocol, number][]).filter(
    ([protocol, port]) => protocol !== "AGUI" && ports.includes(port),
  );
  return matching.length === 1 ? matching[0]?.[0] : undefined;
}

/** What the platform gives every instance: the region (credentials come from the microVM's metadata service, not modelled here). */
function platformEnv(options: ImageCheckOptions): Record<string, string> {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  return { AWS_REGION: region, AWS_DEFAULT_REGION: region, ...options.env };
}

/**
 * `check --image`: reads the image AgentCore would pull (the linux/arm64
 * entry of an index), judges its limits, and runs it as AgentCore does,
 * through the OCI executor as sessions and the replay run images (unpacked
 * once by umoci into its cache, under runc), in a network namespace of its own reached
 * on its interface, with the image config's command, Env, WorkingDir and
 * USER, the platform's AWS_REGION, no /.dockerenv; linux/arm64 on another
 * host under qemu-user through binfmt_misc (said in the report). It is
 * probed by the same probe as `check DIR`. An image for another
 * architecture is not run: AgentCore's pull finds nothing or its kernel
 * refuses the entry program, and the report says which.
 */
export async function runImageCheck(options: ImageCheckOptions): Promise<CheckReport> {
  const progress = options.onProgress ?? (() => {});
  const label = options.label ?? options.image;
  const work = await mkdtemp(join(tmpdir(), "acd-image-"));
  const notes: string[] = [...(options.notes ?? [])];
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    progress("plan", `reading the image ${label}`);
    const acquired = await acquireImage(options.image, {
      work,
      ...(options.region ? { region: options.region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
    }).catch((error: unknown) => {
      if (error instanceof ImageUnavailable) throw new UsageError(`check --image: ${error.message}`);
      throw error;
    });
    const { facts, manifest } = readLayoutImage(acquired.layout, acquired.tag);
    tagManifest(acquired.layout, manifest, "run");
    const via = acquired.description;
    const exposed = exposedProtocol(facts.config);
    const protocol = options.protocol ?? exposed ?? "HTTP";
    if (!options.protocol)
      notes.push(
        exposed
          ? `protocol ${protocol}: the image exposes port ${PROTOCOL_PORTS[protocol]} only`
          : "protocol HTTP: the default (pass --protocol for MCP, A2A or AG-UI)",
      );
    const port = PROTOCOL_PORTS[protocol];
    const argv = imageArgs(facts.config);
    const section: ImageSection = {
      ref: label,
      source: via,
      ...(facts.indexDigest ? { indexDigest: facts.indexDigest } : {}),
      ...(facts.index ? { index: facts.index } : {}),
      manifestDigest: facts.manifestDigest,
      platform: `${facts.os}/${facts.architecture}${facts.variant ? `/${facts.variant}` : ""}`,
      layers: facts.layers,
      layerBytes: facts.layerBytes,
      ...(facts.config.User ? { user: facts.config.User } : {}),
    };
    const base = { label, protocol, port, argv, limitMs: options.startupTimeoutMs };

    const limitsOnly = (extra: Finding[], why: string[]) =>
      notRun({
        ...base,
        section,
        findings: [...imageLimitFindings(facts, via), ...extra],
        notes: [...notes, ...why],
      });

    const blocked = await cannotRun();
    if (blocked) {
      return limitsOnly(
        [
          makeFinding(
            "HOST_CANNOT_RUN_IMAGE",
            [{ fact: blocked, source: { kind: "tool", detail: "check --image" } }],
            { remedy: `Run check --image as root on Linux with runc and umoci installed (${blocked}).` },
          ),
        ],
        [`not run: ${blocked}`],
      );
    }

    // Unpacked once into the OCI executor's image cache: read here (entry program, passwd), run by the executor below.
    const artifact: Artifact = {
      kind: "oci-image",
      image: { source: "layout", dir: acquired.layout, tag: "run" },
    };
    progress("plan", `unpacking ${facts.manifestDigest.slice(0, 19)} with umoci`);
    const root = (await unpackedImage(artifact.image)).rootfs;
    const imagePath =
      (facts.config.Env ?? []).find((e) => e.startsWith("PATH="))?.slice(5) ??
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    const entry = argv.length > 0 ? entryBinary(root, argv, imagePath) : undefined;
    if (entry?.architecture) section.entryArchitecture = entry.architecture;
    const readOr = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : "");
    const passwd = readOr(join(root, "etc/passwd"));
    const named = resolveUser(facts.config.User, passwd, readOr(join(root, "etc/group")));
    const limits = imageLimitFindings(facts, via, entry).map((f) =>
      f.id === "IMAGE_LAYERS_WITH_NAMED_USER" && named.ok
        ? { ...f, fix: f.fix.replace("<uid>", String(named.uid)) }
        : f,
    );
    if (limits.some((f) => f.id === "IMAGE_NOT_ARM64")) {
      return notRun({
        ...base,
        section,
        findings: limits,
        notes: [
          ...notes,
          facts.noArm64InIndex
            ? "not run: AgentCore pulls linux/arm64, and the index has no such entry"
            : `not run: AgentCore starts images on linux/arm64 hosts, whose kernel refuses ${entry?.architecture ?? facts.architecture} programs ('exec format error'); running it here on ${hostArchitecture()} would judge a program AgentCore never starts`,
        ],
      });
    }

    const emulation = await ensureEmulation("arm64");
    if (emulation.needed && !emulation.ok) {
      return notRun({
        ...base,
        section,
        findings: [
          ...limits,
          makeFinding(
            "HOST_CANNOT_RUN_IMAGE",
            [{ fact: emulation.reason, source: { kind: "tool", detail: "binfmt_misc" } }],
            {
              remedy: `Install qemu-user-static and run as root, so linux/arm64 programs run on this ${hostArchitecture()} machine (${emulation.reason}).`,
            },
          ),
        ],
        notes: [
          ...notes,
          `not run: linux/arm64 cannot run on this ${hostArchitecture()} machine: ${emulation.reason}`,
        ],
      });
    }
    if (emulation.needed && emulation.ok) {
      cleanups.push(() => emulation.release());
      section.emulated = `qemu-user (${emulation.by})`;
      notes.push(
        `linux/arm64 ran emulated on this ${hostArchitecture()} machine by qemu-user (${emulation.by}, binfmt_misc${emulation.registered ? ", registered for this run" : ""}): timings are slower than on AgentCore's arm64 hosts`,
      );
    }

    // The runtime refuses to start it (no command, a USER the image does not list): so would AgentCore's.
    const refusal =
      argv.length === 0
        ? "the image has neither Entrypoint nor Cmd: there is nothing to run"
        : named.ok
          ? undefined
          : named.message;
    if (refusal) {
      return notRun({
        ...base,
        section,
        findings: [
          ...limits,
          makeFinding(
            "STARTUP_CRASH",
            [
              {
                fact: `the OCI runtime cannot start the image: ${refusal}`,
                source: imageSourceOf(facts, via),
              },
            ],
            { exception: refusal, command: argv.join(" ") },
          ),
        ],
        notes: [...notes, `not started: ${refusal}`],
      });
    }

    const ns: Namespace = await createNamespace("check");
    cleanups.push(() => ns.destroy());
    progress("launch", `${argv.join(" ")} (runc, network namespace ${ns.name})`);
    const instance: Instance = await startInstance({ artifact, netns: ns.name, env: platformEnv(options) });
    cleanups.push(() => instance.stop(1_000));
    const probed = await probeAgent(instance, {
      dir: label,
      protocol,
      port,
      command: argv,
      address: ns.address,
      limitMs: options.startupTimeoutMs,
      pingTimeoutMs: options.pingTimeoutMs ?? PING_TIMEOUT_MS,
      slowPingMs: options.slowPingMs ?? DEFAULT_SLOW_PING_MS,
      progress,
    });
    const liveRun: LiveRun = probed.run;
    const findings = sortFindings(mergeFindings([...limits, ...liveFindings(liveRun, instance.startedAt)]));
    const { summary, ...header } = reportVerdict(findings);
    const { startup } = liveRun;
    return {
      ...header,
      target: { dir: label, protocol, port, argv, origin: "the image config's Entrypoint and Cmd" },
      environment: {
        dockerenv: liveRun.dockerenv.state,
        network: `network namespace ${ns.name} (${ns.address}), no route out`,
        socketsRead: startup.listening !== undefined,
        notes: [
          ...notes,
          // The emulation is said above, with what it means for timings.
          ...instance.notes.filter((n) => !(instance.emulated && /qemu-user/.test(n))),
          `ran under runc in a network namespace of its own, as AgentCore runs each session in a microVM: the platform's AWS_REGION${options.env ? " and --env" : ""} on top of the image's Env; no credentials (AgentCore serves the execution role's from the microVM's metadata service)`,
        ],
      },
      startup: startupSection(startup, options.startupTimeoutMs, liveRun.exit),
      probes: probed.probes.map(toReportExchange),
      output: liveRun.output.slice(-40).map((l) => ({ stream: l.stream, text: l.text })),
      image: section,
      findings,
      summary,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

function imageSourceOf(facts: ImageFacts, via: string) {
  return imageSource("image config", facts.configDigest, via);
}

function notRun(input: {
  label: string;
  protocol: Protocol;
  port: number;
  argv: string[];
  limitMs: number;
  section: ImageSection;
  findings: Finding[];
  notes: string[];
}): CheckReport {
  const findings = sortFindings(mergeFindings(input.findings));
  const { summary, ...header } = reportVerdict(findings);
  return {
    ...header,
    target: {
      dir: input.label,
      protocol: input.protocol,
      port: input.port,
      argv: input.argv,
      origin: "the image config's Entrypoint and Cmd",
    },
    environment: { dockerenv: "not-run", network: "not run", socketsRead: false, notes: input.notes },
    startup: { outcome: "not-run", limitMs: input.limitMs, stuckConnections: [] },
    probes: [],
    output: [],
    image: input.section,
    findings,
    summary,
  };
}
