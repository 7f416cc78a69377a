import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { exchange, type HttpExchange } from "./http.js";
import { isLoopback, procAvailable, type TcpSocket, treeSockets } from "./proc.js";
import { PROTOCOL_INVOKE_PATHS, type Protocol } from "./types.js";

export const SESSION_HEADER = "x-amzn-bedrock-agentcore-runtime-session-id";
export const REQUEST_ID_HEADER = "x-amzn-bedrock-agentcore-runtime-request-id";
export const HEALTHY_STATUSES = ["Healthy", "HealthyBusy"] as const;

/** A session id as AgentCore sends it (33 to 256 characters). */
export function newSessionId(): string {
  return `acd-probe-${randomUUID()}`;
}

export interface HealthReading {
  /** Whether this answer counts as healthy under the container contract. */
  healthy: boolean;
  /** The body's `status`, when the body is JSON with one. */
  status?: unknown;
  timeOfLastUpdate?: unknown;
  exchange: HttpExchange;
  /** Milliseconds since launch. */
  atMs: number;
}

export function readPing(ping: HttpExchange, atMs: number): HealthReading {
  let parsed: Record<string, unknown> | undefined;
  try {
    const value = JSON.parse(ping.body) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value))
      parsed = value as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  const status = parsed?.status;
  const healthy =
    ping.status === 200 && HEALTHY_STATUSES.includes(status as (typeof HEALTHY_STATUSES)[number]);
  return { healthy, status, timeOfLastUpdate: parsed?.time_of_last_update, exchange: ping, atMs };
}

export function getPing(host: string, port: number, timeoutMs: number): Promise<HttpExchange> {
  return exchange({ host, port, method: "GET", path: "/ping", timeoutMs });
}

export interface StuckConnection {
  remoteAddress: string;
  remotePort: number;
  /** Milliseconds since launch when first seen in SYN_SENT, and how long it stayed there. */
  sinceMs: number;
  forMs: number;
}

export interface StartupObservation {
  /**
   * healthy: answered the health check; exited: died first; unhealthy: answers, but not as healthy;
   * wrong-port: listens elsewhere only; unreachable: listens on the port only where the interface
   * cannot reach (loopback); timeout: none of these within the limit.
   */
  outcome: "healthy" | "exited" | "unhealthy" | "wrong-port" | "unreachable" | "timeout";
  elapsedMs: number;
  healthyAfterMs?: number;
  /** Listening sockets of the process tree when the wait ended; undefined where sockets cannot be read. */
  listening?: TcpSocket[];
  /** Milliseconds since launch when a socket first listened on the protocol port. */
  listeningOnPortAfterMs?: number;
  /** Whether the port is served on an address the network interface reaches (not loopback only). */
  reachableFromInterface?: boolean;
  /** The address the probe connected to. */
  address?: string;
  stuck: StuckConnection[];
  readings: HealthReading[];
  /** True when the wait ran past the start-up limit to tell a slow start from one that never comes. */
  usedGrace: boolean;
  /** With `settleBlockedMs`: the wait ended before the limit because start-up was seen hanging on this connection. */
  settledOn?: StuckConnection;
}

export interface WaitOptions {
  protocol: Protocol;
  port: number;
  /** Reach the agent at this address (its namespace's interface). Unset: this host, through loopback, judged by the sockets. */
  address?: string;
  startupTimeoutMs: number;
  /** Extra wait past the limit when nothing listens yet, to tell slow from never. */
  graceMs: number;
  pingTimeoutMs: number;
  pollMs?: number;
  /**
   * End the wait (outcome `timeout`, `settledOn` set) as soon as nothing listens on the port
   * and one of the agent's connections has sat in SYN_SENT this long: its start-up is seen
   * hanging on that connection, and waiting out the limit only watches it hang. Unset: wait
   * out the limit, as AgentCore does.
   */
  settleBlockedMs?: number;
  /** Poll first after this many ms, the wait doubling up to `pollMs`: a fast start is seen within a few ms, a slow one costs no more readings. */
  firstPollMs?: number;
  /**
   * With `address`: between polls, while nothing listens on the port, try a
   * TCP connect to it every CONNECT_PROBE_MS; one accepted ends the wait for
   * the next poll, which asks the health check while it reads the sockets.
   * A refused connect on the instance's own link costs microseconds, far
   * less than a poll, so readiness is seen within a few ms of the listener.
   */
  connectProbe?: boolean;
}

