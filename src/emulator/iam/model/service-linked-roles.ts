import type {
  CreateServiceLinkedRoleCommandInput,
  DeleteServiceLinkedRoleCommandInput,
  GetServiceLinkedRoleDeletionStatusCommandInput,
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
  noSuchEntity,
  putRole,
  type StoredRole,
  scopeOf,
} from "./common.js";
import { roleOutput } from "./roles.js";

/**
 * What a service defines for its service-linked role: the name (AWS's, from
 * each service's service-linked role page), whether CreateServiceLinkedRole
 * takes a CustomSuffix for it ("Some services do not support the
 * CustomSuffix parameter", API reference), and the managed policy AWS
 * attaches when the emulator has that policy's document; the others' roles
 * are made with no policy attached rather than one GetPolicy cannot find.
 */
interface LinkedRoleDefinition {
  roleName: string;
  customSuffix?: true;
  policy?: AwsManagedPolicy;
}

/** The services whose service-linked roles the emulator can make, by service principal. */
const LINKED_ROLES: Record<string, LinkedRoleDefinition> = {
  "network.bedrock-agentcore.amazonaws.com": {
    roleName: "AWSServiceRoleForBedrockAgentCoreNetwork",
    policy: AGENTCORE_NETWORK_POLICY,
  },
  "runtime-identity.bedrock-agentcore.amazonaws.com": {
    roleName: "AWSServiceRoleForBedrockAgentCoreRuntimeIdentity",
  },
  "application-signals.cloudwatch.amazonaws.com": {
    roleName: "AWSServiceRoleForCloudWatchApplicationSignals",
  },
  // EC2 Auto Scaling documents roles with a suffix, AWSServiceRoleForAutoScaling_<suffix>, for use per group.
  "autoscaling.amazonaws.com": { roleName: "AWSServiceRoleForAutoScaling", customSuffix: true },
  "ecs.application-autoscaling.amazonaws.com": {
    roleName: "AWSServiceRoleForApplicationAutoScaling_ECSService",
  },
  "dynamodb.application-autoscaling.amazonaws.com": {
    roleName: "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
  },
  "custom-resource.application-autoscaling.amazonaws.com": {
    roleName: "AWSServiceRoleForApplicationAutoScaling_CustomResource",
  },
  "ecs.amazonaws.com": { roleName: "AWSServiceRoleForECS" },
  "eks.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEKS" },
  "eks-nodegroup.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEKSNodegroup" },
  "eks-fargate.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEKSForFargate" },
  "elasticbeanstalk.amazonaws.com": { roleName: "AWSServiceRoleForElasticBeanstalk" },
  "elasticloadbalancing.amazonaws.com": { roleName: "AWSServiceRoleForElasticLoadBalancing" },
  "rds.amazonaws.com": { roleName: "AWSServiceRoleForRDS" },
  "elasticache.amazonaws.com": { roleName: "AWSServiceRoleForElastiCache" },
  "es.amazonaws.com": { roleName: "AWSServiceRoleForAmazonElasticsearchService" },
  "opensearchservice.amazonaws.com": { roleName: "AWSServiceRoleForAmazonOpenSearchService" },
  "spot.amazonaws.com": { roleName: "AWSServiceRoleForEC2Spot" },
  "spotfleet.amazonaws.com": { roleName: "AWSServiceRoleForEC2SpotFleet" },
  "transitgateway.amazonaws.com": { roleName: "AWSServiceRoleForVPCTransitGateway" },
  "ops.apigateway.amazonaws.com": { roleName: "AWSServiceRoleForAPIGateway" },
  "replication.ecr.amazonaws.com": { roleName: "AWSServiceRoleForECRReplication" },
  "delivery.logs.amazonaws.com": { roleName: "AWSServiceRoleForLogDelivery" },
  "ssm.amazonaws.com": { roleName: "AWSServiceRoleForAmazonSSM" },
  "cloudtrail.amazonaws.com": { roleName: "AWSServiceRoleForCloudTrail" },
  "config.amazonaws.com": { roleName: "AWSServiceRoleForConfig" },
  "organizations.amazonaws.com": { roleName: "AWSServiceRoleForOrganizations" },
  "guardduty.amazonaws.com": { roleName: "AWSServiceRoleForAmazonGuardDuty" },
  "securityhub.amazonaws.com": { roleName: "AWSServiceRoleForSecurityHub" },
};

