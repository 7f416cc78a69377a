import type { NetworkInterface } from "@aws-sdk/client-ec2";
import type { Ec2 } from "../../emulator/ec2/model/ec2.js";
import { describeInternetGateways, describeNatGateways } from "../../emulator/ec2/model/gateways.js";
import { describeNetworkInterfaces } from "../../emulator/ec2/model/network-interfaces.js";
import { describeRouteTables } from "../../emulator/ec2/model/route-tables.js";
import { describeSecurityGroups } from "../../emulator/ec2/model/security-groups.js";
import { describeSubnets } from "../../emulator/ec2/model/subnets.js";
import { describeVpcEndpoints } from "../../emulator/ec2/model/vpc-endpoints.js";
import { describeVpcAttribute } from "../../emulator/ec2/model/vpcs.js";
import type { Scope } from "../../emulator/store/store.js";
import type { VpcNetwork } from "../reachability.js";

/** A VPC as EC2 describes it now, plus every interface in it (security-group members). */
export interface VpcSnapshot extends VpcNetwork {
  cidr: string;
  /** Every interface of the VPC: runtimes' ENIs, endpoints', NAT gateways'. */
  allInterfaces: readonly NetworkInterface[];
}

/**
 * Reads the VPC from the in-process EC2 model through the same describe
 * calls its API answers with, so the packet-level network and the analytic
 * judge (src/net/reachability.ts) see one state. Undefined when the VPC is gone.
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
