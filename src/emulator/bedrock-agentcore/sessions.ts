import { randomUUID } from "node:crypto";
import { Agent, type IncomingMessage, request } from "node:http";
import type { Readable } from "node:stream";
import { launchAgent, type OutputLine } from "../../agent/launcher.js";
import { getPing, type HealthReading, readPing, waitForHealth } from "../../agent/probe.js";
import { PING_TIMEOUT_MS, PROTOCOL_INVOKE_PATHS, PROTOCOL_PORTS, type Protocol } from "../../agent/types.js";
import {
  type Artifact,
  type ArtifactResolver,
  ArtifactUnavailable,
  type Instance,
  mappedDirectories,
  startInstance,
} from "../../executor/index.js";
import {
  DEFAULT_NAMESPACE_POOL,
  type Namespace,
  NamespacePool,
  netnsSupport,
  reapOrphans,
} from "../../net/netns.js";
import { caBundlePath } from "../aws-public/ca.js";
import type { Ec2 } from "../ec2/model/ec2.js";
import { ec2VpcState } from "../ec2/vpc-snapshot.js";
import { AwsError } from "../protocol/errors.js";
import { analyticReachability, type ReachVerdict, sessionReachability } from "../vpc/decide.js";
import {
  fabricSupport,
  type SessionAttachment,
  SessionFabric,
  type SessionNetwork,
  type Upstream,
} from "../vpc/fabric.js";
import type { CodeBaseChoice } from "./code-base.js";
import {
  type CodeFetcher,
  type CodeSpec,
  codeLocation,
  type PreparedCode,
  prepareCode,
} from "./code-runtime.js";
import type { OutputSource } from "./runtime-logs.js";
import { type ActivityClock, idleVerdict, pingSaysBusy, watchIntervalMs } from "./session-activity.js";

/** AgentCore's answer to an operation on a session that is being started or stopped (the model's RetryableConflictException). */
export const SESSION_IN_PROGRESS_MESSAGE = "Session operation in progress, please retry";

/** AgentCore's message when an instance never turns healthy; users quote it verbatim. */
export const HEALTH_CHECK_FAILED_MESSAGE =
  "Runtime health check failed or timed out. Please make sure that health check is implemented according to the requirements here - https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-service-contract.html";

/** How a start-up that never finished reaches users (a code zip that could not be fetched, among others). */
export const CODE_FETCH_TIMED_OUT_MESSAGE = "Runtime initialization time exceeded.";

export type SessionDriver = "netns" | "process";

/** What a session runs: one runtime version, resolved by the control plane. */
export interface SessionSpec {
  account: string;
  runtimeId: string;
  /** The endpoint (qualifier) invoked: it names the log group. */
  endpointName: string;
  /** The execution role: its permissions decide whether output reaches CloudWatch Logs. */
  roleArn: string;
  version: string;
  sessionId: string;
  /** The image; for a code runtime, its zip's S3 location (`s3://bucket/key`). */
  containerUri: string;
  /** A code runtime's artifact (codeConfiguration): the zip fetched from S3 and run on the runtime's interpreter. */
  code?: CodeSpec;
  protocol: Protocol;
  environmentVariables: Record<string, string>;
  region: string;
  idleTimeoutSeconds: number;
  maxLifetimeSeconds: number;
  /** The runtime's networkConfiguration; absent means PUBLIC. */
  network?: {
    networkMode: "PUBLIC" | "VPC";
    networkModeConfig?: { subnets: string[]; securityGroups: string[] };
  };
}

interface Session extends ActivityClock {
  spec: SessionSpec;
  agent: Instance;
  address: string;
  namespace?: Namespace;
  /** The session's network (ENI or internet link) when the session network is real. */
  attachment?: SessionAttachment;
  network: SessionNetwork;
  startedAt: number;
  idleTimer?: NodeJS.Timeout;
  lifetimeTimer?: NodeJS.Timeout;
  inFlight: number;
  /** Set when the session stops: its watcher ends. */
  ended?: boolean;
  /** The last /ping the idle watcher read. */
  lastPing?: HealthReading;
  /** MCP session ids this session's instance was sent or answered with: dead once the session ends. */
  mcpSessionIds: Set<string>;
  /** Kept-alive connections to the instance, as the platform's proxy keeps them. */
  connections: Agent;
  /** A code runtime's unpacked zip, removed with the session. */
  code?: PreparedCode;
  /** What the instance runs and the environment the platform gave it: InvokeAgentRuntimeCommand runs beside it so. */
  artifact: Artifact;
  instanceEnv: Record<string, string>;
}

