import type { NetworkInterface, RouteTable, SecurityGroup, Subnet, Vpc } from "@aws-sdk/client-ec2";
import type { Environment } from "../../context.js";
import type { Scope, Store } from "../../store/store.js";
import { withDryRun } from "../dry-run.js";
import { type Ec2Call, KIND } from "./common.js";
import { createManagedInterface, findManagedInterface } from "./network-interfaces.js";
import type { StoredGroup, StoredSubnet, StoredVpc } from "./records.js";
import { routeTableForSubnet, routeTableView } from "./route-tables.js";
import { groupView } from "./security-groups.js";
import { subnetView } from "./subnets.js";
import { vpcView } from "./vpcs.js";

/**
 * The EC2 backend as other models call it, in process (AgentCore's VPC
 * mode, the session network): no HTTP, the same state and rules as the
 * API. Each method is meant to run inside the caller's store transaction.
 */
export class Ec2 {
  constructor(
    readonly store: Store,
    readonly env: Environment,
    /** Whether accounts have their default VPC (AWS: always, until deleted); off: as if deleted. */
    readonly defaultVpc = true,
  ) {}

  call(scope: Scope, now: Date = this.env.clock()): Ec2Call {
    return { store: this.store, env: this.env, scope, now };
  }

  /**
   * The interface AgentCore makes in a subnet for a VPC-mode runtime (see
   * createManagedInterface). Throws EC2's errors (InvalidSubnetID.NotFound,
   * InvalidGroup.NotFound, InsufficientFreeAddressesInSubnet, ...); with
   * `dryRun`, checks everything and throws DryRunOperation without writing.
   */
  createManagedNetworkInterface(
    scope: Scope,
    spec: { subnetId: string; groupIds: readonly string[]; requesterArn: string; dryRun?: boolean },
  ): NetworkInterface {
    return withDryRun(this.store, spec.dryRun, () => createManagedInterface(this.call(scope), spec));
  }

  /** An AgentCore interface in one of the subnets with exactly these groups, to share. */
  findManagedInterface(
    scope: Scope,
    subnetIds: readonly string[],
    groupIds: readonly string[],
  ): NetworkInterface | undefined {
    return findManagedInterface(this.call(scope), subnetIds, groupIds);
  }

  getVpc(scope: Scope, vpcId: string): Vpc | undefined {
    const vpc = this.store.get<StoredVpc>(KIND.vpc, scope, vpcId);
    return vpc && vpcView(vpc);
  }

  /** A subnet as DescribeSubnets shows it (AvailabilityZoneId, AvailableIpAddressCount, ...). */
  getSubnet(scope: Scope, subnetId: string): Subnet | undefined {
    const subnet = this.store.get<StoredSubnet>(KIND.subnet, scope, subnetId);
    return subnet && subnetView(this.call(scope), subnet);
  }

  getSecurityGroup(scope: Scope, groupId: string): SecurityGroup | undefined {
    const group = this.store.get<StoredGroup>(KIND.securityGroup, scope, groupId);
    return group && groupView(this.call(scope), group);
  }

  /** The route table that routes a subnet: its own association, else its VPC's main table. */
  getRouteTableOfSubnet(scope: Scope, subnetId: string): RouteTable | undefined {
    const call = this.call(scope);
    const subnet = this.store.get<StoredSubnet>(KIND.subnet, scope, subnetId);
    return subnet && routeTableView(call, routeTableForSubnet(call, subnet));
  }
}
