import type {
  AssociateSubnetCidrBlockCommandInput,
  CreateSubnetCommandInput,
  DeleteSubnetCommandInput,
  DescribeSubnetsCommandInput,
  DisassociateSubnetCidrBlockCommandInput,
  ModifySubnetAttributeCommandInput,
  Subnet,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import { zoneIdOf, zoneNameOf, zonesOf } from "./availability-zones.js";
import { containsBlock, formatBlock, overlaps, parseBlock, RESERVED_PER_SUBNET, size } from "./cidr.js";
import { containsBlock6, formatBlock6, overlaps6, parseBlock6 } from "./cidr6.js";
import {
  arn,
  dependencyViolation,
  type Ec2Call,
  invalidParameterValue,
  KIND,
  list,
  must,
  newId,
} from "./common.js";
import { type Describable, describe } from "./describe.js";
import type { StoredInterface, StoredSubnet, StoredVpc } from "./records.js";
import { tagsFromSpecifications } from "./tags.js";
import { vpcBlocks } from "./vpcs.js";

/** The private addresses interfaces hold in a subnet, secondary ones too (NAT gateways' and endpoints' interfaces included). */
export function addressesInUse(call: Ec2Call, subnetId: string): string[] {
  return list<StoredInterface>(call, KIND.networkInterface)
    .filter((eni) => eni.SubnetId === subnetId)
    .flatMap((eni) => [eni.PrivateIpAddress, ...(eni.SecondaryPrivateIpAddresses ?? [])]);
}

export function subnetView(call: Ec2Call, subnet: StoredSubnet): Subnet {
  const block = subnet.CidrBlock !== undefined ? parseBlock(subnet.CidrBlock)! : undefined;
  return {
    AvailabilityZoneId: subnet.AvailabilityZoneId,
    MapCustomerOwnedIpOnLaunch: false,
    OwnerId: subnet.OwnerId,
    AssignIpv6AddressOnCreation: subnet.AssignIpv6AddressOnCreation ?? false,
    Tags: subnet.Tags,
    SubnetArn: arn(call, `subnet/${subnet.SubnetId}`),
    EnableDns64: subnet.EnableDns64 ?? false,
    Ipv6Native: subnet.Ipv6Native ?? false,
    Ipv6CidrBlockAssociationSet: (subnet.Ipv6Cidrs ?? []).map((a) => ({
      AssociationId: a.AssociationId,
      Ipv6CidrBlock: a.Ipv6CidrBlock,
      Ipv6CidrBlockState: { State: "associated" },
      Ipv6AddressAttribute: "public",
      IpSource: "amazon",
    })),
    // Instances named by their IP address unless ModifySubnetAttribute said otherwise.
    PrivateDnsNameOptionsOnLaunch: {
      HostnameType: subnet.HostnameType ?? "ip-name",
      EnableResourceNameDnsARecord: subnet.EnableResourceNameDnsARecord ?? false,
      EnableResourceNameDnsAAAARecord: subnet.EnableResourceNameDnsAAAARecord ?? false,
    },
    SubnetId: subnet.SubnetId,
    State: "available",
    VpcId: subnet.VpcId,
    ...(subnet.CidrBlock !== undefined ? { CidrBlock: subnet.CidrBlock } : {}),
    // AWS keeps five addresses of every subnet; each interface holds one more.
    // The count is of IPv4 addresses: an IPv6-only subnet has none.
    AvailableIpAddressCount: block
      ? size(block) - RESERVED_PER_SUBNET - addressesInUse(call, subnet.SubnetId).length
      : 0,
    AvailabilityZone: subnet.AvailabilityZone,
    DefaultForAz: subnet.DefaultForAz ?? false,
    MapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch ?? false,
  };
}

/** The zone a CreateSubnet asks for, by name or by id (both must agree); the region's first when neither. */
function zoneFor(call: Ec2Call, input: CreateSubnetCommandInput): { name: string; id: string } {
  const region = call.scope.region;
  const zones = zonesOf(region);
  if (input.AvailabilityZone !== undefined) {
    const id = zoneIdOf(region, input.AvailabilityZone);
    if (!id) {
      throw invalidParameterValue(
        `Value (${input.AvailabilityZone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${Object.keys(zones).join(", ")}.`,
      );
    }
    if (input.AvailabilityZoneId !== undefined && input.AvailabilityZoneId !== id) {
      throw new AwsError(
        "InvalidParameterCombination",
        `The availability zone ${input.AvailabilityZone} and availability zone id ${input.AvailabilityZoneId} do not match.`,
      );
    }
    return { name: input.AvailabilityZone, id };
  }
  if (input.AvailabilityZoneId !== undefined) {
    const name = zoneNameOf(region, input.AvailabilityZoneId);
    if (!name) {
      throw invalidParameterValue(
        `Value (${input.AvailabilityZoneId}) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zone ids: ${Object.values(zones).join(", ")}.`,
      );
    }
    return { name, id: input.AvailabilityZoneId };
  }
  const [name, id] = Object.entries(zones)[0]!;
  return { name, id };
}

/** A subnet's IPv4 block: canonical, /16 to /28, inside one of its VPC's blocks, clear of its other subnets. */
function ipv4BlockFor(call: Ec2Call, vpc: StoredVpc, cidr: string): string {
  const block = parseBlock(cidr);
  if (!block) {
    throw invalidParameterValue(
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  }
  const inVpc = vpcBlocks(vpc).some((b) => containsBlock(parseBlock(b)!, block));
  if (block.prefix < 16 || block.prefix > 28 || !inVpc) {
    throw new AwsError("InvalidSubnet.Range", `The CIDR '${cidr}' is invalid.`);
  }
  const clash = list<StoredSubnet>(call, KIND.subnet).some(
    (s) => s.VpcId === vpc.VpcId && s.CidrBlock !== undefined && overlaps(parseBlock(s.CidrBlock)!, block),
  );
  if (clash) throw new AwsError("InvalidSubnet.Conflict", `The CIDR '${cidr}' conflicts with another subnet`);
  return formatBlock(block);
}

/**
 * A subnet's IPv6 block: canonical, inside one of its VPC's IPv6 blocks,
 * /44 to /64 in steps of 4 (the sizes EC2 allows a subnet), clear of the
 * VPC's other subnets' IPv6 blocks.
 */
function ipv6BlockFor(call: Ec2Call, vpc: StoredVpc, cidr: string, self?: string): string {
  const block = parseBlock6(cidr);
  if (!block) {
    throw invalidParameterValue(
      `Value (${cidr}) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`,
    );
  }
  const inVpc = (vpc.Ipv6Cidrs ?? []).some((a) => containsBlock6(parseBlock6(a.Ipv6CidrBlock)!, block));
  if (block.prefix < 44 || block.prefix > 64 || block.prefix % 4 !== 0 || !inVpc) {
    throw new AwsError("InvalidSubnet.Range", `The CIDR '${cidr}' is invalid.`);
  }
  const clash = list<StoredSubnet>(call, KIND.subnet).some(
    (s) =>
      s.VpcId === vpc.VpcId &&
      s.SubnetId !== self &&
      (s.Ipv6Cidrs ?? []).some((a) => overlaps6(parseBlock6(a.Ipv6CidrBlock)!, block)),
  );
  if (clash) throw new AwsError("InvalidSubnet.Conflict", `The CIDR '${cidr}' conflicts with another subnet`);
  return formatBlock6(block);
}

export function createSubnet(call: Ec2Call, input: CreateSubnetCommandInput) {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  if (input.Ipv6Native) {
    // As EC2 answers (moto's aws_verified IPv6-native subnet tests).
    if (input.Ipv6CidrBlock === undefined) {
      throw new AwsError(
        "MissingParameter",
        "Either 'ipv6CidrBlock' or 'ipv6IpamPoolId' should be provided.",
      );
    }
    if (input.CidrBlock !== undefined) {
      throw new AwsError(
        "InvalidParameterCombination",
        "When specifying ipv4 parameters, cidrBlock or ipv4IpamPoolId, you cannot set ipv6Native to true.",
      );
    }
  } else if (input.CidrBlock === undefined) {
    throw new AwsError("MissingParameter", "The request must contain the parameter cidrBlock");
  }
  const cidr = input.CidrBlock !== undefined ? ipv4BlockFor(call, vpc, input.CidrBlock) : undefined;
  const ipv6 = input.Ipv6CidrBlock !== undefined ? ipv6BlockFor(call, vpc, input.Ipv6CidrBlock) : undefined;
  const zone = zoneFor(call, input);
  const subnet: StoredSubnet = {
    SubnetId: newId(call.env, "subnet"),
    VpcId: vpc.VpcId,
    ...(cidr !== undefined ? { CidrBlock: cidr } : {}),
    ...(ipv6 !== undefined
      ? { Ipv6Cidrs: [{ AssociationId: newId(call.env, "subnet-cidr-assoc"), Ipv6CidrBlock: ipv6 }] }
      : {}),
    ...(input.Ipv6Native ? { Ipv6Native: true, AssignIpv6AddressOnCreation: true } : {}),
    AvailabilityZone: zone.name,
    AvailabilityZoneId: zone.id,
    OwnerId: call.scope.account,
    Tags: tagsFromSpecifications(input.TagSpecifications, "subnet"),
  };
  call.store.put(KIND.subnet, call.scope, subnet.SubnetId, subnet);
  return { Subnet: subnetView(call, subnet) };
}

function subnetIpv6View(
  subnet: StoredSubnet,
  association: { AssociationId: string; Ipv6CidrBlock: string },
  state: "associating" | "disassociating",
) {
  return {
    SubnetId: subnet.SubnetId,
    Ipv6CidrBlockAssociation: {
      AssociationId: association.AssociationId,
      Ipv6CidrBlock: association.Ipv6CidrBlock,
      Ipv6CidrBlockState: { State: state },
      Ipv6AddressAttribute: "public",
      IpSource: "amazon",
    },
  };
}

/** AssociateSubnetCidrBlock: the subnet's one IPv6 block, from its VPC's. */
export function associateSubnetCidrBlock(call: Ec2Call, input: AssociateSubnetCidrBlockCommandInput) {
  const subnet = must<StoredSubnet>(call, KIND.subnet, input.SubnetId!);
  if (input.Ipv6CidrBlock === undefined) {
    throw new AwsError("MissingParameter", "Either 'ipv6CidrBlock' or 'ipv6IpamPoolId' should be provided.");
  }
  if ((subnet.Ipv6Cidrs ?? []).length > 0) {
    throw new AwsError(
      "CidrLimitExceeded",
      `This network ${subnet.SubnetId} has met its maximum number of allowed CIDRs: 1`,
    );
  }
  const vpc = must<StoredVpc>(call, KIND.vpc, subnet.VpcId);
  const association = {
    AssociationId: newId(call.env, "subnet-cidr-assoc"),
    Ipv6CidrBlock: ipv6BlockFor(call, vpc, input.Ipv6CidrBlock, subnet.SubnetId),
  };
  call.store.put(KIND.subnet, call.scope, subnet.SubnetId, { ...subnet, Ipv6Cidrs: [association] });
  return subnetIpv6View(subnet, association, "associating");
}

/** DisassociateSubnetCidrBlock: refused while the subnet hands out IPv6 addresses on its own. */
export function disassociateSubnetCidrBlock(call: Ec2Call, input: DisassociateSubnetCidrBlockCommandInput) {
  const id = input.AssociationId!;
  const subnet = list<StoredSubnet>(call, KIND.subnet).find((s) =>
    (s.Ipv6Cidrs ?? []).some((a) => a.AssociationId === id),
  );
  if (!subnet) {
    throw new AwsError(
      "InvalidSubnetCidrBlockAssociationID.NotFound",
      `The subnet CIDR block with association ID '${id}' does not exist`,
    );
  }
  if (subnet.AssignIpv6AddressOnCreation) {
    // EC2's words (seen in the AWS provider's issue tracker).
    throw new AwsError(
      "InvalidCidrBlock.InUse",
      `The subnet IPv6 CIDR block with association ID ${id} may not be disassociated, because its subnet has assign-ipv6-address-on-creation set to true.`,
    );
  }
  const association = subnet.Ipv6Cidrs!.find((a) => a.AssociationId === id)!;
  call.store.put(KIND.subnet, call.scope, subnet.SubnetId, {
    ...subnet,
    Ipv6Cidrs: subnet.Ipv6Cidrs!.filter((a) => a.AssociationId !== id),
  });
  return subnetIpv6View(subnet, association, "disassociating");
}

const BOOLEAN_ATTRIBUTES = {
  MapPublicIpOnLaunch: "MapPublicIpOnLaunch",
  AssignIpv6AddressOnCreation: "AssignIpv6AddressOnCreation",
  EnableDns64: "EnableDns64",
  EnableResourceNameDnsARecordOnLaunch: "EnableResourceNameDnsARecord",
  EnableResourceNameDnsAAAARecordOnLaunch: "EnableResourceNameDnsAAAARecord",
} as const;

/** ModifySubnetAttribute: one attribute per call ("You can only modify one attribute at a time"). */
export function modifySubnetAttribute(call: Ec2Call, input: ModifySubnetAttributeCommandInput) {
  const subnet = must<StoredSubnet>(call, KIND.subnet, input.SubnetId!);
  const names = [...Object.keys(BOOLEAN_ATTRIBUTES), "PrivateDnsHostnameTypeOnLaunch"] as const;
  const given = names.filter((name) => input[name as keyof ModifySubnetAttributeCommandInput] !== undefined);
  if (given.length !== 1) {
    throw new AwsError(
      "InvalidParameterCombination",
      given.length === 0
        ? "No attributes specified."
        : `Fields for multiple attribute types specified: ${given.map((g) => g[0]!.toLowerCase() + g.slice(1)).join(", ")}`,
    );
  }
  const name = given[0]!;
  if (name === "PrivateDnsHostnameTypeOnLaunch") {
    const HostnameType = input.PrivateDnsHostnameTypeOnLaunch as StoredSubnet["HostnameType"];
    call.store.put(KIND.subnet, call.scope, subnet.SubnetId, { ...subnet, HostnameType });
    return {};
  }
  const value = input[name as keyof typeof BOOLEAN_ATTRIBUTES]!.Value;
  if (value === undefined) {
    throw new AwsError("MissingParameter", `The request must contain the parameter ${name}.Value`);
  }
  if (name === "AssignIpv6AddressOnCreation" && value && !(subnet.Ipv6Cidrs ?? []).length) {
    // EC2's words (seen in the AWS provider's issue tracker).
    throw invalidParameterValue(
      `Invalid value 'true' for assign-ipv6-address-on-creation. Cannot set assign-ipv6-address-on-creation to true unless the subnet (${subnet.SubnetId}) has an IPv6 CIDR block associated with it.`,
    );
  }
  const field = BOOLEAN_ATTRIBUTES[name as keyof typeof BOOLEAN_ATTRIBUTES];
  call.store.put(KIND.subnet, call.scope, subnet.SubnetId, { ...subnet, [field]: value });
  return {};
}

const FILTERS: FilterTable<Subnet> = {
  "subnet-id": (s) => s.SubnetId,
  "subnet-arn": (s) => s.SubnetArn,
  "vpc-id": (s) => s.VpcId,
  "cidr-block": (s) => s.CidrBlock,
  cidr: (s) => s.CidrBlock,
  cidrBlock: (s) => s.CidrBlock,
  "availability-zone": (s) => s.AvailabilityZone,
  availabilityZone: (s) => s.AvailabilityZone,
  "availability-zone-id": (s) => s.AvailabilityZoneId,
  "available-ip-address-count": (s) => s.AvailableIpAddressCount,
  "default-for-az": (s) => s.DefaultForAz,
  "map-public-ip-on-launch": (s) => s.MapPublicIpOnLaunch,
  "owner-id": (s) => s.OwnerId,
  state: (s) => s.State,
  "ipv6-native": (s) => s.Ipv6Native,
  "ipv6-cidr-block-association.ipv6-cidr-block": (s) =>
    s.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlock),
  "ipv6-cidr-block-association.association-id": (s) =>
    s.Ipv6CidrBlockAssociationSet?.map((a) => a.AssociationId),
  "ipv6-cidr-block-association.state": (s) =>
    s.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlockState?.State),
};

