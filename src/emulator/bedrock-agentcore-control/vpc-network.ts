import type { NetworkInterface } from "@aws-sdk/client-ec2";
import { supportedAzIds } from "../../facts/agentcore-vpc-azs.js";
import { assumedRoleIdentity } from "../cloudtrail/service-events.js";
import type { Environment, RequestContext } from "../context.js";
import type { Dispatch } from "../dispatch.js";
import type { Ec2 } from "../ec2/model/ec2.js";
import { AGENTCORE_MANAGED_TAG, AGENTCORE_NETWORK_SERVICE } from "../ec2/model/network-interfaces.js";
import { AwsError } from "../protocol/errors.js";
import type { Scope } from "../store/store.js";

export const NETWORK_SERVICE = AGENTCORE_NETWORK_SERVICE;
const CONTROL_PLANE_SERVICE = "bedrock-agentcore.amazonaws.com";

export interface ServiceLinkedRole {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
}

/** What AgentCore reads of IAM: whether its network service-linked role exists yet. */
export interface ServiceLinkedRoles {
  serviceLinkedRole(account: string, serviceName: string): ServiceLinkedRole | undefined;
}

export interface VpcNetworkDeps {
  /** Reads of EC2's state (subnets, groups, interfaces to share); AgentCore's writes go through `dispatch`. */
  ec2: Ec2;
  roles: ServiceLinkedRoles;
  env: Environment;
  /** The one way into IAM and EC2: AgentCore's calls validated and recorded in CloudTrail as any caller's. */
  dispatch: Dispatch;
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

/** CreateNetworkInterface as AgentCore sends it: no description, its tag, the runtime's groups. */
function createInterfaceInput(subnetId: string, groupIds: string[], dryRun: boolean) {
  return {
    SubnetId: subnetId,
    Description: "",
    Groups: groupIds,
    TagSpecifications: [
      { ResourceType: "network-interface", Tags: [{ Key: AGENTCORE_MANAGED_TAG, Value: "true" }] },
    ],
    ...(dryRun ? { DryRun: true } : {}),
  };
}

/**
 * What AgentCore does when a runtime is created or updated in VPC mode:
 * checks the subnets (existing, in supported AZ ids, one VPC) and groups,
 * creates its service-linked role if missing, then per subnet reuses an
 * interface with the same groups or makes one with that role — a DryRun
 * CreateNetworkInterface, then the real one. Each call goes through the
 * dispatch as the service makes it (CloudTrail records it as AWS does).
 * Runs inside the create call's transaction.
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

  const origin = (service: string) => ({ sourceIPAddress: service, userAgent: service });
  let role = deps.roles.serviceLinkedRole(ctx.account, NETWORK_SERVICE);
  if (!role) {
    const { Role } = deps.dispatch.call(
      "iam",
      "CreateServiceLinkedRole",
      { AWSServiceName: NETWORK_SERVICE },
      { ...ctx, caller: { ...ctx.caller, invokedBy: CONTROL_PLANE_SERVICE } },
      origin(CONTROL_PLANE_SERVICE),
    ) as { Role: ServiceLinkedRole };
    role = Role;
  }

  const identity = assumedRoleIdentity(
    ctx.account,
    role,
    // AgentCore's sessions are named after the runtime they work for.
    runtimeArn.split("/").pop()!.slice(0, 64),
    NETWORK_SERVICE,
    `ASIA${deps.env.randomAlphanumeric(16).toUpperCase()}`,
  );
  const asService = {
    ...ctx,
    accessKeyId: identity.type === "AssumedRole" ? identity.accessKeyId : "",
    caller: identity,
  };

  const interfaces: string[] = [];
  for (const subnetId of config.subnets) {
    const shared = deps.ec2.findManagedInterface(scope, [subnetId], config.securityGroups);
    if (shared) {
      interfaces.push(shared.NetworkInterfaceId!);
      continue;
    }
    for (const dryRun of [true, false]) {
      try {
        const { NetworkInterface: eni } = deps.dispatch.call(
          "ec2",
          "CreateNetworkInterface",
          createInterfaceInput(subnetId, config.securityGroups, dryRun),
          asService,
          origin(NETWORK_SERVICE),
        ) as { NetworkInterface: NetworkInterface };
        interfaces.push(eni.NetworkInterfaceId!);
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
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
