import type { NetworkInterface } from "@aws-sdk/client-ec2";
import { supportedAzIds } from "../../facts/agentcore-vpc-azs.js";
import type { Trail } from "../cloudtrail/model.js";
import { assumedRoleIdentity, IAM_EVENT_REGION, recordServiceCall } from "../cloudtrail/service-events.js";
import type { Environment, RequestContext } from "../context.js";
import type { Ec2 } from "../ec2/model/ec2.js";
import { AGENTCORE_MANAGED_TAG } from "../ec2/model/network-interfaces.js";
import { AwsError } from "../protocol/errors.js";
import type { Scope } from "../store/store.js";

export const NETWORK_SERVICE = "network.bedrock-agentcore.amazonaws.com";
const CONTROL_PLANE_SERVICE = "bedrock-agentcore.amazonaws.com";

export interface ServiceLinkedRole {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
}

/** What AgentCore needs of IAM: its network service-linked role, made on first VPC use. */
export interface ServiceLinkedRoles {
  ensureServiceLinkedRole(
    account: string,
    serviceName: string,
    now: Date,
  ): { role: ServiceLinkedRole; created: boolean };
}

export interface VpcNetworkDeps {
  ec2: Ec2;
  roles: ServiceLinkedRoles;
  trail: Trail;
  env: Environment;
}

export interface VpcPlacement {
  /** Set when AgentCore could not place the runtime: the runtime turns CREATE_FAILED/UPDATE_FAILED with it. */
  failureReason?: string;
  networkInterfaceIds: string[];
}

/** The subnets' problems AgentCore reports before it makes any interface, worded as it words them. */
function subnetProblems(deps: VpcNetworkDeps, scope: Scope, subnets: string[], groups: string[]) {
  const missingSubnets = subnets.filter((id) => !deps.ec2.getSubnet(scope, id));
  if (missingSubnets.length > 0) {
    return `The following subnets do not exist in region ${scope.region}: ${missingSubnets.join(", ")}.`;
  }
  const supported = supportedAzIds(scope.region);
  if (supported) {
    const unsupported = subnets
      .map((id) => deps.ec2.getSubnet(scope, id)!)
      .filter((s) => !supported.includes(s.AvailabilityZoneId ?? ""));
    if (unsupported.length > 0) {
      const listed = unsupported
        .map((s) => `${s.SubnetId} in ${s.AvailabilityZone} (ID: ${s.AvailabilityZoneId})`)
        .join(", ");
      return `The following subnets are in unsupported availability zones in region ${scope.region}: ${listed}. Supported availability zones are: ${supported.join(", ")}`;
    }
  }
  const vpcs = new Set(subnets.map((id) => deps.ec2.getSubnet(scope, id)!.VpcId));
  if (vpcs.size > 1) return `The subnets ${subnets.join(", ")} must all be in the same VPC.`;
  const [vpcId] = vpcs;
  for (const groupId of groups) {
    const group = deps.ec2.getSecurityGroup(scope, groupId);
    if (!group) return `The security group '${groupId}' does not exist in region ${scope.region}.`;
    if (group.VpcId !== vpcId) {
      return `The security group ${groupId} belongs to ${group.VpcId}, not to ${vpcId} of the subnets.`;
    }
  }
  return undefined;
}

/** CreateNetworkInterface as CloudTrail shows EC2's requestParameters: lowerCamel, `…Set.items`. */
function createInterfaceParameters(subnetId: string, groupIds: string[], dryRun: boolean) {
  return {
    subnetId,
    description: "",
    groupSet: { items: groupIds.map((groupId) => ({ groupId })) },
    tagSpecificationSet: {
      items: [{ resourceType: "network-interface", tags: [{ key: AGENTCORE_MANAGED_TAG, value: "true" }] }],
    },
    ...(dryRun ? { dryRun: true } : {}),
  };
}

