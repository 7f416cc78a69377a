import type { Environment } from "../context.js";
import type { Scope } from "../store/store.js";
import type { Trail, UserIdentity } from "./model.js";

/** IAM is global: CloudTrail delivers its events in us-east-1 whatever region the caller used. */
export const IAM_EVENT_REGION = "us-east-1";

export interface ServiceCall {
  identity: UserIdentity;
  eventSource: string;
  eventName: string;
  /** The service that made the call on the account's behalf: its sourceIPAddress and userAgent. */
  invokedBy: string;
  requestParameters: unknown;
  responseElements?: unknown;
  /** CloudTrail's code for a failed call, e.g. `Client.DryRunOperation` for EC2. */
  error?: { code: string; message: string };
  resources?: { type: string; ARN: string }[];
  time: Date;
}

/**
 * Records a call a service made on the account's behalf (AgentCore making
 * an ENI with its service-linked role, creating that role): the records
 * `diagnose` reads to tell what the service did, so they look as AWS's do.
 */
export function recordServiceCall(trail: Trail, env: Environment, scope: Scope, call: ServiceCall): void {
  trail.append(scope, {
    userIdentity: call.identity,
    eventTime: call.time.toISOString(),
    eventSource: call.eventSource,
    eventName: call.eventName,
    awsRegion: scope.region,
    sourceIPAddress: call.invokedBy,
    userAgent: call.invokedBy,
    ...(call.error ? { errorCode: call.error.code, errorMessage: call.error.message } : {}),
    requestParameters: call.requestParameters,
    responseElements: call.error ? null : (call.responseElements ?? null),
    requestID: env.uuid(),
    readOnly: false,
    resources: (call.resources ?? []).map((r) => ({ accountId: scope.account, ...r })),
    eventType: "AwsApiCall",
  });
}

/**
 * A role's session as CloudTrail's `userIdentity` names it (type
 * AssumedRole): for a call a service made with the role (`invokedBy`), or
 * for any call signed with credentials STS issued for the role.
 */
export function assumedRoleIdentity(
  account: string,
  role: { RoleName: string; RoleId: string; Arn: string },
  sessionName: string,
  invokedBy: string | undefined,
  accessKeyId: string,
  session: Omit<Extract<UserIdentity, { type: "AssumedRole" }>["sessionContext"], "sessionIssuer"> = {},
): UserIdentity {
  return {
    type: "AssumedRole",
    principalId: `${role.RoleId}:${sessionName}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role.RoleName}/${sessionName}`,
    accountId: account,
    accessKeyId,
    sessionContext: {
      sessionIssuer: {
        type: "Role",
        principalId: role.RoleId,
        arn: role.Arn,
        accountId: account,
        userName: role.RoleName,
      },
      ...session,
    },
    ...(invokedBy ? { invokedBy } : {}),
  };
}