/** An MCP session id whose runtime session ended: AgentCore answers 404 to it until the client initializes again. */
export interface EndedMcpSession {
  runtimeId: string;
  runtimeSessionId: string;
  endedAt: string;
  reason: string;
}

export interface SessionManagerOptions {
  /**
   * What a containerUri names, as an artifact the executor layer starts (the
   * emulator's: an image pushed to its ECR on the OCI runtime, else the image
   * map's directory as a host command). Without it, the image map alone.
   */
  artifacts?: ArtifactResolver;
  /** containerUri → the local agent directory that stands in for the image, when `artifacts` is not given. */
  images?: Readonly<Record<string, string>>;
  /** Reads a code runtime's zip from S3 as its execution role (the emulator's S3); unset: code runtimes cannot run. */
  fetchCode?: CodeFetcher;
  /** Where code runtimes' zips run (code-base.ts); default ACD_CODE_RUNTIME_BASE, else auto: linux/arm64 where it can. */
  codeRuntimeBase?: CodeBaseChoice;
  startupTimeoutMs: number;
  /** How long one second of the lifecycle (idle timeout, maximum lifetime) lasts here, in ms; tests shorten it. Default 1000. */
  lifecycleSecondMs?: number;
  driver?: SessionDriver;
  /** How many session namespaces the netns driver keeps made ahead (default ACD_NETNS_POOL, else 2; 0: none). */
  namespacePool?: number;
  /**
   * What the platform gives a new instance besides the runtime's variables:
   * the execution role's credentials (AgentCore serves them from its
   * microVM metadata service; here they arrive as the standard variables).
   */
  instanceEnvironment?: (spec: SessionSpec) => Record<string, string>;
  /** Every line the instance writes, with the instance it came from. */
  onOutput?: (source: OutputSource, line: OutputLine) => void;
  log?: (line: string) => void;
  /**
   * The session network (netns driver with nftables): PUBLIC sessions reach
   * the public endpoints stand-in, VPC sessions get their runtime's ENI with
   * its security groups, routes and endpoints enforced. Without it, or
   * without nftables or root, sessions have no outbound network and
   * reachability is judged analytically.
   */
  network?: {
    /** The in-process EC2 model (VPC mode reads it; it is re-read every half second). */
    ec2?: Ec2;
    /** The CA directory (aws-public/ca.ts); its bundle is handed to instances through the standard variables. */
    caDir: string;
    /** The emulator as the stand-in reaches it: its URL (served through a Unix socket) or a Unix socket. */
    upstream: Upstream | (() => Upstream);
  };
}

export interface Forwarded {
  statusCode: number;
  contentType: string;
  /** The instance's answer headers (lowercased), e.g. its Mcp-Session-Id. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Readable;
}

/** A session as the emulator's console shows it: read, never changed. */
export interface SessionListing {
  account: string;
  region: string;
  runtimeId: string;
  endpointName: string;
  version: string;
  sessionId: string;
  /** starting: before its health check passed; busy: an invocation in flight; ended: stopped (with why). */
  state: "starting" | "idle" | "busy" | "ended";
  networkMode: "PUBLIC" | "VPC";
  startedAt?: string;
  endedAt?: string;
  endReason?: string;
  address?: string;
  namespace?: string;
  inFlight?: number;
  /** When work was last seen: a request served or /ping HealthyBusy (what the idle timeout counts from). */
  lastActivityAt?: string;
}

/**
 * The namespace pool refills once no session has been starting for this
 * long, so its `ip` processes never share the CPU with a session's start or
 * its first invocation's forwarding.
 */
const REFILL_QUIET_MS = 100;

/** How many ended sessions the listing remembers, newest first. */
const ENDED_KEPT = 50;
/** How many dead MCP session ids are remembered (each answered 404). */
const DEAD_MCP_KEPT = 1_000;

function key(spec: Pick<SessionSpec, "runtimeId" | "sessionId">): string {
  return `${spec.runtimeId}/${spec.sessionId}`;
}

function listingOf(spec: SessionSpec): Omit<SessionListing, "state"> {
  return {
    account: spec.account,
    region: spec.region,
    runtimeId: spec.runtimeId,
    endpointName: spec.endpointName,
    version: spec.version,
    sessionId: spec.sessionId,
    networkMode: spec.network?.networkMode ?? "PUBLIC",
  };
}

/**
 * Runtime sessions as AgentCore runs them: one instance per session id, a
 * health check before the first invocation, idle timeout and maximum
 * lifetime. The `netns` driver gives each instance its own network namespace
 * reached on its own interface; the `process` driver runs one instance at a
 * time on this host and judges a loopback-only listener as unreachable.
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly starting = new Map<string, Promise<Session>>();
  private readonly startingSpecs = new Map<string, { spec: SessionSpec; since: Date }>();
  private readonly ended: SessionListing[] = [];
  /** Starting code sessions that run on this machine's interpreter, and why not on linux/arm64. */
  private readonly onHost = new Map<string, string>();
  private readonly stopping = new Map<string, Promise<void>>();
  /** Instances launched and not yet judged healthy: what stopAll ends so that no start outlives the emulator. */
  private readonly launching = new Set<Instance>();
  /** Set by stopAll: starts under way end, and no new one begins. */
  private closing = false;
  private readonly deadMcp = new Map<string, EndedMcpSession>();
  private driver: SessionDriver | undefined;
  private fabric: SessionFabric | undefined;
  /** Session namespaces made ahead (netns driver); filled after the first session and refilled when starts are quiet. */
  private pool: NamespacePool | undefined;
  private refillTimer: NodeJS.Timeout | undefined;

