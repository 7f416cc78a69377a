import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeTagsCommand,
  type EC2Client,
  ReplaceRouteTableAssociationCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startEc2 } from "../helpers/ec2.js";

let ec2: EC2Client;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ ec2, stop } = await startEc2());
});
afterAll(async () => {
  await stop?.();
});

describe("EC2 CIDR blocks in their canonical form", () => {
  // EC2 API reference (CreateVpc, CreateSubnet, CreateRoute, IpRange): "if you
  // specify 100.68.0.18/18, we modify it to 100.68.0.0/18".
  it("drops host bits from VPC, subnet, route and rule CIDRs, and answers the canonical block", async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.250.1.7/16" }));
    expect(Vpc?.CidrBlock).toBe("10.250.0.0/16");
    expect(Vpc?.CidrBlockAssociationSet?.[0]?.CidrBlock).toBe("10.250.0.0/16");
    const vpcId = Vpc!.VpcId!;

    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.250.16.18/20" }),
    );
    expect(Subnet?.CidrBlock).toBe("10.250.16.0/20");
    expect(Subnet?.AvailableIpAddressCount).toBe(4096 - 5);
    // The canonical block overlaps what the given text names.
    expect(
      await errorOf(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.250.31.0/20" }))),
    ).toMatchObject({ name: "InvalidSubnet.Conflict" });

    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "canon", Description: "canonical rules", VpcId: vpcId }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "100.68.0.18/18" }] },
        ],
      }),
    );
    const { SecurityGroupRules } = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [GroupId!] }] }),
    );
    expect(SecurityGroupRules?.filter((r) => !r.IsEgress).map((r) => r.CidrIpv4)).toEqual(["100.68.0.0/18"]);
    // "if you attempt to add another rule with the non-canonical form ... the API throws an duplicate rule error"
    expect(
      await errorOf(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId,
            IpPermissions: [
              { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "100.68.0.0/18" }] },
            ],
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidPermission.Duplicate" });
  });

  it("stores a route's destination canonical, and DeleteRoute finds it by either form", async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.77.0.0/16" }));
    const vpcId = Vpc!.VpcId!;
    const { InternetGateway } = await ec2.send(new CreateInternetGatewayCommand({}));
    const igw = InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const { RouteTable } = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    const tableId = RouteTable!.RouteTableId!;
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: tableId,
        DestinationCidrBlock: "192.168.7.9/24",
        GatewayId: igw,
      }),
    );
    const routes = async () =>
      (
        await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }))
      ).RouteTables?.[0]?.Routes?.map((r) => r.DestinationCidrBlock);
    expect(await routes()).toEqual(["10.77.0.0/16", "192.168.7.0/24"]);
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: tableId,
            DestinationCidrBlock: "192.168.7.0/24",
            GatewayId: igw,
          }),
        ),
      ),
    ).toMatchObject({ name: "RouteAlreadyExists" });
    // Inside the VPC's block: refused for a gateway, and the message names the canonical block.
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: tableId,
            DestinationCidrBlock: "10.77.3.4/24",
            GatewayId: igw,
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterValue", message: expect.stringContaining("10.77.3.0/24") });
    await ec2.send(
      new DeleteRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: "192.168.7.200/24" }),
    );
    expect(await routes()).toEqual(["10.77.0.0/16"]);
  });

  it("still refuses what is no CIDR block at all", async () => {
    for (const CidrBlock of ["10.0.0.0", "10.0.0.256/16", "10.0.0.0/33", "::/0"]) {
      expect(await errorOf(ec2.send(new CreateVpcCommand({ CidrBlock })))).toMatchObject({
        name: "InvalidParameterValue",
        message: `Value (${CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
      });
    }
  });
});

describe("EC2 DescribeTags and ReplaceRouteTableAssociation", () => {
  it("lists every tag with its resource id and type, filtered by key, value, resource-id and resource-type", async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: "10.90.0.0/16",
        TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "team", Value: "agents" }] }],
      }),
    );
    const { RouteTable } = await ec2.send(new CreateRouteTableCommand({ VpcId: Vpc!.VpcId! }));
    await ec2.send(
      new CreateTagsCommand({
        Resources: [RouteTable!.RouteTableId!],
        Tags: [
          { Key: "team", Value: "net" },
          { Key: "Name", Value: "private" },
        ],
      }),
    );
    const tags = async (Filters: { Name: string; Values: string[] }[]) =>
      (await ec2.send(new DescribeTagsCommand({ Filters }))).Tags;
    expect(await tags([{ Name: "resource-id", Values: [RouteTable!.RouteTableId!] }])).toEqual([
      { Key: "team", ResourceId: RouteTable!.RouteTableId, ResourceType: "route-table", Value: "net" },
      { Key: "Name", ResourceId: RouteTable!.RouteTableId, ResourceType: "route-table", Value: "private" },
    ]);
    expect((await tags([{ Name: "key", Values: ["team"] }]))?.map((t) => t.ResourceId)).toEqual([
      Vpc!.VpcId,
      RouteTable!.RouteTableId,
    ]);
    expect((await tags([{ Name: "resource-type", Values: ["vpc"] }]))?.map((t) => t.Value)).toEqual([
      "agents",
    ]);
    expect(
      await errorOf(ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "owner", Values: ["x"] }] }))),
    ).toMatchObject({ name: "InvalidParameterValue" });
  });

  it("moves a subnet's association, and the main one, to another table of the VPC under a new id", async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.91.0.0/16" }));
    const vpcId = Vpc!.VpcId!;
    const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.91.1.0/24" }));
    const first = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const second = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const { AssociationId } = await ec2.send(
      new AssociateRouteTableCommand({ RouteTableId: first, SubnetId: Subnet!.SubnetId! }),
    );
    const replaced = await ec2.send(
      new ReplaceRouteTableAssociationCommand({ AssociationId, RouteTableId: second }),
    );
    expect(replaced.NewAssociationId).toMatch(/^rtbassoc-/);
    expect(replaced.NewAssociationId).not.toBe(AssociationId);
    const associations = async (id: string) =>
      (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables![0]!
        .Associations!;
    expect(await associations(first)).toEqual([]);
    expect(await associations(second)).toEqual([
      expect.objectContaining({
        RouteTableAssociationId: replaced.NewAssociationId,
        SubnetId: Subnet!.SubnetId,
        Main: false,
      }),
    ]);
    const main = (
      await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: "vpc-id", Values: [vpcId] },
            { Name: "association.main", Values: ["true"] },
          ],
        }),
      )
    ).RouteTables![0]!;
    const mainAssociation = main.Associations!.find((a) => a.Main)!.RouteTableAssociationId!;
    const newMain = await ec2.send(
      new ReplaceRouteTableAssociationCommand({ AssociationId: mainAssociation, RouteTableId: first }),
    );
    expect(await associations(first)).toEqual([
      expect.objectContaining({ RouteTableAssociationId: newMain.NewAssociationId, Main: true }),
    ]);
    expect(
      await errorOf(
        ec2.send(
          new ReplaceRouteTableAssociationCommand({ AssociationId: "rtbassoc-0", RouteTableId: first }),
        ),
      ),
    ).toMatchObject({ name: "InvalidAssociationID.NotFound" });
    expect(
      await errorOf(
        ec2.send(
          new ReplaceRouteTableAssociationCommand({
            AssociationId: newMain.NewAssociationId!,
            RouteTableId: "rtb-0",
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidRouteTableID.NotFound" });
  });
});