/** Whether a TCP connection to host:port is accepted within `timeoutMs` (closed at once if so). */
function accepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(Math.max(1, timeoutMs), () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** How often a connect probe knocks while nothing listens: a refused connect is a few syscalls. */
const CONNECT_PROBE_MS = 5;

/** Waits up to `ms`, connecting to host:port on the way; true as soon as a connection is accepted. */
async function untilAccepted(host: string, port: number, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  for (;;) {
    const left = until - performance.now();
    if (left <= 0) return false;
    if (await accepts(host, port, left)) return true;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(CONNECT_PROBE_MS, Math.max(0, until - performance.now()))),
    );
  }
}

function onPort(sockets: readonly TcpSocket[], port: number): TcpSocket[] {
  return sockets.filter((s) => s.state === "LISTEN" && s.localPort === port);
}

/** Where to reach a listener on this host: loopback of the family it listens on. */
function hostAddress(listeners: readonly TcpSocket[]): string {
  const v4 = listeners.some(
    (s) => s.family === 4 || s.localAddress === "::" || s.localAddress.startsWith("::ffff:"),
  );
  return v4 ? "127.0.0.1" : "::1";
}

/** Health check per protocol: GET /ping; MCP and A2A servers without /ping pass on their own endpoint. */
async function checkHealth(protocol: Protocol, host: string, port: number, timeoutMs: number, atMs: number) {
  const reading = readPing(await getPing(host, port, timeoutMs), atMs);
  if (
    reading.healthy ||
    reading.exchange.error ||
    (reading.exchange.status !== 404 && reading.exchange.status !== 405)
  ) {
    return reading;
  }
  const fallback =
    protocol === "MCP"
      ? await initializeMcp(host, port, newSessionId(), timeoutMs)
      : protocol === "A2A"
        ? await getAgentCard(host, port, timeoutMs)
        : undefined;
  return fallback?.ok ? { ...reading, healthy: true } : reading;
}

/** What the health wait reads of a running instance, whichever executor started it. */
export interface ObservedInstance {
  readonly startedAt: number;
  readonly exit: unknown;
  tree(): Promise<number[]>;
}

/**
 * Waits as AgentCore does before forwarding the first invocation: until the
 * agent answers its health check, exits, or the start-up limit passes,
 * recording what its sockets and answers showed on the way.
 */
