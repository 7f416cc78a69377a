import { PROTOCOL_PORTS } from "../../agent/types.js";
import { makeFinding } from "../../findings/index.js";
import {
  announcesLoopback,
  describeListen,
  exceptionAfterListening,
  protocolOf,
} from "./contract-from-logs.js";
import type { Rule } from "./rule.js";

/**
 * What the container's own output says: nothing at all (NO_RUNTIME_LOGS),
 * an exception before it was healthy (STARTUP_CRASH, quoted), a server
 * announcing a loopback address (BIND_LOOPBACK), or health checks it
 * answered with an error (PING_NOT_FOUND, PING_BAD_RESPONSE).
 */
/**
 * What to do about no logs, by what the evidence shows: a role that may not
 * write them, a private subnet with no path to CloudWatch Logs, or neither
 * (then the container printed nothing that reached the group).
 */
function noLogsRemedy(evidence: Parameters<Rule>[0], d: Parameters<Rule>[1]): string {
  const denied = (evidence.iam?.permissions?.value ?? []).filter(
    (p) => p.action.startsWith("logs:") && p.decision !== "allowed",
  );
  const allowed =
    evidence.iam?.permissions !== undefined &&
    denied.length === 0 &&
    evidence.iam.permissions.value.some((p) => p.action.startsWith("logs:"));
  const logsPath = d.paths.get("logs")?.verdict;
  const group = `/aws/bedrock-agentcore/runtimes/${evidence.runtime.value.runtimeId}-*`;
  const steps: string[] = [];
  if (denied.length > 0)
    steps.push(
      `grant the execution role ${denied.map((p) => p.action).join(", ")} on ${group} (see EXECUTION_ROLE_CANNOT_LOG)`,
    );
  if (logsPath?.status === "blocked")
    steps.push(
      `give the runtime's subnets a path to CloudWatch Logs: a \`logs\` interface endpoint with private DNS in ${d.vpc?.vpcId ?? "the VPC"}, or a NAT gateway route`,
    );
  if (steps.length > 0)
    return `${steps.map((s, i) => (i === 0 ? s[0]!.toUpperCase() + s.slice(1) : s)).join("; and ")}.`;
  const invoked = evidence.invoke && !evidence.invoke.value.ok;
  if (allowed && (logsPath === undefined || logsPath.status === "reachable"))
    return invoked
      ? "The execution role may write the logs and nothing blocks the way to CloudWatch Logs: the agent printed nothing before the health check gave up, and no invocation reached it. Run `agentcore-doctor check` on its directory to see what it does while starting."
      : "The execution role may write the logs and nothing blocks the way to CloudWatch Logs: no session has run yet, or the agent printed nothing. Invoke once (`agentcore-doctor diagnose <runtime> --invoke`) and read the group again.";
  return `Check the execution role's logs permissions on ${group}${d.vpc ? " and the runtime's path to CloudWatch Logs (a `logs` interface endpoint, or a NAT gateway route)" : ""}.`;
}

export const runtimeLogs: Rule = (evidence, derived) => {
  const { runtime, logs } = evidence;
  if (!logs) return [];
  const l = logs.value;
  const findings = [];
  // A runtime that never turned READY never ran a container: no logs is expected, not evidence.
  const ran = runtime.value.status === "READY" || runtime.value.status.startsWith("UPDAT");
  if (ran && (!l.group || l.streams.length === 0 || l.lines.length === 0)) {
    const fact = !l.group
      ? `no log group ${`/aws/bedrock-agentcore/runtimes/${runtime.value.runtimeId}-${runtime.value.endpoint.name}`} exists${l.groups.length > 0 ? ` (the runtime has ${l.groups.join(", ")})` : ""}`
      : l.streams.length === 0
        ? `log group ${l.group} has no streams`
        : `the newest stream of ${l.group} has no events`;
    findings.push(
      makeFinding("NO_RUNTIME_LOGS", [{ fact, source: logs.source }], {
        remedy: noLogsRemedy(evidence, derived),
      }),
    );
  }
  if (l.exception && !exceptionAfterListening(l)) {
    const { parsed, source } = l.exception;
    findings.push(
      makeFinding(
        "STARTUP_CRASH",
        [
          {
            fact: `the container printed ${parsed.type}: ${parsed.message}${parsed.location ? ` at ${parsed.location.file}:${parsed.location.line}` : ""}`,
            source,
          },
          ...(parsed.lines.length > 1
            ? [{ fact: `traceback:\n${parsed.lines.slice(-8).join("\n")}`, source }]
            : []),
        ],
        { exception: `${parsed.type}: ${parsed.message}` },
      ),
    );
  }
  if (l.listening && announcesLoopback(l.listening.host)) {
    findings.push(
      makeFinding(
        "BIND_LOOPBACK",
        [
          {
            fact: `the server announced only loopback addresses, last ${describeListen(l.listening)}: "${l.listening.line.message.trim()}"`,
            source: l.listening.line.source,
          },
        ],
        { port: l.listening.port ?? PROTOCOL_PORTS[protocolOf(evidence)] },
      ),
    );
  }
  const failedPings = l.pings.filter((p) => p.status !== 200);
  if (failedPings.length > 0 && !l.pings.some((p) => p.status === 200)) {
    const notFound = failedPings.every((p) => p.status === 404 || p.status === 405);
    const last = failedPings.at(-1)!;
    findings.push(
      makeFinding(
        notFound ? "PING_NOT_FOUND" : "PING_BAD_RESPONSE",
        [
          {
            fact: `the server answered AgentCore's health check ${failedPings.length} time(s) with ${[...new Set(failedPings.map((p) => p.status))].join("/")}: "${last.line.message.trim()}"`,
            source: last.line.source,
          },
        ],
        { observed: `HTTP ${last.status}` },
      ),
    );
  }
  return findings;
};
