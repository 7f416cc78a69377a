import { isLoopback } from "../agent/proc.js";
import { PROTOCOL_PORTS, type Protocol } from "../agent/types.js";
import { describeSource, type Evidence, type Finding, type FindingId } from "../findings/index.js";
import type { ReplayObservation } from "../replay/observations.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { isObservation } from "./evidence.js";

/**
 * What was seen outranks what was read: when the replay ran the agent and saw
 * it listen where the health check reaches, a static reading of its source
 * that says otherwise (a loopback host, another port, no server started) is
 * overruled. The reading leaves the findings and its cause is ruled out by
 * the observation, which the report quotes beside the reading it overrules.
 * A finding that rests on an observation of its own (the deployed runtime's
 * logs, the replay) is never overruled here: observation against observation
 * is left for the ranking to weigh.
 *
 * Likewise a start-up said to hang on the network because the source calls a
 * service at start-up and the VPC's model has no path to it: when the agent,
 * replayed in the twin of that very VPC, answered /ping as healthy, its
 * start-up did not hang there, whatever the reading and the model predicted.
 */

/** The causes a static reading claims about where the agent listens. */
const LISTENING_CLAIMS: ReadonlySet<FindingId> = new Set([
  "BIND_LOOPBACK",
  "PYTHON_SDK_LOOPBACK_DEFAULT",
  "BIND_WRONG_PORT",
  "NOT_LISTENING",
]);

type Obs<K extends ReplayObservation["kind"]> = Extract<ReplayObservation, { kind: K }>;

/** What the replay saw of the agent listening where the health check arrives: a socket, or a healthy /ping. */
function seenListening(e: DiagnoseEvidence): Evidence | undefined {
  const replay = e.replay;
  if (!replay?.ran) return undefined;
  const port = PROTOCOL_PORTS[e.runtime.value.protocol as Protocol] ?? PROTOCOL_PORTS.HTTP;
  const socket = replay.observations.find(
    (o): o is Obs<"listening"> => o.kind === "listening" && o.port === port && !isLoopback(o.address),
  );
  if (socket)
    return {
      fact: `in the replay the agent listened on ${socket.address}:${socket.port}, where the health check arrives`,
      source: { kind: "replay", observation: "listening", at: socket.at },
    };
  const ping = replay.observations.find(
    (o): o is Obs<"ping"> =>
      o.kind === "ping" && o.status === 200 && /"status"\s*:\s*"Healthy/.test(o.body ?? ""),
  );
  return ping
    ? {
        fact: `in the replay the agent answered /ping on its interface as healthy (${ping.body?.slice(0, 60)})`,
        source: { kind: "replay", observation: "ping", at: ping.at },
      }
    : undefined;
}

/** A healthy /ping seen in the replay, in the twin of the runtime's own VPC. */
function seenHealthyInTwin(e: DiagnoseEvidence): Evidence | undefined {
  const replay = e.replay;
  if (!replay?.ran || replay.network !== "twin") return undefined;
  const ping = replay.observations.find(
    (o): o is Obs<"ping"> =>
      o.kind === "ping" && o.status === 200 && /"status"\s*:\s*"Healthy/.test(o.body ?? ""),
  );
  return ping
    ? {
        fact: `in the replay in the twin of the runtime's VPC the agent started and answered /ping as healthy (${ping.body?.slice(0, 60)}): its start-up did not hang on the network, as the source's start-up calls and the VPC's paths predicted`,
        source: { kind: "replay", observation: "ping", at: ping.at },
      }
    : undefined;
}

/** The replay's own finding rests on what it saw; a prediction from the source and the VPC's model does not. */
const restsOnReplay = (f: Finding) => f.evidence.some((x) => x.source.kind === "replay");

/** The static reading of `id` in the source's findings, when nothing observed stands behind it. */
function staticReading(id: FindingId, e: DiagnoseEvidence): Finding | undefined {
  const reading = (e.sourceFindings ?? []).find((f) => f.id === id);
  return reading && !reading.evidence.some(isObservation) ? reading : undefined;
}

/**
 * The observation that overrules the source's static reading of `id`, worded with the reading
 * it overrules; undefined when the replay did not run, saw nothing against it, or the source
 * holds no such reading.
 */
export function replayOverrules(id: FindingId, e: DiagnoseEvidence): Evidence | undefined {
  if (id === "STARTUP_BLOCKED_ON_NETWORK") return seenHealthyInTwin(e);
  if (!LISTENING_CLAIMS.has(id)) return undefined;
  const reading = staticReading(id, e);
  if (!reading) return undefined;
  const seen = seenListening(e);
  if (!seen) return undefined;
  const read = reading.evidence[0];
  return {
    ...seen,
    fact: `${seen.fact}: what ran overrules the source's reading${read ? ` (${read.fact}, ${describeSource(read.source)})` : ""}`,
  };
}

/** The findings without the static readings an observation of the replay overrules. */
export function withoutOverruled(findings: readonly Finding[], e: DiagnoseEvidence): Finding[] {
  return findings.filter((f) =>
    f.id === "STARTUP_BLOCKED_ON_NETWORK"
      ? restsOnReplay(f) || seenHealthyInTwin(e) === undefined
      : f.evidence.some(isObservation) || replayOverrules(f.id, e) === undefined,
  );
}
