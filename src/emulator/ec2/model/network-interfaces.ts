import type {
  CreateNetworkInterfaceCommandInput,
  DeleteNetworkInterfaceCommandInput,
  DescribeNetworkInterfacesCommandInput,
  NetworkInterface,
  NetworkInterfaceType,
  Tag,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import { containsAddress, firstFree, formatAddress, isReserved, parseAddress, parseBlock } from "./cidr.js";
import { type Ec2Call, invalidParameterValue, KIND, list, must, newId, randomHex } from "./common.js";
import { type Describable, describe } from "./describe.js";
import type { StoredGroup, StoredInterface, StoredSubnet } from "./records.js";
import { defaultGroupOf } from "./security-groups.js";
import { addressesInUse } from "./subnets.js";
import { tagsFromSpecifications } from "./tags.js";

/** The tag AgentCore puts on the interfaces it makes, and finds them by. */
export const AGENTCORE_MANAGED_TAG = "AmazonBedrockAgentCoreManaged";

/** Who owns the hidden instances service interfaces are attached to. */
export const SERVICE_INSTANCE_OWNER = "amazon-aws";

const MAX_GROUPS = 5;

function privateDnsName(call: Ec2Call, address: string): string {
  const host = `ip-${address.replaceAll(".", "-")}`;
  return call.scope.region === "us-east-1"
    ? `${host}.ec2.internal`
    : `${host}.${call.scope.region}.compute.internal`;
}

export function interfaceView(call: Ec2Call, eni: StoredInterface): NetworkInterface {
  const dns = privateDnsName(call, eni.PrivateIpAddress);
  return {
    ...(eni.Attachment
      ? {
          Attachment: {
            ...eni.Attachment,
            AttachTime: new Date(eni.Attachment.AttachTime),
            Status: "attached",
          },
        }
      : {}),
    AvailabilityZone: eni.AvailabilityZone,
    AvailabilityZoneId: eni.AvailabilityZoneId,
    Description: eni.Description,
    Groups: eni.GroupIds.map((GroupId) => ({
      GroupId,
      GroupName: call.store.get<StoredGroup>(KIND.securityGroup, call.scope, GroupId)?.GroupName,
    })),
    // The SDK's enum lags AWS (agentic_ai, nat_gateway); the wire carries the string.
    InterfaceType: eni.InterfaceType as NetworkInterfaceType,
    MacAddress: eni.MacAddress,
    NetworkInterfaceId: eni.NetworkInterfaceId,
    OwnerId: eni.OwnerId,
    PrivateDnsName: dns,
    PrivateIpAddress: eni.PrivateIpAddress,
    PrivateIpAddresses: [
      { Primary: true, PrivateDnsName: dns, PrivateIpAddress: eni.PrivateIpAddress },
      ...(eni.SecondaryPrivateIpAddresses ?? []).map((address) => ({
        Primary: false,
        PrivateDnsName: privateDnsName(call, address),
        PrivateIpAddress: address,
      })),
    ],
    RequesterManaged: eni.RequesterManaged,
    SourceDestCheck: true,
    Status: eni.Attachment ? "in-use" : "available",
    SubnetId: eni.SubnetId,
    TagSet: eni.Tags,
    VpcId: eni.VpcId,
  };
}

/** The interface's primary address, then its secondary ones (asked for, then counted), each taken in turn. */
function allocateAddresses(
  call: Ec2Call,
  subnet: StoredSubnet,
  spec: Pick<PlaceInterface, "privateIpAddress" | "secondaryAddresses" | "secondaryCount">,
): { primary: string; secondary: string[] } {
  const taken = new Set(addressesInUse(call, subnet.SubnetId).map((a) => parseAddress(a)!));
  const take = (requested: string | undefined) => {
    const address = allocateAddress(subnet, requested, taken);
    taken.add(parseAddress(address)!);
    return address;
  };
  const primary = take(spec.privateIpAddress);
  const secondary = [
    ...(spec.secondaryAddresses ?? []).map((a) => take(a)),
    ...Array.from({ length: spec.secondaryCount ?? 0 }, () => take(undefined)),
  ];
  return { primary, secondary };
}

/** The requested address if it is free and the subnet's own, else the lowest free one. */
function allocateAddress(
  subnet: StoredSubnet,
  requested: string | undefined,
  taken: ReadonlySet<number>,
): string {
  if (subnet.CidrBlock === undefined) {
    // IPv6-only subnets: interfaces there hold IPv6 addresses, which the emulator does not model.
    throw new AwsError(
      "NotImplementedException",
      `The emulator does not implement network interfaces in IPv6-only subnets (${subnet.SubnetId}) yet.`,
      {},
      501,
    );
  }
  const block = parseBlock(subnet.CidrBlock)!;
  if (requested !== undefined) {
    const address = parseAddress(requested);
    if (address === undefined) {
      throw invalidParameterValue(
        `Value (${requested}) for parameter privateIpAddress is invalid. Invalid IPv4 address.`,
      );
    }
    if (!containsAddress(block, address)) {
      throw invalidParameterValue(`Address does not fall within the subnet's address range`);
    }
    if (isReserved(block, address)) {
      throw invalidParameterValue(`Address ${requested} is in subnet's reserved address range`);
    }
    if (taken.has(address))
      throw new AwsError("InvalidIPAddress.InUse", `The specified address is already in use.`);
    return requested;
  }
  const free = firstFree(block, taken);
  if (free === undefined) {
    throw new AwsError(
      "InsufficientFreeAddressesInSubnet",
      `There are not enough free addresses in subnet '${subnet.SubnetId}' to satisfy the requested number of instances.`,
    );
  }
  return formatAddress(free);
}

/** Security groups for an interface: each must exist in the subnet's VPC; none means the VPC's default group. */
function groupsFor(call: Ec2Call, subnet: StoredSubnet, groupIds: readonly string[] | undefined): string[] {
  if (!groupIds || groupIds.length === 0) {
    const fallback = defaultGroupOf(call, subnet.VpcId);
    return fallback ? [fallback.GroupId] : [];
  }
  if (groupIds.length > MAX_GROUPS) {
    throw new AwsError(
      "SecurityGroupsPerInterfaceLimitExceeded",
      "The maximum number of security groups per interface has been reached.",
    );
  }
  for (const id of groupIds) {
    const group = must<StoredGroup>(call, KIND.securityGroup, id);
    if (group.VpcId !== subnet.VpcId) {
      throw invalidParameterValue(
        `Security group ${id} and subnet ${subnet.SubnetId} belong to different networks.`,
      );
    }
  }
  return [...new Set(groupIds)];
}

export interface PlaceInterface {
  subnetId: string;
  groupIds?: readonly string[];
  description?: string;
  interfaceType?: string;
  requesterManaged?: boolean;
  privateIpAddress?: string;
  /** Secondary private addresses asked for by address, then by count. */
  secondaryAddresses?: readonly string[];
  secondaryCount?: number;
  tags?: Tag[];
  /** Attach to a hidden instance owned by amazon-aws (service interfaces): `ela-attach-` id at this device index. */
  serviceAttachmentDeviceIndex?: number;
  requesterArn?: string;
}

/** Makes an interface in a subnet: groups checked, an address allocated, stored. */
export function placeInterface(call: Ec2Call, spec: PlaceInterface): StoredInterface {
  const subnet = must<StoredSubnet>(call, KIND.subnet, spec.subnetId);
  const GroupIds = spec.interfaceType === "nat_gateway" ? [] : groupsFor(call, subnet, spec.groupIds);
  const addresses = allocateAddresses(call, subnet, spec);
  const mac = randomHex(call.env, 10).match(/../g)!.join(":");
  const eni: StoredInterface = {
    NetworkInterfaceId: newId(call.env, "eni"),
    SubnetId: subnet.SubnetId,
    VpcId: subnet.VpcId,
    AvailabilityZone: subnet.AvailabilityZone,
    AvailabilityZoneId: subnet.AvailabilityZoneId,
    Description: spec.description ?? "",
    GroupIds,
    InterfaceType: spec.interfaceType ?? "interface",
    MacAddress: `0e:${mac}`,
    OwnerId: call.scope.account,
    PrivateIpAddress: addresses.primary,
    ...(addresses.secondary.length ? { SecondaryPrivateIpAddresses: addresses.secondary } : {}),
    RequesterManaged: spec.requesterManaged ?? false,
    Tags: spec.tags ?? [],
    ...(spec.serviceAttachmentDeviceIndex !== undefined
      ? {
          Attachment: {
            AttachmentId: newId(call.env, "ela-attach"),
            DeviceIndex: spec.serviceAttachmentDeviceIndex,
            NetworkCardIndex: 0,
            InstanceOwnerId: SERVICE_INSTANCE_OWNER,
            AttachTime: call.now.toISOString(),
            DeleteOnTermination: false,
          },
        }
      : {}),
    ...(spec.requesterArn ? { RequesterArn: spec.requesterArn } : {}),
  };
  call.store.put(KIND.networkInterface, call.scope, eni.NetworkInterfaceId, eni);
  return eni;
}

/**
 * The addresses a CreateNetworkInterface asks for: the primary is
 * PrivateIpAddress, else the PrivateIpAddresses entry marked Primary, else
 * the first entry; the other entries are secondary, and so many more as
 * SecondaryPrivateIpAddressCount says.
 */
function requestedAddresses(
  input: CreateNetworkInterfaceCommandInput,
): Pick<PlaceInterface, "privateIpAddress" | "secondaryAddresses" | "secondaryCount"> {
  const listed = (input.PrivateIpAddresses ?? []).flatMap((a) => (a.PrivateIpAddress ? [a] : []));
  if (listed.filter((a) => a.Primary).length > 1) {
    throw invalidParameterValue("Only one primary private IP address can be specified.");
  }
  const primary = input.PrivateIpAddress ?? (listed.find((a) => a.Primary) ?? listed[0])?.PrivateIpAddress;
  const secondary = listed.map((a) => a.PrivateIpAddress!).filter((a) => a !== primary);
  if (new Set(secondary).size !== secondary.length) {
    throw new AwsError("InvalidIPAddress.InUse", "The specified address is already in use.");
  }
  return {
    ...(primary !== undefined ? { privateIpAddress: primary } : {}),
    ...(secondary.length ? { secondaryAddresses: secondary } : {}),
    ...(input.SecondaryPrivateIpAddressCount ? { secondaryCount: input.SecondaryPrivateIpAddressCount } : {}),
  };
}

/** The service AgentCore's VPC mode acts as: its CreateNetworkInterface calls make AgentCore's interfaces. */
export const AGENTCORE_NETWORK_SERVICE = "network.bedrock-agentcore.amazonaws.com";

/**
 * CreateNetworkInterface. Called by AgentCore's network service (its
 * service-linked role's session, `invokedBy` the service), the interface is
 * AgentCore's, as EC2 makes it for that service (createManagedInterface).
 */
export function createNetworkInterface(call: Ec2Call, input: CreateNetworkInterfaceCommandInput) {
  const caller = call.caller;
  if (caller?.type === "AssumedRole" && caller.invokedBy === AGENTCORE_NETWORK_SERVICE) {
    return {
      NetworkInterface: createManagedInterface(call, {
        subnetId: input.SubnetId!,
        groupIds: input.Groups ?? [],
        requesterArn: caller.arn,
      }),
    };
  }
  const eni = placeInterface(call, {
    subnetId: input.SubnetId!,
    groupIds: input.Groups,
    description: input.Description,
    interfaceType: input.InterfaceType,
    ...requestedAddresses(input),
    tags: tagsFromSpecifications(input.TagSpecifications, "network-interface"),
  });
  return {
    NetworkInterface: interfaceView(call, eni),
    ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
  };
}

const FILTERS: FilterTable<NetworkInterface> = {
  "network-interface-id": (n) => n.NetworkInterfaceId,
  description: (n) => n.Description,
  "subnet-id": (n) => n.SubnetId,
  "vpc-id": (n) => n.VpcId,
  "availability-zone": (n) => n.AvailabilityZone,
  "group-id": (n) => n.Groups?.map((g) => g.GroupId),
  "group-name": (n) => n.Groups?.map((g) => g.GroupName),
  status: (n) => n.Status,
  "interface-type": (n) => n.InterfaceType,
  "mac-address": (n) => n.MacAddress,
  "owner-id": (n) => n.OwnerId,
  "private-ip-address": (n) => n.PrivateIpAddress,
  "addresses.private-ip-address": (n) => n.PrivateIpAddresses?.map((a) => a.PrivateIpAddress),
  "addresses.primary": (n) => n.PrivateIpAddresses?.map((a) => a.Primary),
  "private-dns-name": (n) => n.PrivateDnsName,
  "requester-managed": (n) => n.RequesterManaged,
  "source-dest-check": (n) => n.SourceDestCheck,
  "attachment.attachment-id": (n) => n.Attachment?.AttachmentId,
  "attachment.instance-id": (n) => n.Attachment?.InstanceId,
  "attachment.instance-owner-id": (n) => n.Attachment?.InstanceOwnerId,
  "attachment.device-index": (n) => n.Attachment?.DeviceIndex,
  "attachment.status": (n) => n.Attachment?.Status,
  "attachment.delete-on-termination": (n) => n.Attachment?.DeleteOnTermination,
};

const NETWORK_INTERFACES: Describable<StoredInterface, NetworkInterface> = {
  operation: "DescribeNetworkInterfaces",
  kind: KIND.networkInterface,
  idOf: (n) => n.NetworkInterfaceId,
  view: interfaceView,
  filters: FILTERS,
  tagsOf: (n) => n.TagSet,
};

export function describeNetworkInterfaces(call: Ec2Call, input: DescribeNetworkInterfacesCommandInput) {
  return {
    NetworkInterfaces: describe(call, NETWORK_INTERFACES, input.NetworkInterfaceIds, input.Filters),
  };
}

export function deleteNetworkInterface(call: Ec2Call, input: DeleteNetworkInterfaceCommandInput) {
  const eni = must<StoredInterface>(call, KIND.networkInterface, input.NetworkInterfaceId!);
  if (eni.Attachment) {
    throw invalidParameterValue(`Network interface '${eni.NetworkInterfaceId}' is currently in use.`);
  }
  call.store.delete(KIND.networkInterface, call.scope, eni.NetworkInterfaceId);
  return {};
}

/** Service interfaces (NAT gateways, endpoints) go when their owner goes, attached or not. */
export function releaseInterface(call: Ec2Call, id: string): void {
  call.store.delete(KIND.networkInterface, call.scope, id);
}

/**
 * The interface AgentCore makes for a VPC-mode runtime, as seen in real
 * accounts: empty description, tag AmazonBedrockAgentCoreManaged=true, type
 * agentic_ai, in-use, attached at device index 1 to an instance owned by
 * amazon-aws through an `ela-attach-` attachment the customer cannot detach.
 */
export function createManagedInterface(
  call: Ec2Call,
  spec: { subnetId: string; groupIds: readonly string[]; requesterArn: string },
): NetworkInterface {
  const eni = placeInterface(call, {
    subnetId: spec.subnetId,
    groupIds: spec.groupIds,
    description: "",
    interfaceType: "agentic_ai",
    tags: [{ Key: AGENTCORE_MANAGED_TAG, Value: "true" }],
    serviceAttachmentDeviceIndex: 1,
    requesterArn: spec.requesterArn,
  });
  return interfaceView(call, eni);
}

/** An AgentCore interface AgentCore would share: tagged, in one of the subnets, with exactly these groups. */
export function findManagedInterface(
  call: Ec2Call,
  subnetIds: readonly string[],
  groupIds: readonly string[],
): NetworkInterface | undefined {
  const wanted = [...new Set(groupIds)].sort().join(",");
  const managed = list<StoredInterface>(call, KIND.networkInterface).filter(
    (eni) =>
      eni.Tags.some((t) => t.Key === AGENTCORE_MANAGED_TAG && t.Value === "true") &&
      [...eni.GroupIds].sort().join(",") === wanted,
  );
  for (const subnetId of subnetIds) {
    const found = managed.find((eni) => eni.SubnetId === subnetId);
    if (found) return interfaceView(call, found);
  }
  return undefined;
}
