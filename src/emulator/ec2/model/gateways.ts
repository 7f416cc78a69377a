import { createHash } from "node:crypto";
import type {
  AttachInternetGatewayCommandInput,
  CreateEgressOnlyInternetGatewayCommandInput,
  CreateInternetGatewayCommandInput,
  CreateNatGatewayCommandInput,
  DeleteEgressOnlyInternetGatewayCommandInput,
  DeleteInternetGatewayCommandInput,
  DeleteNatGatewayCommandInput,
  DescribeEgressOnlyInternetGatewaysCommandInput,
  DescribeInternetGatewaysCommandInput,
  DescribeNatGatewaysCommandInput,
  DetachInternetGatewayCommandInput,
  EgressOnlyInternetGateway,
  InternetGateway,
  InternetGatewayAttachment,
  NatGateway,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import {
  dependencyViolation,
  type Ec2Call,
  invalidParameterValue,
  KIND,
  list,
  missingParameter,
  must,
  newId,
  notFound,
} from "./common.js";
import { type Describable, describe } from "./describe.js";
import { placeInterface, releaseInterface } from "./network-interfaces.js";
import type {
  StoredEgressOnlyInternetGateway,
  StoredInternetGateway,
  StoredNatGateway,
  StoredSubnet,
  StoredVpc,
} from "./records.js";
import { tagsFromSpecifications } from "./tags.js";

/** AWS keeps showing a deleted NAT gateway for about an hour. */
const DELETED_NAT_VISIBLE_MS = 60 * 60 * 1000;

// Internet gateways

function igwView(igw: StoredInternetGateway): InternetGateway {
  return {
    // An attached internet gateway's attachment reads "available" in EC2, not "attached".
    Attachments: igw.AttachedVpcId
      ? [{ State: "available" as InternetGatewayAttachment["State"], VpcId: igw.AttachedVpcId }]
      : [],
    InternetGatewayId: igw.InternetGatewayId,
    OwnerId: igw.OwnerId,
    Tags: igw.Tags,
  };
}

function putIgw(call: Ec2Call, igw: StoredInternetGateway): void {
  call.store.put(KIND.internetGateway, call.scope, igw.InternetGatewayId, igw);
}

export function createInternetGateway(call: Ec2Call, input: CreateInternetGatewayCommandInput) {
  const igw: StoredInternetGateway = {
    InternetGatewayId: newId(call.env, "igw"),
    OwnerId: call.scope.account,
    Tags: tagsFromSpecifications(input.TagSpecifications, "internet-gateway"),
  };
  putIgw(call, igw);
  return { InternetGateway: igwView(igw) };
}

export function attachInternetGateway(call: Ec2Call, input: AttachInternetGatewayCommandInput) {
  const igw = must<StoredInternetGateway>(call, KIND.internetGateway, input.InternetGatewayId!);
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  if (igw.AttachedVpcId) {
    throw new AwsError(
      "Resource.AlreadyAssociated",
      `resource ${igw.InternetGatewayId} is already attached to network ${igw.AttachedVpcId}`,
    );
  }
  if (list<StoredInternetGateway>(call, KIND.internetGateway).some((g) => g.AttachedVpcId === vpc.VpcId)) {
    throw invalidParameterValue(`Network ${vpc.VpcId} already has an internet gateway attached`);
  }
  putIgw(call, { ...igw, AttachedVpcId: vpc.VpcId });
  return {};
}

export function detachInternetGateway(call: Ec2Call, input: DetachInternetGatewayCommandInput) {
  const igw = must<StoredInternetGateway>(call, KIND.internetGateway, input.InternetGatewayId!);
  must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  if (igw.AttachedVpcId !== input.VpcId) {
    throw new AwsError(
      "Gateway.NotAttached",
      `resource ${igw.InternetGatewayId} is not attached to network ${input.VpcId}`,
    );
  }
  const { AttachedVpcId: _detached, ...rest } = igw;
  putIgw(call, rest);
  return {};
}

export function deleteInternetGateway(call: Ec2Call, input: DeleteInternetGatewayCommandInput) {
  const igw = must<StoredInternetGateway>(call, KIND.internetGateway, input.InternetGatewayId!);
  if (igw.AttachedVpcId) {
    throw dependencyViolation(
      `The internetGateway '${igw.InternetGatewayId}' has dependencies and cannot be deleted.`,
    );
  }
  call.store.delete(KIND.internetGateway, call.scope, igw.InternetGatewayId);
  return {};
}

// Egress-only internet gateways (IPv6 out, nothing in)

function eigwView(eigw: StoredEgressOnlyInternetGateway): EgressOnlyInternetGateway {
  return {
    Attachments: [{ State: "attached", VpcId: eigw.VpcId }],
    EgressOnlyInternetGatewayId: eigw.EgressOnlyInternetGatewayId,
    Tags: eigw.Tags,
  };
}

export function createEgressOnlyInternetGateway(
  call: Ec2Call,
  input: CreateEgressOnlyInternetGatewayCommandInput,
) {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  const eigw: StoredEgressOnlyInternetGateway = {
    EgressOnlyInternetGatewayId: newId(call.env, "eigw"),
    VpcId: vpc.VpcId,
    Tags: tagsFromSpecifications(input.TagSpecifications, "egress-only-internet-gateway"),
  };
  call.store.put(KIND.egressOnlyInternetGateway, call.scope, eigw.EgressOnlyInternetGatewayId, eigw);
  return {
    EgressOnlyInternetGateway: eigwView(eigw),
    ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
  };
}

/** Routes to it turn blackhole, as with an internet gateway that is gone. */
export function deleteEgressOnlyInternetGateway(
  call: Ec2Call,
  input: DeleteEgressOnlyInternetGatewayCommandInput,
) {
  const eigw = must<StoredEgressOnlyInternetGateway>(
    call,
    KIND.egressOnlyInternetGateway,
    input.EgressOnlyInternetGatewayId!,
  );
  call.store.delete(KIND.egressOnlyInternetGateway, call.scope, eigw.EgressOnlyInternetGatewayId);
  return { ReturnCode: true };
}

/** EC2 documents only the tag filters for this Describe. */
const EIGWS: Describable<StoredEgressOnlyInternetGateway, EgressOnlyInternetGateway> = {
  operation: "DescribeEgressOnlyInternetGateways",
  kind: KIND.egressOnlyInternetGateway,
  idOf: (g) => g.EgressOnlyInternetGatewayId,
  view: (_call, g) => eigwView(g),
  filters: {},
  tagsOf: (g) => g.Tags,
};

export function describeEgressOnlyInternetGateways(
  call: Ec2Call,
  input: DescribeEgressOnlyInternetGatewaysCommandInput,
) {
  return {
    EgressOnlyInternetGateways: describe(call, EIGWS, input.EgressOnlyInternetGatewayIds, input.Filters),
  };
}

const IGW_FILTERS: FilterTable<InternetGateway> = {
  "internet-gateway-id": (g) => g.InternetGatewayId,
  "attachment.vpc-id": (g) => g.Attachments?.map((a) => a.VpcId),
  "attachment.state": (g) => g.Attachments?.map((a) => a.State),
  "owner-id": (g) => g.OwnerId,
};

const INTERNET_GATEWAYS: Describable<StoredInternetGateway, InternetGateway> = {
  operation: "DescribeInternetGateways",
  kind: KIND.internetGateway,
  idOf: (g) => g.InternetGatewayId,
  view: (_call, g) => igwView(g),
  filters: IGW_FILTERS,
  tagsOf: (g) => g.Tags,
};

export function describeInternetGateways(call: Ec2Call, input: DescribeInternetGatewaysCommandInput) {
  return {
    InternetGateways: describe(call, INTERNET_GATEWAYS, input.InternetGatewayIds, input.Filters),
  };
}

// NAT gateways

/**
 * The emulator serves no Elastic IP calls: a public NAT gateway accepts any
 * well-formed allocation id and is given a stable address from the
 * documentation range 203.0.113.0/24 (RFC 5737), derived from that id.
 */
function publicIpFor(allocationId: string): string {
  const n = createHash("sha256").update(allocationId).digest()[0]!;
  return `203.0.113.${(n % 254) + 1}`;
}

function natView(nat: StoredNatGateway): NatGateway {
  return {
    CreateTime: new Date(nat.CreateTime),
    ...(nat.DeleteTime ? { DeleteTime: new Date(nat.DeleteTime) } : {}),
    NatGatewayAddresses: [
      {
        ...(nat.AllocationId ? { AllocationId: nat.AllocationId, PublicIp: nat.PublicIp } : {}),
        NetworkInterfaceId: nat.NetworkInterfaceId,
        PrivateIp: nat.PrivateIp,
        ...(nat.AssociationId ? { AssociationId: nat.AssociationId } : {}),
        IsPrimary: true,
        Status: "succeeded",
      },
    ],
    NatGatewayId: nat.NatGatewayId,
    State: nat.State,
    SubnetId: nat.SubnetId,
    VpcId: nat.VpcId,
    Tags: nat.Tags,
    ConnectivityType: nat.ConnectivityType,
    AvailabilityMode: "zonal",
  };
}

/** A NAT gateway is available at once here (AWS takes a minute or two in `pending`). */
export function createNatGateway(call: Ec2Call, input: CreateNatGatewayCommandInput) {
  if (!input.SubnetId) throw missingParameter("SubnetId");
  const subnet = must<StoredSubnet>(call, KIND.subnet, input.SubnetId);
  const connectivity = input.ConnectivityType ?? "public";
  if (connectivity === "public") {
    if (!input.AllocationId) throw missingParameter("AllocationId");
    if (!/^eipalloc-[0-9a-f]{8,17}$/.test(input.AllocationId)) {
      throw new AwsError(
        "InvalidAllocationID.NotFound",
        `The allocation ID '${input.AllocationId}' does not exist`,
      );
    }
  }
  const NatGatewayId = newId(call.env, "nat");
  const eni = placeInterface(call, {
    subnetId: subnet.SubnetId,
    description: `Interface for NAT Gateway ${NatGatewayId}`,
    interfaceType: "nat_gateway",
    requesterManaged: true,
    privateIpAddress: input.PrivateIpAddress,
    serviceAttachmentDeviceIndex: 1,
  });
  const nat: StoredNatGateway = {
    NatGatewayId,
    SubnetId: subnet.SubnetId,
    VpcId: subnet.VpcId,
    State: "available",
    ConnectivityType: connectivity,
    NetworkInterfaceId: eni.NetworkInterfaceId,
    PrivateIp: eni.PrivateIpAddress,
    ...(connectivity === "public"
      ? {
          AllocationId: input.AllocationId!,
          PublicIp: publicIpFor(input.AllocationId!),
          AssociationId: newId(call.env, "eipassoc"),
        }
      : {}),
    CreateTime: call.now.toISOString(),
    Tags: tagsFromSpecifications(input.TagSpecifications, "natgateway"),
  };
  call.store.put(KIND.natGateway, call.scope, nat.NatGatewayId, nat);
  return { NatGateway: natView(nat), ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}) };
}

