import { partitionOfArn } from "../../util/arn.js";
import type { UserIdentity } from "./model.js";

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
    arn: `arn:${partitionOfArn(role.Arn)}:sts::${account}:assumed-role/${role.RoleName}/${sessionName}`,
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
