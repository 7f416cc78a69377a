import { createHash } from "node:crypto";
import type {
  CreateVpcEndpointCommandInput,
  DeleteVpcEndpointsCommandInput,
  DescribeVpcEndpointsCommandInput,
  DnsEntry,
  ModifyVpcEndpointCommandInput,
  VpcEndpoint,
} from "@aws-sdk/client-ec2";
import { prefixListOf, privateDnsNameOf } from "../../../net/vpc/aws-names.js";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import { type Ec2Call, KIND, missingParameter, must, newId, notFound } from "./common.js";
import { type Describable, describe } from "./describe.js";
import { placeInterface, releaseInterface } from "./network-interfaces.js";
import type {
  StoredEndpoint,
  StoredGroup,
  StoredInterface,
  StoredRouteTable,
  StoredSubnet,
  StoredVpc,
} from "./records.js";
import { setEndpointRoutes } from "./route-tables.js";
import { defaultGroupOf } from "./security-groups.js";
import { tagsFromSpecifications } from "./tags.js";

const FULL_ACCESS_POLICY = JSON.stringify({
  Version: "2008-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
});

/** Services with gateway endpoints; every other service name is served as an interface endpoint. */
const GATEWAY_SERVICES = ["s3", "dynamodb"];

/** The Route 53 zones of regional `vpce.amazonaws.com` names; others are derived. */
const VPCE_HOSTED_ZONES: Record<string, string> = {
  "us-east-1": "Z7HUB22UULQXV",
  "us-west-2": "Z1YSA3EXCYUU9Z",
  "eu-west-1": "Z38GZ743OKFT7T",
};

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `com.amazonaws.us-east-1.logs` → `logs`; any other name is a service this region does not offer. */
function serviceOf(call: Ec2Call, serviceName: string): string {
  const prefix = `com.amazonaws.${call.scope.region}.`;
  const service = serviceName.startsWith(prefix) ? serviceName.slice(prefix.length) : "";
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(service)) {
    throw new AwsError("InvalidServiceName", `The Vpc Endpoint Service '${serviceName}' does not exist`);
  }
  return service;
}

function invalidParameter(message: string): AwsError {
  return new AwsError("InvalidParameter", message);
}

function dnsEntries(call: Ec2Call, endpoint: StoredEndpoint): DnsEntry[] {
  if (endpoint.VpcEndpointType !== "Interface") return [];
  const region = call.scope.region;
  const service = serviceOf(call, endpoint.ServiceName);
  const zone = VPCE_HOSTED_ZONES[region] ?? `Z${digest(region).slice(0, 13).toUpperCase()}`;
  const base = `${endpoint.VpcEndpointId}-${endpoint.DnsSuffix}`;
  const zones = endpoint.Interfaces.map(
    (i) => call.store.get<StoredSubnet>(KIND.subnet, call.scope, i.SubnetId)?.AvailabilityZone,
  );
  return [
    { DnsName: `${base}.${service}.${region}.vpce.amazonaws.com`, HostedZoneId: zone },
    ...zones.flatMap((az) =>
      az ? [{ DnsName: `${base}-${az}.${service}.${region}.vpce.amazonaws.com`, HostedZoneId: zone }] : [],
    ),
    ...(endpoint.PrivateDnsEnabled
      ? [
          {
            DnsName: privateDnsNameOf(region, service),
            HostedZoneId: `Z${digest(endpoint.VpcEndpointId).slice(0, 20).toUpperCase()}`,
          },
        ]
      : []),
  ];
}

export function endpointView(call: Ec2Call, endpoint: StoredEndpoint): VpcEndpoint {
  const isInterface = endpoint.VpcEndpointType === "Interface";
  return {
    VpcEndpointId: endpoint.VpcEndpointId,
    VpcEndpointType: endpoint.VpcEndpointType,
    VpcId: endpoint.VpcId,
    ServiceName: endpoint.ServiceName,
    State: "Available",
    PolicyDocument: endpoint.PolicyDocument,
    RouteTableIds: endpoint.RouteTableIds,
    SubnetIds: endpoint.Interfaces.map((i) => i.SubnetId),
    Groups: endpoint.GroupIds.map((GroupId) => ({
      GroupId,
      GroupName: call.store.get<StoredGroup>(KIND.securityGroup, call.scope, GroupId)?.GroupName,
    })),
    IpAddressType: "ipv4",
    ...(isInterface ? { DnsOptions: { DnsRecordIpType: "ipv4" } } : {}),
    PrivateDnsEnabled: endpoint.PrivateDnsEnabled,
    RequesterManaged: false,
    NetworkInterfaceIds: endpoint.Interfaces.map((i) => i.NetworkInterfaceId),
    DnsEntries: dnsEntries(call, endpoint),
    CreationTimestamp: new Date(endpoint.CreationTimestamp),
    Tags: endpoint.Tags,
    OwnerId: endpoint.OwnerId,
  };
}

