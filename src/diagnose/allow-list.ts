/**
 * Every AWS operation `diagnose` may call, in one place: read-only by
 * construction. Clients are built with a guard that refuses anything else
 * before it is signed or sent, and the README's IAM policy is generated
 * from this list. InvokeAgentRuntime is the one call that is not read-only:
 * it is allowed only when the user passes --invoke.
 */
export interface AllowedOperation {
  /** The SDK client's service id, as `context.clientName` names it without "Client". */
  client: string;
  /** The AWS operation name (the SDK's command name without "Command"). */
  operation: string;
  /** The IAM action that permits it. */
  action: string;
  readOnly: boolean;
}

const read = (client: string, iamPrefix: string, operations: string[]): AllowedOperation[] =>
  operations.map((operation) => ({ client, operation, action: `${iamPrefix}:${operation}`, readOnly: true }));

export const ALLOWED_OPERATIONS: readonly AllowedOperation[] = [
  ...read("BedrockAgentCoreControl", "bedrock-agentcore", [
    "GetAgentRuntime",
    "ListAgentRuntimes",
    "ListAgentRuntimeVersions",
    "GetAgentRuntimeEndpoint",
    "ListAgentRuntimeEndpoints",
  ]),
  ...read("EC2", "ec2", [
    "DescribeNetworkInterfaces",
    "DescribeSubnets",
    "DescribeSecurityGroups",
    "DescribeRouteTables",
    "DescribeNatGateways",
    "DescribeInternetGateways",
    "DescribeVpcEndpoints",
    "DescribeVpcAttribute",
    "DescribeVpcs",
    "DescribeAvailabilityZones",
  ]),
  ...read("CloudTrail", "cloudtrail", ["LookupEvents"]),
  ...read("IAM", "iam", [
    "GetRole",
    "ListRolePolicies",
    "GetRolePolicy",
    "ListAttachedRolePolicies",
    "GetPolicy",
    "GetPolicyVersion",
    "SimulatePrincipalPolicy",
  ]),
  ...read("CloudWatchLogs", "logs", [
    "DescribeLogGroups",
    "DescribeLogStreams",
    "GetLogEvents",
    "FilterLogEvents",
  ]),
  ...read("ECR", "ecr", ["DescribeImages", "BatchGetImage", "DescribeRepositories"]),
  ...read("STS", "sts", ["GetCallerIdentity"]),
  {
    client: "BedrockAgentCore",
    operation: "InvokeAgentRuntime",
    action: "bedrock-agentcore:InvokeAgentRuntime",
    readOnly: false,
  },
];

export function isAllowed(client: string, operation: string, allowInvoke: boolean): boolean {
  return ALLOWED_OPERATIONS.some(
    (o) => o.client === client && o.operation === operation && (o.readOnly || allowInvoke),
  );
}

/** The least-privilege IAM policy for `diagnose`, generated from the allow-list. */
export function diagnosePolicy(includeInvoke: boolean): { Version: string; Statement: unknown[] } {
  const actions = [
    ...new Set(ALLOWED_OPERATIONS.filter((o) => o.readOnly || includeInvoke).map((o) => o.action)),
  ].sort();
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "AgentCoreDoctorDiagnose", Effect: "Allow", Action: actions, Resource: "*" }],
  };
}
