import type { HealthReading } from "../../agent/probe.js";

/**
 * What keeps an AgentCore session alive (devguide runtime-lifecycle-settings
 * and runtime-long-run): work in the container, that is a request being
 * served or /ping answering HealthyBusy with its `time_of_last_update`; never
 * an open client connection on its own. Without the timestamp a busy status
 * does not hold the session (the idle timeout fires anyway).
 */
export function pingSaysBusy(reading: HealthReading | undefined): boolean {
  if (reading?.status !== "HealthyBusy") return false;
  const stamp = reading.timeOfLastUpdate;
  return typeof stamp === "number" && Number.isFinite(stamp);
}

export interface ActivityClock {
  /** When the last work was seen (ms since the epoch). */
  lastActivityAt: number;
}

/** What the idle watcher decides at one look: work goes on, the session is idle but within its time, or it is over. */
export function idleVerdict(
  state: ActivityClock,
  now: number,
  inFlight: number,
  ping: HealthReading | undefined,
  idleMs: number,
): "active" | "waiting" | "idle-timeout" {
  if (inFlight > 0 || pingSaysBusy(ping)) {
    state.lastActivityAt = now;
    return "active";
  }
  return now - state.lastActivityAt >= idleMs ? "idle-timeout" : "waiting";
}

/** How often the watcher looks: a sixth of the idle timeout, between 100 ms and 30 s. */
export function watchIntervalMs(idleMs: number): number {
  return Math.min(30_000, Math.max(100, Math.floor(idleMs / 6)));
}
