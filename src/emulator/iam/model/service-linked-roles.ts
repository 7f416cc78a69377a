import type {
  CreateServiceLinkedRoleCommandInput,
  DeleteServiceLinkedRoleCommandInput,
} from "@aws-sdk/client-iam";
import { AGENTCORE_NETWORK_POLICY, type AwsManagedPolicy, awsManagedArn } from "../managed-policies.js";
import {
  getRoleRecord,
  type IamCall,
  iamArn,
  invalidInput,
  KIND,
  mustRole,
  newUniqueId,
  putRole,
  type StoredRole,
  scopeOf,
} from "./common.js";
import { roleOutput } from "./roles.js";

/** What a service defines for its service-linked role: the name, and the managed policy AWS attaches. */
interface LinkedRoleDefinition {
  roleName: string;
  policy: AwsManagedPolicy;
}

/** The services whose service-linked roles the emulator can make, by service principal. */
const LINKED_ROLES: Record<string, LinkedRoleDefinition> = {
  "network.bedrock-agentcore.amazonaws.com": {
    roleName: "AWSServiceRoleForBedrockAgentCoreNetwork",
    policy: AGENTCORE_NETWORK_POLICY,
  },
};

function definitionOf(service: string): LinkedRoleDefinition {
  const definition = Object.hasOwn(LINKED_ROLES, service) ? LINKED_ROLES[service] : undefined;
  if (!definition) {
    throw invalidInput(`The emulator knows no service-linked role for service ${service}.`);
  }
  return definition;
}

/** Service-linked roles live under `/aws-service-role/<service>/`, trusted by that service alone. */
function newLinkedRole(call: IamCall, service: string, description?: string): StoredRole {
  const definition = definitionOf(service);
  const path = `/aws-service-role/${service}/`;
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: [service] }, Action: ["sts:AssumeRole"] }],
  };
  const role: StoredRole = {
    RoleName: definition.roleName,
    RoleId: newUniqueId(call.env, "AROA"),
    Arn: iamArn(call, "role", path, definition.roleName),
    Path: path,
    CreateDate: call.now.toISOString(),
    AssumeRolePolicyDocument: JSON.stringify(trust),
    ...(description !== undefined ? { Description: description } : {}),
    MaxSessionDuration: 3600,
    Tags: [],
    inlinePolicies: {},
    attachedPolicyArns: [awsManagedArn(definition.policy, call.partition)],
    linkedService: service,
  };
  putRole(call, role);
  return role;
}

export function createServiceLinkedRole(call: IamCall, input: CreateServiceLinkedRoleCommandInput) {
  const service = input.AWSServiceName!;
  const { roleName } = definitionOf(service);
  if (getRoleRecord(call, roleName)) {
    throw invalidInput(
      `Service role name ${roleName} has been taken in this account, please try a different suffix.`,
    );
  }
  return { Role: roleOutput(newLinkedRole(call, service, input.Description), "create") };
}

/** A service's linked role in the account, if it has one. */
export function findServiceLinkedRole(call: IamCall, service: string): StoredRole | undefined {
  return getRoleRecord(call, definitionOf(service).roleName);
}

/** The role, made if the account has none yet: what a service does on first use. */
export function ensureServiceLinkedRole(
  call: IamCall,
  service: string,
): { role: StoredRole; created: boolean } {
  const existing = getRoleRecord(call, definitionOf(service).roleName);
  if (existing) return { role: existing, created: false };
  return { role: newLinkedRole(call, service), created: true };
}

/**
 * Deletes at once what AWS deletes as a task; the answer names the task as
 * AWS does. A role that is not service-linked cannot be deleted this way.
 */
export function deleteServiceLinkedRole(call: IamCall, input: DeleteServiceLinkedRoleCommandInput) {
  const role = mustRole(call, input.RoleName!);
  if (!role.linkedService) {
    throw invalidInput(`Role ${role.RoleName} is not a service-linked role and cannot be deleted this way.`);
  }
  call.store.delete(KIND.role, scopeOf(call), role.RoleName.toLowerCase());
  return {
    DeletionTaskId: `task${role.Path}${role.RoleName}/${call.env.uuid()}`,
  };
}
