import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { resolveLaunchPlan } from "../agent/plan.js";
import { type HealthReading, probeInvocations, waitForHealth } from "../agent/probe.js";
import { PROTOCOL_PORTS, type Protocol } from "../agent/types.js";
import { caBundlePath } from "../emulator/aws-public/ca.js";
import type { ConsoleState } from "../emulator/console/state.js";
import { defaultCacheDir, type RunningEmulator, startEmulator } from "../emulator/index.js";
import {
  fabricSupport,
  type SessionAttachment,
  SessionFabric,
  type SessionNetwork,
  type StandInEvent,
} from "../emulator/vpc/fabric.js";
import { type Instance, startInstance } from "../executor/index.js";
import { ensureEmulation } from "../executor/oci/binfmt.js";
import { createNamespace, type Namespace } from "../net/netns.js";
import { type EniSpec, resolverOf } from "../net/vpc/policy.js";
import { fixedVpcState, type VpcSnapshot } from "../net/vpc/snapshot.js";
import { partitionOf } from "../util/arn.js";
import { type CaptureReading, FlowCapture } from "./capture.js";
import { connectionFates, namesByAddress, silencedQueries } from "./fates.js";
import type { ReplayObservation, ReplayResult } from "./observations.js";

/**
 * The replay: the agent run in a twin of its deployed network, watched.
 * An embedded emulator (in process, its own state, the runtime's account and
 * region) answers the agent's AWS calls through the session network's
 * stand-in, with the twin's credentials, never the user's; the session
 * network is rebuilt from the twin (VPC) or is the stand-in internet
 * (PUBLIC); the agent starts through the executor and is probed with the
 * health wait and invocations `check` uses. What it saw is recorded as
 * observations (src/replay/observations.ts), nothing inferred.
 */
/** The deployed runtime's network rebuilt for the replay (built by diagnose from what EC2 showed, src/diagnose/twin.ts). */
export interface Twin {
  snapshot: VpcSnapshot;
  eni: EniSpec;
  /** Parts the collection did not show and the twin filled in, worded for the report. */
  assumptions: string[];
}

export interface ReplayOptions {
  /** The agent's source directory (its Dockerfile's command, this machine's packages). */
  source?: string;
  /** The deployed image, fetched into an OCI layout: run instead of `source`, under runc (src/executor/oci). */
  image?: { layout: string; tag: string; label: string };
  account: string;
  region: string;
  network: { mode: "VPC"; twin: Twin } | { mode: "PUBLIC" };
  /** The runtime's execution role: the twin issues the agent credentials for a role of that name. */
  roleArn?: string;
  protocol?: Protocol;
  /** Values for the runtime's environment variables (the deployed runtime shows names only). */
  env?: Record<string, string>;
  /** The names the deployed runtime sets; those without a value in `env` are reported as lacked. */
  envNames?: readonly string[];
  /** How long the agent may take to answer its health check (default 6 s: a replay is for seeing why not). */
  startupTimeoutMs?: number;
  onProgress?: (step: string) => void;
}

export const DEFAULT_REPLAY_STARTUP_MS = 6_000;
/** The same wait for an image run under qemu-user (linux/arm64 on x86_64). */
export const EMULATED_REPLAY_STARTUP_MS = 20_000;
/**
 * How long a SYN may go unanswered before the replay stops waiting on a start-up that hangs on
 * it: through two of Linux's retransmissions (1 s, then 2 s later), which a twin that answers or
 * refuses never leaves unanswered. A client with a shorter connect timeout has closed the socket
 * by then, so its start-up is waited on as before.
 */
export const REPLAY_BLOCKED_SETTLE_MS = 3_000;
const PING_TIMEOUT_MS = 2_000;
const INVOCATION_TIMEOUT_MS = 10_000;
const POLL_MS = 250;

