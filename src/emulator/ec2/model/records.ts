import type { Tag } from "@aws-sdk/client-ec2";

/**
 * What the EC2 model stores, one record type per resource family: data
 * only, imported by every model file and importing none, so the resource
 * modules depend on one another only through what they do.
 */

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
  /** Secondary IPv4 blocks (AssociateVpcCidrBlock), in association order; the primary is CidrBlock. */
  SecondaryCidrs?: { AssociationId: string; CidrBlock: string }[];
  /** IPv6 blocks: Amazon-provided /56s from the region's pool. */
  Ipv6Cidrs?: StoredIpv6Association[];
}

export interface StoredIpv6Association {
  AssociationId: string;
  Ipv6CidrBlock: string;
  NetworkBorderGroup: string;
  Ipv6Pool: string;
}

export interface StoredSubnet {
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  AvailabilityZoneId: string;
  OwnerId: string;
  Tags: Tag[];
  /** A default VPC's subnets: the zone's default subnet, giving instances public addresses. */
  DefaultForAz?: boolean;
  MapPublicIpOnLaunch?: boolean;
  /** Absent for an IPv6-only subnet (Ipv6Native). */
  CidrBlock?: string;
  Ipv6Cidrs?: { AssociationId: string; Ipv6CidrBlock: string }[];
  Ipv6Native?: boolean;
  AssignIpv6AddressOnCreation?: boolean;
  EnableDns64?: boolean;
  HostnameType?: "ip-name" | "resource-name";
  EnableResourceNameDnsARecord?: boolean;
  EnableResourceNameDnsAAAARecord?: boolean;
}

/** One rule as EC2 keeps it since rule ids exist: one protocol, one port range, one peer. */
export interface StoredRule {
  SecurityGroupRuleId: string;
  IsEgress: boolean;
  /** Normalised: tcp, udp, icmp, icmpv6, -1 (all), or another protocol number. */
  IpProtocol: string;
  /** -1 where the protocol has no ports. */
  FromPort: number;
  ToPort: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  PrefixListId?: string;
  ReferencedGroupId?: string;
  ReferencedUserId?: string;
  Description?: string;
  Tags: Tag[];
}

export interface StoredGroup {
  GroupId: string;
  GroupName: string;
  Description: string;
  VpcId: string;
  OwnerId: string;
  Tags: Tag[];
  Rules: StoredRule[];
}

export interface StoredRoute {
  DestinationCidrBlock?: string;
  DestinationIpv6CidrBlock?: string;
  DestinationPrefixListId?: string;
  EgressOnlyInternetGatewayId?: string;
  /** `local`, an internet gateway, or a gateway endpoint (vpce-) as EC2 shows it. */
  GatewayId?: string;
  NatGatewayId?: string;
  NetworkInterfaceId?: string;
  Origin: "CreateRouteTable" | "CreateRoute";
}

export interface StoredAssociation {
  RouteTableAssociationId: string;
  SubnetId?: string;
  /** A gateway route table's edge association: traffic entering the VPC through this internet gateway. */
  GatewayId?: string;
  Main: boolean;
}

export interface StoredRouteTable {
  RouteTableId: string;
  VpcId: string;
  OwnerId: string;
  Routes: StoredRoute[];
  Associations: StoredAssociation[];
  Tags: Tag[];
}

export interface StoredInternetGateway {
  InternetGatewayId: string;
  OwnerId: string;
  Tags: Tag[];
  AttachedVpcId?: string;
}

export interface StoredEgressOnlyInternetGateway {
  EgressOnlyInternetGatewayId: string;
  VpcId: string;
  Tags: Tag[];
}

export interface StoredNatGateway {
  NatGatewayId: string;
  SubnetId: string;
  VpcId: string;
  State: "pending" | "available" | "deleting" | "deleted" | "failed";
  ConnectivityType: "public" | "private";
  NetworkInterfaceId: string;
  PrivateIp: string;
  AllocationId?: string;
  PublicIp?: string;
  AssociationId?: string;
  CreateTime: string;
  DeleteTime?: string;
  Tags: Tag[];
}

export interface StoredAttachment {
  AttachmentId: string;
  DeviceIndex: number;
  NetworkCardIndex: number;
  InstanceId?: string;
  InstanceOwnerId: string;
  AttachTime: string;
  DeleteOnTermination: boolean;
}

export interface StoredInterface {
  NetworkInterfaceId: string;
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  AvailabilityZoneId: string;
  Description: string;
  GroupIds: string[];
  /** EC2's interface types, plus `agentic_ai` (AgentCore) and `nat_gateway`, which AWS reports but botocore's enum lacks. */
  InterfaceType: string;
  MacAddress: string;
  OwnerId: string;
  PrivateIpAddress: string;
  /** Secondary private IPv4 addresses (CreateNetworkInterface PrivateIpAddresses / SecondaryPrivateIpAddressCount). */
  SecondaryPrivateIpAddresses?: string[];
  RequesterManaged: boolean;
  Tags: Tag[];
  Attachment?: StoredAttachment;
  /** Who had it made, when a service did (kept for the record; EC2 shows no such member). */
  RequesterArn?: string;
}

export interface StoredEndpoint {
  VpcEndpointId: string;
  VpcEndpointType: "Interface" | "Gateway";
  VpcId: string;
  ServiceName: string;
  PolicyDocument: string;
  RouteTableIds: string[];
  /** Interface endpoints: one interface per subnet, in the subnets' order. */
  Interfaces: { SubnetId: string; NetworkInterfaceId: string }[];
  GroupIds: string[];
  PrivateDnsEnabled: boolean;
  CreationTimestamp: string;
  /** The random part of the endpoint's regional DNS name. */
  DnsSuffix: string;
  OwnerId: string;
  Tags: Tag[];
}
