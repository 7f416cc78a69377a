import { supportedAzIds } from "../facts/agentcore-vpc-azs.js";
import { causesOf, type JudgedFrom } from "../findings/causes.js";
import { CATALOG, type Evidence, type Finding, type FindingId } from "../findings/index.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { vpcNetworkOf } from "./collect/network.js";
import { type Derived, derive } from "./derive.js";

/**
 * Root-cause hypotheses for one symptom. Every cause the cause table
 * (src/findings/causes.ts) lists for it is here, whether or not a rule
 * fired: a reader sees what was ruled out and why, what is unknown, and
 * what would settle it.
 */
export type Verdict = "confirmed" | "likely" | "possible" | "unknown" | "ruled-out";

export interface Hypothesis {
  cause: FindingId;
  title: string;
  verdict: Verdict;
  score: number;
  for: Evidence[];
  against: Evidence[];
  /** What was looked at to judge it. */
  checked: string[];
  /** What would confirm or rule it out when the evidence here cannot. */
  toConfirm: string;
}

const publicMode = (e: DiagnoseEvidence) =>
  e.runtime.value.networkMode === "PUBLIC"
    ? "the runtime is in PUBLIC network mode: outbound traffic does not go through a VPC"
    : undefined;

const pathsJudged = (e: DiagnoseEvidence) =>
  e.network !== undefined && vpcNetworkOf(e.network.value) !== undefined;

/** Whether the evidence a cause is judged from was collected. */
const COLLECTED: Record<JudgedFrom, (e: DiagnoseEvidence, d: Derived) => boolean> = {
  source: (e) => e.sourceFindings !== undefined,
  logs: (e) => (e.logs?.value.lines.length ?? 0) > 0,
  "network-paths": pathsJudged,
  "network-paths-of-services": (e) => pathsJudged(e) && e.awsServices !== undefined,
  "dns-attributes": (e) =>
    e.network?.value.dnsSupport !== undefined && e.network.value.dnsHostnames !== undefined,
  "startup-paths": (e) => e.awsServices !== undefined && pathsJudged(e),
  "image-manifest": (e) => (e.image?.value.platforms.length ?? 0) > 0,
  "iam-permissions": (e) => e.iam?.permissions !== undefined,
  "runtime-interface": (e) => e.network?.value.managedInterfaces !== undefined,
  subnets: (e) => e.network?.value.subnets !== undefined,
  "subnet-zones": (e, d) => e.network?.value.subnets !== undefined && supportedAzIds(d.region) !== undefined,
  "service-linked-role": (e) => e.iam?.serviceLinkedRole !== undefined,
  cloudtrail: (e) => e.timeline !== undefined,
  "trust-policy": (e) => e.iam?.executionRole !== undefined,
  "startup-time": () => false,
};

const WEIGHT = { error: 3, warning: 1, info: 0 } as const;

/**
 * Ranks every cause of the symptom by the findings for it and the facts
 * against it. The symptom itself (HEALTH_CHECK_FAILING, RUNTIME_NOT_READY)
 * is never a cause. For the health check, a cause in the code (host, port,
 * /ping, a crash) counts double its finding, as does a network cause that
 * a blocked start-up call ties to the symptom; a network cause the source
 * shows no start-up call through is only possible.
 */
export function rankHypotheses(
  evidence: DiagnoseEvidence,
  findings: readonly Finding[],
  derived: Derived = derive(evidence),
): Hypothesis[] {
  const { symptom } = derived;
  // A start-up call on a blocked path ties the network to the health check, shown or not by --invoke.
  const startupBlocked =
    findings.some((f) => f.id === "STARTUP_BLOCKED_ON_NETWORK") || derived.startupBlocked;
  const hypotheses = causesOf(symptom).map(([id, cause], order) => {
    const matching = findings.filter((f) => f.id === id);
    const supporting = matching.length > 0 ? findings.filter((f) => cause.supportedBy?.includes(f.id)) : [];
    const support = [...matching, ...supporting].flatMap((f) => f.evidence);
    const impossible = cause.vpcOnly ? publicMode(evidence) : undefined;
    const answered = { checked: cause.checked, collected: COLLECTED[cause.judgedFrom](evidence, derived) };
    const against: Evidence[] = impossible ? [{ fact: impossible, source: evidence.runtime.source }] : [];
    if (!impossible && answered.collected && matching.length === 0) {
      against.push({
        fact: `${answered.checked} found nothing of the kind`,
        source: { kind: "tool", detail: "diagnose" },
      });
    }
    // A network cause explains a failed health check only through a call made while starting.
    const unexplained =
      symptom === "health-check" &&
      cause.kind === "network" &&
      matching.length > 0 &&
      !startupBlocked &&
      evidence.awsServices !== undefined;
    if (unexplained) {
      against.push({
        fact: "no AWS call the agent's source makes while starting is blocked: this path fails its invocations' calls, not the health check",
        source: { kind: "tool", detail: "diagnose --source" },
      });
    }
    const explains =
      symptom === "health-check" &&
      matching.some((f) => f.severity === "error") &&
      (cause.kind === "code" || (cause.kind === "network" && startupBlocked));
    const score =
      matching.reduce((sum, f) => sum + WEIGHT[f.severity], 0) +
      supporting.length +
      (explains ? 2 : 0) -
      against.length * 2;
    const verdict: Verdict = impossible
      ? "ruled-out"
      : matching.some((f) => f.severity === "error")
        ? unexplained
          ? "possible"
          : support.length >= 2
            ? "confirmed"
            : "likely"
        : matching.length > 0
          ? "possible"
          : answered.collected
            ? "ruled-out"
            : "unknown";
    return {
      hypothesis: {
        cause: id,
        title: CATALOG[id].title,
        verdict,
        score,
        for: support,
        against,
        checked: [answered.checked],
        toConfirm: cause.toConfirm,
      } satisfies Hypothesis,
      order,
    };
  });
  return hypotheses
    .sort((a, b) => b.hypothesis.score - a.hypothesis.score || a.order - b.order)
    .map((h) => h.hypothesis);
}