  private readonly artifacts: ArtifactResolver;

  constructor(private readonly options: SessionManagerOptions) {
    this.artifacts = options.artifacts ?? mappedDirectories(options.images ?? {});
  }

  async resolveDriver(): Promise<SessionDriver> {
    if (!this.driver) {
      this.driver = this.options.driver ?? ((await netnsSupport()).ok ? "netns" : "process");
      if (this.driver === "netns") {
        await reapOrphans();
        this.pool = new NamespacePool(
          "s",
          this.options.namespacePool ?? DEFAULT_NAMESPACE_POOL,
          this.options.log,
          // Most sessions are PUBLIC: their link to the internet is made with the namespace, off their clock.
          async (namespace) => this.fabric?.prewirePublic(namespace.name),
        );
      }
      await this.resolveFabric();
    }
    return this.driver;
  }

  /** The session network, when it can be real here; says once why not. */
  private async resolveFabric(): Promise<void> {
    const network = this.options.network;
    if (!network) return;
    const support =
      this.driver === "netns"
        ? await fabricSupport()
        : { ok: false, reason: "the process driver runs sessions on this host" };
    if (!support.ok) {
      this.options.log?.(
        `session network: not enforced (${support.reason}); VPC reachability is judged analytically from EC2's state`,
      );
      return;
    }
    this.fabric = new SessionFabric({
      caDir: network.caDir,
      upstream: network.upstream,
      ...(network.ec2 ? { vpcs: ec2VpcState(network.ec2) } : {}),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    // The stand-in for the internet takes a second to start: not on the first session's clock.
    void this.fabric
      .prepare()
      .catch((error) => this.options.log?.(`session network: ${(error as Error).message.split("\n")[0]}`));
  }

  /** The session's network as the fabric and the analytic judge see it: PUBLIC, or VPC with the runtime's ENI. */
  private networkOf(spec: SessionSpec): SessionNetwork {
    const base = { account: spec.account, region: spec.region };
    const vpc = spec.network?.networkMode === "VPC" ? spec.network.networkModeConfig : undefined;
    if (!vpc) return { ...base, mode: "PUBLIC" };
    const eni = this.options.network?.ec2?.findManagedInterface(
      { account: spec.account, region: spec.region },
      vpc.subnets,
      vpc.securityGroups,
    );
    if (!eni?.NetworkInterfaceId || !eni.PrivateIpAddress || !eni.SubnetId) return { ...base, mode: "VPC" };
    return {
      ...base,
      mode: "VPC",
      eni: {
        id: eni.NetworkInterfaceId,
        privateIp: eni.PrivateIpAddress,
        subnetId: eni.SubnetId,
        groupIds: (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
      },
    };
  }

  /** Applies EC2 changes to running sessions now rather than at the next poll. */
  async syncVpc(): Promise<void> {
    await this.fabric?.syncVpc();
  }

  /**
   * Whether a running session can open a connection to an AWS service's
   * regional endpoint (`sts`, `logs`, `ecr.api`): by packets from its
   * namespace when the session network is real, else analytically.
   */
  async reachability(
    runtimeId: string,
    sessionId: string,
    service: string,
    port = 443,
  ): Promise<ReachVerdict> {
    const session = this.sessions.get(key({ runtimeId, sessionId }));
    if (!session) throw new AwsError("ResourceNotFoundException", `No running session ${sessionId}`);
    if (session.attachment) {
      return sessionReachability(
        {
          network: session.network,
          namespace: session.attachment.namespace,
          ...(this.options.network?.ec2 ? { vpcs: ec2VpcState(this.options.network.ec2) } : {}),
        },
        service,
        { port },
      );
    }
    const ec2 = this.options.network?.ec2;
    return analyticReachability(ec2 ? ec2VpcState(ec2) : undefined, session.network, service, port);
  }

  /** What the session's containerUri names; one that names nothing runnable is the client's error, as a failed pull is. */
  private async artifactOf(spec: SessionSpec): Promise<Artifact> {
    try {
      return await this.artifacts(spec.containerUri);
    } catch (error) {
      if (error instanceof ArtifactUnavailable) throw new AwsError("RuntimeClientError", error.message);
      throw error;
    }
  }

  private async start(spec: SessionSpec): Promise<Session> {
    const driver = await this.resolveDriver();
    if (driver === "process") {
      // One port 8080 on this host: the previous instance gives way.
      for (const session of [...this.sessions.values()])
        await this.stopSession(session, "the process driver runs one instance at a time");
    }
    const marks: [string, number][] = [["begin", performance.now()]];
    const mark = (step: string) => marks.push([step, performance.now()]);
    const code = spec.code ? await this.codeOf(spec, spec.code, driver) : undefined;
    // Resolved before the namespace is made: an image that cannot be pulled fails the session with nothing to undo.
    let artifact: Artifact;
    let namespace: Namespace | undefined;
    try {
      artifact = code ? code.artifact : await this.artifactOf(spec);
      mark("artifact");
      const taken = await this.pool?.take();
      namespace = taken?.namespace;
      // "pool": a namespace made ahead was taken; "namespace": one was made for this start.
      mark(taken?.pooled ? "pool" : "namespace");
    } catch (error) {
      await code?.remove();
      throw error;
    }
    const network = this.networkOf(spec);
    let attachment: SessionAttachment | undefined;
    const port = PROTOCOL_PORTS[spec.protocol];
    const source: OutputSource = {
      scope: { account: spec.account, region: spec.region },
      runtimeId: spec.runtimeId,
      endpointName: spec.endpointName,
      sessionId: spec.sessionId,
      instanceId: randomUUID(),
      startedAt: new Date(),
      roleArn: spec.roleArn,
    };
    const fabric = namespace && (network.mode === "PUBLIC" || network.eni) ? this.fabric : undefined;
    // The session's network is made while the executor prepares the instance (an image's overlay);
    // the instance's own process starts only once it is there.
    const networked = (async () => {
      if (fabric && namespace) {
        attachment = await fabric.attachSession(namespace.name, network);
      } else if (this.fabric && network.mode === "VPC") {
        if (namespace) await this.fabric.unwire(namespace.name);
        this.options.log?.(
          `session ${spec.sessionId}: VPC mode, but EC2 has no AgentCore interface for its subnets and groups: no network`,
        );
      }
      if (spec.code && network.mode === "VPC") await this.codeReachable(spec, spec.code, network, attachment);
      mark("network");
    })();
    const settled = networked.catch(() => undefined);
    try {
      const instanceEnv = {
        ...this.options.instanceEnvironment?.(spec),
        ...spec.environmentVariables,
        AWS_REGION: spec.region,
        AWS_DEFAULT_REGION: spec.region,
      };
      const agent = await startInstance({
        artifact,
        ...(namespace ? { netns: namespace.name } : {}),
        inheritAwsEnv: false,
        env: instanceEnv,
        after: networked,
        // Regional AWS host names, unchanged, served over TLS by the emulator's CA.
        ...(fabric && this.options.network ? { caBundle: caBundlePath(this.options.network.caDir) } : {}),
        ...(this.options.onOutput
          ? { onOutput: (line: OutputLine) => this.options.onOutput!(source, line) }
          : {}),
      });
      // Stopping the emulator ends this instance too: its health wait then sees it exit.
      this.launching.add(agent);
      if (this.closing) void agent.stop();
      let health: Awaited<ReturnType<typeof waitForHealth>>;
      try {
        // Each executor waits for it before the instance's process starts; one refused before then has not.
        await networked;
        mark("instance");
        health = await waitForHealth(agent, {
          protocol: spec.protocol,
          port,
          ...(namespace ? { address: namespace.address } : {}),
          startupTimeoutMs: this.options.startupTimeoutMs,
          graceMs: 0,
          pingTimeoutMs: PING_TIMEOUT_MS,
          // Readiness seen within a few ms of the listener opening: a connect to the port between polls.
          firstPollMs: 5,
          pollMs: 25,
          connectProbe: true,
        });
      } finally {
        this.launching.delete(agent);
      }
      mark("healthy");
      if (this.closing) {
        await agent.stop();
        throw new AwsError("RuntimeClientError", "The emulator is stopping.");
      }
      this.options.log?.(
        `session ${spec.sessionId}: started in ${(performance.now() - marks[0]![1]).toFixed(1)} ms (${marks
          .slice(1)
          .map(([step, at], i) => `${step} ${(at - marks[i]![1]).toFixed(1)}`)
          .join(", ")})`,
      );
      // The health check arrives on the instance's interface: a loopback-only listener fails it.
      if (health.outcome !== "healthy" || health.reachableFromInterface === false || !health.address) {
        // What the instance said last, and how it was started: the first things a user asks of a failed start.
        const said = agent
          .output()
          .filter((line) => line.stream === "stderr")
          .slice(-3)
          .map((line) => line.text);
        this.options.log?.(
          `session ${spec.sessionId}: health check failed (${health.outcome}${said.length > 0 ? `; last on stderr: ${said.join(" | ")}` : ""})`,
        );
        for (const note of agent.notes) this.options.log?.(`session ${spec.sessionId}: ${note}`);
        await agent.stop();
        throw new AwsError("RuntimeClientError", HEALTH_CHECK_FAILED_MESSAGE);
      }
      const session: Session = {
        artifact,
        instanceEnv,
        connections: new Agent({ keepAlive: true }),
        spec,
        agent,
        address: health.address,
        startedAt: Date.now(),
        lastActivityAt: Date.now(),
        inFlight: 0,
        mcpSessionIds: new Set(),
        network,
        ...(namespace ? { namespace } : {}),
        ...(attachment ? { attachment } : {}),
        ...(code ? { code } : {}),
      };
      session.lifetimeTimer = setTimeout(
        () => void this.stopSession(session, "maximum lifetime reached"),
        spec.maxLifetimeSeconds * this.secondMs,
      );
      session.lifetimeTimer.unref();
      this.watchIdle(session);
      void agent.exited.then(() => {
        if (this.sessions.get(key(spec)) === session) void this.stopSession(session, "the instance exited");
      });
      return session;
    } catch (error) {
      await settled;
      await attachment?.detach();
      await namespace?.destroy();
      await code?.remove();
      throw error;
    }
  }

  /** A code runtime's zip, fetched as its execution role and unpacked; the interpreter it really runs on is logged. */
  private async codeOf(spec: SessionSpec, code: CodeSpec, driver: SessionDriver): Promise<PreparedCode> {
    if (!this.options.fetchCode)
      throw new AwsError("RuntimeClientError", "The emulator has no S3 to fetch this runtime's code from.");
    const fetched = this.options.fetchCode(code, {
      account: spec.account,
      region: spec.region,
      roleArn: spec.roleArn,
    });
    const prepared = await prepareCode(code, fetched.path, {
      driver,
      ...(this.options.codeRuntimeBase ? { choice: this.options.codeRuntimeBase } : {}),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    for (const note of prepared.notes) this.options.log?.(`session ${spec.sessionId}: ${note}`);
    if (prepared.onHost) this.onHost.set(key(spec), prepared.onHost);
    return prepared;
  }

  /**
   * A VPC code runtime fetches its zip through its own network: runtimes
   * created since 2026-05-05 have no service-managed S3 gateway, so the
   * subnet needs an S3 gateway endpoint or a NAT path. Judged from the
   * session's namespace when the network is real, else from EC2's state.
   */
  private async codeReachable(
    spec: SessionSpec,
    code: CodeSpec,
    network: SessionNetwork,
    attachment: SessionAttachment | undefined,
  ): Promise<void> {
    const ec2 = this.options.network?.ec2;
    const verdict = attachment
      ? await sessionReachability(
          { network, namespace: attachment.namespace, ...(ec2 ? { vpcs: ec2VpcState(ec2) } : {}) },
          "s3",
        )
      : analyticReachability(ec2 ? ec2VpcState(ec2) : undefined, network, "s3");
    if (verdict.status !== "blocked") return;
    this.options.log?.(
      `session ${spec.sessionId}: the code artifact ${codeLocation(code)} cannot be fetched through the runtime's VPC (${verdict.method}: ${verdict.detail})`,
    );
    throw new AwsError("RuntimeClientError", CODE_FETCH_TIMED_OUT_MESSAGE);
  }

  private async session(spec: SessionSpec): Promise<Session> {
    const id = key(spec);
    const existing = this.sessions.get(id);
    if (existing && !existing.agent.exit) return existing;
    let pending = this.starting.get(id);
    if (!pending) {
      if (this.closing) throw new AwsError("RuntimeClientError", "The emulator is stopping.");
      pending = this.start(spec).then((session) => {
        this.sessions.set(id, session);
        return session;
      });
      this.starting.set(id, pending);
      this.startingSpecs.set(id, { spec, since: new Date() });
      void pending
        .catch((error: Error) => {
          // A session that failed off the arm64 base may not fail so on AgentCore: the listing says where it ran.
          const onHost = this.onHost.get(id);
          this.remember(
            spec,
            new Date(),
            `did not start: ${error.message}${onHost ? ` (on this machine's interpreter, not linux/arm64: ${onHost})` : ""}`,
          );
        })
        .finally(() => {
          this.onHost.delete(id);
          this.starting.delete(id);
          this.startingSpecs.delete(id);
          this.scheduleRefill();
        });
    }
    return pending;
  }

  /** Refills the namespace pool once no session has been starting for REFILL_QUIET_MS. */
  private scheduleRefill(): void {
    if (!this.pool || this.starting.size > 0) return;
    clearTimeout(this.refillTimer);
    this.refillTimer = setTimeout(() => void this.pool?.fill(), REFILL_QUIET_MS);
    this.refillTimer.unref();
  }

  /**
   * Fills the namespace pool now and resolves when it is full: how many
   * namespaces wait ready (0 without the netns driver or with the pool off).
   * Benches call it so that each timed start finds the pool warm.
   */
  async warmPool(): Promise<number> {
    await this.resolveDriver();
    if (!this.pool) return 0;
    clearTimeout(this.refillTimer);
    await this.pool.fill();
    return this.pool.available;
  }

  private get secondMs(): number {
    return this.options.lifecycleSecondMs ?? 1000;
  }

  /**
   * The idle timeout as AgentCore keeps it: the watcher looks at the
   * instance every so often; a request in flight or a HealthyBusy /ping
   * (with its timestamp) is work and restarts the count, nothing else does.
   */
  private watchIdle(session: Session): void {
    const idleMs = session.spec.idleTimeoutSeconds * this.secondMs;
    const look = async () => {
      if (session.ended) return;
      if (session.inFlight === 0) {
        session.lastPing = readPing(
          await getPing(session.address, PROTOCOL_PORTS[session.spec.protocol], 5_000),
          Date.now() - session.startedAt,
        );
      }
      const verdict = idleVerdict(session, Date.now(), session.inFlight, session.lastPing, idleMs);
      if (verdict === "idle-timeout") return void this.stopSession(session, "idle timeout");
      schedule();
    };
    const schedule = () => {
      session.idleTimer = setTimeout(() => void look(), watchIntervalMs(idleMs));
      session.idleTimer.unref();
    };
    schedule();
  }

  /** Which live runtime session an MCP session id belongs to, if any. */
  sessionOfMcpId(runtimeId: string, mcpSessionId: string): string | undefined {
    for (const s of this.sessions.values())
      if (s.spec.runtimeId === runtimeId && s.mcpSessionIds.has(mcpSessionId)) return s.spec.sessionId;
    return undefined;
  }

  /** The ended session an MCP session id belonged to, when it is dead. */
  endedMcpSession(runtimeId: string, mcpSessionId: string): EndedMcpSession | undefined {
    const dead = this.deadMcp.get(mcpSessionId);
    return dead?.runtimeId === runtimeId ? dead : undefined;
  }

  /**
   * InvokeAgentRuntimeCommand: `command` run by /bin/sh in the session's instance
   * (started first if needed), in its working directory, environment and network
   * namespace, its output lines passed on as they come. Killed after `timeoutSeconds`.
   * Sessions of host commands only: an OCI instance would need its runtime's exec.
   */
  async runCommand(
    spec: SessionSpec,
    command: string,
    timeoutSeconds: number,
    onLine: (line: OutputLine) => void,
  ): Promise<{ exitCode: number; timedOut: boolean }> {
    if (this.stopping.has(key(spec)))
      throw new AwsError("RetryableConflictException", SESSION_IN_PROGRESS_MESSAGE);
    const session = await this.session(spec);
    if (session.artifact.kind !== "host-command") {
      throw new AwsError(
        "ValidationException",
        "The emulator runs InvokeAgentRuntimeCommand in sessions of agent directories only, not of OCI images yet.",
        { reason: "FieldValidationFailed" },
      );
    }
    session.inFlight++;
    session.lastActivityAt = Date.now();
    try {
      const instance = await launchAgent({
        plan: {
          ...session.artifact.plan,
          argv: ["/bin/sh", "-c", command],
          origin: "InvokeAgentRuntimeCommand",
        },
        ...(session.namespace ? { netns: session.namespace.name } : {}),
        env: session.instanceEnv,
        inheritAwsEnv: false,
        onOutput: onLine,
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        void instance.stop(1_000);
      }, timeoutSeconds * 1000);
      const exit = await instance.exited;
      clearTimeout(timer);
      return { exitCode: exit.code ?? (exit.signal ? 128 + 9 : 1), timedOut };
    } finally {
      session.inFlight--;
      session.lastActivityAt = Date.now();
    }
  }

  /**
   * The session's instance (started first if needed) for a connection that is
   * not one request: a WebSocket stream. The stream counts as work until `done`.
   */
  async connect(spec: SessionSpec): Promise<{ address: string; port: number; done: () => void }> {
    if (this.stopping.has(key(spec)))
      throw new AwsError("RetryableConflictException", SESSION_IN_PROGRESS_MESSAGE);
    const session = await this.session(spec);
    session.inFlight++;
    session.lastActivityAt = Date.now();
    let finished = false;
    return {
      address: session.address,
      port: PROTOCOL_PORTS[spec.protocol],
      done: () => {
        if (finished) return;
        finished = true;
        session.inFlight--;
        session.lastActivityAt = Date.now();
      },
    };
  }

  /**
   * Forwards one invocation to the session's instance, starting it first if needed, and streams the answer back.
   * `target`: another request than the protocol's invocation (GetAgentCard's `GET /.well-known/agent-card.json`).
   */
  async invoke(
    spec: SessionSpec,
    payload: Buffer,
    headers: Record<string, string>,
    target: { method?: string; path?: string } = {},
  ): Promise<Forwarded> {
    if (this.stopping.has(key(spec)))
      throw new AwsError("RetryableConflictException", SESSION_IN_PROGRESS_MESSAGE);
    const session = await this.session(spec);
    session.inFlight++;
    session.lastActivityAt = Date.now();
    const sentMcpId = headers["mcp-session-id"];
    if (sentMcpId) {
      session.mcpSessionIds.add(sentMcpId);
      this.deadMcp.delete(sentMcpId);
    }
    const port = PROTOCOL_PORTS[spec.protocol];
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = request(
          {
            host: session.address,
            port,
            method: target.method ?? "POST",
            path: target.path ?? PROTOCOL_INVOKE_PATHS[spec.protocol],
            headers: { ...headers, "content-length": String(payload.length) },
            agent: session.connections,
          },
          resolve,
        );
        outgoing.on("error", reject);
        outgoing.end(payload);
      });
    } catch (error) {
      session.inFlight--;
      session.lastActivityAt = Date.now();
      throw new AwsError(
        "RuntimeClientError",
        `The runtime did not answer the invocation: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Please check your CloudWatch logs for more information`,
      );
    }
    const finish = () => {
      session.inFlight--;
      session.lastActivityAt = Date.now();
    };
    response.once("close", finish);
    const answeredMcpId = response.headers["mcp-session-id"];
    if (typeof answeredMcpId === "string" && answeredMcpId) session.mcpSessionIds.add(answeredMcpId);
    const status = response.statusCode ?? 500;
    if (status >= 400) {
      response.resume();
      throw new AwsError(
        "RuntimeClientError",
        `Received error (${status}) from runtime. Please check your CloudWatch logs for more information`,
      );
    }
    return {
      statusCode: status,
      contentType: response.headers["content-type"] ?? "application/octet-stream",
      headers: response.headers,
      body: response,
    };
  }

  /**
   * StopRuntimeSession: false when no such session runs (ResourceNotFound);
   * a session still starting cannot be stopped yet (ConflictException); one
   * already stopping is waited for (the operation is idempotent).
   */
  async stop(runtimeId: string, sessionId: string): Promise<boolean> {
    const id = key({ runtimeId, sessionId });
    if (this.starting.has(id))
      throw new AwsError(
        "ConflictException",
        `Session ${sessionId} is still starting; retry StopRuntimeSession when its first invocation has been answered.`,
      );
    const pending = this.stopping.get(id);
    if (pending) {
      await pending;
      return true;
    }
    const session = this.sessions.get(id);
    if (!session) return false;
    await this.stopSession(session, "StopRuntimeSession");
    return true;
  }

  /** Ends every session of a runtime, as AgentCore does when the runtime is deleted. */
  async stopRuntime(runtimeId: string): Promise<void> {
    await Promise.all(
      [...this.sessions.values()]
        .filter((s) => s.spec.runtimeId === runtimeId)
        .map((s) => this.stopSession(s, "runtime deleted")),
    );
  }

  /** Stops every session; the session network stays for the next ones (a state reset). */
  async stopSessions(reason: string): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => this.stopSession(s, reason)));
  }

