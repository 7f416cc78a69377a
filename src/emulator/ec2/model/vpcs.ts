import { createHash } from "node:crypto";
import type {
  AssociateVpcCidrBlockCommandInput,
  CreateVpcCommandInput,
  DeleteVpcCommandInput,
  DescribeVpcAttributeCommandInput,
  DescribeVpcsCommandInput,
  ModifyVpcAttributeCommandInput,
  Vpc,
  VpcIpv6CidrBlockAssociation,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import { formatBlock, overlaps, parseBlock } from "./cidr.js";
import { formatBlock6 } from "./cidr6.js";
import {
  dependencyViolation,
  type Ec2Call,
  invalidParameterValue,
  KIND,
  list,
  must,
  newId,
  randomHex,
} from "./common.js";
import { type Describable, describe } from "./describe.js";
import type { StoredGroup, StoredIpv6Association, StoredRouteTable, StoredVpc } from "./records.js";
import { tagsFromSpecifications } from "./tags.js";

/** Every VPC of an account and region shares the default DHCP option set, as in a fresh AWS account. */
function defaultDhcpOptions(call: Ec2Call): string {
  const digest = createHash("sha256").update(`${call.scope.account}/${call.scope.region}`).digest("hex");
  return `dopt-${digest.slice(0, 17)}`;
}

export function vpcView(vpc: StoredVpc): Vpc {
  const ipv6 = vpc.Ipv6Cidrs ?? [];
  return {
    OwnerId: vpc.OwnerId,
    InstanceTenancy: vpc.InstanceTenancy as Vpc["InstanceTenancy"],
    ...(ipv6.length
      ? { Ipv6CidrBlockAssociationSet: ipv6.map((a) => ipv6AssociationView(a, "associated")) }
      : {}),
    CidrBlockAssociationSet: [
      { AssociationId: vpc.CidrAssociationId, CidrBlock: vpc.CidrBlock },
      ...(vpc.SecondaryCidrs ?? []),
    ].map((a) => ({ ...a, CidrBlockState: { State: "associated" } })),
    IsDefault: vpc.IsDefault ?? false,
    Tags: vpc.Tags,
    VpcId: vpc.VpcId,
    State: "available",
    CidrBlock: vpc.CidrBlock,
    DhcpOptionsId: vpc.DhcpOptionsId,
  };
}

export function ipv6AssociationView(
  a: StoredIpv6Association,
  state: "associating" | "associated" | "disassociating",
): VpcIpv6CidrBlockAssociation {
  return {
    AssociationId: a.AssociationId,
    Ipv6CidrBlock: a.Ipv6CidrBlock,
    Ipv6CidrBlockState: { State: state },
    NetworkBorderGroup: a.NetworkBorderGroup,
    Ipv6Pool: a.Ipv6Pool,
    Ipv6AddressAttribute: "public",
    IpSource: "amazon",
  };
}

/** Every IPv4 block of a VPC, the primary first. */
export function vpcBlocks(vpc: StoredVpc): string[] {
  return [vpc.CidrBlock, ...(vpc.SecondaryCidrs ?? []).map((a) => a.CidrBlock)];
}

/** AWS's default quota of IPv4 blocks per VPC, the primary included (Amazon VPC quotas). */
export const IPV4_BLOCKS_PER_VPC = 5;

function notServedIpv6Pool(): AwsError {
  return new AwsError(
    "NotImplementedException",
    "The emulator does not implement IPv6 address pools (Ipv6Pool, Ipv6CidrBlock) yet; use AmazonProvidedIpv6CidrBlock.",
    {},
    501,
  );
}

/**
 * An Amazon-provided /56 from the region's pool (AWS hands out blocks of
 * 2600:1f00::/24 per region; which one is AWS's choice, here random),
 * distinct from every block already given in the account and region.
 */
function amazonIpv6Block(call: Ec2Call): StoredIpv6Association {
  const taken = new Set(
    list<StoredVpc>(call, KIND.vpc).flatMap((v) => (v.Ipv6Cidrs ?? []).map((a) => a.Ipv6CidrBlock)),
  );
  const regionNibble = createHash("sha256").update(call.scope.region).digest()[0]! % 16;
  for (;;) {
    const hex = randomHex(call.env, 6);
    const base = (0x26001f00n + BigInt(regionNibble)) << 96n;
    const block = formatBlock6({ base: base | (BigInt(`0x${hex}`) << 72n), prefix: 56 });
    if (!taken.has(block)) {
      return {
        AssociationId: newId(call.env, "vpc-cidr-assoc"),
        Ipv6CidrBlock: block,
        NetworkBorderGroup: call.scope.region,
        Ipv6Pool: "Amazon",
      };
    }
  }
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
  if (input.Ipv6Pool !== undefined || input.Ipv6CidrBlock !== undefined) throw notServedIpv6Pool();
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
    ...(input.AmazonProvidedIpv6CidrBlock ? { Ipv6Cidrs: [amazonIpv6Block(call)] } : {}),
  };
  call.store.put(KIND.vpc, call.scope, vpc.VpcId, vpc);
  return vpc;
}

function cidrLimit(vpc: StoredVpc, limit: number): AwsError {
  return new AwsError(
    "CidrLimitExceeded",
    `This network ${vpc.VpcId} has met its maximum number of allowed CIDRs: ${limit}`,
  );
}

/**
 * AssociateVpcCidrBlock's record change: a secondary IPv4 block (canonical,
 * /16 to /28, clear of the VPC's blocks, five blocks at most), or an
 * Amazon-provided IPv6 /56 (one per network border group, which is the
 * region here). The answer says "associating"; describes say "associated".
 */
