import { supportedAzIds } from "../facts/agentcore-vpc-azs.js";
import { CATALOG, type Evidence, type Finding, type FindingId } from "../findings/index.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { vpcNetworkOf } from "./collect/network.js";
import { pathTo, sourceServices } from "./network-paths.js";

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

/** What the user sees: the runtime never became ready, or its sessions never pass the health check. */
export type Symptom = "create-failed" | "health-check";

/**
 * How a cause relates to the health-check symptom: `code` causes (host,
 * port, /ping, a crash) explain it directly; `network` causes explain it
 * only when the agent calls the blocked service while starting, so a
 * start-up call judged blocked (STARTUP_BLOCKED_ON_NETWORK) weighs for
 * them and a source that makes no such call weighs against.
 */
type Kind = "code" | "network" | "placement";

interface Cause {
  id: FindingId;
  kind?: Kind;
  /** Findings that are not this cause but add to it when it holds (a consequence it explains). */
  supportedBy?: readonly FindingId[];
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
const paths = (what: string, needsSource: boolean) => (e: DiagnoseEvidence) => ({
  checked: `${what}${needsSource ? ", for the services the source calls" : ""}`,
  collected:
    e.network !== undefined &&
    vpcNetworkOf(e.network.value) !== undefined &&
    (!needsSource || e.awsServices !== undefined),
});
const subnetsRead = (e: DiagnoseEvidence) => ({
  checked: "the runtime's subnets (zone ids, free addresses)",
  collected: e.network?.value.subnets !== undefined,
});
const region = (e: DiagnoseEvidence) => e.runtime.value.runtimeArn.split(":")[3];
const NETWORK_SUPPORT: readonly FindingId[] = ["STARTUP_BLOCKED_ON_NETWORK", "NO_RUNTIME_LOGS"];

/** The causes of "invocations fail the health check", most common first (the tie-breaker). */
const HEALTH_CHECK_CAUSES: readonly Cause[] = [
  {
    id: "PYTHON_SDK_LOOPBACK_DEFAULT",
    kind: "code",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check` on the agent's directory, or pass --source DIR",
  },
  {
    id: "BIND_LOOPBACK",
    kind: "code",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check` on the agent's directory: it reads the listening sockets",
  },
  {
    id: "STARTUP_CRASH",
    kind: "code",
    answeredBy: (e) => ({
      checked: "the runtime's logs",
      collected: (e.logs?.value.lines.length ?? 0) > 0,
    }),
    toConfirm: "read the runtime's log group for a traceback, or run `agentcore-doctor check`",
  },
  {
    id: "VPC_ENDPOINT_MISSING",
    kind: "network",
    supportedBy: NETWORK_SUPPORT,
    impossible: publicMode,
    answeredBy: paths("VPC endpoints", true),
    toConfirm:
      "pass --source DIR so diagnose knows which services the agent calls, or list them: aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=<vpc>",
  },
  {
    id: "VPC_NO_EGRESS_PATH",
    kind: "network",
    supportedBy: NETWORK_SUPPORT,
    impossible: publicMode,
    answeredBy: paths("route tables, NAT gateways and VPC endpoints", false),
    toConfirm: "aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=<subnet>",
  },
  {
    id: "SG_EGRESS_BLOCKED",
    kind: "network",
    supportedBy: NETWORK_SUPPORT,
    impossible: publicMode,
    answeredBy: paths("security-group egress rules", false),
    toConfirm: "aws ec2 describe-security-groups --group-ids <runtime groups>",
  },
  {
    id: "VPC_ENDPOINT_PRIVATE_DNS_DISABLED",
    kind: "network",
    supportedBy: NETWORK_SUPPORT,
    impossible: publicMode,
    answeredBy: paths("the private DNS of VPC endpoints", true),
    toConfirm: "aws ec2 describe-vpc-endpoints --query 'VpcEndpoints[].[ServiceName,PrivateDnsEnabled]'",
  },
  {
    id: "VPC_ENDPOINT_SG_BLOCKS_RUNTIME",
    kind: "network",
    supportedBy: NETWORK_SUPPORT,
    impossible: publicMode,
    answeredBy: paths("the VPC endpoints' security groups", true),
    toConfirm: "aws ec2 describe-security-groups --group-ids <endpoint groups>",
  },
  {
    id: "VPC_DNS_DISABLED",
    kind: "network",
    supportedBy: NETWORK_SUPPORT,
    impossible: publicMode,
    answeredBy: (e) => ({
      checked: "the VPC's DNS attributes",
      collected: e.network?.value.dnsSupport !== undefined && e.network.value.dnsHostnames !== undefined,
    }),
    toConfirm: "aws ec2 describe-vpc-attribute --attribute enableDnsSupport --vpc-id <vpc>",
  },
  {
    id: "STARTUP_BLOCKED_ON_NETWORK",
    kind: "code",
    impossible: publicMode,
    answeredBy: (e) => ({
      checked: "the services the source calls at start-up, and the paths to them",
      collected: e.awsServices !== undefined && paths("", false)(e).collected,
    }),
    toConfirm:
      "pass --source DIR: diagnose then checks every AWS service the agent calls at start-up against the subnets' routes, endpoints and security groups",
  },
  {
    id: "PING_NOT_FOUND",
    kind: "code",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check`: it calls GET /ping as AgentCore does",
  },
  {
    id: "PING_BAD_RESPONSE",
    kind: "code",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check`: it reads /ping's status and body",
  },
  {
    id: "BIND_WRONG_PORT",
    kind: "code",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check`: it reads which port the agent listens on",
  },
  {
    id: "NOT_LISTENING",
    kind: "code",
    answeredBy: source,
    toConfirm: "run `agentcore-doctor check`: it reads which sockets the agent's processes listen on",
  },
  {
    id: "IMAGE_NOT_ARM64",
    kind: "code",
    answeredBy: (e) => ({
      checked: "the image's platforms in its ECR manifest",
      collected: (e.image?.value.platforms.length ?? 0) > 0,
    }),
    toConfirm: "aws ecr batch-get-image and read the manifest's platform",
  },
  {
    id: "EXECUTION_ROLE_CANNOT_PULL_IMAGE",
    kind: "code",
    answeredBy: (e) => ({
      checked: "the execution role's ECR permissions (SimulatePrincipalPolicy)",
      collected: e.iam?.permissions !== undefined,
    }),
    toConfirm: "aws iam simulate-principal-policy with ecr:BatchGetImage on the repository",
  },
  {
    id: "ENI_NOT_ATTACHED",
    kind: "placement",
    impossible: publicMode,
    answeredBy: (e) => ({
      checked: "the runtime's network interface (by tag)",
      collected: e.network?.value.managedInterfaces !== undefined,
    }),
    toConfirm:
      "aws ec2 describe-network-interfaces --filters Name=tag:AmazonBedrockAgentCoreManaged,Values=true",
  },
  {
    id: "STARTUP_TIMEOUT",
    kind: "code",
    answeredBy: notYet("the runtime's logs and start-up time"),
    toConfirm: "run `agentcore-doctor check` and compare its start-up time with the limit",
  },
];

/** The causes of "the runtime (or its endpoint) failed to create or update", placement first. */
const CREATE_FAILED_CAUSES: readonly Cause[] = [
  {
    id: "SUBNET_AZ_UNSUPPORTED",
    supportedBy: ["ENI_CREATE_FAILED"],
    impossible: publicMode,
    answeredBy: (e) => ({
      ...subnetsRead(e),
      collected: subnetsRead(e).collected && supportedAzIds(region(e) ?? "") !== undefined,
    }),
    toConfirm:
      "aws ec2 describe-subnets --subnet-ids <subnets> --query 'Subnets[].[SubnetId,AvailabilityZoneId]' and compare with the devguide's supported zone ids",
  },
  {
    id: "SUBNET_NO_FREE_IPS",
    supportedBy: ["ENI_CREATE_FAILED"],
    impossible: publicMode,
    answeredBy: subnetsRead,
    toConfirm: "aws ec2 describe-subnets --subnet-ids <subnets> --query 'Subnets[].AvailableIpAddressCount'",
  },
  {
    id: "SERVICE_LINKED_ROLE_MISSING",
    supportedBy: ["ENI_CREATE_FAILED"],
    impossible: publicMode,
    answeredBy: (e) => ({
      checked: "the service-linked role AWSServiceRoleForBedrockAgentCoreNetwork",
      collected: e.iam?.serviceLinkedRole !== undefined,
    }),
    toConfirm: "aws iam get-role --role-name AWSServiceRoleForBedrockAgentCoreNetwork",
  },
  {
    id: "ENI_CREATE_FAILED",
    impossible: publicMode,
    answeredBy: (e) => ({
      checked: "CloudTrail's CreateNetworkInterface events and the runtime's failureReason",
      collected: e.timeline !== undefined,
    }),
    toConfirm:
      "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateNetworkInterface",
  },
  {
    id: "EXECUTION_ROLE_TRUST_INVALID",
    answeredBy: (e) => ({
      checked: "the execution role's trust policy",
      collected: e.iam?.executionRole !== undefined,
    }),
    toConfirm: "aws iam get-role --role-name <execution role> --query Role.AssumeRolePolicyDocument",
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
    id: "IMAGE_NOT_ARM64",
    answeredBy: (e) => ({
      checked: "the image's platforms in its ECR manifest",
      collected: (e.image?.value.platforms.length ?? 0) > 0,
    }),
    toConfirm: "aws ecr batch-get-image and read the manifest's platform",
  },
];

const FAILED = new Set(["CREATE_FAILED", "UPDATE_FAILED"]);
const HEALTH_CHECK_REASON = /health check|initiali[sz]ation time exceeded/i;

/** Which symptom the evidence shows: a failed runtime whose reason is not the health check, or the health check. */
export function symptomOf(e: DiagnoseEvidence): Symptom {
  const r = e.runtime.value;
  const failed = [
    ...(FAILED.has(r.status) ? [r.failureReason ?? ""] : []),
    ...(FAILED.has(r.endpoint.status) ? [r.endpoint.failureReason ?? ""] : []),
  ];
  return failed.length > 0 && !failed.some((reason) => HEALTH_CHECK_REASON.test(reason))
    ? "create-failed"
    : "health-check";
}

const WEIGHT = { error: 3, warning: 1, info: 0 } as const;

/**
 * Ranks every cause of the symptom by the findings for it and the facts
 * against it. The symptom itself (HEALTH_CHECK_FAILING, RUNTIME_NOT_READY)
 * is never a cause. For the health check, a cause in the code (host, port,
 * /ping, a crash) counts double its finding, as does a network cause that
 * a blocked start-up call ties to the symptom; a network cause the source
 * shows no start-up call through is only possible.
 */
export function rankHypotheses(evidence: DiagnoseEvidence, findings: readonly Finding[]): Hypothesis[] {
  const symptom = symptomOf(evidence);
  const causes = symptom === "create-failed" ? CREATE_FAILED_CAUSES : HEALTH_CHECK_CAUSES;
  // A start-up call on a blocked path ties the network to the health check, shown or not by --invoke.
  const startupBlocked =
    findings.some((f) => f.id === "STARTUP_BLOCKED_ON_NETWORK") ||
    sourceServices(evidence).some(
      (use) => use.phase === "startup" && pathTo(evidence, use.service)?.verdict.status === "blocked",
    );
  const hypotheses = causes.map((cause, order) => {
    const matching = findings.filter((f) => f.id === cause.id);
    const supporting = matching.length > 0 ? findings.filter((f) => cause.supportedBy?.includes(f.id)) : [];
    const support = [...matching, ...supporting].flatMap((f) => f.evidence);
    const impossible = cause.impossible?.(evidence);
    const answered = cause.answeredBy(evidence);
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
