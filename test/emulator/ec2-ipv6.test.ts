import {
  AssociateSubnetCidrBlockCommand,
  AssociateVpcCidrBlockCommand,
  AttachInternetGatewayCommand,
  CreateEgressOnlyInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteEgressOnlyInternetGatewayCommand,
  DeleteVpcCommand,
  DescribeEgressOnlyInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DisassociateSubnetCidrBlockCommand,
  DisassociateVpcCidrBlockCommand,
  type EC2Client,
  ModifySubnetAttributeCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatBlock6, parseBlock6 } from "../../src/emulator/ec2/model/cidr6.js";
import { errorOf, startEc2 } from "../helpers/ec2.js";

let ec2: EC2Client;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ ec2, stop } = await startEc2());
});
afterAll(async () => {
  await stop?.();
});

/** The /64 at `index` inside a /56. */
function slash64(block56: string, index: number): string {
  const block = parseBlock6(block56)!;
  return formatBlock6({ base: block.base + (BigInt(index) << 64n), prefix: 64 });
}

describe("IPv6 blocks: RFC 5952 form, host bits dropped", () => {
  it("parses and formats", () => {
    expect(formatBlock6(parseBlock6("2600:1F18:0:0:0:0:0:0/56")!)).toBe("2600:1f18::/56");
    expect(formatBlock6(parseBlock6("2001:db8::1:200c:417a/112")!)).toBe("2001:db8::1:200c:0/112");
    expect(formatBlock6(parseBlock6("::/0")!)).toBe("::/0");
    expect(formatBlock6(parseBlock6("2001:0:0:1:0:0:0:1/128")!)).toBe("2001:0:0:1::1/128");
    for (const bad of [
      "2001:db8::/129",
      "2001:db8:::/64",
      "1:2:3:4:5:6:7:8:9/64",
      "10.0.0.0/8",
      "2001:db8::",
    ]) {
      expect(parseBlock6(bad)).toBeUndefined();
    }
  });
});

