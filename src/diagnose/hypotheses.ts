import { CATALOG, type Evidence, type Finding, type FindingId } from "../findings/index.js";
import type { DiagnoseEvidence } from "./analysis-input.js";

/**
 * Root-cause hypotheses for one symptom. Every cause the catalog knows for
 * it is listed, whether or not a rule fired: a reader sees what was ruled
 * out and why, what is unknown, and what would settle it.
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

interface Cause {
  id: FindingId;
  /** Why the cause cannot apply to this runtime, if it cannot. */
  impossible?: (e: DiagnoseEvidence) => string | undefined;
  /** Which collected evidence can show this cause, and whether it was collected. */
  answeredBy: (e: DiagnoseEvidence) => { checked: string; collected: boolean };
  toConfirm: string;
}

const publicMode = (e: DiagnoseEvidence) =>
  e.runtime.value.networkMode === "PUBLIC"
    ? "the runtime is in PUBLIC network mode: outbound traffic does not go through a VPC"
    : undefined;
const source = (e: DiagnoseEvidence) => ({
  checked: "static checks of the agent's source (--source)",
  collected: e.sourceFindings !== undefined,
});
const notYet = (what: string) => () => ({ checked: what, collected: false });

/** The causes of "invocations fail the health check", most common first (the tie-breaker). */
const HEALTH_CHECK_CAUSES: readonly Cause[] = [
  {
    id: "PYTHON_SDK_LOOPBACK_DEFAULT",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check` on the agent's directory, or pass --source DIR",
  },
  {
    id: "BIND_LOOPBACK",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check` on the agent's directory: it reads the listening sockets",
  },
  {
    id: "STARTUP_CRASH",
    answeredBy: (e) => ({
      checked: "the runtime's logs",
      collected: (e.logs?.value.lines.length ?? 0) > 0,
    }),
    toConfirm: "read the runtime's log group for a traceback, or run `agentcore-doctor check`",
  },
  {
    id: "STARTUP_BLOCKED_ON_NETWORK",
    impossible: publicMode,
    answeredBy: notYet("subnet routes, VPC endpoints and security-group egress"),
    toConfirm:
      "check the subnets' route tables for a NAT gateway and the VPC endpoints for every AWS service the agent calls at start-up",
  },
  {
    id: "VPC_ENDPOINT_MISSING",
    impossible: publicMode,
    answeredBy: notYet("VPC endpoints"),
    toConfirm: "aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=<vpc>",
  },
  {
    id: "VPC_NO_EGRESS_PATH",
    impossible: publicMode,
    answeredBy: notYet("route tables and NAT gateways"),
    toConfirm: "aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=<subnet>",
  },
  {
    id: "SG_EGRESS_BLOCKED",
    impossible: publicMode,
    answeredBy: notYet("security-group egress rules"),
    toConfirm: "aws ec2 describe-security-groups --group-ids <runtime groups>",
  },
  {
    id: "PING_NOT_FOUND",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check`: it calls GET /ping as AgentCore does",
  },
  {
    id: "PING_BAD_RESPONSE",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check`: it reads /ping's status and body",
  },
  {
    id: "BIND_WRONG_PORT",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check`: it reads which port the agent listens on",
  },
  {
    id: "IMAGE_NOT_ARM64",
    answeredBy: (e) => ({
      checked: "the image's platforms in its ECR manifest",
      collected: (e.image?.value.platforms.length ?? 0) > 0,
    }),
    toConfirm: "aws ecr batch-get-image and read the manifest's platform",
  },
  {
    id: "EXECUTION_ROLE_CANNOT_PULL_IMAGE",
    answeredBy: (e) => ({
      checked: "the execution role's ECR permissions (SimulatePrincipalPolicy)",
      collected: e.iam?.permissions !== undefined,
    }),
    toConfirm: "aws iam simulate-principal-policy with ecr:BatchGetImage on the repository",
  },
  {
    id: "STARTUP_TIMEOUT",
    answeredBy: notYet("the runtime's logs and start-up time"),
    toConfirm: "run `agentcore-doctor check` and compare its start-up time with the limit",
  },
];

const WEIGHT = { error: 3, warning: 1, info: 0 } as const;

/** Ranks every cause of the symptom by the findings for it and the facts against it. */
export function rankHypotheses(evidence: DiagnoseEvidence, findings: readonly Finding[]): Hypothesis[] {
  const hypotheses = HEALTH_CHECK_CAUSES.map((cause, order) => {
    const matching = findings.filter((f) => f.id === cause.id);
    const support = matching.flatMap((f) => f.evidence);
    const impossible = cause.impossible?.(evidence);
    const answered = cause.answeredBy(evidence);
    const against: Evidence[] = impossible ? [{ fact: impossible, source: evidence.runtime.source }] : [];
    if (!impossible && answered.collected && matching.length === 0) {
      against.push({
        fact: `${answered.checked} found nothing of the kind`,
        source: { kind: "tool", detail: "diagnose" },
      });
    }
    const score = matching.reduce((sum, f) => sum + WEIGHT[f.severity], 0) - against.length * 2;
    const verdict: Verdict = impossible
      ? "ruled-out"
      : matching.some((f) => f.severity === "error")
        ? support.length >= 2
          ? "confirmed"
          : "likely"
        : matching.length > 0
          ? "possible"
          : answered.collected
            ? "ruled-out"
            : "unknown";
    return {
      hypothesis: {
        cause: cause.id,
        title: CATALOG[cause.id].title,
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