export async function waitForHealth(
  agent: ObservedInstance,
  options: WaitOptions,
): Promise<StartupObservation> {
  const pollMs = options.pollMs ?? 100;
  let waitMs = Math.min(options.firstPollMs ?? pollMs, pollMs);
  const stuck = new Map<string, StuckConnection>();
  const readings: HealthReading[] = [];
  const sinceLaunch = () => Date.now() - agent.startedAt;
  let listening: TcpSocket[] | undefined;
  let listeningOnPortAfterMs: number | undefined;
  let otherPortsSinceMs: number | undefined;
  let loopbackSinceMs: number | undefined;
  let usedGrace = false;
  const finish = (outcome: StartupObservation["outcome"], extra: Partial<StartupObservation> = {}) => {
    const onPortNow = listening ? onPort(listening, options.port) : [];
    return {
      outcome,
      elapsedMs: sinceLaunch(),
      ...(listening ? { listening } : {}),
      ...(listeningOnPortAfterMs !== undefined ? { listeningOnPortAfterMs } : {}),
      ...(listening
        ? { reachableFromInterface: onPortNow.some((s) => !isLoopback(s.localAddress)) }
        : options.address
          ? { reachableFromInterface: readings.some((r) => r.exchange.status !== undefined) }
          : {}),
      stuck: [...stuck.values()],
      readings: readings.slice(-5),
      usedGrace,
      ...extra,
    };
  };

  let accepted = false;
  for (;;) {
    if (agent.exit) return finish("exited");
    const now = sinceLaunch();
    // A connect was just accepted on the instance's interface: the health check is asked while the sockets are read.
    const early =
      accepted && options.address
        ? checkHealth(options.protocol, options.address, options.port, options.pingTimeoutMs, now)
        : undefined;
    early?.catch(() => undefined);
    accepted = false;
    const pids = await agent.tree();
    /** The connections in SYN_SENT this poll (a client that gave up has closed its socket). */
    const synSentNow: StuckConnection[] = [];
    if (procAvailable && pids.length > 0) {
      const sockets = await treeSockets(pids);
      listening = sockets.filter((s) => s.state === "LISTEN");
      for (const s of sockets.filter((x) => x.state === "SYN_SENT")) {
        const key = `${s.remoteAddress}:${s.remotePort}`;
        const seen = stuck.get(key) ?? {
          remoteAddress: s.remoteAddress,
          remotePort: s.remotePort,
          sinceMs: now,
          forMs: 0,
        };
        seen.forMs = now - seen.sinceMs;
        stuck.set(key, seen);
        synSentNow.push(seen);
      }
    }
    const listenersOnPort = listening ? onPort(listening, options.port) : undefined;
    if (listenersOnPort?.length && listeningOnPortAfterMs === undefined) listeningOnPortAfterMs = now;
    if (options.settleBlockedMs !== undefined && listeningOnPortAfterMs === undefined) {
      const hanging = synSentNow.find((c) => c.forMs >= options.settleBlockedMs!);
      if (hanging) return finish("timeout", { settledOn: { ...hanging } });
    }

    const loopbackOnly =
      listenersOnPort !== undefined &&
      listenersOnPort.length > 0 &&
      listenersOnPort.every((s) => isLoopback(s.localAddress));
    if (options.address && loopbackOnly) {
      // The interface can never reach a loopback listener; AgentCore would retry until its limit.
      loopbackSinceMs ??= now;
      if (now - loopbackSinceMs >= 1500) return finish("unreachable", { address: options.address });
    }
    // Without a socket table, try the port blind.
    if (listenersOnPort === undefined || listenersOnPort.length > 0) {
      const address = options.address ?? hostAddress(listenersOnPort ?? []);
      const reading =
        early && address === options.address
          ? await early
          : await checkHealth(options.protocol, address, options.port, options.pingTimeoutMs, now);
      readings.push(reading);
      if (reading.healthy) return finish("healthy", { healthyAfterMs: sinceLaunch(), address });
      const answered = readings.filter((r) => r.exchange.status !== undefined);
      if (answered.length >= 3 && now - answered[0]!.atMs >= 1000) return finish("unhealthy", { address });
    } else if (listening && listening.length > 0) {
      otherPortsSinceMs ??= now;
      // A server on another port rarely opens the right one later: settle, then say so.
      if (now - otherPortsSinceMs >= 1500) return finish("wrong-port");
    }

    if (now >= options.startupTimeoutMs) {
      const nothingYet = listeningOnPortAfterMs === undefined && stuck.size === 0;
      if (!nothingYet || now >= options.startupTimeoutMs + options.graceMs) return finish("timeout");
      usedGrace = true;
    }
    if (options.connectProbe && options.address && !listenersOnPort?.length)
      accepted = await untilAccepted(options.address, options.port, waitMs);
    else await new Promise((resolve) => setTimeout(resolve, waitMs));
    waitMs = Math.min(waitMs * 2, pollMs);
  }
}

/** Healthy readings at a steady pace: latency, and whether a session would ever idle out. */
export async function samplePing(
  host: string,
  port: number,
  count: number,
  intervalMs: number,
  timeoutMs: number,
  launchedAt: number,
) {
  const readings: HealthReading[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    readings.push(readPing(await getPing(host, port, timeoutMs), Date.now() - launchedAt));
  }
  return readings;
}

export interface SseCheck {
  events: number;
  problems: string[];
}