/** The agent's credentials: a session of the runtime's role in the twin's STS (any key works if that fails). */
async function twinCredentials(
  emulator: RunningEmulator,
  options: ReplayOptions,
): Promise<Record<string, string>> {
  const config = {
    endpoint: emulator.url,
    region: options.region,
    credentials: { accessKeyId: "AKIDREPLAYTWIN", secretAccessKey: "replay-twin" },
    maxAttempts: 1,
  };
  const roleName = options.roleArn?.split("/").pop() || "AgentRuntimeReplay";
  const iam = new IAMClient(config);
  const sts = new STSClient(config);
  try {
    await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:${partitionOf(options.region)}:iam::${options.account}:root` },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
    );
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:${partitionOf(options.region)}:iam::${options.account}:role/${roleName}`,
        RoleSessionName: "agentcore-doctor-replay",
      }),
    );
    if (Credentials?.AccessKeyId && Credentials.SecretAccessKey && Credentials.SessionToken) {
      return {
        AWS_ACCESS_KEY_ID: Credentials.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: Credentials.SecretAccessKey,
        AWS_SESSION_TOKEN: Credentials.SessionToken,
      };
    }
  } catch {
    // The twin's own account answers any key: the agent still never sees the user's.
  } finally {
    iam.destroy();
    sts.destroy();
  }
  return { AWS_ACCESS_KEY_ID: config.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: "replay-twin" };
}

function standInObservations(
  events: readonly { event: StandInEvent; at: number }[],
  resolver: string,
  uplink: ((source: string) => boolean) | undefined,
): ReplayObservation[] {
  const out: ReplayObservation[] = [];
  for (const { event, at } of events) {
    if ("dns" in event) {
      const e = event.dns;
      if (uplink && !uplink(e.source)) continue;
      const outcome =
        // NOERROR without records is an answer (no such record, e.g. AAAA), not silence.
        e.rcode === "NOERROR"
          ? "answered"
          : e.rcode === "NXDOMAIN"
            ? "nxdomain"
            : e.rcode === "REFUSED"
              ? "refused"
              : "servfail";
      out.push({ kind: "dns", name: e.name, type: e.type, resolver, outcome, answers: e.answers, at });
    } else {
      out.push({ kind: "tls", serverName: event.tls.serverName, address: event.tls.localAddress, at });
    }
  }
  return out;
}

const pingObservation = (r: HealthReading, startedAt: number): ReplayObservation => ({
  kind: "ping",
  status: r.exchange.status ?? null,
  ...(r.exchange.body ? { body: r.exchange.body.slice(0, 300) } : {}),
  latencyMs: r.exchange.latencyMs,
  ...(r.exchange.error ? { error: r.exchange.error } : {}),
  at: startedAt + r.atMs,
});