  async stopAll(): Promise<void> {
    // A start under way would otherwise finish after the network and the pool are gone, and outlive the emulator.
    this.closing = true;
    await Promise.all([...this.launching].map((agent) => agent.stop().catch(() => undefined)));
    await Promise.allSettled([...this.starting.values()]);
    await this.stopSessions("emulator stopping");
    clearTimeout(this.refillTimer);
    // Closed, the pool hands out no namespace made ahead: a later start makes its own.
    await this.pool?.close();
    await this.fabric?.stop();
    this.fabric = undefined;
  }

  /** Live sessions (starting, idle, busy), then the last ended ones, newest first. */
  list(): SessionListing[] {
    const live = [...this.sessions.values()].map(
      (s): SessionListing => ({
        ...listingOf(s.spec),
        state: s.inFlight > 0 || pingSaysBusy(s.lastPing) ? "busy" : "idle",
        lastActivityAt: new Date(s.lastActivityAt).toISOString(),
        startedAt: new Date(s.startedAt).toISOString(),
        address: s.address,
        ...(s.namespace ? { namespace: s.namespace.name } : {}),
        inFlight: s.inFlight,
      }),
    );
    const starting = [...this.startingSpecs.values()].map(
      ({ spec, since }): SessionListing => ({
        ...listingOf(spec),
        state: "starting",
        startedAt: since.toISOString(),
      }),
    );
    return [...starting, ...live, ...this.ended];
  }

