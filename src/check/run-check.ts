import { statSync } from "node:fs";
import { relative } from "node:path";
import { parseException } from "../agent/crash.js";
import type { HttpExchange } from "../agent/http.js";
import { reapStaleRoots } from "../agent/isolation.js";
import { resolveLaunchPlan } from "../agent/plan.js";
import {
  type AgentCardResult,
  getAgentCard,
  type HealthReading,
  type InvocationResult,
  initializeMcp,
  type McpResult,
  newSessionId,
  probeInvocations,
  samplePing,
  waitForHealth,
} from "../agent/probe.js";
import { PROTOCOL_PORTS, type Protocol } from "../agent/types.js";
import { startInstance } from "../executor/index.js";
import { type Finding, mergeFindings, sortFindings } from "../findings/index.js";
import { runStaticChecks } from "../static-checks/index.js";
import { type CodeZipOptions, checkCodeZipFile, directoryZipFindings } from "./code-zip.js";
import { type LiveRun, liveFindings } from "./live-findings.js";
import { type CheckReport, type CodeZipSection, type ReportExchange, reportVerdict } from "./report.js";

export type CheckStage = "plan" | "static" | "launch" | "startup" | "probe" | "stop";

export interface CheckOptions {
  /** The agent's directory, or a code zip file. */
  dir: string;
  /** A code zip's runtime and entry point (else read from agentcore.json), and size limits. */
  codeZip?: CodeZipOptions;
  cmd?: string;
  protocol?: Protocol;
  /** AgentCore documents no start-up limit; users report 30 to 120 s. */
  startupTimeoutMs?: number;
  slowPingMs?: number;
  pingTimeoutMs?: number;
  /** Run the agent inside this network namespace and reach it at `address` (its interface), as AgentCore does. */
  netns?: { name: string; address: string };
  /** Extra environment, as AgentCore's environmentVariables. */
  env?: Record<string, string>;
  onProgress?: (stage: CheckStage, detail: string) => void;
}

export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;
const DEFAULT_SLOW_PING_MS = 1_000;
const DEFAULT_PING_TIMEOUT_MS = 5_000;
const INVOCATION_TIMEOUT_MS = 30_000;

/** Past the limit, wait a little longer when nothing listens yet: a slow start and a server that never comes look alike until then. */
function graceFor(limitMs: number): number {
  return Math.min(Math.max(limitMs, 5_000), 10_000);
}

function toReportExchange(ex: HttpExchange): ReportExchange {
  return {
    request: ex.request,
    ...(ex.status !== undefined ? { status: ex.status } : {}),
    ...(ex.headers["content-type"] ? { contentType: ex.headers["content-type"] } : {}),
    latencyMs: ex.latencyMs,
    ...(ex.error ? { error: ex.error } : {}),
    ...(ex.body ? { bodyExcerpt: ex.body.slice(0, 500) } : {}),
  };
}