/** Checks text/event-stream framing: fields per line, events ended by a blank line, data present. */
export function checkSseFraming(body: string): SseCheck {
  const problems: string[] = [];
  const normalized = body.replace(/\r\n?/g, "\n");
  const blocks = normalized.split("\n\n");
  const trailing = blocks.pop() ?? "";
  if (trailing.trim() !== "")
    problems.push(
      `the stream ends without a blank line after its last event: ${JSON.stringify(trailing.slice(0, 80))}`,
    );
  let events = 0;
  for (const block of blocks) {
    if (block.trim() === "") continue;
    let hasData = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const field = line.includes(":") ? line.slice(0, line.indexOf(":")) : line;
      if (!["data", "event", "id", "retry"].includes(field)) {
        problems.push(`line is not an SSE field: ${JSON.stringify(line.slice(0, 80))}`);
        continue;
      }
      if (field === "data") hasData = true;
    }
    if (hasData) events++;
  }
  if (events === 0 && problems.length === 0) problems.push("the stream carries no data event");
  return { events, problems };
}

export interface InvocationResult {
  kind: "json" | "sse";
  exchange: HttpExchange;
  ok: boolean;
  problems: string[];
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;
const SSE_TYPE = /^text\/event-stream\b/i;

function invocationProblems(ex: HttpExchange, kind: "json" | "sse"): string[] {
  if (ex.error) return [`no answer: ${ex.error}`];
  if (ex.status === undefined || ex.status >= 400) return [`HTTP ${ex.status}: ${ex.body.slice(0, 200)}`];
  const type = ex.headers["content-type"] ?? "";
  if (SSE_TYPE.test(type)) return checkSseFraming(ex.body).problems;
  if (JSON_TYPE.test(type)) {
    try {
      JSON.parse(ex.body);
      return [];
    } catch {
      return [`content-type ${type} but the body is not JSON: ${ex.body.slice(0, 120)}`];
    }
  }
  return [
    `content-type ${type || "(none)"} is neither application/json nor text/event-stream${kind === "sse" ? " (asked for text/event-stream)" : ""}`,
  ];
}

/** What a first InvokeAgentRuntime carries: a prompt, or an A2A `message/send`. */
function invocationBody(protocol: Protocol): string {
  if (protocol !== "A2A") return JSON.stringify({ prompt: "Hello from agentcore-doctor: reply briefly." });
  return JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "message/send",
    params: {
      message: {
        role: "user",
        messageId: randomUUID(),
        parts: [{ kind: "text", text: "Hello from agentcore-doctor" }],
      },
    },
  });
}

/** POST to the protocol's invocation path twice, as InvokeAgentRuntime would: JSON, then asking for SSE. */
export async function probeInvocations(
  host: string,
  port: number,
  protocol: Protocol,
  timeoutMs: number,
): Promise<InvocationResult[]> {
  const path = PROTOCOL_INVOKE_PATHS[protocol];
  const results: InvocationResult[] = [];
  for (const kind of ["json", "sse"] as const) {
    const ex = await exchange({
      host,
      port,
      method: "POST",
      path,
      timeoutMs,
      headers: {
        "content-type": "application/json",
        accept: kind === "sse" ? "text/event-stream" : "application/json",
        [SESSION_HEADER]: newSessionId(),
        [REQUEST_ID_HEADER]: randomUUID(),
      },
      body: invocationBody(protocol),
    });
    const problems = invocationProblems(ex, kind);
    results.push({ kind, exchange: ex, ok: problems.length === 0, problems });
  }
  return results;
}

export interface McpResult {
  ok: boolean;
  exchange: HttpExchange;
  problem?: string;
  /** When /mcp fails, whether POST / answered initialize instead: the usual wrong-path mistake. */
  rootAnswers?: boolean;
  /**
   * When initialize with the platform's Mcp-Session-Id failed but succeeded
   * without one: the server accepts only ids it issued (stateful mode), so
   * the id AgentCore sends is refused. The second exchange is kept.
   */
  sessionIdRejected?: HttpExchange;
}

const MCP_INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "agentcore-doctor", version: "0.1.0" },
  },
});

