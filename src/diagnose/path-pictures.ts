import { pathHops } from "../net/path-picture.js";
import type { ReplayObservation } from "../replay/observations.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { type Derived, STAND_IN_SERVICE } from "./derive.js";
import { TELEMETRY_SERVICES } from "./network-paths.js";
import type { DiagnoseReport } from "./report-schema.js";

type ReportPath = DiagnoseReport["paths"][number];

const STATUS_ORDER = { blocked: 0, unknown: 1, reachable: 2 } as const;

/** Whether a name the agent resolved is the regional endpoint of `service` (sts.us-east-1.amazonaws.com for sts). */
function namesService(name: string | undefined, service: string): boolean {
  return !!name && (name.startsWith(`${service}.`) || name.includes(`.${service}.`));
}

/** The replay's connections to the service, as a reader should see them. */
function observedConnections(observations: readonly ReplayObservation[], service: string): string[] {
  return observations.flatMap((o) => {
    if (o.kind !== "connection" || !namesService(o.name, service)) return [];
    const where = `${o.name} (${o.address}:${o.port})`;
    if (o.outcome === "answered") return [`the agent's connection to ${where} was answered`];
    const by = o.droppedBy ? ` at the ${o.droppedBy.hop}: ${o.droppedBy.detail}` : "";
    return [`the agent's connection to ${where} was ${o.outcome}${by}`];
  });
}

/** Why the agent needs the service, in the order the report draws them: its own calls, the stand-in, telemetry. */
function needOf(service: string, derived: Derived): { rank: number; need: string } {
  const use = derived.services.find((u) => u.service === service);
  if (use) return { rank: 0, need: `the agent calls it (${use.phase}, ${use.file}:${use.line})` };
  if (service === STAND_IN_SERVICE)
    return {
      rank: 1,
      need:
        derived.services.length > 0
          ? "the AWS credentials chain and most SDKs reach STS"
          : "no --source: STS stands for any AWS service the agent may call",
    };
  if ((TELEMETRY_SERVICES as readonly string[]).includes(service))
    return {
      rank: 2,
      need: "telemetry export (OpenTelemetry traces and logs), when the agent exports its own",
    };
  return { rank: 3, need: "judged for this runtime" };
}

/**
 * The path to each destination the agent needs, as a row of hops for the
 * report's pictures (Mermaid in Markdown, HTML): drawn from the derive
 * step's verdicts only, the broken hop labelled with the rule the judge
 * read, and the replay's connections to the same service beside it. The
 * agent's own services first, then blocked before reachable. PUBLIC
 * runtimes have none: AgentCore's network is not theirs to draw.
 */
export function reportPaths(evidence: DiagnoseEvidence, derived: Derived): ReportPath[] {
  const observations = evidence.replay?.ran ? evidence.replay.observations : [];
  return [...derived.paths.values()]
    .map((path) => ({ path, ...needOf(path.service, derived) }))
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        STATUS_ORDER[a.path.verdict.status] - STATUS_ORDER[b.path.verdict.status] ||
        a.path.service.localeCompare(b.path.service),
    )
    .map(({ path, need }) => {
      const verdict = path.verdict;
      const rule = verdict.status === "reachable" ? undefined : verdict.facts.at(-1);
      return {
        service: path.service,
        need,
        status: verdict.status,
        subnetId: path.origin.subnetId,
        hops: pathHops({ subnetId: path.origin.subnetId }, verdict),
        ...(rule ? { brokenBy: { rule: rule.fact, source: `ec2:${rule.call} ${rule.field}` } } : {}),
        observed: observedConnections(observations, path.service),
      };
    });
}
