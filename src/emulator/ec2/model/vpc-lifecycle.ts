import type {
  CreateVpcCommandInput,
  DeleteSubnetCommandInput,
  DeleteVpcCommandInput,
} from "@aws-sdk/client-ec2";
import { type Ec2Call, KIND } from "./common.js";
import { createMainRouteTable, deleteMainRouteTable, dropSubnetAssociations } from "./route-tables.js";
import { createDefaultGroup, deleteDefaultGroup } from "./security-groups.js";
import { mustDeletableSubnet } from "./subnets.js";
import { mustDeletableVpc, putNewVpc, vpcView } from "./vpcs.js";

/**
 * What AWS makes and removes alongside a VPC and a subnet, in one place: a
 * VPC comes with its main route table and its default security group and
 * goes with them; a subnet's route-table associations go with the subnet.
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
