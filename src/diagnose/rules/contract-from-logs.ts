import { PROTOCOL_INVOKE_PATHS, PROTOCOL_PORTS, type Protocol } from "../../agent/types.js";
import { addressesIn, isLoopbackHost } from "../../facts/addresses.js";
import { type Finding, makeFinding } from "../../findings/index.js";
import type { DiagnoseEvidence } from "../analysis-input.js";
import { isHealthCheckFailure } from "../collect/invoke.js";
import type { ListenLine, LogsEvidence } from "../collect/logs.js";
import type { Rule } from "./rule.js";

/** AgentCore's wording when the container answered an invocation with an HTTP error. */
const RUNTIME_HTTP_ERROR = /Received error \((\d{3})\) from runtime/;

export function protocolOf(evidence: DiagnoseEvidence): Protocol {
  const protocol = evidence.runtime.value.protocol;
  return protocol === "MCP" || protocol === "A2A" ? protocol : "HTTP";
}

/** Whether a server's announced host is loopback only: an address, or the name `localhost` a log line may print. */
export function announcesLoopback(host: string | undefined): boolean {
  return host !== undefined && isLoopbackHost(host);
}

/** An announced address as the report says it: `0.0.0.0:8080`, `port 3000`, `0.0.0.0`. */
export function describeListen(listen: Pick<ListenLine, "host" | "port">): string {
  if (listen.host === undefined) return `port ${listen.port}`;
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  return listen.port === undefined ? listen.host : `${host}:${listen.port}`;
}

/** Whether the exception came after the server announced it was listening: a handler's error, not a crash at start. */
export function exceptionAfterListening(logs: LogsEvidence): boolean {
  const at = logs.exception?.source;
  const listenedAt = (logs.listens?.[0] ?? logs.listening)?.line.source;
  if (!at || !listenedAt || at.kind !== "log" || listenedAt.kind !== "log") return false;
  return (at.line ?? 0) > (listenedAt.line ?? 0);
}

/** The server announced only addresses AgentCore reaches on ports AgentCore does not use for the protocol. */
function wrongPort(evidence: DiagnoseEvidence): Finding[] {
  const logs = evidence.logs?.value;
  const listening = logs?.listening;
  if (!logs || !listening || announcesLoopback(listening.host)) return [];
  const protocol = protocolOf(evidence);
  const expected = PROTOCOL_PORTS[protocol];
  const announced = (logs.listens ?? [listening]).filter(
    (l) => l.port !== undefined && !announcesLoopback(l.host),
  );
  if (announced.length === 0 || announced.some((l) => l.port === expected)) return [];
  const ports = [...new Set(announced.map((l) => l.port!))];
  const last = announced.at(-1)!;
  return [
    makeFinding(
      "BIND_WRONG_PORT",
      [
        {
          fact: `the server announced ${describeListen(last)}, but AgentCore sends ${protocol} traffic to port ${expected}: "${last.line.message.trim()}"`,
          source: last.line.source,
        },
      ],
      { expectedPort: expected, protocol, actualPorts: ports.join(", ") },
    ),
  ];
}

/** The container was healthy and answered the invocation with an HTTP error, which AgentCore passed on. */
function invocationErrors(evidence: DiagnoseEvidence): Finding[] {
  const invoke = evidence.invoke?.value;
  const status = invoke && !invoke.ok ? RUNTIME_HTTP_ERROR.exec(invoke.errorMessage ?? "")?.[1] : undefined;
  if (!invoke || !status) return [];
  const logs = evidence.logs?.value;
  const handlerError = logs?.exception && exceptionAfterListening(logs) ? logs.exception : undefined;
  return [
    makeFinding(
      "INVOCATIONS_FAILED",
      [
        {
          fact: `InvokeAgentRuntime on a new session reached the container, which answered HTTP ${status}: ${invoke.errorCode}: ${invoke.errorMessage}`,
          source: evidence.invoke!.source,
        },
        ...(handlerError
          ? [
              {
                fact: `while serving it, the container printed ${handlerError.parsed.type}: ${handlerError.parsed.message}${handlerError.parsed.location ? ` at ${handlerError.parsed.location.file}:${handlerError.parsed.location.line}` : ""}`,
                source: handlerError.source,
              },
            ]
          : []),
      ],
      { path: PROTOCOL_INVOKE_PATHS[protocolOf(evidence)], observed: `HTTP ${status}` },
    ),
  ];
}

/**
 * The health check failed while the container was up and writing, yet it
 * never said it listened and never crashed: still starting when AgentCore
 * gave up (or never starting its server, which --source can tell apart).
 */
function neverListened(evidence: DiagnoseEvidence): Finding[] {
  const invoke = evidence.invoke;
  const logs = evidence.logs?.value;
  if (!invoke || !isHealthCheckFailure(invoke.value) || !logs || logs.lines.length === 0) return [];
  if (logs.listening || logs.exception || logs.pings.length > 0) return [];
  // The source already says why it never listened: nothing starts the server.
  if (evidence.sourceFindings?.some((f) => f.id === "NOT_LISTENING")) return [];
  const last = logs.lines.at(-1)!;
  // A line that names an address (even one read as a failure or a peer) is quoted as what it is, never as silence.
  const namesAddress = logs.lines.some((l) => addressesIn(l.message).some((a) => a.port !== undefined));
  return [
    makeFinding(
      "STARTUP_TIMEOUT",
      [
        {
          fact: namesAddress
            ? `the container was writing output, and no line of it reads as a server listening; its last line before the health check gave up: "${last.message.trim()}"`
            : `the container was writing output but no line of it names an address it listens on; its last line before the health check gave up: "${last.message.trim()}"`,
          source: last.source,
        },
        {
          fact: `AgentCore gave up on the new session after ${(invoke.value.elapsedMs / 1000).toFixed(1)} s`,
          source: invoke.source,
        },
      ],
      { limitSeconds: Math.round(invoke.value.elapsedMs / 1000) },
    ),
  ];
}

/** The server answered every health check it logged with 200, and AgentCore still judged it unhealthy: the body. */
function pingsAnsweredButRejected(evidence: DiagnoseEvidence): Finding[] {
  const logs = evidence.logs?.value;
  const invoke = evidence.invoke;
  if (!logs || !invoke || !isHealthCheckFailure(invoke.value)) return [];
  if (logs.pings.length === 0 || !logs.pings.every((p) => p.status === 200)) return [];
  const last = logs.pings.at(-1)!;
  return [
    makeFinding(
      "PING_BAD_RESPONSE",
      [
        {
          fact: `the server answered AgentCore's health check ${logs.pings.length} time(s) with HTTP 200: "${last.line.message.trim()}"`,
          source: last.line.source,
        },
        {
          fact: "yet the session failed the health check: AgentCore did not accept what /ping returned (its body's status must be exactly Healthy or HealthyBusy)",
          source: invoke.source,
        },
      ],
      { observed: "HTTP 200 with a body AgentCore rejected (run `agentcore-doctor check` to see it)" },
    ),
  ];
}

/** The service contract, read from the container's own output and the one invocation. */
export const contractFromLogs: Rule = (evidence) => [
  ...wrongPort(evidence),
  ...invocationErrors(evidence),
  ...neverListened(evidence),
  ...pingsAnsweredButRejected(evidence),
];
