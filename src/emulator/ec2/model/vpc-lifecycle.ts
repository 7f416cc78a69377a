import type {
  AssociateVpcCidrBlockCommandInput,
  CreateVpcCommandInput,
  DeleteSubnetCommandInput,
  DeleteVpcCommandInput,
  DisassociateVpcCidrBlockCommandInput,
} from "@aws-sdk/client-ec2";
import { containsBlock, parseBlock } from "./cidr.js";
import { containsBlock6, parseBlock6 } from "./cidr6.js";
import { type Ec2Call, KIND, list } from "./common.js";
import type { StoredSubnet } from "./records.js";
import {
  addLocalRoutes,
  createMainRouteTable,
  deleteMainRouteTable,
  dropLocalRoutes,
  dropSubnetAssociations,
} from "./route-tables.js";
import { allowDefaultGroupIpv6Egress, createDefaultGroup, deleteDefaultGroup } from "./security-groups.js";
import { mustDeletableSubnet } from "./subnets.js";
import {
  dropVpcCidrAssociation,
  ipv6AssociationView,
  mustDeletableVpc,
  putNewVpc,
  putVpcCidrAssociation,
  vpcView,
} from "./vpcs.js";

/**
 * What AWS makes and removes alongside a VPC and a subnet, in one place: a
 * VPC comes with its main route table and its default security group and
 * goes with them; a subnet's route-table associations go with the subnet;
 * a block the VPC gains or loses is routed locally in all its tables (and
 * an IPv6 one opens its default group's egress to ::/0).
 * The resource modules below know only their own records.
 */

/** CreateVpc: the VPC, then its main route table and default security group. */
export function createVpc(call: Ec2Call, input: CreateVpcCommandInput) {
  const vpc = putNewVpc(call, input);
  createMainRouteTable(call, vpc);
  createDefaultGroup(call, vpc.VpcId);
  return { Vpc: vpcView(vpc) };
}

/** DeleteVpc: refused while anything the user made lives in it; the default group and main table go with it. */
export function deleteVpc(call: Ec2Call, input: DeleteVpcCommandInput) {
  const vpc = mustDeletableVpc(call, input);
  deleteDefaultGroup(call, vpc.VpcId);
  deleteMainRouteTable(call, vpc.VpcId);
  call.store.delete(KIND.vpc, call.scope, vpc.VpcId);
  return {};
}

/** DeleteSubnet: refused while something lives in it; its route-table associations go with it. */
export function deleteSubnet(call: Ec2Call, input: DeleteSubnetCommandInput) {
  const subnet = mustDeletableSubnet(call, input);
  dropSubnetAssociations(call, subnet.SubnetId);
  call.store.delete(KIND.subnet, call.scope, subnet.SubnetId);
  return {};
}

/** AssociateVpcCidrBlock: the block, its local route in every table, ::/0 egress in the default group for IPv6. */
export function associateVpcCidrBlock(call: Ec2Call, input: AssociateVpcCidrBlockCommandInput) {
  const { vpc, ipv4, ipv6 } = putVpcCidrAssociation(call, input);
  addLocalRoutes(call, vpc.VpcId, ipv4?.CidrBlock ?? ipv6!.Ipv6CidrBlock);
  if (ipv6) allowDefaultGroupIpv6Egress(call, vpc.VpcId);
  return {
    VpcId: vpc.VpcId,
    ...(ipv4 ? { CidrBlockAssociation: { ...ipv4, CidrBlockState: { State: "associating" } } } : {}),
    ...(ipv6 ? { Ipv6CidrBlockAssociation: ipv6AssociationView(ipv6, "associating") } : {}),
  };
}

/** DisassociateVpcCidrBlock: refused while a subnet lives in the block; its local routes go. */
export function disassociateVpcCidrBlock(call: Ec2Call, input: DisassociateVpcCidrBlockCommandInput) {
  const inUse = (vpcId: string, block: string) =>
    list<StoredSubnet>(call, KIND.subnet).some((s) => {
      if (s.VpcId !== vpcId) return false;
      if (!block.includes(":"))
        return s.CidrBlock !== undefined && containsBlock(parseBlock(block)!, parseBlock(s.CidrBlock)!);
      return (s.Ipv6Cidrs ?? []).some((a) =>
        containsBlock6(parseBlock6(block)!, parseBlock6(a.Ipv6CidrBlock)!),
      );
    });
  const { vpc, ipv4, ipv6 } = dropVpcCidrAssociation(call, input.AssociationId!, (v, block) =>
    inUse(v.VpcId, block),
  );
  dropLocalRoutes(call, vpc.VpcId, ipv4?.CidrBlock ?? ipv6!.Ipv6CidrBlock);
  return {
    VpcId: vpc.VpcId,
    ...(ipv4 ? { CidrBlockAssociation: { ...ipv4, CidrBlockState: { State: "disassociating" } } } : {}),
    ...(ipv6 ? { Ipv6CidrBlockAssociation: ipv6AssociationView(ipv6, "disassociating") } : {}),
  };
}
