import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import { withDryRun } from "./dry-run.js";
import { describeAvailabilityZones } from "./model/availability-zones.js";
import type { Ec2Call } from "./model/common.js";
import { ensureDefaultVpc } from "./model/default-vpc.js";
import type { Ec2 } from "./model/ec2.js";
import {
  attachInternetGateway,
  createEgressOnlyInternetGateway,
  createInternetGateway,
  createNatGateway,
  deleteEgressOnlyInternetGateway,
  deleteInternetGateway,
  deleteNatGateway,
  describeEgressOnlyInternetGateways,
  describeInternetGateways,
  describeNatGateways,
  detachInternetGateway,
} from "./model/gateways.js";
import {
  createNetworkInterface,
  deleteNetworkInterface,
  describeNetworkInterfaces,
} from "./model/network-interfaces.js";
import {
  associateRouteTable,
  createRoute,
  createRouteTable,
  deleteRoute,
  deleteRouteTable,
  describeRouteTables,
  disassociateRouteTable,
  replaceRouteTableAssociation,
} from "./model/route-tables.js";
import {
  authorizeEgress,
  authorizeIngress,
  createSecurityGroup,
  deleteSecurityGroup,
  describeSecurityGroupRules,
  describeSecurityGroups,
  revokeEgress,
  revokeIngress,
} from "./model/security-groups.js";
import {
  associateSubnetCidrBlock,
  createSubnet,
  describeSubnets,
  disassociateSubnetCidrBlock,
  modifySubnetAttribute,
} from "./model/subnets.js";
import { createTags, deleteTags, describeTags } from "./model/tags.js";
import {
  createVpcEndpoint,
  deleteVpcEndpoints,
  describeVpcEndpoints,
  modifyVpcEndpoint,
} from "./model/vpc-endpoints.js";
import {
  associateVpcCidrBlock,
  createVpc,
  deleteSubnet,
  deleteVpc,
  disassociateVpcCidrBlock,
} from "./model/vpc-lifecycle.js";
import { describeVpcAttribute, describeVpcs, modifyVpcAttribute } from "./model/vpcs.js";

/**
 * EC2's operations over the EC2 model. Each model function takes the SDK's
 * `…CommandInput` as its input type; DryRun is handled here once for all,
 * and so is the account's default VPC, there before the first call sees EC2.
 */
export function ec2Adapter(ec2: Ec2): Adapter {
  const op =
    <I>(run: (call: Ec2Call, input: I) => Record<string, unknown>) =>
    (input: I, ctx: RequestContext) =>
      withDryRun(ec2.store, (input as { DryRun?: boolean }).DryRun, () => {
        const call = {
          ...ec2.call({ account: ctx.account, region: ctx.region }, ctx.now),
          caller: ctx.caller,
        };
        if (ec2.defaultVpc) ensureDefaultVpc(call);
        return run(call, input);
      });
  return {
    CreateVpc: op(createVpc),
    DescribeVpcs: op(describeVpcs),
    DeleteVpc: op(deleteVpc),
    ModifyVpcAttribute: op(modifyVpcAttribute),
    DescribeVpcAttribute: op(describeVpcAttribute),
    AssociateVpcCidrBlock: op(associateVpcCidrBlock),
    DisassociateVpcCidrBlock: op(disassociateVpcCidrBlock),
    CreateSubnet: op(createSubnet),
    DescribeSubnets: op(describeSubnets),
    DeleteSubnet: op(deleteSubnet),
    ModifySubnetAttribute: op(modifySubnetAttribute),
    AssociateSubnetCidrBlock: op(associateSubnetCidrBlock),
    DisassociateSubnetCidrBlock: op(disassociateSubnetCidrBlock),
    CreateSecurityGroup: op(createSecurityGroup),
    DescribeSecurityGroups: op(describeSecurityGroups),
    DeleteSecurityGroup: op(deleteSecurityGroup),
    AuthorizeSecurityGroupIngress: op(authorizeIngress),
    AuthorizeSecurityGroupEgress: op(authorizeEgress),
    RevokeSecurityGroupIngress: op(revokeIngress),
    RevokeSecurityGroupEgress: op(revokeEgress),
    DescribeSecurityGroupRules: op(describeSecurityGroupRules),
    CreateRouteTable: op(createRouteTable),
    DescribeRouteTables: op(describeRouteTables),
    DeleteRouteTable: op(deleteRouteTable),
    CreateRoute: op(createRoute),
    DeleteRoute: op(deleteRoute),
    AssociateRouteTable: op(associateRouteTable),
    DisassociateRouteTable: op(disassociateRouteTable),
    ReplaceRouteTableAssociation: op(replaceRouteTableAssociation),
    CreateInternetGateway: op(createInternetGateway),
    AttachInternetGateway: op(attachInternetGateway),
    DetachInternetGateway: op(detachInternetGateway),
    DeleteInternetGateway: op(deleteInternetGateway),
    DescribeInternetGateways: op(describeInternetGateways),
    CreateEgressOnlyInternetGateway: op(createEgressOnlyInternetGateway),
    DescribeEgressOnlyInternetGateways: op(describeEgressOnlyInternetGateways),
    DeleteEgressOnlyInternetGateway: op(deleteEgressOnlyInternetGateway),
    CreateNatGateway: op(createNatGateway),
    DescribeNatGateways: op(describeNatGateways),
    DeleteNatGateway: op(deleteNatGateway),
    CreateVpcEndpoint: op(createVpcEndpoint),
    DescribeVpcEndpoints: op(describeVpcEndpoints),
    ModifyVpcEndpoint: op(modifyVpcEndpoint),
    DeleteVpcEndpoints: op(deleteVpcEndpoints),
    CreateNetworkInterface: op(createNetworkInterface),
    DescribeNetworkInterfaces: op(describeNetworkInterfaces),
    DeleteNetworkInterface: op(deleteNetworkInterface),
    CreateTags: op(createTags),
    DeleteTags: op(deleteTags),
    DescribeTags: op(describeTags),
    DescribeAvailabilityZones: op(describeAvailabilityZones),
  };
}