function visible(call: Ec2Call, nat: StoredNatGateway): boolean {
  return !nat.DeleteTime || call.now.getTime() - new Date(nat.DeleteTime).getTime() < DELETED_NAT_VISIBLE_MS;
}

export function deleteNatGateway(call: Ec2Call, input: DeleteNatGatewayCommandInput) {
  const nat = must<StoredNatGateway>(call, KIND.natGateway, input.NatGatewayId!);
  if (!visible(call, nat)) throw notFound(KIND.natGateway, nat.NatGatewayId);
  if (nat.State !== "deleted") {
    releaseInterface(call, nat.NetworkInterfaceId);
    call.store.put(KIND.natGateway, call.scope, nat.NatGatewayId, {
      ...nat,
      State: "deleted",
      DeleteTime: call.now.toISOString(),
    });
  }
  return { NatGatewayId: nat.NatGatewayId };
}

const NAT_FILTERS: FilterTable<NatGateway> = {
  "nat-gateway-id": (n) => n.NatGatewayId,
  state: (n) => n.State,
  "subnet-id": (n) => n.SubnetId,
  "vpc-id": (n) => n.VpcId,
};

const NAT_GATEWAYS: Describable<StoredNatGateway, NatGateway> = {
  operation: "DescribeNatGateways",
  kind: KIND.natGateway,
  idOf: (n) => n.NatGatewayId,
  view: (_call, n) => natView(n),
  filters: NAT_FILTERS,
  tagsOf: (n) => n.Tags,
  // A deleted NAT gateway stays visible for a while, as in AWS.
  records: (call) => list<StoredNatGateway>(call, KIND.natGateway).filter((n) => visible(call, n)),
};

export function describeNatGateways(call: Ec2Call, input: DescribeNatGatewaysCommandInput) {
  // DescribeNatGateways names its filter list `Filter`, unlike the other Describe calls.
  return { NatGateways: describe(call, NAT_GATEWAYS, input.NatGatewayIds, input.Filter) };
}