/** Runs the agent in `dir` as AgentCore would, probes its contract, and reports findings. */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const progress = options.onProgress ?? (() => {});
  const limitMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;

  if (statSync(options.dir, { throwIfNoEntry: false })?.isFile()) {
    progress("static", `reading the code zip ${options.dir}`);
    return checkCodeZipFile(options.dir, {
      ...options.codeZip,
      ...(options.protocol ? { protocol: options.protocol } : {}),
    });
  }

  progress("plan", `reading ${options.dir}`);
  const { plan, protocol, config } = await resolveLaunchPlan(options.dir, {
    ...(options.cmd !== undefined ? { cmd: options.cmd } : {}),
    ...(options.protocol ? { protocol: options.protocol } : {}),
  });
  const port = PROTOCOL_PORTS[protocol];

  progress("static", "Dockerfile, source and project config");
  const staticFindings = await runStaticChecks({
    dir: plan.dir,
    protocol,
    ...(plan.image ? { image: plan.image } : {}),
    ...(config ? { config } : {}),
  });
  const zip = await directoryZipFindings(plan.dir, options.codeZip ?? {}, config, options.dir);

  await reapStaleRoots();
  progress("launch", plan.argv.join(" "));
  const agent = await startInstance({
    artifact: { kind: "host-command", plan },
    ...(options.netns ? { netns: options.netns.name } : {}),
    ...(options.env ? { env: options.env } : {}),
  });

  let run: LiveRun;
  const probes: HttpExchange[] = [];
  try {
    progress(
      "startup",
      `waiting for ${protocol === "HTTP" || protocol === "AGUI" ? "GET /ping" : "the health check"} on port ${port} (limit ${limitMs / 1000} s)`,
    );
    const startup = await waitForHealth(agent, {
      protocol,
      port,
      ...(options.netns ? { address: options.netns.address } : {}),
      startupTimeoutMs: limitMs,
      graceMs: graceFor(limitMs),
      pingTimeoutMs,
    });
    probes.push(...startup.readings.map((r) => r.exchange));

    let samples: HealthReading[] = [];
    let invocations: InvocationResult[] = [];
    let mcp: McpResult | undefined;
    let agentCard: AgentCardResult | undefined;
    if (startup.outcome === "healthy" && startup.address) {
      const host = startup.address;
      progress("probe", `contract probes on ${host}:${port}`);
      if (protocol === "MCP") mcp = await initializeMcp(host, port, newSessionId(), INVOCATION_TIMEOUT_MS);
      else invocations = await probeInvocations(host, port, protocol, INVOCATION_TIMEOUT_MS);
      if (protocol === "A2A") agentCard = await getAgentCard(host, port, pingTimeoutMs);
      // With nothing running, /ping should say Healthy; a run of HealthyBusy means it never will.
      const slowAlready = startup.readings.some(
        (r) => r.exchange.latencyMs > (options.slowPingMs ?? DEFAULT_SLOW_PING_MS),
      );
      samples = await samplePing(host, port, slowAlready ? 1 : 3, 150, pingTimeoutMs, agent.startedAt);
      if (samples.some((s) => s.status === "HealthyBusy")) {
        samples.push(...(await samplePing(host, port, 4, 500, pingTimeoutMs, agent.startedAt)));
      }
      probes.push(
        ...invocations.map((i) => i.exchange),
        ...(mcp ? [mcp.exchange] : []),
        ...(agentCard ? [agentCard.exchange] : []),
      );
      probes.push(...samples.map((s) => s.exchange));
    }

    progress("stop", "stopping the agent");
    const exitedDuringProbe = agent.exit;
    await agent.stop();
    const output = agent.output();
    const exception = parseException(output.map((l) => l.text));
    run = {
      dir: plan.dir,
      protocol,
      port,
      command: plan.argv,
      startupTimeoutMs: limitMs,
      slowPingMs: options.slowPingMs ?? DEFAULT_SLOW_PING_MS,
      dockerenv: agent.dockerenv,
      startup,
      ...(exitedDuringProbe ? { exit: exitedDuringProbe } : {}),
      output,
      ...(exception && exitedDuringProbe ? { exception } : {}),
      samples,
      invocations,
      ...(mcp ? { mcp } : {}),
      ...(agentCard ? { agentCard } : {}),
    };
  } finally {
    await agent.stop();
  }

  const findings = sortFindings(
    mergeFindings([...staticFindings, ...zip.findings, ...liveFindings(run, agent.startedAt)]),
  );
  return buildReport({
    options,
    protocol,
    port,
    plan,
    configPath: config?.path,
    run,
    findings,
    probes,
    notes: [...agent.notes, ...(zip.note ? [zip.note] : [])],
    ...(zip.section ? { codeZip: zip.section } : {}),
  });
}

interface ReportInput {
  options: CheckOptions;
  protocol: Protocol;
  port: number;
  plan: { argv: string[]; origin: string; image?: { path: string } };
  configPath: string | undefined;
  run: LiveRun;
  findings: Finding[];
  probes: HttpExchange[];
  notes: readonly string[];
  codeZip?: CodeZipSection;
}

function buildReport({
  options,
  protocol,
  port,
  plan,
  configPath,
  run,
  findings,
  probes,
  notes,
  codeZip,
}: ReportInput): CheckReport {
  const { startup } = run;
  const { summary, ...header } = reportVerdict(findings);
  return {
    ...header,
    target: {
      dir: options.dir,
      protocol,
      port,
      argv: plan.argv,
      origin: plan.origin,
      ...(plan.image ? { dockerfile: relative(options.dir, plan.image.path) || plan.image.path } : {}),
      ...(configPath ? { config: relative(options.dir, configPath) || configPath } : {}),
    },
    environment: {
      dockerenv: run.dockerenv.state,
      ...(run.dockerenv.state === "hidden" ? { dockerenvDetail: run.dockerenv.method } : {}),
      ...(run.dockerenv.state === "visible" ? { dockerenvDetail: run.dockerenv.reason } : {}),
      network: options.netns ? `network namespace ${options.netns.name} (${options.netns.address})` : "host",
      socketsRead: startup.listening !== undefined,
      notes: [
        ...notes,
        ...(startup.listening === undefined
          ? [
              `listening sockets are read from /proc on Linux only; on ${process.platform} the loopback, port and stuck-connection checks were skipped`,
            ]
          : []),
      ],
    },
    startup: {
      outcome: startup.outcome,
      limitMs: run.startupTimeoutMs,
      elapsedMs: startup.elapsedMs,
      ...(startup.healthyAfterMs !== undefined ? { healthyAfterMs: startup.healthyAfterMs } : {}),
      ...(startup.reachableFromInterface !== undefined
        ? { reachableFromInterface: startup.reachableFromInterface }
        : {}),
      ...(startup.listening
        ? {
            listening: startup.listening.map((s) => ({
              address: s.localAddress,
              port: s.localPort,
              family: s.family,
            })),
          }
        : {}),
      stuckConnections: startup.stuck.map((c) => ({
        address: c.remoteAddress,
        port: c.remotePort,
        forMs: c.forMs,
      })),
      ...(run.exit ? { exit: { code: run.exit.code, signal: run.exit.signal } } : {}),
    },
    probes: probes.map(toReportExchange),
    output: run.output.slice(-40).map((l) => ({ stream: l.stream, text: l.text })),
    ...(codeZip ? { codeZip } : {}),
    findings,
    summary,
  };
}
