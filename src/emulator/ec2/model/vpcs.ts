import { createHash } from "node:crypto";
import type {
  CreateVpcCommandInput,
  DeleteVpcCommandInput,
  DescribeVpcAttributeCommandInput,
  DescribeVpcsCommandInput,
  ModifyVpcAttributeCommandInput,
  Tag,
  Vpc,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import { applyFilters, type FilterTable } from "../filters.js";
import { parseBlock } from "./cidr.js";
import {
  dependencyViolation,
  type Ec2Call,
  invalidParameterValue,
  KIND,
  list,
  must,
  newId,
  selectByIds,
} from "./common.js";
import { createMainRouteTable, deleteMainRouteTable, type StoredRouteTable } from "./route-tables.js";
import { createDefaultGroup, deleteDefaultGroup, type StoredGroup } from "./security-groups.js";
import { tagsFromSpecifications } from "./tags.js";

export interface StoredVpc {
  VpcId: string;
  CidrBlock: string;
  CidrAssociationId: string;
  InstanceTenancy: string;
  DhcpOptionsId: string;
  OwnerId: string;
  Tags: Tag[];
  EnableDnsSupport: boolean;
  EnableDnsHostnames: boolean;
  /** The account's default VPC in its region (default-vpc.ts); unset for VPCs users create. */
  IsDefault?: boolean;
  /** Network Address Usage metrics; off unless ModifyVpcAttribute turned them on (older records lack it). */
  EnableNetworkAddressUsageMetrics?: boolean;
}

/** Every VPC of an account and region shares the default DHCP option set, as in a fresh AWS account. */
function defaultDhcpOptions(call: Ec2Call): string {
  const digest = createHash("sha256").update(`${call.scope.account}/${call.scope.region}`).digest("hex");
  return `dopt-${digest.slice(0, 17)}`;
}

export function vpcView(vpc: StoredVpc): Vpc {
  return {
    OwnerId: vpc.OwnerId,
    InstanceTenancy: vpc.InstanceTenancy as Vpc["InstanceTenancy"],
    CidrBlockAssociationSet: [
      {
        AssociationId: vpc.CidrAssociationId,
        CidrBlock: vpc.CidrBlock,
        CidrBlockState: { State: "associated" },
      },
    ],
    IsDefault: vpc.IsDefault ?? false,
    Tags: vpc.Tags,
    VpcId: vpc.VpcId,
    State: "available",
    CidrBlock: vpc.CidrBlock,
    DhcpOptionsId: vpc.DhcpOptionsId,
  };
}

/** CreateVpc, with what AWS makes alongside: the main route table and the default security group. */
export function createVpc(call: Ec2Call, input: CreateVpcCommandInput) {
  const cidr = input.CidrBlock;
  if (cidr === undefined) {
    throw new AwsError("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.");
  }
  const block = parseBlock(cidr);
  if (!block) {
    throw invalidParameterValue(
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  }
  if (block.prefix < 16 || block.prefix > 28)
    throw new AwsError("InvalidVpc.Range", `The CIDR '${cidr}' is invalid.`);
  const vpc: StoredVpc = {
    VpcId: newId(call.env, "vpc"),
    CidrBlock: cidr,
    CidrAssociationId: newId(call.env, "vpc-cidr-assoc"),
    InstanceTenancy: input.InstanceTenancy ?? "default",
    DhcpOptionsId: defaultDhcpOptions(call),
    OwnerId: call.scope.account,
    Tags: tagsFromSpecifications(input.TagSpecifications, "vpc"),
    EnableDnsSupport: true,
    // A VPC you create has DNS hostnames off; only a default VPC has them on.
    EnableDnsHostnames: false,
  };
  call.store.put(KIND.vpc, call.scope, vpc.VpcId, vpc);
  createMainRouteTable(call, vpc);
  createDefaultGroup(call, vpc.VpcId);
  return { Vpc: vpcView(vpc) };
}

const FILTERS: FilterTable<Vpc> = {
  "vpc-id": (v) => v.VpcId,
  cidr: (v) => v.CidrBlock,
  "cidr-block-association.cidr-block": (v) => v.CidrBlockAssociationSet?.map((a) => a.CidrBlock),
  "cidr-block-association.association-id": (v) => v.CidrBlockAssociationSet?.map((a) => a.AssociationId),
  "cidr-block-association.state": (v) => v.CidrBlockAssociationSet?.map((a) => a.CidrBlockState?.State),
  "dhcp-options-id": (v) => v.DhcpOptionsId,
  "is-default": (v) => v.IsDefault,
  "owner-id": (v) => v.OwnerId,
  state: (v) => v.State,
};

export function describeVpcs(call: Ec2Call, input: DescribeVpcsCommandInput) {
  const vpcs = selectByIds<StoredVpc>(call, KIND.vpc, input.VpcIds, (v) => v.VpcId).map(vpcView);
  return {
    Vpcs: applyFilters(vpcs, input.Filters, FILTERS, (v) => v.Tags ?? [], "DescribeVpcs"),
  };
}

/** DeleteVpc refuses while anything the user made lives in it; the default group and main table go with it. */
export function deleteVpc(call: Ec2Call, input: DeleteVpcCommandInput) {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  const inVpc = (item: { VpcId?: string }) => item.VpcId === vpc.VpcId;
  const blockers = [
    list<{ VpcId: string }>(call, KIND.subnet).some(inVpc),
    list<{ AttachedVpcId?: string }>(call, KIND.internetGateway).some((g) => g.AttachedVpcId === vpc.VpcId),
    list<StoredGroup>(call, KIND.securityGroup).some((g) => inVpc(g) && g.GroupName !== "default"),
    list<StoredRouteTable>(call, KIND.routeTable).some(
      (t) => inVpc(t) && !t.Associations.some((a) => a.Main),
    ),
    list<{ VpcId: string }>(call, KIND.vpcEndpoint).some(inVpc),
    list<{ VpcId: string; State: string }>(call, KIND.natGateway).some(
      (n) => inVpc(n) && n.State !== "deleted",
    ),
  ];
  if (blockers.some(Boolean)) {
    throw dependencyViolation(`The vpc '${vpc.VpcId}' has dependencies and cannot be deleted.`);
  }
  deleteDefaultGroup(call, vpc.VpcId);
  deleteMainRouteTable(call, vpc.VpcId);
  call.store.delete(KIND.vpc, call.scope, vpc.VpcId);
  return {};
}

/** ModifyVpcAttribute changes one attribute per call, as EC2 insists. */
export function modifyVpcAttribute(call: Ec2Call, input: ModifyVpcAttributeCommandInput) {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  const given = (
    ["EnableDnsSupport", "EnableDnsHostnames", "EnableNetworkAddressUsageMetrics"] as const
  ).filter((name) => input[name] !== undefined);
  if (given.length !== 1) {
    throw new AwsError(
      "InvalidParameterCombination",
      given.length === 0
        ? "No attributes specified."
        : `Fields for multiple attribute types specified: ${given.map((g) => g[0]!.toLowerCase() + g.slice(1)).join(", ")}`,
    );
  }
  const name = given[0]!;
  const value = input[name]!.Value;
  if (value === undefined)
    throw new AwsError("MissingParameter", `The request must contain the parameter ${name}.Value`);
  call.store.put(KIND.vpc, call.scope, vpc.VpcId, { ...vpc, [name]: value });
  return {};
}

export function describeVpcAttribute(call: Ec2Call, input: DescribeVpcAttributeCommandInput) {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  switch (input.Attribute) {
    case "enableDnsSupport":
      return { VpcId: vpc.VpcId, EnableDnsSupport: { Value: vpc.EnableDnsSupport } };
    case "enableDnsHostnames":
      return { VpcId: vpc.VpcId, EnableDnsHostnames: { Value: vpc.EnableDnsHostnames } };
    default:
      return {
        VpcId: vpc.VpcId,
        EnableNetworkAddressUsageMetrics: { Value: vpc.EnableNetworkAddressUsageMetrics ?? false },
      };
  }
}
