import { randomUUID } from "node:crypto";
import { Agent, type IncomingMessage, request } from "node:http";
import type { Readable } from "node:stream";
import { type LaunchedAgent, launchAgent, type OutputLine } from "../../agent/launcher.js";
import { resolveLaunchPlan } from "../../agent/plan.js";
import { getPing, readPing, waitForHealth } from "../../agent/probe.js";
import { PROTOCOL_INVOKE_PATHS, PROTOCOL_PORTS, type Protocol } from "../../agent/types.js";
import { createNamespace, type Namespace, netnsSupport } from "../../net/netns.js";
import { AwsError } from "../protocol/errors.js";
import type { OutputSource } from "./runtime-logs.js";

/** AgentCore's message when an instance never turns healthy; users quote it verbatim. */
export const HEALTH_CHECK_FAILED_MESSAGE =
  "Runtime health check failed or timed out. Please make sure that health check is implemented according to the requirements here - https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-service-contract.html";

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
  containerUri: string;
  protocol: Protocol;
  environmentVariables: Record<string, string>;
  region: string;
  idleTimeoutSeconds: number;
  maxLifetimeSeconds: number;
}

interface Session {
  spec: SessionSpec;
  agent: LaunchedAgent;
  address: string;
  namespace?: Namespace;
  startedAt: number;
  idleTimer?: NodeJS.Timeout;
  lifetimeTimer?: NodeJS.Timeout;
  inFlight: number;
  /** Kept-alive connections to the instance, as the platform's proxy keeps them. */
  connections: Agent;
}

export interface SessionManagerOptions {
  /** containerUri → the local agent directory that stands in for the image. */
  images: Readonly<Record<string, string>>;
  startupTimeoutMs: number;
  driver?: SessionDriver;
  /** Every line the instance writes, with the instance it came from. */
  onOutput?: (source: OutputSource, line: OutputLine) => void;
  log?: (line: string) => void;
}

export interface Forwarded {
  statusCode: number;
  contentType: string;
  body: Readable;
}

