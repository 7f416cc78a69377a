import type { FindingId } from "./catalog.js";

/**
 * Cause metadata, next to the catalog and keyed by the same ids: what part a
 * finding plays in a diagnosis, which symptom it explains, what is read to
 * judge it and what would settle it. `diagnose` ranks its hypotheses from
 * this one table; a finding without an entry is never a hypothesis.
 */

/** What the user sees: the runtime never became ready, or its sessions never pass the health check. */
export type Symptom = "create-failed" | "health-check";

/**
 * `symptom`: describes the failure or follows from it (the health check
 * failing, a start-up that timed out or hung on the network, an interface
 * EC2 refused, no logs); it never outranks an established cause, and when
 * it is observed it is reported as an observed symptom, not as a root
 * cause. `cause`: explains the failure when it holds.
 */
export type CauseRole = "cause" | "symptom";

/**
 * How a cause reaches the health check: `code` causes (host, port, /ping, a
 * crash) explain it directly; `network` causes only through a call made
 * while starting; `placement` causes through the runtime's interface.
 */
export type CauseKind = "code" | "network" | "placement";

/** The evidence a cause is judged from; diagnose knows, for each, whether it was collected. */
export type JudgedFrom =
  | "source"
  | "logs"
  | "network-paths"
  | "network-paths-of-services"
  | "dns-attributes"
  | "startup-paths"
  | "image-manifest"
  | "iam-permissions"
  | "runtime-interface"
  | "subnets"
  | "subnet-zones"
  | "service-linked-role"
  | "cloudtrail"
  | "trust-policy"
  | "startup-time"
  | "code-zip";

export interface CauseEntry {
  role: CauseRole;
  kind?: CauseKind;
  /** The symptoms it may explain, each with its place among that symptom's causes (most common first: the tie-breaker). */
  explains: Partial<Record<Symptom, number>>;
  /** Findings that are not this cause but add to it when it holds (a consequence it explains). */
  supportedBy?: readonly FindingId[];
  /** Causes that explain this one when they hold: it is then their consequence, not the root cause. */
  explainedBy?: readonly FindingId[];
  /** Only a VPC-mode runtime can have it: PUBLIC mode rules it out. */
  vpcOnly?: boolean;
  /** Only a runtime of this artifact can have it: for the other kind it is not a hypothesis at all. */
  artifact?: "code" | "container";
  judgedFrom: JudgedFrom;
  /** What was looked at to judge it, in the report's words. */
  checked: string;
  /** What would confirm or rule it out when the evidence collected cannot. */
  toConfirm: string;
}

const NETWORK_SUPPORT: readonly FindingId[] = ["STARTUP_BLOCKED_ON_NETWORK", "NO_RUNTIME_LOGS"];
const SOURCE = "static checks of the agent's source (--source)";
const CODE_ZIP = "the runtime's code zip, read from S3 (GetObject) and judged by check's static zip checks";
const FETCH_ZIP = "aws s3 cp s3://<bucket>/<prefix> code.zip";