describe("EC2 IPv6 through the AWS SDK", () => {
  it("gives a VPC an Amazon-provided /56: local route, ::/0 egress in new groups, one per border group", async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: "10.60.0.0/16", AmazonProvidedIpv6CidrBlock: true }),
    );
    const association = Vpc!.Ipv6CidrBlockAssociationSet![0]!;
    expect(association).toMatchObject({
      Ipv6CidrBlockState: { State: "associated" },
      NetworkBorderGroup: "us-east-1",
      Ipv6Pool: "Amazon",
    });
    expect(association.AssociationId).toMatch(/^vpc-cidr-assoc-[0-9a-f]{17}$/);
    expect(association.Ipv6CidrBlock).toMatch(/^2600:1f[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{0,2}00::\/56$/);
    const vpcId = Vpc!.VpcId!;
    const block = association.Ipv6CidrBlock!;

    const { RouteTables } = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
    );
    expect(RouteTables![0]!.Routes).toContainEqual(
      expect.objectContaining({ DestinationIpv6CidrBlock: block, GatewayId: "local", State: "active" }),
    );
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "v6", Description: "v6", VpcId: vpcId }),
    );
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }));
    expect(SecurityGroups![0]!.IpPermissionsEgress).toEqual([
      expect.objectContaining({
        IpProtocol: "-1",
        IpRanges: [{ CidrIp: "0.0.0.0/0" }],
        Ipv6Ranges: [{ CidrIpv6: "::/0" }],
      }),
    ]);

    expect(
      await errorOf(
        ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true })),
      ),
    ).toEqual({
      name: "CidrLimitExceeded",
      message: `This network ${vpcId} has met its maximum number of allowed CIDRs: 1`,
      status: 400,
    });
    const filtered = await ec2.send(
      new DescribeVpcsCommand({
        Filters: [{ Name: "ipv6-cidr-block-association.ipv6-cidr-block", Values: [block] }],
      }),
    );
    expect(filtered.Vpcs?.map((v) => v.VpcId)).toEqual([vpcId]);
  });

  it("associates and disassociates IPv4 and IPv6 blocks later, with their local routes and the default group's ::/0", async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.61.0.0/16" }));
    const vpcId = Vpc!.VpcId!;
    expect(Vpc!.Ipv6CidrBlockAssociationSet ?? []).toEqual([]);
    const v6 = await ec2.send(
      new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true }),
    );
    expect(v6.Ipv6CidrBlockAssociation?.Ipv6CidrBlockState?.State).toBe("associating");
    const v4 = await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: "10.62.0.0/16" }));
    expect(v4.CidrBlockAssociation).toMatchObject({
      CidrBlock: "10.62.0.0/16",
      CidrBlockState: { State: "associating" },
    });
    for (const CidrBlock of ["10.63.0.0/24", "10.64.0.0/24", "10.65.0.0/24"]) {
      await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock }));
    }
    expect(
      await errorOf(ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: "10.66.0.0/24" }))),
    ).toEqual({
      name: "CidrLimitExceeded",
      message: `This network ${vpcId} has met its maximum number of allowed CIDRs: 5`,
      status: 400,
    });
    const described = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!;
    expect(described.CidrBlockAssociationSet?.map((a) => [a.CidrBlock, a.CidrBlockState?.State])).toEqual([
      ["10.61.0.0/16", "associated"],
      ["10.62.0.0/16", "associated"],
      ["10.63.0.0/24", "associated"],
      ["10.64.0.0/24", "associated"],
      ["10.65.0.0/24", "associated"],
    ]);
    const block = v6.Ipv6CidrBlockAssociation!.Ipv6CidrBlock!;
    const routes = async () =>
      (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] })))
        .RouteTables![0]!.Routes!.filter((r) => r.GatewayId === "local")
        .map((r) => r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock);
    expect(await routes()).toEqual([
      "10.61.0.0/16",
      block,
      "10.62.0.0/16",
      "10.63.0.0/24",
      "10.64.0.0/24",
      "10.65.0.0/24",
    ]);
    const defaults = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "group-name", Values: ["default"] },
        ],
      }),
    );
    expect(defaults.SecurityGroups![0]!.IpPermissionsEgress![0]!.Ipv6Ranges).toEqual([{ CidrIpv6: "::/0" }]);

    // A subnet in the secondary block keeps it associated.
    const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.62.1.0/24" }));
    expect(
      await errorOf(
        ec2.send(
          new DisassociateVpcCidrBlockCommand({ AssociationId: v4.CidrBlockAssociation!.AssociationId! }),
        ),
      ),
    ).toMatchObject({ name: "InvalidCidrBlock.InUse" });
    expect(
      await errorOf(
        ec2.send(
          new DisassociateVpcCidrBlockCommand({
            AssociationId: Vpc!.CidrBlockAssociationSet![0]!.AssociationId!,
          }),
        ),
      ),
    ).toMatchObject({ name: "OperationNotPermitted" });
    const gone = await ec2.send(
      new DisassociateVpcCidrBlockCommand({ AssociationId: v6.Ipv6CidrBlockAssociation!.AssociationId! }),
    );
    expect(gone.Ipv6CidrBlockAssociation).toMatchObject({
      Ipv6CidrBlock: block,
      Ipv6CidrBlockState: { State: "disassociating" },
    });
    expect(await routes()).not.toContain(block);
    expect(Subnet?.CidrBlock).toBe("10.62.1.0/24");
  });

  it("gives subnets a /64 of the VPC's block, IPv6-only subnets, and the attributes that go with them", async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: "10.70.0.0/16", AmazonProvidedIpv6CidrBlock: true }),
    );
    const vpcId = Vpc!.VpcId!;
    const block = Vpc!.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock!;
    const dual = (
      await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: "10.70.1.0/24",
          Ipv6CidrBlock: slash64(block, 1),
        }),
      )
    ).Subnet!;
    expect(dual.Ipv6CidrBlockAssociationSet).toEqual([
      expect.objectContaining({
        Ipv6CidrBlock: slash64(block, 1),
        Ipv6CidrBlockState: { State: "associated" },
      }),
    ]);
    expect(dual).toMatchObject({ AssignIpv6AddressOnCreation: false, Ipv6Native: false });
    expect(
      await errorOf(
        ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: "10.70.2.0/24",
            Ipv6CidrBlock: slash64(block, 1),
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidSubnet.Conflict" });
    expect(
      await errorOf(
        ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: "10.70.2.0/24",
            Ipv6CidrBlock: "2001:db8::/64",
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidSubnet.Range" });

    const native = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, Ipv6Native: true, Ipv6CidrBlock: slash64(block, 2) }),
      )
    ).Subnet!;
    expect(native).toMatchObject({
      Ipv6Native: true,
      AssignIpv6AddressOnCreation: true,
      AvailableIpAddressCount: 0,
    });
    expect(native.CidrBlock).toBeUndefined();
    expect(await errorOf(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, Ipv6Native: true })))).toEqual({
      name: "MissingParameter",
      message: "Either 'ipv6CidrBlock' or 'ipv6IpamPoolId' should be provided.",
      status: 400,
    });

    // An IPv4-only subnet cannot hand out IPv6 addresses until it has a block.
    const plain = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.70.3.0/24" })))
      .Subnet!;
    const assign = (Value: boolean) =>
      ec2.send(
        new ModifySubnetAttributeCommand({
          SubnetId: plain.SubnetId!,
          AssignIpv6AddressOnCreation: { Value },
        }),
      );
    expect(await errorOf(assign(true))).toMatchObject({ name: "InvalidParameterValue" });
    const associated = await ec2.send(
      new AssociateSubnetCidrBlockCommand({ SubnetId: plain.SubnetId!, Ipv6CidrBlock: slash64(block, 3) }),
    );
    await assign(true);
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId: plain.SubnetId!, MapPublicIpOnLaunch: { Value: true } }),
    );
    const after = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [plain.SubnetId!] }))).Subnets![0]!;
    expect(after).toMatchObject({ AssignIpv6AddressOnCreation: true, MapPublicIpOnLaunch: true });
    const associationId = associated.Ipv6CidrBlockAssociation!.AssociationId!;
    expect(
      await errorOf(ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId: associationId }))),
    ).toMatchObject({ name: "InvalidCidrBlock.InUse" });
    await assign(false);
    await ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId: associationId }));
    const byFilter = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "ipv6-native", Values: ["true"] }] }),
    );
    expect(byFilter.Subnets?.map((s) => s.SubnetId)).toEqual([native.SubnetId]);
  });

  it("routes IPv6 to an internet gateway or an egress-only one; a gone egress-only gateway leaves a blackhole", async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: "10.80.0.0/16", AmazonProvidedIpv6CidrBlock: true }),
    );
    const vpcId = Vpc!.VpcId!;
    const block = Vpc!.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock!;
    const { InternetGateway } = await ec2.send(new CreateInternetGatewayCommand({}));
    await ec2.send(
      new AttachInternetGatewayCommand({
        InternetGatewayId: InternetGateway!.InternetGatewayId!,
        VpcId: vpcId,
      }),
    );
    const { EgressOnlyInternetGateway } = await ec2.send(
      new CreateEgressOnlyInternetGatewayCommand({ VpcId: vpcId }),
    );
    const eigw = EgressOnlyInternetGateway!.EgressOnlyInternetGatewayId!;
    expect(EgressOnlyInternetGateway?.Attachments).toEqual([{ State: "attached", VpcId: vpcId }]);
    const pub = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const priv = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: pub,
        DestinationIpv6CidrBlock: "::/0",
        GatewayId: InternetGateway!.InternetGatewayId!,
      }),
    );
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: priv,
        DestinationIpv6CidrBlock: "::/0",
        EgressOnlyInternetGatewayId: eigw,
      }),
    );
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: priv,
            DestinationCidrBlock: "0.0.0.0/0",
            EgressOnlyInternetGatewayId: eigw,
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterValue" });
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: priv,
            DestinationIpv6CidrBlock: slash64(block, 0),
            EgressOnlyInternetGatewayId: eigw,
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterValue", message: expect.stringContaining("more specific") });
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: priv,
            DestinationIpv6CidrBlock: "::/0",
            EgressOnlyInternetGatewayId: "eigw-0",
          }),
        ),
      ),
    ).toMatchObject({ name: "RouteAlreadyExists" });
    const routesOf = async (id: string) =>
      (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables![0]!.Routes!;
    expect(await routesOf(priv)).toContainEqual(
      expect.objectContaining({
        DestinationIpv6CidrBlock: "::/0",
        EgressOnlyInternetGatewayId: eigw,
        State: "active",
      }),
    );
    const filtered = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: "route.egress-only-internet-gateway-id", Values: [eigw] }],
      }),
    );
    expect(filtered.RouteTables?.map((t) => t.RouteTableId)).toEqual([priv]);
    expect(await errorOf(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })))).toMatchObject({
      name: "DependencyViolation",
    });
    expect(
      await ec2.send(new DeleteEgressOnlyInternetGatewayCommand({ EgressOnlyInternetGatewayId: eigw })),
    ).toMatchObject({
      ReturnCode: true,
    });
    expect(await routesOf(priv)).toContainEqual(
      expect.objectContaining({ DestinationIpv6CidrBlock: "::/0", State: "blackhole" }),
    );
    expect(
      await errorOf(
        ec2.send(new DescribeEgressOnlyInternetGatewaysCommand({ EgressOnlyInternetGatewayIds: [eigw] })),
      ),
    ).toMatchObject({ name: "InvalidGatewayID.NotFound" });
  });
});
