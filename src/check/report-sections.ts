import type { HttpExchange } from "../agent/http.js";
import type { ExitInfo } from "../agent/launcher.js";
import type { StartupObservation } from "../agent/probe.js";
import type { CheckReport, ReportExchange } from "./report.js";

/**
 * The parts of a check report that say what was observed of a run, built
 * the same way whatever ran (a directory's command, an image under runc).
 */

export function toReportExchange(ex: HttpExchange): ReportExchange {
  return {
    request: ex.request,
    ...(ex.status !== undefined ? { status: ex.status } : {}),
    ...(ex.headers["content-type"] ? { contentType: ex.headers["content-type"] } : {}),
    latencyMs: ex.latencyMs,
    ...(ex.error ? { error: ex.error } : {}),
    ...(ex.body ? { bodyExcerpt: ex.body.slice(0, 500) } : {}),
  };
}

/** The start-up as the probe saw it: outcome, timings, listening sockets, stuck connections, the exit. */
export function startupSection(
  startup: StartupObservation,
  limitMs: number,
  exit: Pick<ExitInfo, "code" | "signal"> | undefined,
): CheckReport["startup"] {
  return {
    outcome: startup.outcome,
    limitMs,
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
    ...(exit ? { exit: { code: exit.code, signal: exit.signal } } : {}),
  };
}