  private remember(spec: SessionSpec, startedAt: Date, reason: string): void {
    this.ended.unshift({
      ...listingOf(spec),
      state: "ended",
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      endReason: reason,
    });
    this.ended.length = Math.min(this.ended.length, ENDED_KEPT);
  }

  private async stopSession(session: Session, reason: string): Promise<void> {
    const id = key(session.spec);
    if (this.sessions.get(id) === session) {
      this.sessions.delete(id);
      this.remember(session.spec, new Date(session.startedAt), reason);
      const endedAt = new Date().toISOString();
      for (const mcpId of session.mcpSessionIds) {
        this.deadMcp.set(mcpId, {
          runtimeId: session.spec.runtimeId,
          runtimeSessionId: session.spec.sessionId,
          endedAt,
          reason,
        });
        if (this.deadMcp.size > DEAD_MCP_KEPT) this.deadMcp.delete(this.deadMcp.keys().next().value!);
      }
    }
    session.ended = true;
    clearTimeout(session.idleTimer);
    clearTimeout(session.lifetimeTimer);
    this.options.log?.(`session ${session.spec.sessionId}: stopped (${reason})`);
    const done = (async () => {
      session.connections.destroy();
      await session.agent.stop();
      await session.attachment?.detach();
      await session.namespace?.destroy();
      await session.code?.remove();
    })();
    this.stopping.set(id, done);
    try {
      await done;
    } finally {
      if (this.stopping.get(id) === done) this.stopping.delete(id);
    }
  }
}