function key(spec: Pick<SessionSpec, "runtimeId" | "sessionId">): string {
  return `${spec.runtimeId}/${spec.sessionId}`;
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
  private driver: SessionDriver | undefined;

  constructor(private readonly options: SessionManagerOptions) {}

  async resolveDriver(): Promise<SessionDriver> {
    if (!this.driver) this.driver = this.options.driver ?? ((await netnsSupport()).ok ? "netns" : "process");
    return this.driver;
  }

  private imageDir(containerUri: string): string {
    const dir =
      this.options.images[containerUri] ?? this.options.images[containerUri.replace(/:[^:/@]+$|@.+$/, "")];
    if (!dir) {
      throw new AwsError(
        "RuntimeClientError",
        `The emulator has no local directory for image ${containerUri}. Map it in agentcore-emulator.yaml or with --image ${containerUri}=DIR.`,
      );
    }
    return dir;
  }

  private async start(spec: SessionSpec): Promise<Session> {
    const driver = await this.resolveDriver();
    if (driver === "process") {
      // One port 8080 on this host: the previous instance gives way.
      for (const session of [...this.sessions.values()])
        await this.stopSession(session, "the process driver runs one instance at a time");
    }
    const { plan } = await resolveLaunchPlan(this.imageDir(spec.containerUri));
    const namespace = driver === "netns" ? await createNamespace("s") : undefined;
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
    try {
      const agent = await launchAgent({
        plan,
        ...(namespace ? { netns: namespace.name } : {}),
        inheritAwsEnv: false,
        env: { ...spec.environmentVariables, AWS_REGION: spec.region, AWS_DEFAULT_REGION: spec.region },
        ...(this.options.onOutput
          ? { onOutput: (line: OutputLine) => this.options.onOutput!(source, line) }
          : {}),
      });
      const health = await waitForHealth(agent, {
        protocol: spec.protocol,
        port,
        ...(namespace ? { address: namespace.address } : {}),
        startupTimeoutMs: this.options.startupTimeoutMs,
        graceMs: 0,
        pingTimeoutMs: 5_000,
      });
      // The health check arrives on the instance's interface: a loopback-only listener fails it.
      if (health.outcome !== "healthy" || health.reachableFromInterface === false || !health.address) {
        this.options.log?.(`session ${spec.sessionId}: health check failed (${health.outcome})`);
        await agent.stop();
        throw new AwsError("RuntimeClientError", HEALTH_CHECK_FAILED_MESSAGE);
      }
      const session: Session = {
        connections: new Agent({ keepAlive: true }),
        spec,
        agent,
        address: health.address,
        startedAt: Date.now(),
        inFlight: 0,
        ...(namespace ? { namespace } : {}),
      };
      session.lifetimeTimer = setTimeout(
        () => void this.stopSession(session, "maximum lifetime reached"),
        spec.maxLifetimeSeconds * 1000,
      );
      session.lifetimeTimer.unref();
      void agent.exited.then(() => {
        if (this.sessions.get(key(spec)) === session) void this.stopSession(session, "the instance exited");
      });
      return session;
    } catch (error) {
      await namespace?.destroy();
      throw error;
    }
  }

  private async session(spec: SessionSpec): Promise<Session> {
    const id = key(spec);
    const existing = this.sessions.get(id);
    if (existing && !existing.agent.exit) return existing;
    let pending = this.starting.get(id);
    if (!pending) {
      pending = this.start(spec).then((session) => {
        this.sessions.set(id, session);
        return session;
      });
      this.starting.set(id, pending);
      void pending.catch(() => {}).finally(() => this.starting.delete(id));
    }
    return pending;
  }

  /** Idle timeout: a HealthyBusy instance stays; a Healthy one past its idle time stops. */
  private armIdle(session: Session): void {
    clearTimeout(session.idleTimer);
    session.idleTimer = setTimeout(async () => {
      if (session.inFlight > 0) return this.armIdle(session);
      const ping = readPing(await getPing(session.address, PROTOCOL_PORTS[session.spec.protocol], 5_000), 0);
      if (ping.status === "HealthyBusy") return this.armIdle(session);
      await this.stopSession(session, "idle timeout");
    }, session.spec.idleTimeoutSeconds * 1000);
    session.idleTimer.unref();
  }

  /** Forwards one invocation to the session's instance, starting it first if needed, and streams the answer back. */
  async invoke(spec: SessionSpec, payload: Buffer, headers: Record<string, string>): Promise<Forwarded> {
    const session = await this.session(spec);
    session.inFlight++;
    const port = PROTOCOL_PORTS[spec.protocol];
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = request(
          {
            host: session.address,
            port,
            method: "POST",
            path: PROTOCOL_INVOKE_PATHS[spec.protocol],
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
      this.armIdle(session);
      throw new AwsError(
        "RuntimeClientError",
        `The runtime did not answer the invocation: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Please check your CloudWatch logs for more information`,
      );
    }
    const finish = () => {
      session.inFlight--;
      this.armIdle(session);
    };
    response.once("close", finish);
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
      body: response,
    };
  }

  async stop(runtimeId: string, sessionId: string): Promise<boolean> {
    const session = this.sessions.get(key({ runtimeId, sessionId }));
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

  async stopAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => this.stopSession(s, "emulator stopping")));
  }

  private async stopSession(session: Session, reason: string): Promise<void> {
    const id = key(session.spec);
    if (this.sessions.get(id) === session) this.sessions.delete(id);
    clearTimeout(session.idleTimer);
    clearTimeout(session.lifetimeTimer);
    this.options.log?.(`session ${session.spec.sessionId}: stopped (${reason})`);
    session.connections.destroy();
    await session.agent.stop();
    await session.namespace?.destroy();
  }
}