export function putVpcCidrAssociation(
  call: Ec2Call,
  input: AssociateVpcCidrBlockCommandInput,
): { vpc: StoredVpc; ipv4?: { AssociationId: string; CidrBlock: string }; ipv6?: StoredIpv6Association } {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  if (input.Ipv6Pool !== undefined || input.Ipv6CidrBlock !== undefined) throw notServedIpv6Pool();
  const asked = [input.CidrBlock !== undefined, input.AmazonProvidedIpv6CidrBlock === true].filter(Boolean);
  if (asked.length !== 1) {
    throw new AwsError(
      "MissingParameter",
      "Either 'cidrBlock', 'amazonProvidedIpv6CidrBlock' or 'ipv6Pool' should be provided.",
    );
  }
  if (input.AmazonProvidedIpv6CidrBlock) {
    const group = input.Ipv6CidrBlockNetworkBorderGroup ?? call.scope.region;
    if (group !== call.scope.region) {
      throw invalidParameterValue(`The network border group ${group} is invalid.`);
    }
    if ((vpc.Ipv6Cidrs ?? []).some((a) => a.NetworkBorderGroup === group)) throw cidrLimit(vpc, 1);
    const ipv6 = amazonIpv6Block(call);
    const updated = { ...vpc, Ipv6Cidrs: [...(vpc.Ipv6Cidrs ?? []), ipv6] };
    call.store.put(KIND.vpc, call.scope, vpc.VpcId, updated);
    return { vpc: updated, ipv6 };
  }
  const cidr = input.CidrBlock!;
  const block = parseBlock(cidr);
  if (!block) {
    throw invalidParameterValue(
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  }
  if (block.prefix < 16 || block.prefix > 28)
    throw new AwsError("InvalidVpc.Range", `The CIDR '${cidr}' is invalid.`);
  const blocks = vpcBlocks(vpc);
  if (blocks.length >= IPV4_BLOCKS_PER_VPC) throw cidrLimit(vpc, IPV4_BLOCKS_PER_VPC);
  if (blocks.some((b) => overlaps(parseBlock(b)!, block))) {
    throw new AwsError(
      "InvalidVpc.Range",
      `The CIDR '${cidr}' conflicts with another CIDR block of ${vpc.VpcId}.`,
    );
  }
  const ipv4 = { AssociationId: newId(call.env, "vpc-cidr-assoc"), CidrBlock: formatBlock(block) };
  const updated = { ...vpc, SecondaryCidrs: [...(vpc.SecondaryCidrs ?? []), ipv4] };
  call.store.put(KIND.vpc, call.scope, vpc.VpcId, updated);
  return { vpc: updated, ipv4 };
}

/** DisassociateVpcCidrBlock's record change: any block but the primary IPv4 one. */
export function dropVpcCidrAssociation(
  call: Ec2Call,
  associationId: string,
  inUse: (vpc: StoredVpc, block: string) => boolean,
): { vpc: StoredVpc; ipv4?: { AssociationId: string; CidrBlock: string }; ipv6?: StoredIpv6Association } {
  for (const vpc of list<StoredVpc>(call, KIND.vpc)) {
    if (vpc.CidrAssociationId === associationId) {
      throw new AwsError(
        "OperationNotPermitted",
        `The vpc CIDR block with association ID ${associationId} may not be disassociated. It is the primary IPv4 CIDR block of the VPC`,
      );
    }
    const ipv4 = vpc.SecondaryCidrs?.find((a) => a.AssociationId === associationId);
    const ipv6 = vpc.Ipv6Cidrs?.find((a) => a.AssociationId === associationId);
    const block = ipv4?.CidrBlock ?? ipv6?.Ipv6CidrBlock;
    if (block === undefined) continue;
    if (inUse(vpc, block)) {
      throw new AwsError(
        "InvalidCidrBlock.InUse",
        `The vpc CIDR block with association ID ${associationId} may not be disassociated: subnets of ${vpc.VpcId} use it.`,
      );
    }
    const updated: StoredVpc = {
      ...vpc,
      SecondaryCidrs: (vpc.SecondaryCidrs ?? []).filter((a) => a.AssociationId !== associationId),
      Ipv6Cidrs: (vpc.Ipv6Cidrs ?? []).filter((a) => a.AssociationId !== associationId),
    };
    call.store.put(KIND.vpc, call.scope, vpc.VpcId, updated);
    return { vpc: updated, ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) };
  }
  throw new AwsError(
    "InvalidVpcCidrBlockAssociationIdError.NotFound",
    `The vpc CIDR block association ID '${associationId}' does not exist`,
  );
}

const FILTERS: FilterTable<Vpc> = {
  "vpc-id": (v) => v.VpcId,
  cidr: (v) => v.CidrBlock,
  "cidr-block-association.cidr-block": (v) => v.CidrBlockAssociationSet?.map((a) => a.CidrBlock),
  "cidr-block-association.association-id": (v) => v.CidrBlockAssociationSet?.map((a) => a.AssociationId),
  "cidr-block-association.state": (v) => v.CidrBlockAssociationSet?.map((a) => a.CidrBlockState?.State),
  "ipv6-cidr-block-association.ipv6-cidr-block": (v) =>
    v.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlock),
  "ipv6-cidr-block-association.association-id": (v) =>
    v.Ipv6CidrBlockAssociationSet?.map((a) => a.AssociationId),
  "ipv6-cidr-block-association.state": (v) =>
    v.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlockState?.State),
  "ipv6-cidr-block-association.ipv6-pool": (v) => v.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6Pool),
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
    list<{ VpcId: string }>(call, KIND.egressOnlyInternetGateway).some(inVpc),
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