/** Runs the replay; never throws for what the machine cannot do (that is `ran: false`, with why). */
export async function replayAgent(options: ReplayOptions): Promise<ReplayResult> {
  const support = await fabricSupport();
  if (!support.ok) {
    return {
      ran: false,
      reason: `the replay runs the agent in network namespaces with nftables (root on Linux): ${support.reason}`,
    };
  }
  const progress = options.onProgress ?? (() => {});
  const startedAt = Date.now();
  if (!options.source && !options.image)
    return { ran: false, reason: "no agent to replay: no image, no --source" };
  const launch = options.image
    ? undefined
    : await resolveLaunchPlan(options.source as string, {
        ...(options.protocol ? { protocol: options.protocol } : {}),
      });
  const plan = launch?.plan;
  const protocol = launch?.protocol ?? options.protocol ?? "HTTP";
  const port = PROTOCOL_PORTS[protocol];
  const caDir = join(defaultCacheDir(), "ca");
  const envLacked = (options.envNames ?? []).filter((name) => options.env?.[name] === undefined);
  const events: { event: StandInEvent; at: number }[] = [];

  let emulator: RunningEmulator | undefined;
  let fabric: SessionFabric | undefined;
  let namespace: Namespace | undefined;
  let agent: Instance | undefined;
  let capture: FlowCapture | undefined;
  let emulated: string | undefined;
  let releaseEmulation: (() => Promise<void>) | undefined;
  try {
    progress("replay: the twin's emulator and network");
    emulator = await startEmulator({
      port: 0,
      account: options.account,
      region: options.region,
      // The replay makes its own session network from the twin; the emulator only answers calls.
      driver: "process",
      defaultVpc: false,
      caDir,
    });
    const credentials = await twinCredentials(emulator, options);
    const url = emulator.url;
    const twin = options.network.mode === "VPC" ? options.network.twin : undefined;
    fabric = new SessionFabric({
      caDir,
      upstream: { url },
      ...(twin ? { vpcs: fixedVpcState([twin.snapshot]) } : {}),
      onStandInEvent: (event) => events.push({ event, at: Date.now() }),
    });
    namespace = await createNamespace("r");
    const network: SessionNetwork = {
      account: options.account,
      region: options.region,
      mode: options.network.mode,
      ...(twin ? { eni: twin.eni } : {}),
    };
    const attachment: SessionAttachment = await fabric.attachSession(namespace.name, network);
    const routerName = twin
      ? fabric.routerOf({ account: options.account, region: options.region }, twin.snapshot.vpcId)
      : undefined;
    capture = await FlowCapture.install(
      { namespace: namespace.name, ifname: attachment.ifname },
      routerName && twin ? { namespace: routerName, eniAddress: twin.eni.privateIp } : undefined,
    );

    const agentEnv = {
      ...credentials,
      ...options.env,
      AWS_REGION: options.region,
      AWS_DEFAULT_REGION: options.region,
    };
    if (options.image) {
      progress(`replay: the image ${options.image.label} (runc)`);
      const started = await startImage(options.image, namespace.name, agentEnv, caBundlePath(caDir));
      agent = started.instance;
      emulated = started.emulated;
      releaseEmulation = started.release;
    } else if (plan) {
      progress(`replay: ${plan.argv.join(" ")}`);
      agent = await startInstance({
        artifact: { kind: "host-command", plan },
        netns: namespace.name,
        inheritAwsEnv: false,
        env: agentEnv,
        caBundle: caBundlePath(caDir),
      });
    } else throw new Error("nothing to run");
    const running = agent;
    // The sets are read as the run goes, so each flow's first sighting has its time.
    let polling = true;
    const cap = capture;
    const poller = (async () => {
      while (polling) {
        await cap.read().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    })();
    const observations: ReplayObservation[] = [];
    let startupWait: string | undefined;
    try {
      // An image emulated by qemu-user starts several times slower than on AgentCore's arm64 hosts.
      const limit =
        options.startupTimeoutMs ?? (emulated ? EMULATED_REPLAY_STARTUP_MS : DEFAULT_REPLAY_STARTUP_MS);
      const startup = await waitForHealth(running, {
        protocol,
        port,
        address: namespace.address,
        startupTimeoutMs: limit,
        graceMs: Math.min(limit, 4_000),
        pingTimeoutMs: PING_TIMEOUT_MS,
        // Waiting out the limit on a start-up seen hanging on a dropped SYN adds nothing to what was seen.
        settleBlockedMs: Math.min(limit, REPLAY_BLOCKED_SETTLE_MS),
      });
      startupWait = startup.settledOn
        ? `ended after ${startup.elapsedMs} ms: nothing listened on ${port} and the connection to ${startup.settledOn.remoteAddress}:${startup.settledOn.remotePort} had hung in SYN_SENT for ${startup.settledOn.forMs} ms`
        : `ended after ${startup.elapsedMs} ms: ${startup.outcome}${startup.outcome === "timeout" ? ` (limit ${limit} ms${startup.usedGrace ? " and its grace" : ""})` : ""}`;
      for (const s of startup.listening ?? []) {
        observations.push({ kind: "listening", address: s.localAddress, port: s.localPort, at: Date.now() });
      }
      observations.push(...startup.readings.map((r) => pingObservation(r, running.startedAt)));
      if (startup.outcome === "healthy" && startup.address) {
        progress("replay: /invocations");
        for (const result of await probeInvocations(startup.address, port, protocol, INVOCATION_TIMEOUT_MS)) {
          observations.push({
            kind: "invocation",
            status: result.exchange.status ?? null,
            ...(result.exchange.headers["content-type"]
              ? { contentType: result.exchange.headers["content-type"] }
              : {}),
            ...(result.exchange.body ? { bodyExcerpt: result.exchange.body.slice(0, 300) } : {}),
            ...(result.exchange.error ? { error: result.exchange.error } : {}),
            at: Date.now(),
          });
        }
      }
    } finally {
      polling = false;
      await poller;
    }
    const reading: CaptureReading = await capture.read();
    const exitedBeforeStop = running.exit;
    await running.stop(1_000);
    if (exitedBeforeStop) {
      observations.push({
        kind: "exit",
        code: exitedBeforeStop.code,
        signal: exitedBeforeStop.signal,
        at: exitedBeforeStop.at,
      });
    }
    for (const line of running.output().slice(-60)) {
      observations.push({ kind: "output", stream: line.stream, text: line.text, at: line.at });
    }
    const resolver = twin ? resolverOf(twin.snapshot) : attachment.resolver;
    const seen = standInObservations(events, resolver, undefined);
    observations.push(
      ...seen,
      ...silencedQueries(reading, twin ? { snapshot: twin.snapshot, eni: twin.eni } : {}),
    );
    observations.push(
      ...connectionFates(reading, {
        ...(twin ? { snapshot: twin.snapshot, eni: twin.eni } : {}),
        names: namesByAddress(seen),
      }),
    );
    observations.push(...(await failedAgentCalls(emulator.url)));
    observations.sort((a, b) => a.at - b.at);
    return {
      ran: true,
      artifact: options.image?.label ?? (options.source as string),
      ...(emulated ? { emulated } : {}),
      network: twin ? "twin" : "public",
      envLacked,
      ...(startupWait ? { startupWait } : {}),
      startedAt,
      endedAt: Date.now(),
      observations,
    };
  } catch (error) {
    return { ran: false, reason: `the replay failed: ${(error as Error).message.split("\n")[0]}` };
  } finally {
    await agent?.stop(500).catch(() => {});
    await capture?.remove();
    await fabric?.stop().catch(() => {});
    await namespace?.destroy().catch(() => {});
    await emulator?.stop().catch(() => {});
    await releaseEmulation?.();
  }
}

/**
 * The image run by the OCI executor (src/executor/oci: unpacked once by umoci, runc) in the
 * session's namespace, as sessions and `check --image` run images; linux/arm64 under qemu-user
 * where this host is not arm64.
 */
async function startImage(
  image: NonNullable<ReplayOptions["image"]>,
  netns: string,
  env: Record<string, string>,
  caBundle: string,
): Promise<{ instance: Instance; emulated?: string; release?: () => Promise<void> }> {
  const emulation = await ensureEmulation("arm64");
  if (emulation.needed && !emulation.ok) throw new Error(`linux/arm64 cannot run here: ${emulation.reason}`);
  const release = emulation.needed && emulation.ok ? () => emulation.release() : undefined;
  try {
    const instance = await startInstance({
      // As AgentCore's arm64 hosts start it: another architecture's entry fails ('exec format error').
      artifact: {
        kind: "oci-image",
        image: { source: "layout", dir: image.layout, tag: image.tag },
        machine: "arm64",
      },
      netns,
      env,
      caBundle,
      inheritAwsEnv: false,
    });
    return {
      instance,
      ...(instance.emulated
        ? { emulated: `linux/${instance.emulated.architecture} under ${instance.emulated.by}` }
        : {}),
      ...(release ? { release } : {}),
    };
  } catch (error) {
    await release?.();
    throw error;
  }
}

/** The twin's CloudTrail (GET /_emulator/state): the calls a session's role made that were refused. */
async function failedAgentCalls(url: string): Promise<ReplayObservation[]> {
  try {
    const response = await fetch(`${url}/_emulator/state`);
    if (!response.ok) return [];
    const state = (await response.json()) as ConsoleState;
    return state.scopes.flatMap((scope) =>
      scope.trail
        .filter((r) => r.errorCode && r.userIdentity.type === "AssumedRole")
        .map(
          (r): ReplayObservation => ({
            kind: "aws-call-failed",
            service: r.eventSource.replace(/\.amazonaws\.com$/, ""),
            operation: r.eventName,
            errorCode: r.errorCode!,
            at: new Date(r.eventTime).getTime(),
          }),
        ),
    );
  } catch {
    return [];
  }
}
