import { isAbsolute, relative } from "node:path";
import type { ParsedException } from "../agent/crash.js";
import type { DockerenvState } from "../agent/isolation.js";
import type { ExitInfo, OutputLine } from "../agent/launcher.js";
import type {
  AgentCardResult,
  HealthReading,
  InvocationResult,
  McpProbeResult,
  McpResult,
  StartupObservation,
} from "../agent/probe.js";
import { isLoopback, type TcpSocket } from "../agent/proc.js";
import { PROTOCOL_INVOKE_PATHS, type Protocol } from "../agent/types.js";
import { listenAddressesIn } from "../facts/addresses.js";
import { type Evidence, type Finding, makeFinding } from "../findings/index.js";

/** Everything one probe run observed: the input of the live rules. */
export interface LiveRun {
  /** The agent's directory, for paths in evidence. */
  dir: string;
  protocol: Protocol;
  port: number;
  command: readonly string[];
  startupTimeoutMs: number;
  slowPingMs: number;
  dockerenv: DockerenvState;
  startup: StartupObservation;
  exit?: ExitInfo;
  output: readonly OutputLine[];
  exception?: ParsedException;
  /** Pings after the agent was healthy and the invocations were done. */
  samples: readonly HealthReading[];
  invocations: readonly InvocationResult[];
  mcp?: McpResult;
  /** An MCP server without a healthy GET /ping: the platform's MCP probe (a JSON-RPC ping to /mcp/, no auth). */
  mcpProbe?: McpProbeResult;
  /** /ping said HealthyBusy after the invocations: how long it stayed so, watched up to the session idle timeout. */
  busyWatch?: { idleTimeoutMs: number; busyForMs: number; endedHealthy: boolean; polls: number };
  agentCard?: AgentCardResult;
  /** Set when the start-up stopped on what this machine lacks and the image has: reported instead of STARTUP_CRASH. */
  hostGap?: Finding;
}

const TABLE = "/proc/<pid>/net/tcp, tcp6";

