/**
 * Every AWS operation `diagnose` may call, in one place: read-only by
 * construction. Clients are built with a guard that refuses anything else
 * before it is signed or sent, and the README's IAM policies are generated
 * from this list. InvokeAgentRuntime is the one call that is not read-only:
 * it is allowed only when the user passes --invoke.
 *
 * The credential chain (src/diagnose/credentials.ts) may call AWS before
 * any of these, as another principal: a `role_arn` profile's AssumeRole is
 * signed by its source profile, not by the role `diagnose` then runs as.
 * Those calls are listed here too, with who needs what for them.
 */
export interface AllowedOperation {
  /** The SDK client's service id, as `context.clientName` names it without "Client". */
  client: string;
  /** The AWS operation name (the SDK's command name without "Command"). */
  operation: string;
  /** The IAM action that permits it (none where no identity policy is asked: see `authorizedBy`). */
  action?: string;
  readOnly: boolean;
  /** Set on the credential chain's calls: made to get credentials, before diagnose runs as them. */
  credentialChain?: {
    /** Whose permission the call needs, and what decides it. */
    authorizedBy: string;
    /** Whether it passes the guard (the STS client the chain makes carries it), and if not why. */
    guarded: true | string;
  };
}

const read = (client: string, iamPrefix: string, operations: string[]): AllowedOperation[] =>
  operations.map((operation) => ({ client, operation, action: `${iamPrefix}:${operation}`, readOnly: true }));

/**
 * What the SDK's credential chain may call for a profile or the environment.
 * The SSO family's clients are made inside the SDK's providers, which take
 * no plugin or middleware for them (only a client configuration), so the
 * guard cannot see them; they only issue credentials (no account resource
 * is read or changed), and a refusal of any of them is reported as the
 * credential failure it is. credential_process runs a program of the
 * user's and IMDS / container credentials are local HTTP endpoints: none is
 * an AWS API call of ours.
 */
export const CREDENTIAL_CHAIN_OPERATIONS: readonly AllowedOperation[] = [
  {
    client: "STS",
    operation: "AssumeRole",
    action: "sts:AssumeRole",
    readOnly: true,
    credentialChain: {
      authorizedBy:
        "the source profile's principal (source_profile or credential_source), whose identity policy must allow sts:AssumeRole on the role_arn (docs/diagnose-iam-policy-source-profile.json), and the role's trust policy, which must trust that principal",
      guarded: true,
    },
  },
  {
    client: "STS",
    operation: "AssumeRoleWithWebIdentity",
    action: "sts:AssumeRoleWithWebIdentity",
    readOnly: true,
    credentialChain: {
      authorizedBy:
        "the role's trust policy alone (the call is not signed): it must trust the token's issuer as Federated principal, with conditions its sub and aud claims meet",
      guarded: true,
    },
  },
  {
    client: "SSO",
    operation: "GetRoleCredentials",
    readOnly: true,
    credentialChain: {
      authorizedBy:
        "the IAM Identity Center access token of `aws sso login` and the permission set assigned to you; no IAM policy",
      guarded: "made by the SDK's own SSO client inside its SSO provider, which takes no plugin",
    },
  },
  {
    client: "SSOOIDC",
    operation: "CreateToken",
    readOnly: true,
    credentialChain: {
      authorizedBy:
        "the refresh token of an sso-session (a refresh of an expired access token); no IAM policy",
      guarded: "made by the SDK's own SSO OIDC client inside its token provider, which takes no plugin",
    },
  },
  {
    client: "Signin",
    operation: "CreateOAuth2Token",
    readOnly: true,
    credentialChain: {
      authorizedBy: "the refresh token of an `aws login` session; no IAM policy",
      guarded: "made by the SDK's own Sign-In client inside its login provider, which takes no plugin",
    },
  },
];

export const ALLOWED_OPERATIONS: readonly AllowedOperation[] = [
  ...read("BedrockAgentCoreControl", "bedrock-agentcore", [
    "GetAgentRuntime",
    "ListAgentRuntimes",
    "ListAgentRuntimeVersions",
    "GetAgentRuntimeEndpoint",
    "ListAgentRuntimeEndpoints",
    "GetResourcePolicy",
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
  // GetDownloadUrlForLayer: the deployed image's blobs, fetched read-only for the replay (src/image/ecr-pull.ts).
  ...read("ECR", "ecr", [
    "DescribeImages",
    "BatchGetImage",
    "DescribeRepositories",
    "GetDownloadUrlForLayer",
  ]),
  ...read("STS", "sts", ["GetCallerIdentity"]),
  // A code runtime's zip, read to judge what AgentCore runs (codeConfiguration.code.s3).
  ...read("S3", "s3", ["GetObject"]),
  {
    client: "BedrockAgentCore",
    operation: "InvokeAgentRuntime",
    action: "bedrock-agentcore:InvokeAgentRuntime",
    readOnly: false,
  },
];

export function isAllowed(client: string, operation: string, allowInvoke: boolean): boolean {
  return [...ALLOWED_OPERATIONS, ...CREDENTIAL_CHAIN_OPERATIONS].some(
    (o) => o.client === client && o.operation === operation && (o.readOnly || allowInvoke),
  );
}

/**
 * The least-privilege IAM policy for the principal `diagnose` runs as (with a
 * `role_arn` profile: the role), generated from the allow-list.
 */
export function diagnosePolicy(includeInvoke: boolean): { Version: string; Statement: unknown[] } {
  const actions = [
    ...new Set(
      ALLOWED_OPERATIONS.filter((o) => o.readOnly || includeInvoke).flatMap((o) =>
        o.action ? [o.action] : [],
      ),
    ),
  ].sort();
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "AgentCoreDoctorDiagnose", Effect: "Allow", Action: actions, Resource: "*" }],
  };
}

/**
 * The policy a `role_arn` profile's source principal needs: sts:AssumeRole
 * on the role diagnose runs as (fill in its ARN), from the credential chain's
 * entries that need an identity policy. The role's trust policy must also
 * trust the source principal; the role itself needs `diagnosePolicy`.
 */
export function sourceProfilePolicy(): { Version: string; Statement: unknown[] } {
  const actions = CREDENTIAL_CHAIN_OPERATIONS.filter((o) => o.operation === "AssumeRole").map(
    (o) => o.action!,
  );
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AgentCoreDoctorAssumeDiagnoseRole",
        Effect: "Allow",
        Action: actions,
        Resource: "arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME_OF_THE_PROFILE_ROLE_ARN",
      },
    ],
  };
}