function definitionOf(service: string): LinkedRoleDefinition {
  const definition = Object.hasOwn(LINKED_ROLES, service) ? LINKED_ROLES[service] : undefined;
  if (!definition) {
    throw invalidInput(`The emulator knows no service-linked role for service ${service}.`);
  }
  return definition;
}

/** The role's name: the service's, with `_<suffix>` when one is given (refused, as AWS words it, where the service takes none). */
function linkedRoleName(service: string, suffix: string | undefined): string {
  const definition = definitionOf(service);
  if (suffix === undefined) return definition.roleName;
  if (!definition.customSuffix) throw invalidInput(`Custom suffix is not allowed for ${service}`);
  return `${definition.roleName}_${suffix}`;
}

/** Service-linked roles live under `/aws-service-role/<service>/`, trusted by that service alone. */
function newLinkedRole(call: IamCall, service: string, roleName: string, description?: string): StoredRole {
  const definition = definitionOf(service);
  const path = `/aws-service-role/${service}/`;
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: [service] }, Action: ["sts:AssumeRole"] }],
  };
  const role: StoredRole = {
    RoleName: roleName,
    RoleId: newUniqueId(call.env, "AROA"),
    Arn: iamArn(call, "role", path, roleName),
    Path: path,
    CreateDate: call.now.toISOString(),
    AssumeRolePolicyDocument: JSON.stringify(trust),
    ...(description !== undefined ? { Description: description } : {}),
    MaxSessionDuration: 3600,
    Tags: [],
    inlinePolicies: {},
    attachedPolicyArns: definition.policy ? [awsManagedArn(definition.policy, call.partition)] : [],
    linkedService: service,
  };
  putRole(call, role);
  return role;
}

export function createServiceLinkedRole(call: IamCall, input: CreateServiceLinkedRoleCommandInput) {
  const service = input.AWSServiceName!;
  const roleName = linkedRoleName(service, input.CustomSuffix);
  if (getRoleRecord(call, roleName)) {
    throw invalidInput(
      `Service role name ${roleName} has been taken in this account, please try a different suffix.`,
    );
  }
  return { Role: roleOutput(newLinkedRole(call, service, roleName, input.Description), "create") };
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
  return { role: newLinkedRole(call, service, definitionOf(service).roleName), created: true };
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
  const taskId = `task${role.Path}${role.RoleName}/${call.env.uuid()}`;
  call.store.put(KIND.deletionTask, scopeOf(call), taskId, { taskId });
  return { DeletionTaskId: taskId };
}

/**
 * A deletion task's status: the emulator deletes at once, so a task it
 * issued has SUCCEEDED. A task id it never issued is NoSuchEntity; one
 * that is not `task/aws-service-role/<service>/<role>/<id>` is InvalidInput.
 */
export function getServiceLinkedRoleDeletionStatus(
  call: IamCall,
  input: GetServiceLinkedRoleDeletionStatusCommandInput,
) {
  const taskId = input.DeletionTaskId!;
  if (!/^task\/aws-service-role\/[\w+=,.@-]+\/[\w+=,.@-]+\/[\w-]+$/.test(taskId)) {
    throw invalidInput(`Invalid deletion task id ${taskId}.`);
  }
  if (!call.store.get(KIND.deletionTask, scopeOf(call), taskId)) {
    throw noSuchEntity(`Deletion task ${taskId} cannot be found.`);
  }
  return { Status: "SUCCEEDED" };
}