function relativeToAgent(dir: string, file: string): string {
  const rel = relative(dir, file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

function socketFact(s: TcpSocket): string {
  const host =
    s.family === 6 && !s.localAddress.startsWith("::ffff:") ? `[${s.localAddress}]` : s.localAddress;
  return `${host}:${s.localPort}`;
}

function listeningEvidence(listening: readonly TcpSocket[]): Evidence {
  const facts = listening.map(socketFact);
  return {
    fact:
      facts.length > 0 ? `listening on ${facts.join(", ")}` : "no listening TCP socket in the process tree",
    source: { kind: "socket", table: TABLE },
  };
}

function probeEvidence(
  reading: HealthReading | InvocationResult["exchange"] | undefined,
  fact: string,
): Evidence {
  const request = reading && "exchange" in reading ? reading.exchange.request : reading?.request;
  return { fact, source: { kind: "probe", request: request ?? "GET /ping" } };
}

function describeAnswer(reading: HealthReading): string {
  const ex = reading.exchange;
  if (ex.error) return ex.error;
  return `HTTP ${ex.status} ${ex.headers["content-type"] ?? ""} ${JSON.stringify(ex.body.slice(0, 200))}`.replace(
    /\s+/g,
    " ",
  );
}

function lastLines(output: readonly OutputLine[], count: number): Evidence[] {
  return output
    .slice(-count)
    .map((line) => ({ fact: line.text, source: { kind: "process", detail: line.stream } }));
}

function exitFact(exit: ExitInfo | undefined, startedAt: number | undefined): string {
  if (!exit) return "the process exited";
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const when = startedAt !== undefined ? ` ${((exit.at - startedAt) / 1000).toFixed(1)} s after launch` : "";
  return `the process ${how}${when}`;
}

function crashFinding(run: LiveRun, startedAt: number | undefined): Finding {
  const evidence: Evidence[] = [
    { fact: exitFact(run.exit, startedAt), source: { kind: "process", detail: run.command.join(" ") } },
  ];
  const exception = run.exception;
  if (exception) {
    evidence.push({
      fact: `${exception.type}: ${exception.message}`,
      source: exception.location
        ? {
            kind: "file",
            path: relativeToAgent(run.dir, exception.location.file),
            line: exception.location.line,
          }
        : { kind: "process", detail: "stderr" },
    });
    // The traceback as printed, innermost frame last, as a reader expects it.
    for (const line of exception.lines.slice(-12))
      evidence.push({ fact: line, source: { kind: "process", detail: "stderr" } });
  } else {
    if (run.exit?.code === 127) {
      evidence.push({
        fact: `the command was not found: ${run.command[0]}`,
        source: { kind: "process", detail: "exit 127" },
      });
    }
    evidence.push(...lastLines(run.output, 10));
  }
  return makeFinding("STARTUP_CRASH", evidence, {
    exception: exception ? `${exception.type}: ${exception.message}` : `exit code ${run.exit?.code ?? "?"}`,
    command: run.command.join(" "),
  });
}

function pingFindings(readings: readonly HealthReading[]): Finding[] {
  const answered = readings.filter((r) => r.exchange.status !== undefined && !r.healthy);
  const last = answered.at(-1);
  if (!last) return [];
  if (last.exchange.status === 404 || last.exchange.status === 405) {
    return [
      makeFinding("PING_NOT_FOUND", [probeEvidence(last, `GET /ping answered ${describeAnswer(last)}`)]),
    ];
  }
  return [
    makeFinding("PING_BAD_RESPONSE", [probeEvidence(last, `GET /ping answered ${describeAnswer(last)}`)], {
      observed: describeAnswer(last),
    }),
  ];
}

/** `time_of_last_update` must be Unix seconds: an integer-valued number, not milliseconds or a string. */
function timestampProblem(reading: HealthReading): string | undefined {
  const value = reading.timeOfLastUpdate;
  if (value === undefined) return "no time_of_last_update field";
  if (typeof value !== "number" || !Number.isFinite(value))
    return `time_of_last_update is ${JSON.stringify(value)}, not a number`;
  if (value > 1e11) return `time_of_last_update is ${value}: milliseconds, not Unix seconds`;
  if (value < 1e9) return `time_of_last_update is ${value}: not a Unix time in seconds`;
  return undefined;
}

function healthyFindings(run: LiveRun): Finding[] {
  const findings: Finding[] = [];
  const healthy = [...run.startup.readings, ...run.samples].filter((r) => r.healthy);
  const first = healthy[0];
  if (!first) return findings;

  const problem = timestampProblem(first);
  if (problem) {
    findings.push(
      makeFinding(
        "PING_TIMESTAMP_MISSING",
        [probeEvidence(first, `${problem}: ${first.exchange.body.slice(0, 200)}`)],
        {
          observed: first.exchange.body.slice(0, 200),
        },
      ),
    );
  }
  const slowest = [...healthy].sort((a, b) => b.exchange.latencyMs - a.exchange.latencyMs)[0]!;
  if (slowest.exchange.latencyMs > run.slowPingMs) {
    findings.push(
      makeFinding(
        "PING_SLOW",
        [
          probeEvidence(
            slowest,
            `GET /ping took ${slowest.exchange.latencyMs} ms (threshold ${run.slowPingMs} ms)`,
          ),
        ],
        { latencyMs: slowest.exchange.latencyMs },
      ),
    );
  }
  // Busy is judged over the session idle timeout: work that ends within it (add_async_task) is no finding.
  const watch = run.busyWatch;
  const samples = run.samples.filter((r) => r.exchange.status !== undefined);
  if (watch && !watch.endedHealthy && watch.busyForMs >= watch.idleTimeoutMs && samples.length > 0) {
    findings.push(
      makeFinding("PING_STUCK_BUSY", [
        probeEvidence(
          samples.at(-1),
          `/ping answered HealthyBusy for ${(watch.busyForMs / 1000).toFixed(1)} s after the invocations had ended (${watch.polls} pings), the whole session idle timeout of ${watch.idleTimeoutMs / 1000} s: the session would never idle out`,
        ),
      ]),
    );
  }
  return findings;
}

function invocationFindings(run: LiveRun): Finding[] {
  const path = PROTOCOL_INVOKE_PATHS[run.protocol];
  const findings: Finding[] = [];
  if (run.protocol === "MCP" && run.mcp?.sessionIdRejected) {
    findings.push(
      makeFinding(
        "MCP_SESSION_ID_REJECTED",
        [
          probeEvidence(
            run.mcp.exchange,
            `initialize on POST /mcp with the platform's Mcp-Session-Id: ${run.mcp.problem ?? "refused"}`,
          ),
          probeEvidence(
            run.mcp.sessionIdRejected,
            `the same initialize without Mcp-Session-Id: HTTP ${run.mcp.sessionIdRejected.status}, answered${run.mcp.sessionIdRejected.headers["mcp-session-id"] ? ` with its own Mcp-Session-Id ${run.mcp.sessionIdRejected.headers["mcp-session-id"]}` : ""}`,
          ),
        ],
        { observed: run.mcp.problem },
      ),
    );
  } else if (run.protocol === "MCP" && run.mcp && !run.mcp.ok) {
    const evidence = [
      probeEvidence(run.mcp.exchange, `initialize on POST /mcp: ${run.mcp.problem ?? "failed"}`),
    ];
    if (run.mcp.rootAnswers) {
      evidence.push({
        fact: "POST / answers initialize: the server is mounted on the wrong path",
        source: { kind: "probe", request: "POST /" },
      });
    }
    findings.push(makeFinding("MCP_INITIALIZE_FAILED", evidence, { observed: run.mcp.problem }));
  }
  if (run.protocol === "MCP" && run.mcpProbe && !run.mcpProbe.ok) {
    findings.push(
      makeFinding(
        "MCP_HEALTH_PROBE_REJECTED",
        [
          probeEvidence(
            run.mcpProbe.exchange,
            `GET /ping is not served, and a JSON-RPC ping on POST /mcp/ without Authorization answered ${run.mcpProbe.problem}`,
          ),
        ],
        { observed: run.mcpProbe.problem },
      ),
    );
  }
  if (run.protocol === "A2A" && run.agentCard && !run.agentCard.ok) {
    findings.push(
      makeFinding(
        "A2A_AGENT_CARD_MISSING",
        [probeEvidence(run.agentCard.exchange, `GET /.well-known/agent-card.json: ${run.agentCard.problem}`)],
        { observed: run.agentCard.problem },
      ),
    );
  }
  const failed = run.invocations.filter((i) => !i.ok);
  // A JSON answer to an SSE request is allowed; a failure of both or of either with 5xx/404 is not.
  if (failed.length > 0) {
    const evidence = failed.map((i) =>
      probeEvidence(i.exchange, `${i.kind === "sse" ? "asking for SSE: " : ""}${i.problems.join("; ")}`),
    );
    if (run.exit)
      evidence.push({
        fact: exitFact(run.exit, undefined),
        source: { kind: "process", detail: run.command.join(" ") },
      });
    if (run.exception) {
      evidence.push({
        fact: `${run.exception.type}: ${run.exception.message}`,
        source: { kind: "process", detail: "stderr" },
      });
    }
    findings.push(makeFinding("INVOCATIONS_FAILED", evidence, { path, observed: failed[0]!.problems[0] }));
  }
  return findings;
}

/** Maps what one probe run observed to findings from the catalog. */
export function liveFindings(run: LiveRun, startedAt?: number): Finding[] {
  const findings: Finding[] = [];
  const { startup } = run;
  const limitSeconds = run.startupTimeoutMs / 1000;

  if (run.dockerenv.state === "visible") {
    findings.push(
      makeFinding(
        "PROBE_DOCKERENV_VISIBLE",
        [
          {
            fact: `/.dockerenv exists on this machine and stayed visible to the agent: ${run.dockerenv.reason}`,
            source: { kind: "tool", detail: "launcher" },
          },
        ],
        { reason: run.dockerenv.reason },
      ),
    );
  }

  const listening = startup.listening ?? [];
  const onPort = listening.filter((s) => s.localPort === run.port);
  if (onPort.length > 0 && onPort.every((s) => isLoopback(s.localAddress))) {
    findings.push(
      makeFinding(
        "BIND_LOOPBACK",
        [
          listeningEvidence(onPort),
          {
            fact: `nothing listens on 0.0.0.0:${run.port} or [::]:${run.port}, where AgentCore's health check arrives`,
            source: { kind: "socket", table: TABLE },
          },
        ],
        { port: run.port },
      ),
    );
  }

  if (startup.outcome === "exited") {
    findings.push(run.hostGap ?? crashFinding(run, startedAt));
    return findings;
  }

  const otherPorts = [...new Set(listening.filter((s) => s.localPort !== run.port).map((s) => s.localPort))];
  if (
    onPort.length === 0 &&
    otherPorts.length > 0 &&
    (startup.outcome === "wrong-port" || startup.outcome === "timeout")
  ) {
    findings.push(
      makeFinding(
        "BIND_WRONG_PORT",
        [
          listeningEvidence(listening),
          { fact: `nothing listens on port ${run.port}`, source: { kind: "socket", table: TABLE } },
        ],
        {
          expectedPort: run.port,
          protocol: run.protocol,
          actualPorts: otherPorts,
        },
      ),
    );
  }

  if (startup.outcome === "timeout") {
    // A line in which the agent announces a listener (any framework's wording, read by shape).
    const announced = run.output.find((line) => listenAddressesIn(line.text).length > 0);
    // A connect that sat in SYN_SENT for a second or more had no answer; a shorter one was just slow.
    const stuck = startup.stuck.filter((c) => c.forMs >= 1000);
    if (stuck.length > 0) {
      const destinations = stuck.map((c) => `${c.remoteAddress}:${c.remotePort}`);
      findings.push(
        makeFinding(
          "STARTUP_BLOCKED_ON_NETWORK",
          stuck.map((c) => ({
            fact: `TCP connection to ${c.remoteAddress}:${c.remotePort} stuck in SYN_SENT for ${(c.forMs / 1000).toFixed(1)} s while the agent was not healthy`,
            source: { kind: "socket", table: TABLE },
          })),
          { destinations },
        ),
      );
    } else if (
      startup.listeningOnPortAfterMs === undefined &&
      otherPorts.length === 0 &&
      procAvailable(startup)
    ) {
      findings.push(
        makeFinding(
          "NOT_LISTENING",
          [
            {
              fact: `the process was alive for ${(startup.elapsedMs / 1000).toFixed(1)} s (limit ${limitSeconds} s plus ${startup.usedGrace ? "a grace period" : "no grace"}) and never opened a listening socket`,
              source: { kind: "socket", table: TABLE },
            },
            // A line announcing a listener is quoted for what it says, beside what the tables showed, never as proof.
            ...(announced
              ? [
                  {
                    fact: `the agent printed "${announced.text.trim().slice(0, 200)}", yet no listening socket appeared in its socket tables`,
                    source: { kind: "process" as const, detail: announced.stream },
                  },
                ]
              : []),
            ...lastLines(
              run.output.filter((line) => line !== announced),
              5,
            ),
          ],
          { port: run.port },
        ),
      );
    } else if (
      onPort.some((s) => !isLoopback(s.localAddress)) &&
      startup.readings.every((r) => r.exchange.status === undefined)
    ) {
      const last = startup.readings.at(-1);
      findings.push(
        makeFinding(
          "STARTUP_TIMEOUT",
          [
            probeEvidence(
              last,
              `listening on port ${run.port} but GET /ping never answered within ${limitSeconds} s${last ? `: ${describeAnswer(last)}` : ""}`,
            ),
          ],
          { limitSeconds },
        ),
      );
    }
  }

  if (
    startup.outcome === "healthy" &&
    startup.healthyAfterMs !== undefined &&
    startup.healthyAfterMs > run.startupTimeoutMs
  ) {
    findings.push(
      makeFinding(
        "STARTUP_TIMEOUT",
        [
          {
            fact: `healthy only after ${(startup.healthyAfterMs / 1000).toFixed(1)} s, past the start-up limit of ${limitSeconds} s`,
            source: { kind: "probe", request: "GET /ping" },
          },
        ],
        { limitSeconds },
      ),
    );
  }

  if (startup.outcome === "unhealthy" || startup.outcome === "timeout")
    findings.push(...pingFindings(startup.readings));
  if (startup.outcome === "healthy") {
    findings.push(...healthyFindings(run), ...invocationFindings(run));
  }
  return findings;
}

/** Socket tables were read (Linux /proc or lsof): silence about sockets then means there were none. */
function procAvailable(startup: StartupObservation): boolean {
  return startup.listening !== undefined;
}
