import { createHash } from "node:crypto";
import type {
  CreateVpcCommandInput,
  DeleteVpcCommandInput,
  DescribeVpcAttributeCommandInput,
  DescribeVpcsCommandInput,
  ModifyVpcAttributeCommandInput,
  Vpc,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import { formatBlock, parseBlock } from "./cidr.js";
import {
  dependencyViolation,
  type Ec2Call,
  invalidParameterValue,
  KIND,
  list,
  must,
  newId,
} from "./common.js";
import { type Describable, describe } from "./describe.js";
import type { StoredGroup, StoredRouteTable, StoredVpc } from "./records.js";
import { tagsFromSpecifications } from "./tags.js";

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

/** CreateVpc's own record, checked and stored (vpc-lifecycle.ts makes what AWS makes alongside). */
export function putNewVpc(call: Ec2Call, input: CreateVpcCommandInput): StoredVpc {
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
    CidrBlock: formatBlock(block),
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
  return vpc;
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

const VPCS: Describable<StoredVpc, Vpc> = {
  operation: "DescribeVpcs",
  kind: KIND.vpc,
  idOf: (v) => v.VpcId,
  view: (_call, v) => vpcView(v),
  filters: FILTERS,
  tagsOf: (v) => v.Tags,
};

export function describeVpcs(call: Ec2Call, input: DescribeVpcsCommandInput) {
  return { Vpcs: describe(call, VPCS, input.VpcIds, input.Filters) };
}

/** The VPC DeleteVpc names, refused while anything the user made lives in it (its default group and main table do not count). */
export function mustDeletableVpc(call: Ec2Call, input: DeleteVpcCommandInput): StoredVpc {
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
  return vpc;
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
