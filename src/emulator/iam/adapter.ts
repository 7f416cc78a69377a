import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { IamCall } from "./model/common.js";
import type { Iam } from "./model/iam.js";
import { createPolicy, deletePolicy, getPolicy, getPolicyVersion, listPolicies } from "./model/policies.js";
import {
  attachRolePolicy,
  createRole,
  deleteRole,
  deleteRolePolicy,
  detachRolePolicy,
  getRole,
  getRolePolicy,
  listAttachedRolePolicies,
  listRolePolicies,
  listRoles,
  putRolePolicy,
  tagRole,
  updateAssumeRolePolicy,
} from "./model/roles.js";
import {
  createServiceLinkedRole,
  deleteServiceLinkedRole,
  getServiceLinkedRoleDeletionStatus,
} from "./model/service-linked-roles.js";
import { simulatePrincipalPolicy } from "./model/simulate.js";

/** IAM's operations over its model; each model function takes the SDK's `…CommandInput`. */
export function iamAdapter(iam: Iam): Adapter {
  const op =
    <I>(run: (call: IamCall, input: I) => Record<string, unknown>) =>
    (input: I, ctx: RequestContext) =>
      run(iam.call(ctx.account, ctx.region, ctx.now), input);
  return {
    CreateRole: op(createRole),
    GetRole: op(getRole),
    DeleteRole: op(deleteRole),
    ListRoles: op(listRoles),
    UpdateAssumeRolePolicy: op(updateAssumeRolePolicy),
    TagRole: op(tagRole),
    PutRolePolicy: op(putRolePolicy),
    GetRolePolicy: op(getRolePolicy),
    DeleteRolePolicy: op(deleteRolePolicy),
    ListRolePolicies: op(listRolePolicies),
    CreatePolicy: op(createPolicy),
    GetPolicy: op(getPolicy),
    GetPolicyVersion: op(getPolicyVersion),
    DeletePolicy: op(deletePolicy),
    ListPolicies: op(listPolicies),
    AttachRolePolicy: op(attachRolePolicy),
    DetachRolePolicy: op(detachRolePolicy),
    ListAttachedRolePolicies: op(listAttachedRolePolicies),
    CreateServiceLinkedRole: op(createServiceLinkedRole),
    DeleteServiceLinkedRole: op(deleteServiceLinkedRole),
    GetServiceLinkedRoleDeletionStatus: op(getServiceLinkedRoleDeletionStatus),
    SimulatePrincipalPolicy: op(simulatePrincipalPolicy),
  };
}