function mcpInitializeResult(ex: HttpExchange): { ok: boolean; problem?: string } {
  if (ex.error) return { ok: false, problem: `no answer: ${ex.error}` };
  if (ex.status !== 200) return { ok: false, problem: `HTTP ${ex.status}: ${ex.body.slice(0, 160)}` };
  const type = ex.headers["content-type"] ?? "";
  // Streamable HTTP may answer a single JSON-RPC message as JSON or as one SSE event.
  const text = SSE_TYPE.test(type)
    ? ex.body
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trim())
        .join("")
    : ex.body;
  try {
    const message = JSON.parse(text) as {
      result?: { protocolVersion?: unknown };
      error?: { message?: unknown };
    };
    if (message.result?.protocolVersion) return { ok: true };
    return { ok: false, problem: `initialize answered without a result: ${text.slice(0, 160)}` };
  } catch {
    return {
      ok: false,
      problem: `initialize answered ${type || "no content type"} that is not JSON-RPC: ${ex.body.slice(0, 120)}`,
    };
  }
}

function postMcp(
  host: string,
  port: number,
  path: string,
  sessionId: string,
  timeoutMs: number,
  options: { mcpSessionId?: boolean; body?: string } = {},
) {
  return exchange({
    host,
    port,
    method: "POST",
    path,
    timeoutMs,
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(options.mcpSessionId === false ? {} : { "mcp-session-id": sessionId }),
      [SESSION_HEADER]: sessionId,
    },
    body: options.body ?? MCP_INITIALIZE,
  });
}

export interface McpProbeResult {
  ok: boolean;
  exchange: HttpExchange;
  problem?: string;
}

/**
 * The MCP health probe as one user report describes AgentCore's (a JSON-RPC
 * `ping` POSTed to /mcp/, with no Authorization): what an MCP server without
 * GET /ping must answer. The exact probe is not documented.
 */
export async function probeMcpHealth(host: string, port: number, timeoutMs: number): Promise<McpProbeResult> {
  const ex = await postMcp(host, port, "/mcp/", newSessionId(), timeoutMs, {
    body: JSON.stringify({ jsonrpc: "2.0", id: "agentcore-health", method: "ping" }),
  });
  if (ex.error) return { ok: false, exchange: ex, problem: `no answer: ${ex.error}` };
  // Only a refusal (4xx: 401 without auth, 404 on the slash) is the server turning the probe away.
  if (ex.status === undefined || ex.status < 400 || ex.status >= 500) return { ok: true, exchange: ex };
  return { ok: false, exchange: ex, problem: `HTTP ${ex.status}: ${ex.body.slice(0, 160)}` };
}

/** JSON-RPC `initialize` on POST /mcp, as AgentCore forwards an MCP session's first request. */
export async function initializeMcp(
  host: string,
  port: number,
  sessionId: string,
  timeoutMs: number,
): Promise<McpResult> {
  const ex = await postMcp(host, port, "/mcp", sessionId, timeoutMs);
  const result = mcpInitializeResult(ex);
  if (result.ok) return { ok: true, exchange: ex };
  if (ex.status === 400 || ex.status === 404) {
    const without = await postMcp(host, port, "/mcp", sessionId, timeoutMs, { mcpSessionId: false });
    if (mcpInitializeResult(without).ok)
      return {
        ok: false,
        exchange: ex,
        ...(result.problem ? { problem: result.problem } : {}),
        sessionIdRejected: without,
      };
  }
  const root = mcpInitializeResult(await postMcp(host, port, "/", sessionId, timeoutMs));
  return {
    ok: false,
    exchange: ex,
    ...(result.problem ? { problem: result.problem } : {}),
    rootAnswers: root.ok,
  };
}

export interface AgentCardResult {
  ok: boolean;
  exchange: HttpExchange;
  problem?: string;
}

export async function getAgentCard(host: string, port: number, timeoutMs: number): Promise<AgentCardResult> {
  const ex = await exchange({ host, port, method: "GET", path: "/.well-known/agent-card.json", timeoutMs });
  if (ex.error) return { ok: false, exchange: ex, problem: `no answer: ${ex.error}` };
  if (ex.status !== 200) return { ok: false, exchange: ex, problem: `HTTP ${ex.status}` };
  try {
    const card = JSON.parse(ex.body) as { name?: unknown };
    return typeof card.name === "string"
      ? { ok: true, exchange: ex }
      : { ok: false, exchange: ex, problem: "the card has no name" };
  } catch {
    return { ok: false, exchange: ex, problem: "the card is not JSON" };
  }
}