function interfaceElements(eni: NetworkInterface) {
  return {
    networkInterface: {
      networkInterfaceId: eni.NetworkInterfaceId,
      subnetId: eni.SubnetId,
      vpcId: eni.VpcId,
      availabilityZone: eni.AvailabilityZone,
      description: eni.Description ?? "",
      ownerId: eni.OwnerId,
      requesterManaged: eni.RequesterManaged ?? false,
      status: "pending",
      macAddress: eni.MacAddress,
      privateIpAddress: eni.PrivateIpAddress,
      interfaceType: eni.InterfaceType,
      groupSet: { items: (eni.Groups ?? []).map((g) => ({ groupId: g.GroupId, groupName: g.GroupName })) },
      tagSet: { items: (eni.TagSet ?? []).map((t) => ({ key: t.Key, value: t.Value })) },
    },
  };
}

/**
 * What AgentCore does when a runtime is created or updated in VPC mode:
 * checks the subnets (existing, in supported AZ ids, one VPC) and groups,
 * creates its service-linked role if missing, then per subnet reuses an
 * interface with the same groups or makes one with that role — a DryRun
 * CreateNetworkInterface, then the real one — and records each call in
 * CloudTrail as AWS does. Runs inside the create call's transaction.
 */
export function placeInVpc(
  deps: VpcNetworkDeps,
  ctx: RequestContext,
  runtimeArn: string,
  config: { subnets: string[]; securityGroups: string[] },
): VpcPlacement {
  const scope: Scope = { account: ctx.account, region: ctx.region };
  const problem = subnetProblems(deps, scope, config.subnets, config.securityGroups);
  if (problem) return { failureReason: problem, networkInterfaceIds: [] };

  const { role, created } = deps.roles.ensureServiceLinkedRole(ctx.account, NETWORK_SERVICE, ctx.now);
  if (created) {
    recordServiceCall(
      deps.trail,
      deps.env,
      { account: ctx.account, region: IAM_EVENT_REGION },
      {
        identity: { ...ctx.caller, invokedBy: CONTROL_PLANE_SERVICE },
        eventSource: "iam.amazonaws.com",
        eventName: "CreateServiceLinkedRole",
        invokedBy: CONTROL_PLANE_SERVICE,
        requestParameters: { aWSServiceName: NETWORK_SERVICE },
        responseElements: {
          role: { path: role.Path, roleName: role.RoleName, roleId: role.RoleId, arn: role.Arn },
        },
        resources: [{ type: "AWS::IAM::Role", ARN: role.Arn }],
        time: ctx.now,
      },
    );
  }

  const identity = assumedRoleIdentity(
    ctx.account,
    role,
    // AgentCore's sessions are named after the runtime they work for.
    runtimeArn.split("/").pop()!.slice(0, 64),
    NETWORK_SERVICE,
    `ASIA${deps.env.randomAlphanumeric(16).toUpperCase()}`,
  );
  const record = (subnetId: string, dryRun: boolean, outcome: { eni?: NetworkInterface; error?: AwsError }) =>
    recordServiceCall(deps.trail, deps.env, scope, {
      identity,
      eventSource: "ec2.amazonaws.com",
      eventName: "CreateNetworkInterface",
      invokedBy: NETWORK_SERVICE,
      requestParameters: createInterfaceParameters(subnetId, config.securityGroups, dryRun),
      ...(outcome.eni ? { responseElements: interfaceElements(outcome.eni) } : {}),
      ...(outcome.error
        ? { error: { code: `Client.${outcome.error.code}`, message: outcome.error.message } }
        : {}),
      time: ctx.now,
    });

  const interfaces: string[] = [];
  for (const subnetId of config.subnets) {
    const shared = deps.ec2.findManagedInterface(scope, [subnetId], config.securityGroups);
    if (shared) {
      interfaces.push(shared.NetworkInterfaceId!);
      continue;
    }
    for (const dryRun of [true, false]) {
      try {
        const eni = deps.ec2.createManagedNetworkInterface(scope, {
          subnetId,
          groupIds: config.securityGroups,
          requesterArn: identity.type === "AssumedRole" ? identity.arn : role.Arn,
          dryRun,
        });
        record(subnetId, dryRun, { eni });
        interfaces.push(eni.NetworkInterfaceId!);
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        record(subnetId, dryRun, { error });
        if (dryRun && error.code === "DryRunOperation") continue;
        return {
          failureReason: `Failed to create a network interface in subnet ${subnetId}: ${error.code}: ${error.message}`,
          networkInterfaceIds: interfaces,
        };
      }
    }
  }
  return { networkInterfaceIds: interfaces };
}
