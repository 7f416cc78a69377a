import { parseException } from "../agent/crash.js";
import type { HttpExchange } from "../agent/http.js";
import {
  type AgentCardResult,
  getAgentCard,
  type HealthReading,
  type InvocationResult,
  initializeMcp,
  type McpProbeResult,
  type McpResult,
  newSessionId,
  probeInvocations,
  probeMcpHealth,
  samplePing,
  waitForHealth,
} from "../agent/probe.js";
import type { Protocol } from "../agent/types.js";
import type { Instance } from "../executor/index.js";
import type { LiveRun } from "./live-findings.js";

export type ProbeStage = "startup" | "probe" | "stop";

export interface ProbeAgentOptions {
  /** The agent's directory (paths in evidence are relative to it), or the image reference. */
  dir: string;
  protocol: Protocol;
  port: number;
  command: readonly string[];
  /** The instance's own interface address (its network namespace); unset: this host. */
  address?: string;
  limitMs: number;
  pingTimeoutMs: number;
  slowPingMs: number;
  /**
   * The session idle timeout /ping's HealthyBusy is judged over (AgentCore's
   * default idleRuntimeSessionTimeout is 900 s): busy that ends within it is
   * background work (add_async_task), busy through all of it never idles.
   */
  idleTimeoutMs?: number;
  progress: (stage: ProbeStage, detail: string) => void;
}

/** AgentCore's default idleRuntimeSessionTimeout. */
export const DEFAULT_IDLE_TIMEOUT_MS = 900_000;

/**
 * After the invocations, /ping said HealthyBusy: watch it until it says
 * Healthy or the idle timeout has passed, as AgentCore's idle timeout would.
 * Keeps the first and last readings (a 900 s watch is hundreds of pings).
 */
async function watchBusy(
  host: string,
  port: number,
  idleTimeoutMs: number,
  pingTimeoutMs: number,
  launchedAt: number,
): Promise<{ readings: HealthReading[]; busyForMs: number; endedHealthy: boolean; polls: number }> {
  const started = Date.now();
  const pollMs = Math.min(2_000, Math.max(200, Math.floor(idleTimeoutMs / 20)));
  const kept: HealthReading[] = [];
  let last: HealthReading | undefined;
  let polls = 0;
  while (Date.now() - started < idleTimeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const [reading] = await samplePing(host, port, 1, 0, pingTimeoutMs, launchedAt);
    polls++;
    last = reading!;
    if (kept.length < 3) kept.push(last);
    if (last.status !== "HealthyBusy") break;
  }
  if (last && kept.at(-1) !== last) kept.push(last);
  return {
    readings: kept,
    busyForMs: Date.now() - started,
    endedHealthy: last !== undefined && last.status !== "HealthyBusy",
    polls,
  };
}

const INVOCATION_TIMEOUT_MS = 30_000;

/** Past the limit, wait a little longer when nothing listens yet: a slow start and a server that never comes look alike until then. */
function graceFor(limitMs: number): number {
  return Math.min(Math.max(limitMs, 5_000), 10_000);
}

/**
 * The one probe of a started agent, whatever started it (this machine's
 * command, an image under an OCI runtime): waits for health as AgentCore
 * does, then probes the protocol's contract, samples /ping, and stops the
 * instance. Returns what the live rules read and every exchange made.
 */
export async function probeAgent(
  agent: Instance,
  options: ProbeAgentOptions,
): Promise<{ run: LiveRun; probes: HttpExchange[] }> {
  const { protocol, port, limitMs, pingTimeoutMs, progress } = options;
  const probes: HttpExchange[] = [];
  try {
    progress(
      "startup",
      `waiting for ${protocol === "HTTP" || protocol === "AGUI" ? "GET /ping" : "the health check"} on port ${port} (limit ${limitMs / 1000} s)`,
    );
    const startup = await waitForHealth(agent, {
      protocol,
      port,
      ...(options.address ? { address: options.address } : {}),
      startupTimeoutMs: limitMs,
      graceMs: graceFor(limitMs),
      pingTimeoutMs,
    });
    probes.push(...startup.readings.map((r) => r.exchange));

    let samples: HealthReading[] = [];
    let invocations: InvocationResult[] = [];
    let mcp: McpResult | undefined;
    let mcpProbe: McpProbeResult | undefined;
    let busyWatch: LiveRun["busyWatch"];
    let agentCard: AgentCardResult | undefined;
    if (startup.outcome === "healthy" && startup.address) {
      const host = startup.address;
      progress("probe", `contract probes on ${host}:${port}`);
      if (protocol === "MCP") {
        mcp = await initializeMcp(host, port, newSessionId(), INVOCATION_TIMEOUT_MS);
        // Without a healthy GET /ping, the platform probes MCP itself.
        const pingServed = startup.readings.some((r) => r.exchange.status === 200 && r.status !== undefined);
        if (!pingServed) mcpProbe = await probeMcpHealth(host, port, pingTimeoutMs);
      } else invocations = await probeInvocations(host, port, protocol, INVOCATION_TIMEOUT_MS);
      if (protocol === "A2A") agentCard = await getAgentCard(host, port, pingTimeoutMs);
      // With nothing running, /ping should say Healthy; a run of HealthyBusy means it never will.
      const slowAlready = startup.readings.some((r) => r.exchange.latencyMs > options.slowPingMs);
      samples = await samplePing(host, port, slowAlready ? 1 : 3, 150, pingTimeoutMs, agent.startedAt);
      if (samples.some((s) => s.status === "HealthyBusy")) {
        const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
        progress(
          "probe",
          `/ping says HealthyBusy after the invocations: watching it until Healthy or the session idle timeout (${idleTimeoutMs / 1000} s) has passed`,
        );
        const watched = await watchBusy(host, port, idleTimeoutMs, pingTimeoutMs, agent.startedAt);
        samples.push(...watched.readings);
        busyWatch = {
          idleTimeoutMs,
          busyForMs: watched.busyForMs,
          endedHealthy: watched.endedHealthy,
          polls: watched.polls,
        };
      }
      probes.push(
        ...invocations.map((i) => i.exchange),
        ...(mcp ? [mcp.exchange, ...(mcp.sessionIdRejected ? [mcp.sessionIdRejected] : [])] : []),
        ...(mcpProbe ? [mcpProbe.exchange] : []),
        ...(agentCard ? [agentCard.exchange] : []),
      );
      probes.push(...samples.map((s) => s.exchange));
    }

    progress("stop", "stopping the agent");
    const exitedDuringProbe = agent.exit;
    await agent.stop();
    const output = agent.output();
    const exception = parseException(output.map((l) => l.text));
    const run: LiveRun = {
      dir: options.dir,
      protocol,
      port,
      command: options.command,
      startupTimeoutMs: limitMs,
      slowPingMs: options.slowPingMs,
      dockerenv: agent.dockerenv,
      startup,
      ...(exitedDuringProbe ? { exit: exitedDuringProbe } : {}),
      output,
      ...(exception && exitedDuringProbe ? { exception } : {}),
      samples,
      invocations,
      ...(mcp ? { mcp } : {}),
      ...(mcpProbe ? { mcpProbe } : {}),
      ...(busyWatch ? { busyWatch } : {}),
      ...(agentCard ? { agentCard } : {}),
    };
    return { run, probes };
  } finally {
    await agent.stop();
  }
}