/** Private DNS needs both DNS attributes of the VPC on, as AWS checks when it is turned on. */
function checkPrivateDns(vpc: StoredVpc): void {
  if (!vpc.EnableDnsSupport || !vpc.EnableDnsHostnames) {
    throw invalidParameter(
      `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${vpc.VpcId}`,
    );
  }
}

function checkGroups(call: Ec2Call, vpc: StoredVpc, ids: readonly string[]): void {
  for (const id of ids) {
    const group = must<StoredGroup>(call, KIND.securityGroup, id);
    if (group.VpcId !== vpc.VpcId) {
      throw invalidParameter(`Security group ${id} and VPC ${vpc.VpcId} belong to different networks.`);
    }
  }
}

function checkRouteTables(call: Ec2Call, vpc: StoredVpc, ids: readonly string[]): void {
  for (const id of ids) {
    if (must<StoredRouteTable>(call, KIND.routeTable, id).VpcId !== vpc.VpcId) {
      throw invalidParameter(`Route table ${id} does not belong to ${vpc.VpcId}`);
    }
  }
}

/** One interface per new subnet, each subnet in the VPC and in an Availability Zone of its own. */
function addInterfaces(call: Ec2Call, endpoint: StoredEndpoint, subnetIds: readonly string[]): void {
  const zones = new Set(
    endpoint.Interfaces.map((i) => must<StoredSubnet>(call, KIND.subnet, i.SubnetId).AvailabilityZone),
  );
  for (const subnetId of subnetIds) {
    const subnet = must<StoredSubnet>(call, KIND.subnet, subnetId);
    if (subnet.VpcId !== endpoint.VpcId) {
      throw invalidParameter(`The subnet ID '${subnetId}' does not belong to ${endpoint.VpcId}`);
    }
    if (zones.has(subnet.AvailabilityZone)) {
      throw invalidParameter(
        `Found another VPC endpoint subnet in the availability zone of ${subnetId}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.`,
      );
    }
    zones.add(subnet.AvailabilityZone);
    const eni = placeInterface(call, {
      subnetId,
      groupIds: endpoint.GroupIds,
      description: `VPC Endpoint Interface ${endpoint.VpcEndpointId}`,
      interfaceType: "vpc_endpoint",
      requesterManaged: true,
      serviceAttachmentDeviceIndex: 1,
    });
    endpoint.Interfaces.push({ SubnetId: subnetId, NetworkInterfaceId: eni.NetworkInterfaceId });
  }
}

function put(call: Ec2Call, endpoint: StoredEndpoint): void {
  call.store.put(KIND.vpcEndpoint, call.scope, endpoint.VpcEndpointId, endpoint);
}

export function createVpcEndpoint(call: Ec2Call, input: CreateVpcEndpointCommandInput) {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  if (!input.ServiceName) throw missingParameter("ServiceName");
  const service = serviceOf(call, input.ServiceName);
  // EC2's default endpoint type is Gateway.
  const type = input.VpcEndpointType ?? "Gateway";
  if (type !== "Interface" && type !== "Gateway") {
    throw invalidParameter(
      `Endpoint type (${type}) is not served by the emulator (Interface and Gateway are).`,
    );
  }
  if (type === "Gateway" && !GATEWAY_SERVICES.includes(service)) {
    throw invalidParameter("Endpoint type (Gateway) does not match available service types ([Interface]).");
  }
  const isInterface = type === "Interface";
  // Interface endpoints default to private DNS on; gateway endpoints have none.
  const privateDns = isInterface && (input.PrivateDnsEnabled ?? true);
  if (privateDns) checkPrivateDns(vpc);
  const groupIds = isInterface ? (input.SecurityGroupIds ?? []) : [];
  checkGroups(call, vpc, groupIds);
  const fallback = defaultGroupOf(call, vpc.VpcId);
  const routeTableIds = isInterface ? [] : [...new Set(input.RouteTableIds ?? [])];
  checkRouteTables(call, vpc, routeTableIds);
  const endpoint: StoredEndpoint = {
    VpcEndpointId: newId(call.env, "vpce"),
    VpcEndpointType: type,
    VpcId: vpc.VpcId,
    ServiceName: input.ServiceName,
    PolicyDocument: input.PolicyDocument ?? FULL_ACCESS_POLICY,
    RouteTableIds: routeTableIds,
    Interfaces: [],
    GroupIds: isInterface && groupIds.length === 0 && fallback ? [fallback.GroupId] : [...new Set(groupIds)],
    PrivateDnsEnabled: privateDns,
    CreationTimestamp: call.now.toISOString(),
    DnsSuffix: call.env.randomAlphanumeric(8).toLowerCase(),
    OwnerId: call.scope.account,
    Tags: tagsFromSpecifications(input.TagSpecifications, "vpc-endpoint"),
  };
  if (isInterface) addInterfaces(call, endpoint, input.SubnetIds ?? []);
  else
    setEndpointRoutes(call, endpoint.VpcEndpointId, prefixListOf(call.scope.region, service), routeTableIds);
  put(call, endpoint);
  return {
    VpcEndpoint: endpointView(call, endpoint),
    ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
  };
}

