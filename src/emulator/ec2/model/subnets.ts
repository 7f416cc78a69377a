import type {
  CreateSubnetCommandInput,
  DeleteSubnetCommandInput,
  DescribeSubnetsCommandInput,
  Subnet,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import { zoneIdOf, zoneNameOf, zonesOf } from "./availability-zones.js";
import { containsBlock, formatBlock, overlaps, parseBlock, RESERVED_PER_SUBNET, size } from "./cidr.js";
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
import type { StoredSubnet, StoredVpc } from "./records.js";
import { tagsFromSpecifications } from "./tags.js";

/** The private addresses interfaces hold in a subnet (NAT gateways' and endpoints' interfaces included). */
export function addressesInUse(call: Ec2Call, subnetId: string): string[] {
  return list<{ SubnetId: string; PrivateIpAddress: string }>(call, KIND.networkInterface)
    .filter((eni) => eni.SubnetId === subnetId)
    .map((eni) => eni.PrivateIpAddress);
}

export function subnetView(call: Ec2Call, subnet: StoredSubnet): Subnet {
  const block = parseBlock(subnet.CidrBlock)!;
  return {
    AvailabilityZoneId: subnet.AvailabilityZoneId,
    MapCustomerOwnedIpOnLaunch: false,
    OwnerId: subnet.OwnerId,
    AssignIpv6AddressOnCreation: false,
    Tags: subnet.Tags,
    SubnetArn: arn(call, `subnet/${subnet.SubnetId}`),
    EnableDns64: false,
    Ipv6Native: false,
    // As DescribeSubnets always answers them: no IPv6 blocks (the emulator
    // serves none), and instances named by their IP address.
    Ipv6CidrBlockAssociationSet: [],
    PrivateDnsNameOptionsOnLaunch: {
      HostnameType: "ip-name",
      EnableResourceNameDnsARecord: false,
      EnableResourceNameDnsAAAARecord: false,
    },
    SubnetId: subnet.SubnetId,
    State: "available",
    VpcId: subnet.VpcId,
    CidrBlock: subnet.CidrBlock,
    // AWS keeps five addresses of every subnet; each interface holds one more.
    AvailableIpAddressCount: size(block) - RESERVED_PER_SUBNET - addressesInUse(call, subnet.SubnetId).length,
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

export function createSubnet(call: Ec2Call, input: CreateSubnetCommandInput) {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  const cidr = input.CidrBlock;
  if (cidr === undefined)
    throw new AwsError("MissingParameter", "The request must contain the parameter cidrBlock");
  const block = parseBlock(cidr);
  if (!block) {
    throw invalidParameterValue(
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  }
  if (block.prefix < 16 || block.prefix > 28 || !containsBlock(parseBlock(vpc.CidrBlock)!, block)) {
    throw new AwsError("InvalidSubnet.Range", `The CIDR '${cidr}' is invalid.`);
  }
  const clash = list<StoredSubnet>(call, KIND.subnet).some(
    (s) => s.VpcId === vpc.VpcId && overlaps(parseBlock(s.CidrBlock)!, block),
  );
  if (clash) throw new AwsError("InvalidSubnet.Conflict", `The CIDR '${cidr}' conflicts with another subnet`);
  const zone = zoneFor(call, input);
  const subnet: StoredSubnet = {
    SubnetId: newId(call.env, "subnet"),
    VpcId: vpc.VpcId,
    CidrBlock: formatBlock(block),
    AvailabilityZone: zone.name,
    AvailabilityZoneId: zone.id,
    OwnerId: call.scope.account,
    Tags: tagsFromSpecifications(input.TagSpecifications, "subnet"),
  };
  call.store.put(KIND.subnet, call.scope, subnet.SubnetId, subnet);
  return { Subnet: subnetView(call, subnet) };
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
