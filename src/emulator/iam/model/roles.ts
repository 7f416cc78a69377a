import type {
  AttachRolePolicyCommandInput,
  CreateRoleCommandInput,
  DeleteRoleCommandInput,
  DeleteRolePolicyCommandInput,
  DetachRolePolicyCommandInput,
  GetRoleCommandInput,
  GetRolePolicyCommandInput,
  ListAttachedRolePoliciesCommandInput,
  ListRolePoliciesCommandInput,
  ListRolesCommandInput,
  PutRolePolicyCommandInput,
  TagRoleCommandInput,
  UpdateAssumeRolePolicyCommandInput,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../protocol/errors.js";
import { parsePolicyDocument, policySize } from "../policy-document.js";
import {
  byName,
  deleteConflict,
  encodeDocument,
  getRoleRecord,
  type IamCall,
  iamArn,
  KIND,
  limitExceeded,
  mergeTags,
  mustRole,
  newUniqueId,
  noSuchEntity,
  putRole,
  roleByArn,
  type StoredRole,
  scopeOf,
  unmodifiableRole,
} from "./common.js";
import { resolvePolicy } from "./policies.js";

/** IAM's default quotas: trust policy size, inline policies' total size per role, managed policies per role, tags. */
const TRUST_POLICY_SIZE = 2048;
const INLINE_POLICIES_SIZE = 10240;
const MANAGED_POLICIES_PER_ROLE = 10;
const TAGS_PER_ROLE = 50;

/** A trust policy checked as IAM checks it: a same-account role named as principal must exist. */
export function checkTrustPolicy(call: IamCall, document: string): void {
  parsePolicyDocument(document, "trust", {
    principalExists: (arn) =>
      arn.startsWith(iamArn(call, "role", "/", "")) ? roleByArn(call, arn) !== undefined : undefined,
  });
  if (policySize(document) > TRUST_POLICY_SIZE) {
    throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_SIZE}`);
  }
}

/**
 * A role as the API returns it; what each operation shows differs as on AWS:
 * CreateRole no usage, ListRoles neither usage, tags nor boundary, GetRole everything.
 */
export function roleOutput(role: StoredRole, view: "create" | "get" | "list") {
  return {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: role.CreateDate,
    AssumeRolePolicyDocument: encodeDocument(role.AssumeRolePolicyDocument),
    ...(role.Description !== undefined ? { Description: role.Description } : {}),
    ...(view === "create" ? {} : { MaxSessionDuration: role.MaxSessionDuration }),
    ...(view !== "list" && role.permissionsBoundaryArn
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: "PermissionsBoundaryPolicy",
            PermissionsBoundaryArn: role.permissionsBoundaryArn,
          },
        }
      : {}),
    ...(view !== "list" && role.Tags.length > 0 ? { Tags: role.Tags } : {}),
    ...(view === "get" ? { RoleLastUsed: role.RoleLastUsed ?? {} } : {}),
  };
}

/** A permissions boundary must be a managed policy that exists (this account's or AWS's), as IAM requires. */
function checkBoundary(call: IamCall, arn: string): void {
  try {
    resolvePolicy(call, arn);
  } catch (error) {
    if (error instanceof AwsError && error.code === "NoSuchEntityException") {
      throw noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
    }
    throw error;
  }
}

/** The role a change names, when it is the customer's to change. */
function changeableRole(call: IamCall, name: string): StoredRole {
  const role = mustRole(call, name);
  if (role.linkedService) throw unmodifiableRole(role.RoleName);
  return role;
}

export function createRole(call: IamCall, input: CreateRoleCommandInput) {
  const name = input.RoleName!;
  const path = input.Path ?? "/";
  if (getRoleRecord(call, name)) {
    throw new AwsError("EntityAlreadyExistsException", `Role with name ${name} already exists.`);
  }
  checkTrustPolicy(call, input.AssumeRolePolicyDocument!);
  if (input.PermissionsBoundary !== undefined) checkBoundary(call, input.PermissionsBoundary);
  const role: StoredRole = {
    RoleName: name,
    RoleId: newUniqueId(call.env, "AROA"),
    Arn: iamArn(call, "role", path, name),
    Path: path,
    CreateDate: call.now.toISOString(),
    AssumeRolePolicyDocument: input.AssumeRolePolicyDocument!,
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    MaxSessionDuration: input.MaxSessionDuration ?? 3600,
    Tags: mergeTags([], input.Tags ?? [], TAGS_PER_ROLE, "TagsPerRole"),
    inlinePolicies: {},
    attachedPolicyArns: [],
    ...(input.PermissionsBoundary !== undefined ? { permissionsBoundaryArn: input.PermissionsBoundary } : {}),
  };
  putRole(call, role);
  return { Role: roleOutput(role, "create") };
}

export function getRole(call: IamCall, input: GetRoleCommandInput) {
  return { Role: roleOutput(mustRole(call, input.RoleName!), "get") };
}

export function listRoles(call: IamCall, input: ListRolesCommandInput) {
  const prefix = input.PathPrefix ?? "/";
  const roles = call.store
    .list<StoredRole>(KIND.role, scopeOf(call))
    .filter((r) => r.Path.startsWith(prefix))
    .sort(byName((r) => r.RoleName.toLowerCase()));
  return { Roles: roles.map((r) => roleOutput(r, "list")) };
}

export function deleteRole(call: IamCall, input: DeleteRoleCommandInput) {
  const role = changeableRole(call, input.RoleName!);
  if (Object.keys(role.inlinePolicies).length > 0) {
    throw deleteConflict("Cannot delete entity, must delete policies first.");
  }
  if (role.attachedPolicyArns.length > 0) {
    throw deleteConflict("Cannot delete entity, must detach all policies first.");
  }
  call.store.delete(KIND.role, scopeOf(call), role.RoleName.toLowerCase());
  return {};
}

export function updateAssumeRolePolicy(call: IamCall, input: UpdateAssumeRolePolicyCommandInput) {
  const role = changeableRole(call, input.RoleName!);
  checkTrustPolicy(call, input.PolicyDocument!);
  putRole(call, { ...role, AssumeRolePolicyDocument: input.PolicyDocument! });
  return {};
}

export function tagRole(call: IamCall, input: TagRoleCommandInput) {
  const role = mustRole(call, input.RoleName!);
  putRole(call, { ...role, Tags: mergeTags(role.Tags, input.Tags ?? [], TAGS_PER_ROLE, "TagsPerRole") });
  return {};
}

export function putRolePolicy(call: IamCall, input: PutRolePolicyCommandInput) {
  const role = changeableRole(call, input.RoleName!);
  const document = input.PolicyDocument!;
  parsePolicyDocument(document, "identity");
  const inlinePolicies = { ...role.inlinePolicies, [input.PolicyName!]: document };
  const total = Object.values(inlinePolicies).reduce((sum, d) => sum + policySize(d), 0);
  if (total > INLINE_POLICIES_SIZE) {
    throw limitExceeded(
      `Maximum policy size of ${INLINE_POLICIES_SIZE} bytes exceeded for role ${role.RoleName}`,
    );
  }
  putRole(call, { ...role, inlinePolicies });
  return {};
}

function noSuchRolePolicy(name: string): AwsError {
  return noSuchEntity(`The role policy with name ${name} cannot be found.`);
}

export function getRolePolicy(call: IamCall, input: GetRolePolicyCommandInput) {
  const role = mustRole(call, input.RoleName!);
  const name = input.PolicyName!;
  if (!Object.hasOwn(role.inlinePolicies, name)) throw noSuchRolePolicy(name);
  return {
    RoleName: role.RoleName,
    PolicyName: name,
    PolicyDocument: encodeDocument(role.inlinePolicies[name]!),
  };
}

export function listRolePolicies(call: IamCall, input: ListRolePoliciesCommandInput) {
  const role = mustRole(call, input.RoleName!);
  const names = Object.keys(role.inlinePolicies).sort(byName((n) => n));
  return { PolicyNames: names };
}

export function deleteRolePolicy(call: IamCall, input: DeleteRolePolicyCommandInput) {
  const role = changeableRole(call, input.RoleName!);
  const name = input.PolicyName!;
  if (!Object.hasOwn(role.inlinePolicies, name)) throw noSuchRolePolicy(name);
  const { [name]: _deleted, ...rest } = role.inlinePolicies;
  putRole(call, { ...role, inlinePolicies: rest });
  return {};
}

export function attachRolePolicy(call: IamCall, input: AttachRolePolicyCommandInput) {
  const role = changeableRole(call, input.RoleName!);
  const policy = resolvePolicy(call, input.PolicyArn!);
  if (!policy.attachable) {
    throw new AwsError(
      "PolicyNotAttachableException",
      "Cannot attach a Service Role Policy to a Customer Role.",
    );
  }
  if (role.attachedPolicyArns.includes(policy.arn)) return {};
  if (role.attachedPolicyArns.length >= MANAGED_POLICIES_PER_ROLE) {
    throw limitExceeded(`Cannot exceed quota for PoliciesPerRole: ${MANAGED_POLICIES_PER_ROLE}`);
  }
  putRole(call, { ...role, attachedPolicyArns: [...role.attachedPolicyArns, policy.arn] });
  return {};
}

export function detachRolePolicy(call: IamCall, input: DetachRolePolicyCommandInput) {
  const role = changeableRole(call, input.RoleName!);
  const arn = input.PolicyArn!;
  resolvePolicy(call, arn);
  if (!role.attachedPolicyArns.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
  putRole(call, { ...role, attachedPolicyArns: role.attachedPolicyArns.filter((a) => a !== arn) });
  return {};
}

export function listAttachedRolePolicies(call: IamCall, input: ListAttachedRolePoliciesCommandInput) {
  const role = mustRole(call, input.RoleName!);
  const prefix = input.PathPrefix ?? "/";
  const attached = role.attachedPolicyArns
    .map((arn) => resolvePolicy(call, arn))
    .filter((p) => p.path.startsWith(prefix))
    .sort(byName((p) => p.name))
    .map((p) => ({ PolicyName: p.name, PolicyArn: p.arn }));
  return { AttachedPolicies: attached };
}
