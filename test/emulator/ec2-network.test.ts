import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteNetworkInterfaceCommand,
  DeleteRouteCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DeleteVpcEndpointsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startEc2 } from "../helpers/ec2.js";

let ec2: EC2Client;
let stop: () => Promise<void>;
const clock = new Date("2026-11-25T10:00:00Z");

beforeAll(async () => {
  ({ ec2, stop } = await startEc2({ env: { clock: () => clock } }));
});
afterAll(async () => {
  await stop?.();
});

/** The network of the incident: a VPC, a public subnet with a NAT gateway, a private subnet for the runtime. */
const net = {
  vpcId: "",
  publicSubnet: "",
  privateSubnet: "",
  igw: "",
  nat: "",
  privateTable: "",
  mainTable: "",
};

describe("EC2 VPC resources through the AWS SDK", () => {
  it("creates a VPC with its main route table (local route) and default security group; DNS hostnames off", async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: "10.0.0.0/16",
        TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "Name", Value: "agents" }] }],
      }),
    );
    expect(Vpc).toMatchObject({
      CidrBlock: "10.0.0.0/16",
      State: "available",
      IsDefault: false,
      OwnerId: "123456789012",
      InstanceTenancy: "default",
      Tags: [{ Key: "Name", Value: "agents" }],
      CidrBlockAssociationSet: [{ CidrBlock: "10.0.0.0/16", CidrBlockState: { State: "associated" } }],
    });
    expect(Vpc!.VpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    net.vpcId = Vpc!.VpcId!;

    const tables = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [net.vpcId] }] }),
    );
    expect(tables.RouteTables).toHaveLength(1);
    const [main] = tables.RouteTables!;
    expect(main!.Associations).toMatchObject([{ Main: true, AssociationState: { State: "associated" } }]);
    expect(main!.Routes).toEqual([
      {
        DestinationCidrBlock: "10.0.0.0/16",
        GatewayId: "local",
        Origin: "CreateRouteTable",
        State: "active",
      },
    ]);
    net.mainTable = main!.RouteTableId!;

    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [net.vpcId] }] }),
    );
    expect(groups.SecurityGroups).toMatchObject([
      { GroupName: "default", Description: "default VPC security group" },
    ]);

    const hostnames = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: net.vpcId, Attribute: "enableDnsHostnames" }),
    );
    expect(hostnames.EnableDnsHostnames).toEqual({ Value: false });
    const support = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: net.vpcId, Attribute: "enableDnsSupport" }),
    );
    expect(support).toMatchObject({ VpcId: net.vpcId, EnableDnsSupport: { Value: true } });
  });

  it("creates two subnets, by zone name and by zone id, with the fixed name→id mapping and free-address counts", async () => {
    const pub = await ec2.send(
      new CreateSubnetCommand({ VpcId: net.vpcId, CidrBlock: "10.0.0.0/24", AvailabilityZone: "us-east-1a" }),
    );
    const priv = await ec2.send(
      new CreateSubnetCommand({
        VpcId: net.vpcId,
        CidrBlock: "10.0.1.0/24",
        AvailabilityZoneId: "use1-az2",
        TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "tier", Value: "private" }] }],
      }),
    );
    expect(pub.Subnet).toMatchObject({ AvailabilityZone: "us-east-1a", AvailabilityZoneId: "use1-az1" });
    expect(priv.Subnet).toMatchObject({
      AvailabilityZone: "us-east-1b",
      AvailabilityZoneId: "use1-az2",
      AvailableIpAddressCount: 251,
      State: "available",
      MapPublicIpOnLaunch: false,
      SubnetArn: `arn:aws:ec2:us-east-1:123456789012:subnet/${priv.Subnet!.SubnetId}`,
    });
    net.publicSubnet = pub.Subnet!.SubnetId!;
    net.privateSubnet = priv.Subnet!.SubnetId!;

    const tagged = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "tag:tier", Values: ["priv*"] }] }),
    );
    expect(tagged.Subnets!.map((s) => s.SubnetId)).toEqual([net.privateSubnet]);
    // Fields DescribeSubnets always carries, even empty or at their defaults.
    expect(tagged.Subnets![0]).toMatchObject({
      Ipv6CidrBlockAssociationSet: [],
      PrivateDnsNameOptionsOnLaunch: {
        HostnameType: "ip-name",
        EnableResourceNameDnsARecord: false,
        EnableResourceNameDnsAAAARecord: false,
      },
    });

    const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(zones.AvailabilityZones!.map((z) => `${z.ZoneName}=${z.ZoneId}`)).toEqual([
      "us-east-1a=use1-az1",
      "us-east-1b=use1-az2",
      "us-east-1c=use1-az4",
      "us-east-1d=use1-az6",
      "us-east-1e=use1-az3",
      "us-east-1f=use1-az5",
    ]);
  });

  it("refuses subnets outside the VPC, overlapping another, or in a zone the region lacks", async () => {
    expect(
      await errorOf(ec2.send(new CreateSubnetCommand({ VpcId: net.vpcId, CidrBlock: "10.0.1.128/25" }))),
    ).toEqual({
      name: "InvalidSubnet.Conflict",
      message: "The CIDR '10.0.1.128/25' conflicts with another subnet",
      status: 400,
    });
    expect(
      await errorOf(ec2.send(new CreateSubnetCommand({ VpcId: net.vpcId, CidrBlock: "10.1.0.0/24" }))),
    ).toMatchObject({
      name: "InvalidSubnet.Range",
    });
    expect(
      await errorOf(
        ec2.send(
          new CreateSubnetCommand({
            VpcId: net.vpcId,
            CidrBlock: "10.0.9.0/24",
            AvailabilityZone: "us-east-1z",
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterValue", status: 400 });
    expect(
      await errorOf(
        ec2.send(new CreateSubnetCommand({ VpcId: "vpc-0123456789abcdef0", CidrBlock: "10.0.9.0/24" })),
      ),
    ).toEqual({
      name: "InvalidVpcID.NotFound",
      message: "The vpc ID 'vpc-0123456789abcdef0' does not exist",
      status: 400,
    });
  });

  it("routes the private subnet through a NAT gateway in the public subnet, which holds an address there", async () => {
    const igw = await ec2.send(new CreateInternetGatewayCommand({}));
    net.igw = igw.InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: net.igw, VpcId: net.vpcId }));
    const described = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [net.vpcId] }] }),
    );
    expect(described.InternetGateways).toMatchObject([
      { InternetGatewayId: net.igw, Attachments: [{ State: "available", VpcId: net.vpcId }] },
    ]);
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: net.mainTable,
        DestinationCidrBlock: "0.0.0.0/0",
        GatewayId: net.igw,
      }),
    );

    const created = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: net.publicSubnet, AllocationId: "eipalloc-0123456789abcdef0" }),
    );
    expect(created.NatGateway).toMatchObject({
      State: "available",
      ConnectivityType: "public",
      SubnetId: net.publicSubnet,
      VpcId: net.vpcId,
      CreateTime: clock,
      NatGatewayAddresses: [
        { AllocationId: "eipalloc-0123456789abcdef0", PrivateIp: "10.0.0.4", IsPrimary: true },
      ],
    });
    expect(created.ClientToken).toBeTruthy();
    net.nat = created.NatGateway!.NatGatewayId!;
    const natEni = created.NatGateway!.NatGatewayAddresses![0]!.NetworkInterfaceId!;
    const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [natEni] }));
    expect(enis.NetworkInterfaces).toMatchObject([
      {
        InterfaceType: "nat_gateway",
        RequesterManaged: true,
        Status: "in-use",
        Description: `Interface for NAT Gateway ${net.nat}`,
      },
    ]);
    const subnet = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [net.publicSubnet] }));
    expect(subnet.Subnets![0]!.AvailableIpAddressCount).toBe(250);

    const table = await ec2.send(new CreateRouteTableCommand({ VpcId: net.vpcId }));
    net.privateTable = table.RouteTable!.RouteTableId!;
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: net.privateTable,
        DestinationCidrBlock: "0.0.0.0/0",
        NatGatewayId: net.nat,
      }),
    );
    const association = await ec2.send(
      new AssociateRouteTableCommand({ RouteTableId: net.privateTable, SubnetId: net.privateSubnet }),
    );
    expect(association.AssociationId).toMatch(/^rtbassoc-[0-9a-f]{17}$/);
    expect(association.AssociationState).toEqual({ State: "associated" });

    const routed = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: "association.subnet-id", Values: [net.privateSubnet] }],
      }),
    );
    expect(routed.RouteTables).toHaveLength(1);
    expect(routed.RouteTables![0]!.Routes).toEqual([
      {
        DestinationCidrBlock: "10.0.0.0/16",
        GatewayId: "local",
        Origin: "CreateRouteTable",
        State: "active",
      },
      { DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: net.nat, Origin: "CreateRoute", State: "active" },
    ]);
    const viaNat = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "route.nat-gateway-id", Values: [net.nat] }] }),
    );
    expect(viaNat.RouteTables!.map((t) => t.RouteTableId)).toEqual([net.privateTable]);
  });

  it("refuses duplicate routes, routes to a foreign gateway, and deleting the local route", async () => {
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: net.privateTable,
            DestinationCidrBlock: "0.0.0.0/0",
            GatewayId: net.igw,
          }),
        ),
      ),
    ).toEqual({
      name: "RouteAlreadyExists",
      message: "The route identified by 0.0.0.0/0 already exists.",
      status: 400,
    });
    expect(
      await errorOf(
        ec2.send(
          new DeleteRouteCommand({ RouteTableId: net.privateTable, DestinationCidrBlock: "10.0.0.0/16" }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterValue" });
    expect(
      await errorOf(
        ec2.send(
          new DeleteRouteCommand({ RouteTableId: net.privateTable, DestinationCidrBlock: "192.168.0.0/16" }),
        ),
      ),
    ).toMatchObject({ name: "InvalidRoute.NotFound" });
    expect(
      await errorOf(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: net.igw }))),
    ).toMatchObject({
      name: "DependencyViolation",
    });
  });

  it("refuses an interface endpoint with private DNS until the VPC has DNS hostnames, then creates one ENI per subnet", async () => {
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "endpoints",
        Description: "443 from the VPC",
        VpcId: net.vpcId,
      }),
    );
    const request = {
      VpcId: net.vpcId,
      VpcEndpointType: "Interface" as const,
      ServiceName: "com.amazonaws.us-east-1.logs",
      SubnetIds: [net.privateSubnet],
      SecurityGroupIds: [sg.GroupId!],
    };
    expect(await errorOf(ec2.send(new CreateVpcEndpointCommand(request)))).toEqual({
      name: "InvalidParameter",
      message: `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${net.vpcId}`,
      status: 400,
    });
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: net.vpcId, EnableDnsHostnames: { Value: true } }));
    const { VpcEndpoint } = await ec2.send(new CreateVpcEndpointCommand(request));
    expect(VpcEndpoint).toMatchObject({
      VpcEndpointType: "Interface",
      ServiceName: "com.amazonaws.us-east-1.logs",
      State: "Available",
      PrivateDnsEnabled: true,
      SubnetIds: [net.privateSubnet],
      Groups: [{ GroupId: sg.GroupId, GroupName: "endpoints" }],
      RouteTableIds: [],
      CreationTimestamp: clock,
    });
    expect(VpcEndpoint!.NetworkInterfaceIds).toHaveLength(1);
    expect(VpcEndpoint!.DnsEntries!.map((d) => d.DnsName)).toEqual([
      expect.stringMatching(
        new RegExp(`^${VpcEndpoint!.VpcEndpointId}-[a-z0-9]{8}\\.logs\\.us-east-1\\.vpce\\.amazonaws\\.com$`),
      ),
      expect.stringMatching(/-us-east-1b\.logs\.us-east-1\.vpce\.amazonaws\.com$/),
      "logs.us-east-1.amazonaws.com",
    ]);
    const eni = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "interface-type", Values: ["vpc_endpoint"] }],
      }),
    );
    expect(eni.NetworkInterfaces).toMatchObject([
      {
        NetworkInterfaceId: VpcEndpoint!.NetworkInterfaceIds![0],
        SubnetId: net.privateSubnet,
        Groups: [{ GroupId: sg.GroupId }],
        RequesterManaged: true,
        Status: "in-use",
        Description: `VPC Endpoint Interface ${VpcEndpoint!.VpcEndpointId}`,
      },
    ]);
    expect(
      await errorOf(
        ec2.send(
          new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: VpcEndpoint!.NetworkInterfaceIds![0] }),
        ),
      ),
    ).toEqual({
      name: "InvalidParameterValue",
      message: `Network interface '${VpcEndpoint!.NetworkInterfaceIds![0]}' is currently in use.`,
      status: 400,
    });

    await ec2.send(
      new ModifyVpcEndpointCommand({ VpcEndpointId: VpcEndpoint!.VpcEndpointId!, PrivateDnsEnabled: false }),
    );
    const after = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: "service-name", Values: ["*.logs"] }] }),
    );
    expect(after.VpcEndpoints).toMatchObject([{ PrivateDnsEnabled: false }]);
    expect(after.VpcEndpoints![0]!.DnsEntries).toHaveLength(2);
  });

  it("adds a gateway endpoint's prefix-list route to its route tables and removes it with the endpoint", async () => {
    const { VpcEndpoint } = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: net.vpcId,
        ServiceName: "com.amazonaws.us-east-1.s3",
        RouteTableIds: [net.privateTable],
      }),
    );
    expect(VpcEndpoint).toMatchObject({
      VpcEndpointType: "Gateway",
      RouteTableIds: [net.privateTable],
      PrivateDnsEnabled: false,
    });
    const table = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [net.privateTable] }));
    expect(table.RouteTables![0]!.Routes).toContainEqual({
      DestinationPrefixListId: "pl-63a5400a",
      GatewayId: VpcEndpoint!.VpcEndpointId,
      Origin: "CreateRoute",
      State: "active",
    });
    expect(
      await errorOf(
        ec2.send(
          new CreateVpcEndpointCommand({ VpcId: net.vpcId, ServiceName: "com.amazonaws.us-east-1.sts" }),
        ),
      ),
    ).toMatchObject({
      name: "InvalidParameter",
      message: "Endpoint type (Gateway) does not match available service types ([Interface]).",
    });

    const deleted = await ec2.send(
      new DeleteVpcEndpointsCommand({
        VpcEndpointIds: [VpcEndpoint!.VpcEndpointId!, "vpce-0123456789abcdef0"],
      }),
    );
    expect(deleted.Unsuccessful).toEqual([
      {
        ResourceId: "vpce-0123456789abcdef0",
        Error: {
          Code: "InvalidVpcEndpointId.NotFound",
          Message: "The Vpc Endpoint Id 'vpce-0123456789abcdef0' does not exist",
        },
      },
    ]);
    const after = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [net.privateTable] }));
    expect(after.RouteTables![0]!.Routes!.some((r) => r.DestinationPrefixListId)).toBe(false);
  });

  it("turns the NAT route into a blackhole when the NAT gateway is deleted, and frees its address", async () => {
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: net.nat }));
    const nat = await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [net.nat] }));
    expect(nat.NatGateways).toMatchObject([{ State: "deleted", DeleteTime: clock }]);
    const table = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [net.privateTable] }));
    expect(table.RouteTables![0]!.Routes![1]).toMatchObject({ NatGatewayId: net.nat, State: "blackhole" });
    const blackholes = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "route.state", Values: ["blackhole"] }] }),
    );
    expect(blackholes.RouteTables!.map((t) => t.RouteTableId)).toEqual([net.privateTable]);
    const subnet = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [net.publicSubnet] }));
    expect(subnet.Subnets![0]!.AvailableIpAddressCount).toBe(251);
  });

  it("refuses to delete a VPC while it holds resources, then deletes an empty one with its defaults", async () => {
    expect(await errorOf(ec2.send(new DeleteVpcCommand({ VpcId: net.vpcId })))).toEqual({
      name: "DependencyViolation",
      message: `The vpc '${net.vpcId}' has dependencies and cannot be deleted.`,
      status: 400,
    });
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "172.16.0.0/24" }));
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: "172.16.0.0/28" }),
    );
    await ec2.send(new DeleteSubnetCommand({ SubnetId: Subnet!.SubnetId! }));
    await ec2.send(new DeleteVpcCommand({ VpcId: Vpc!.VpcId! }));
    const left = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "cidr", Values: ["172.16.*"] }] }),
    );
    expect(left.Vpcs).toEqual([]);
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [Vpc!.VpcId!] }] }),
    );
    expect(groups.SecurityGroups).toEqual([]);
  });
});
