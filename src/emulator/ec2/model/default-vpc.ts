import { zonesOf } from "./availability-zones.js";
import type { Ec2Call } from "./common.js";
import { KIND } from "./common.js";
import { attachInternetGateway, createInternetGateway } from "./gateways.js";
import type { StoredRouteTable, StoredSubnet, StoredVpc } from "./records.js";
import { createRoute } from "./route-tables.js";
import { createSubnet } from "./subnets.js";
import { createVpc } from "./vpc-lifecycle.js";

/**
 * That an account and region got their default VPC (its id), kept apart from
 * the VPC itself: a user who deletes the default VPC does not get it back on
 * the next call, as in AWS. A reset clears it with the rest of EC2.
 */
const MADE = "ec2.default-vpc-made";
const DEFAULT_CIDR = "172.31.0.0/16";

/** The default VPC's /20 for the n-th zone: 172.31.0.0/20, 172.31.16.0/20, ... */
function defaultSubnetCidr(n: number): string {
  return `172.31.${n * 16}.0/20`;
}

/**
 * Every AWS account has a default VPC in each region, made with the account:
 * 172.31.0.0/16 with DNS hostnames on, an attached internet gateway, the main
 * route table sending 0.0.0.0/0 to it, the default security group, and one
 * default /20 subnet per Availability Zone that gives instances public
 * addresses (DefaultForAz, MapPublicIpOnLaunch). The emulator makes it on the
 * first EC2 call in the account and region, inside that call's transaction
 * (a refused call leaves nothing behind; the next call makes it).
 */
export function ensureDefaultVpc(call: Ec2Call): void {
  if (call.store.get(MADE, call.scope, "default")) return;
  const { Vpc } = createVpc(call, { CidrBlock: DEFAULT_CIDR });
  const vpcId = Vpc.VpcId!;
  const vpc = call.store.get<StoredVpc>(KIND.vpc, call.scope, vpcId)!;
  call.store.put<StoredVpc>(KIND.vpc, call.scope, vpcId, {
    ...vpc,
    IsDefault: true,
    EnableDnsHostnames: true,
  });
  const { InternetGateway } = createInternetGateway(call, {});
  const igwId = InternetGateway.InternetGatewayId!;
  attachInternetGateway(call, { InternetGatewayId: igwId, VpcId: vpcId });
  const main = call.store
    .list<StoredRouteTable>(KIND.routeTable, call.scope)
    .find((t) => t.VpcId === vpcId && t.Associations.some((a) => a.Main))!;
  createRoute(call, { RouteTableId: main.RouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igwId });
  Object.keys(zonesOf(call.scope.region)).forEach((zone, n) => {
    const { Subnet } = createSubnet(call, {
      VpcId: vpcId,
      CidrBlock: defaultSubnetCidr(n),
      AvailabilityZone: zone,
    });
    const subnet = call.store.get<StoredSubnet>(KIND.subnet, call.scope, Subnet.SubnetId!)!;
    call.store.put<StoredSubnet>(KIND.subnet, call.scope, subnet.SubnetId, {
      ...subnet,
      DefaultForAz: true,
      MapPublicIpOnLaunch: true,
    });
  });
  call.store.put(MADE, call.scope, "default", { VpcId: vpcId });
}
