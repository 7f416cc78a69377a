import type { VpcSnapshot, VpcState } from "../../net/vpc/snapshot.js";
import type { Scope } from "../store/store.js";
import type { Ec2 } from "./model/ec2.js";
import { describeInternetGateways, describeNatGateways } from "./model/gateways.js";
import { describeNetworkInterfaces } from "./model/network-interfaces.js";
import { describeRouteTables } from "./model/route-tables.js";
import { describeSecurityGroups } from "./model/security-groups.js";
import { describeSubnets } from "./model/subnets.js";
import { describeVpcEndpoints } from "./model/vpc-endpoints.js";
import { describeVpcAttribute } from "./model/vpcs.js";

/**
 * Reads the VPC from the in-process EC2 model through the same describe
 * calls its API answers with, so the packet-level network and the analytic
 * judge (src/net/reachability.ts) see one state. Undefined when the VPC is gone.
 * IPv6 is in the snapshot as EC2 describes it (IPv6 local and ::/0 routes,
 * Ipv6Ranges rules, IPv6-only subnets without a CidrBlock), but the session
 * network enforces IPv4 only: sessions get no IPv6 address, so it ignores
 * IPv6 routes and rules, and an IPv6-only subnet is no subnet to it.
 */
export function snapshotVpc(ec2: Ec2, scope: Scope, vpcId: string): VpcSnapshot | undefined {
  const vpc = ec2.getVpc(scope, vpcId);
  if (!vpc?.CidrBlock) return undefined;
  const call = ec2.call(scope);
  const inVpc = <T extends { VpcId?: string }>(items: T[] | undefined) =>
    (items ?? []).filter((i) => i.VpcId === vpcId);
  const allInterfaces = inVpc(describeNetworkInterfaces(call, {}).NetworkInterfaces);
  return {
    region: scope.region,
    vpcId,
    cidr: vpc.CidrBlock,
    subnets: inVpc(describeSubnets(call, {}).Subnets),
    routeTables: inVpc(describeRouteTables(call, {}).RouteTables),
    securityGroups: inVpc(describeSecurityGroups(call, {}).SecurityGroups),
    endpoints: inVpc(describeVpcEndpoints(call, {}).VpcEndpoints),
    natGateways: inVpc(describeNatGateways(call, {}).NatGateways),
    internetGateways: describeInternetGateways(call, {}).InternetGateways ?? [],
    interfaces: allInterfaces,
    allInterfaces,
    dns: {
      support: describeVpcAttribute(call, { VpcId: vpcId, Attribute: "enableDnsSupport" }).EnableDnsSupport
        ?.Value,
      hostnames: describeVpcAttribute(call, { VpcId: vpcId, Attribute: "enableDnsHostnames" })
        .EnableDnsHostnames?.Value,
    },
  };
}

/** The emulator's live EC2 as the session network reads it: every read goes to the model. */
export function ec2VpcState(ec2: Ec2): VpcState {
  return {
    subnet: (scope, subnetId) => {
      const subnet = ec2.getSubnet(scope, subnetId);
      return subnet?.CidrBlock && subnet.VpcId ? { vpcId: subnet.VpcId, cidr: subnet.CidrBlock } : undefined;
    },
    snapshot: (scope, vpcId) => snapshotVpc(ec2, scope, vpcId),
  };
}