export const CAUSES: Partial<Record<FindingId, CauseEntry>> = {
  PYTHON_SDK_LOOPBACK_DEFAULT: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 0 },
    supportedBy: ["BIND_LOOPBACK"],
    judgedFrom: "source",
    checked: SOURCE,
    toConfirm: "run `agentcore-doctor check` on the agent's directory, or pass --source DIR",
  },
  BIND_LOOPBACK: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 1 },
    explainedBy: ["PYTHON_SDK_LOOPBACK_DEFAULT"],
    judgedFrom: "source",
    checked: SOURCE,
    toConfirm: "run `agentcore-doctor check` on the agent's directory: it reads the listening sockets",
  },
  STARTUP_CRASH: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 2 },
    // A code zip that lacks a module, carries another platform's native code or unreadable files crashes for that reason;
    // so does an image whose program the arm64 host refuses to execute.
    explainedBy: ["CODE_ZIP_DEPS_MISSING", "CODE_ZIP_NATIVE_ARCH", "CODE_ZIP_PERMISSIONS", "IMAGE_NOT_ARM64"],
    judgedFrom: "logs",
    checked: "the runtime's logs",
    toConfirm: "read the runtime's log group for a traceback, or run `agentcore-doctor check`",
  },
  VPC_ENDPOINT_MISSING: {
    role: "cause",
    kind: "network",
    explains: { "health-check": 3 },
    supportedBy: NETWORK_SUPPORT,
    vpcOnly: true,
    judgedFrom: "network-paths-of-services",
    checked: "VPC endpoints, for the services the source calls",
    toConfirm:
      "pass --source DIR so diagnose knows which services the agent calls, or list them: aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=<vpc>",
  },
  VPC_NO_EGRESS_PATH: {
    role: "cause",
    kind: "network",
    explains: { "health-check": 4 },
    supportedBy: NETWORK_SUPPORT,
    vpcOnly: true,
    judgedFrom: "network-paths",
    checked: "route tables, NAT gateways and VPC endpoints",
    toConfirm: "aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=<subnet>",
  },
  SG_EGRESS_BLOCKED: {
    role: "cause",
    kind: "network",
    explains: { "health-check": 5 },
    supportedBy: NETWORK_SUPPORT,
    vpcOnly: true,
    judgedFrom: "network-paths",
    checked: "security-group egress rules",
    toConfirm: "aws ec2 describe-security-groups --group-ids <runtime groups>",
  },
  VPC_ENDPOINT_PRIVATE_DNS_DISABLED: {
    role: "cause",
    kind: "network",
    explains: { "health-check": 6 },
    supportedBy: NETWORK_SUPPORT,
    vpcOnly: true,
    judgedFrom: "network-paths-of-services",
    checked: "the private DNS of VPC endpoints, for the services the source calls",
    toConfirm: "aws ec2 describe-vpc-endpoints --query 'VpcEndpoints[].[ServiceName,PrivateDnsEnabled]'",
  },
  VPC_ENDPOINT_SG_BLOCKS_RUNTIME: {
    role: "cause",
    kind: "network",
    explains: { "health-check": 7 },
    supportedBy: NETWORK_SUPPORT,
    vpcOnly: true,
    judgedFrom: "network-paths-of-services",
    checked: "the VPC endpoints' security groups, for the services the source calls",
    toConfirm: "aws ec2 describe-security-groups --group-ids <endpoint groups>",
  },
  VPC_DNS_DISABLED: {
    role: "cause",
    kind: "network",
    explains: { "health-check": 8 },
    supportedBy: NETWORK_SUPPORT,
    vpcOnly: true,
    judgedFrom: "dns-attributes",
    checked: "the VPC's DNS attributes",
    toConfirm: "aws ec2 describe-vpc-attribute --attribute enableDnsSupport --vpc-id <vpc>",
  },
  STARTUP_BLOCKED_ON_NETWORK: {
    role: "symptom",
    kind: "code",
    explains: { "health-check": 9 },
    vpcOnly: true,
    judgedFrom: "startup-paths",
    checked: "the services the source calls at start-up, and the paths to them",
    toConfirm:
      "pass --source DIR: diagnose then checks every AWS service the agent calls at start-up against the subnets' routes, endpoints and security groups",
  },
  PING_NOT_FOUND: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 10 },
    judgedFrom: "source",
    checked: SOURCE,
    toConfirm: "run `agentcore-doctor check`: it calls GET /ping as AgentCore does",
  },
  PING_BAD_RESPONSE: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 11 },
    judgedFrom: "source",
    checked: SOURCE,
    toConfirm: "run `agentcore-doctor check`: it reads /ping's status and body",
  },
  BIND_WRONG_PORT: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 12 },
    judgedFrom: "source",
    checked: SOURCE,
    toConfirm: "run `agentcore-doctor check`: it reads which port the agent listens on",
  },
  NOT_LISTENING: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 13 },
    judgedFrom: "source",
    checked: SOURCE,
    toConfirm: "run `agentcore-doctor check`: it reads which sockets the agent's processes listen on",
  },
  IMAGE_NOT_ARM64: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 14, "create-failed": 6 },
    artifact: "container",
    judgedFrom: "image-manifest",
    checked: "the image's platforms in its ECR manifest",
    toConfirm: "aws ecr batch-get-image and read the manifest's platform",
  },
  EXECUTION_ROLE_CANNOT_PULL_IMAGE: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 15, "create-failed": 5 },
    artifact: "container",
    judgedFrom: "iam-permissions",
    checked: "the execution role's ECR permissions (SimulatePrincipalPolicy)",
    toConfirm: "aws iam simulate-principal-policy with ecr:BatchGetImage on the repository",
  },
  ENI_NOT_ATTACHED: {
    role: "cause",
    kind: "placement",
    explains: { "health-check": 16 },
    vpcOnly: true,
    judgedFrom: "runtime-interface",
    checked: "the runtime's network interface (by tag)",
    toConfirm:
      "aws ec2 describe-network-interfaces --filters Name=tag:AmazonBedrockAgentCoreManaged,Values=true",
  },
  STARTUP_TIMEOUT: {
    role: "symptom",
    kind: "code",
    explains: { "health-check": 17 },
    judgedFrom: "startup-time",
    checked: "the runtime's logs and start-up time",
    toConfirm: "run `agentcore-doctor check` and compare its start-up time with the limit",
  },
  CODE_ZIP_DEPS_MISSING: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 18 },
    artifact: "code",
    supportedBy: ["STARTUP_CRASH"],
    judgedFrom: "code-zip",
    checked: CODE_ZIP,
    toConfirm: `${FETCH_ZIP}, then agentcore-doctor check code.zip --runtime <runtime> --entry-point <entry point>`,
  },
  CODE_ZIP_NATIVE_ARCH: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 19 },
    artifact: "code",
    supportedBy: ["STARTUP_CRASH"],
    judgedFrom: "code-zip",
    checked: CODE_ZIP,
    toConfirm: `${FETCH_ZIP} and read its .so files with \`file\` (AgentCore runs aarch64)`,
  },
  CODE_ZIP_PERMISSIONS: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 20 },
    artifact: "code",
    supportedBy: ["STARTUP_CRASH"],
    judgedFrom: "code-zip",
    checked: CODE_ZIP,
    toConfirm: `${FETCH_ZIP} and list its modes with \`zipinfo code.zip\``,
  },
  CODE_ZIP_ENTRY_POINT_MISSING: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 21 },
    artifact: "code",
    judgedFrom: "code-zip",
    checked: CODE_ZIP,
    toConfirm: `${FETCH_ZIP} and list it with \`unzip -l code.zip\``,
  },
  EXECUTION_ROLE_CANNOT_READ_CODE_ZIP: {
    role: "cause",
    kind: "code",
    explains: { "health-check": 23, "create-failed": 8 },
    artifact: "code",
    judgedFrom: "iam-permissions",
    checked: "the execution role's s3:GetObject on the code zip (SimulatePrincipalPolicy)",
    toConfirm: "aws iam simulate-principal-policy with s3:GetObject on arn:aws:s3:::<bucket>/<prefix>",
  },
  CODE_ZIP_NO_S3_PATH: {
    role: "cause",
    // Nothing starts without the zip: it explains the health check directly, not through a call of the agent's.
    kind: "code",
    explains: { "health-check": 22, "create-failed": 7 },
    artifact: "code",
    supportedBy: ["NO_RUNTIME_LOGS"],
    vpcOnly: true,
    judgedFrom: "network-paths",
    checked:
      "the route to S3 from the runtime's subnets (gateway endpoint, NAT), for a code runtime created on or after 2026-05-05",
    toConfirm:
      "aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=<vpc> Name=service-name,Values=com.amazonaws.<region>.s3",
  },
  SUBNET_AZ_UNSUPPORTED: {
    role: "cause",
    explains: { "create-failed": 0 },
    supportedBy: ["ENI_CREATE_FAILED"],
    vpcOnly: true,
    judgedFrom: "subnet-zones",
    checked: "the runtime's subnets (zone ids, free addresses)",
    toConfirm:
      "aws ec2 describe-subnets --subnet-ids <subnets> --query 'Subnets[].[SubnetId,AvailabilityZoneId]' and compare with the devguide's supported zone ids",
  },
  SUBNET_NO_FREE_IPS: {
    role: "cause",
    explains: { "create-failed": 1 },
    supportedBy: ["ENI_CREATE_FAILED"],
    vpcOnly: true,
    judgedFrom: "subnets",
    checked: "the runtime's subnets (zone ids, free addresses)",
    toConfirm: "aws ec2 describe-subnets --subnet-ids <subnets> --query 'Subnets[].AvailableIpAddressCount'",
  },
  SERVICE_LINKED_ROLE_MISSING: {
    role: "cause",
    explains: { "create-failed": 2 },
    supportedBy: ["ENI_CREATE_FAILED"],
    vpcOnly: true,
    judgedFrom: "service-linked-role",
    checked: "the service-linked role AWSServiceRoleForBedrockAgentCoreNetwork",
    toConfirm: "aws iam get-role --role-name AWSServiceRoleForBedrockAgentCoreNetwork",
  },
  ENI_CREATE_FAILED: {
    role: "symptom",
    explains: { "create-failed": 3 },
    vpcOnly: true,
    judgedFrom: "cloudtrail",
    checked: "CloudTrail's CreateNetworkInterface events and the runtime's failureReason",
    toConfirm:
      "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateNetworkInterface",
  },
  EXECUTION_ROLE_TRUST_INVALID: {
    role: "cause",
    explains: { "create-failed": 4 },
    judgedFrom: "trust-policy",
    checked: "the execution role's trust policy",
    toConfirm: "aws iam get-role --role-name <execution role> --query Role.AssumeRolePolicyDocument",
  },
  HEALTH_CHECK_FAILING: {
    role: "symptom",
    explains: {},
    judgedFrom: "startup-time",
    checked: "one invocation on a new session (--invoke)",
    toConfirm: "agentcore-doctor diagnose <runtime> --invoke",
  },
  RUNTIME_NOT_READY: {
    role: "symptom",
    explains: {},
    judgedFrom: "cloudtrail",
    checked: "the runtime's and the endpoint's status",
    toConfirm: "aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id <runtime>",
  },
  NO_RUNTIME_LOGS: {
    role: "symptom",
    explains: {},
    judgedFrom: "logs",
    checked: "the runtime's log group and streams",
    toConfirm: "aws logs describe-log-streams --log-group-name <group> --order-by LastEventTime --descending",
  },
};

/** The causes of one symptom, in their order. */
export function causesOf(symptom: Symptom): [FindingId, CauseEntry][] {
  return (Object.entries(CAUSES) as [FindingId, CauseEntry][])
    .filter(([, entry]) => entry.explains[symptom] !== undefined)
    .sort(([, a], [, b]) => a.explains[symptom]! - b.explains[symptom]!);
}

/** A finding that describes the failure or follows from it, rather than causing it. */
export function isSymptom(id: FindingId): boolean {
  return CAUSES[id]?.role === "symptom";
}
