import { mergeFindings, sortFindings } from "../findings/index.js";
import type { NetworkOfResult, ReplayObservation } from "../replay/observations.js";
import { type CheckReport, reportVerdict } from "./report.js";

/**
 * `check DIR --network-of <runtime>`: what the replay in the twin of the
 * deployed runtime's network saw (made by diagnose's read-only collection,
 * src/diagnose/network-of.ts; the CLI composes the two) joins the check report
 * as findings resting on it, and the report's `replay` section says what ran
 * where and what it saw.
 */
const count = (list: readonly ReplayObservation[], kind: ReplayObservation["kind"]) =>
  list.filter((o) => o.kind === kind).length;

/** The check report with the replay's findings merged in and its section filled. */
export function withReplay(report: CheckReport, result: NetworkOfResult): CheckReport {
  const findings = sortFindings(mergeFindings([...report.findings, ...result.findings]));
  const r = result.replay;
  const observations = r.ran ? r.observations.filter((o) => o.kind !== "output") : [];
  const note = r.ran
    ? `replayed in the ${r.network === "twin" ? "twin of the VPC" : "stand-in internet (PUBLIC mode)"} of ${result.runtimeArn}: ${count(observations, "dns")} DNS observation(s), ${count(observations, "connection")} connection(s) (${observations.filter((o) => o.kind === "connection" && o.outcome === "dropped").length} dropped), ${count(observations, "listening")} listening socket(s)${r.envLacked.length > 0 ? `; without values for ${r.envLacked.join(", ")} (pass --env NAME=VALUE)` : ""}`
    : `not replayed in the network of ${result.runtimeArn}: ${r.reason}`;
  return {
    ...report,
    ...reportVerdict(findings),
    findings,
    environment: {
      ...report.environment,
      notes: [...report.environment.notes, note, ...result.gaps.map((g) => `${g.errorCode}: ${g.message}`)],
    },
    replay: {
      runtime: result.runtimeArn,
      networkMode: result.networkMode,
      ran: r.ran,
      ...(r.ran ? { network: r.network, envLacked: r.envLacked } : { reason: r.reason }),
      observations,
      gaps: result.gaps.map((g) => ({ errorCode: g.errorCode, message: g.message })),
    },
  };
}