const FILTERS: FilterTable<VpcEndpoint> = {
  "vpc-endpoint-id": (e) => e.VpcEndpointId,
  "vpc-id": (e) => e.VpcId,
  "service-name": (e) => e.ServiceName,
  "vpc-endpoint-type": (e) => e.VpcEndpointType,
  "vpc-endpoint-state": (e) => e.State?.toLowerCase(),
  "ip-address-type": (e) => e.IpAddressType,
};

const VPC_ENDPOINTS: Describable<StoredEndpoint, VpcEndpoint> = {
  operation: "DescribeVpcEndpoints",
  kind: KIND.vpcEndpoint,
  idOf: (e) => e.VpcEndpointId,
  view: endpointView,
  filters: FILTERS,
  tagsOf: (e) => e.Tags,
};

export function describeVpcEndpoints(call: Ec2Call, input: DescribeVpcEndpointsCommandInput) {
  return { VpcEndpoints: describe(call, VPC_ENDPOINTS, input.VpcEndpointIds, input.Filters) };
}

export function modifyVpcEndpoint(call: Ec2Call, input: ModifyVpcEndpointCommandInput) {
  const endpoint = structuredClone(must<StoredEndpoint>(call, KIND.vpcEndpoint, input.VpcEndpointId!));
  const vpc = must<StoredVpc>(call, KIND.vpc, endpoint.VpcId);
  const isInterface = endpoint.VpcEndpointType === "Interface";
  if (input.ResetPolicy) endpoint.PolicyDocument = FULL_ACCESS_POLICY;
  if (input.PolicyDocument !== undefined) endpoint.PolicyDocument = input.PolicyDocument;
  if (input.PrivateDnsEnabled !== undefined && isInterface) {
    if (input.PrivateDnsEnabled) checkPrivateDns(vpc);
    endpoint.PrivateDnsEnabled = input.PrivateDnsEnabled;
  }
  if (isInterface) {
    const added = input.AddSecurityGroupIds ?? [];
    checkGroups(call, vpc, added);
    const removed = new Set(input.RemoveSecurityGroupIds ?? []);
    endpoint.GroupIds = [...new Set([...endpoint.GroupIds, ...added])].filter((g) => !removed.has(g));
    for (const subnetId of input.RemoveSubnetIds ?? []) {
      const gone = endpoint.Interfaces.find((i) => i.SubnetId === subnetId);
      if (!gone)
        throw invalidParameter(`Subnet ${subnetId} is not associated with ${endpoint.VpcEndpointId}`);
      releaseInterface(call, gone.NetworkInterfaceId);
      endpoint.Interfaces = endpoint.Interfaces.filter((i) => i !== gone);
    }
    // Interfaces already there take the endpoint's new groups.
    for (const { NetworkInterfaceId } of endpoint.Interfaces) {
      const eni = must<StoredInterface>(call, KIND.networkInterface, NetworkInterfaceId);
      call.store.put(KIND.networkInterface, call.scope, NetworkInterfaceId, {
        ...eni,
        GroupIds: endpoint.GroupIds,
      });
    }
    addInterfaces(call, endpoint, input.AddSubnetIds ?? []);
  } else {
    const added = input.AddRouteTableIds ?? [];
    checkRouteTables(call, vpc, added);
    const removed = new Set(input.RemoveRouteTableIds ?? []);
    endpoint.RouteTableIds = [...new Set([...endpoint.RouteTableIds, ...added])].filter(
      (t) => !removed.has(t),
    );
    setEndpointRoutes(
      call,
      endpoint.VpcEndpointId,
      prefixListOf(call.scope.region, serviceOf(call, endpoint.ServiceName)),
      endpoint.RouteTableIds,
    );
  }
  put(call, endpoint);
  return { Return: true };
}

/** DeleteVpcEndpoints answers per endpoint: the ones it could not delete are listed, the rest are gone. */
export function deleteVpcEndpoints(call: Ec2Call, input: DeleteVpcEndpointsCommandInput) {
  const unsuccessful = [];
  for (const id of input.VpcEndpointIds ?? []) {
    const endpoint = call.store.get<StoredEndpoint>(KIND.vpcEndpoint, call.scope, id);
    if (!endpoint) {
      const error = notFound(KIND.vpcEndpoint, id);
      unsuccessful.push({ ResourceId: id, Error: { Code: error.code, Message: error.message } });
      continue;
    }
    for (const i of endpoint.Interfaces) releaseInterface(call, i.NetworkInterfaceId);
    setEndpointRoutes(call, id, "", []);
    call.store.delete(KIND.vpcEndpoint, call.scope, id);
  }
  return { Unsuccessful: unsuccessful };
}