const SUBNETS: Describable<StoredSubnet, Subnet> = {
  operation: "DescribeSubnets",
  kind: KIND.subnet,
  idOf: (s) => s.SubnetId,
  view: subnetView,
  filters: FILTERS,
  tagsOf: (s) => s.Tags,
};

export function describeSubnets(call: Ec2Call, input: DescribeSubnetsCommandInput) {
  return { Subnets: describe(call, SUBNETS, input.SubnetIds, input.Filters) };
}

/** DeleteSubnet refuses while an interface (an AgentCore one lingering too) or a NAT gateway lives in it. */
/** The subnet DeleteSubnet names, refused while an interface or a NAT gateway lives in it. */
export function mustDeletableSubnet(call: Ec2Call, input: DeleteSubnetCommandInput): StoredSubnet {
  const subnet = must<StoredSubnet>(call, KIND.subnet, input.SubnetId!);
  const hasInterface = addressesInUse(call, subnet.SubnetId).length > 0;
  const hasNat = list<{ SubnetId: string; State: string }>(call, KIND.natGateway).some(
    (n) => n.SubnetId === subnet.SubnetId && n.State !== "deleted",
  );
  if (hasInterface || hasNat) {
    throw dependencyViolation(`The subnet '${subnet.SubnetId}' has dependencies and cannot be deleted.`);
  }
  return subnet;
}
