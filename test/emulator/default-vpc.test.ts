import {
  CreateSecurityGroupCommand,
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zonesOf } from "../../src/emulator/ec2/model/availability-zones.js";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { errorOf, startEc2 } from "../helpers/ec2.js";
import { sdkConfig } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let ec2: EC2Client;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ emulator, ec2, stop } = await startEc2());
});
afterAll(async () => {
  await stop?.();
});

const defaultVpc = async (client: EC2Client = ec2) =>
  (await client.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))).Vpcs!;

describe("the default VPC, as AWS makes it for every account and region", () => {
  it("is 172.31.0.0/16 with DNS hostnames on, one default /20 per zone, public addresses on launch", async () => {
    const [vpc, ...more] = await defaultVpc();
    expect(more).toEqual([]);
    expect(vpc).toMatchObject({ CidrBlock: "172.31.0.0/16", IsDefault: true, State: "available" });
    const VpcId = vpc!.VpcId!;
    const hostnames = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId, Attribute: "enableDnsHostnames" }),
    );
    expect(hostnames.EnableDnsHostnames?.Value).toBe(true);
    const { Subnets } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [VpcId] }] }),
    );
    const zones = Object.keys(zonesOf("us-east-1"));
    expect(Subnets!.map((s) => [s.AvailabilityZone, s.CidrBlock])).toEqual(
      zones.map((zone, n) => [zone, `172.31.${n * 16}.0/20`]),
    );
    for (const subnet of Subnets!) {
      expect(subnet).toMatchObject({
        DefaultForAz: true,
        MapPublicIpOnLaunch: true,
        AvailableIpAddressCount: 4091,
      });
    }
    const defaults = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }),
    );
    expect(defaults.Subnets).toHaveLength(zones.length);
  });

  it("has an attached internet gateway, a main route table to it, and the default security group", async () => {
    const VpcId = (await defaultVpc())[0]!.VpcId!;
    const { InternetGateways } = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [VpcId] }] }),
    );
    expect(InternetGateways).toHaveLength(1);
    const igw = InternetGateways![0]!.InternetGatewayId!;
    const { RouteTables } = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [VpcId] }] }),
    );
    expect(RouteTables).toHaveLength(1);
    expect(RouteTables![0]!.Associations).toEqual([expect.objectContaining({ Main: true })]);
    expect(RouteTables![0]!.Routes).toEqual([
      expect.objectContaining({ DestinationCidrBlock: "172.31.0.0/16", GatewayId: "local", State: "active" }),
      expect.objectContaining({ DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw, State: "active" }),
    ]);
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ["default"] }));
    expect(SecurityGroups).toEqual([expect.objectContaining({ GroupName: "default", VpcId })]);
  });

  it("takes security groups made without a VpcId, and names in the default VPC", async () => {
    const VpcId = (await defaultVpc())[0]!.VpcId!;
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "web", Description: "web" }),
    );
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ["web"] }));
    expect(SecurityGroups).toEqual([expect.objectContaining({ GroupId, VpcId })]);
    expect(
      await errorOf(ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ["nope"] }))),
    ).toMatchObject({
      name: "InvalidGroup.NotFound",
      message: `The security group 'nope' does not exist in default VPC '${VpcId}'`,
    });
  });

  it("is one per region and account", async () => {
    const west = new EC2Client({ ...sdkConfig(emulator), region: "eu-west-1" });
    const [vpc] = await defaultVpc(west);
    expect(vpc!.VpcId).not.toBe((await defaultVpc())[0]!.VpcId);
    const { Subnets } = await west.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc!.VpcId!] }] }),
    );
    expect(Subnets!.map((s) => s.AvailabilityZone)).toEqual(Object.keys(zonesOf("eu-west-1")));
    west.destroy();
  });

  it("once deleted stays deleted, and groups then need a VpcId; a reset brings it back", async () => {
    const client = new EC2Client({ ...sdkConfig(emulator), region: "us-west-2" });
    const VpcId = (await defaultVpc(client))[0]!.VpcId!;
    const { Subnets } = await client.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [VpcId] }] }),
    );
    for (const subnet of Subnets!) await client.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId! }));
    const { InternetGateways } = await client.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [VpcId] }] }),
    );
    const InternetGatewayId = InternetGateways![0]!.InternetGatewayId!;
    await client.send(new DetachInternetGatewayCommand({ InternetGatewayId, VpcId }));
    await client.send(new DeleteInternetGatewayCommand({ InternetGatewayId }));
    await client.send(new DeleteVpcCommand({ VpcId }));
    expect(await defaultVpc(client)).toEqual([]);
    expect((await client.send(new DescribeVpcsCommand({}))).Vpcs).toEqual([]);
    expect(
      await errorOf(client.send(new CreateSecurityGroupCommand({ GroupName: "x", Description: "no vpc" }))),
    ).toMatchObject({ name: "VPCIdNotSpecified" });
    expect(
      await errorOf(client.send(new DescribeSecurityGroupsCommand({ GroupNames: ["default"] }))),
    ).toMatchObject({ name: "VPCIdNotSpecified" });
    const reset = await fetch(`${emulator.url}/_emulator/reset/ec2`, { method: "POST" });
    expect(reset.status).toBe(200);
    expect(await defaultVpc(client)).toHaveLength(1);
    client.destroy();
  });

  it("is not made when the emulator is started without it", async () => {
    const bare = await startEc2({ defaultVpc: false });
    expect((await bare.ec2.send(new DescribeVpcsCommand({}))).Vpcs).toEqual([]);
    await bare.stop();
  });
});
