import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVpcAttributeCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { awsCli, awsCliSkip } from "../helpers/aws-cli.js";
import { errorOf, startEc2 } from "../helpers/ec2.js";
import { sdkConfig } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let ec2: EC2Client;
let stop: () => Promise<void>;
if (awsCliSkip) console.log(`ec2 and logs mends: AWS CLI cases skipped: ${awsCliSkip}`);

beforeAll(async () => {
  ({ emulator, ec2, stop } = await startEc2());
});
afterAll(async () => {
  await stop?.();
});

const newVpc = async () => (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.8.0.0/16" }))).Vpc!.VpcId!;

describe("security-group rules take tags", () => {
  it("CreateTags and DeleteTags on an sgr- id change that rule's tags only", async () => {
    const vpc = await newVpc();
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "tagged-rules", Description: "d", VpcId: vpc }),
    );
    const { SecurityGroupRules } = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/8" }] },
          { IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "10.0.0.0/8" }] },
        ],
      }),
    );
    const [https, http] = SecurityGroupRules!.map((r) => r.SecurityGroupRuleId!);
    await ec2.send(new CreateTagsCommand({ Resources: [https!], Tags: [{ Key: "Name", Value: "https" }] }));
    const rules = async () =>
      (await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [https!, http!] })))
        .SecurityGroupRules!;
    expect(Object.fromEntries((await rules()).map((r) => [r.SecurityGroupRuleId, r.Tags]))).toEqual({
      [https!]: [{ Key: "Name", Value: "https" }],
      [http!]: [],
    });
    await ec2.send(new DeleteTagsCommand({ Resources: [https!], Tags: [{ Key: "Name" }] }));
    expect((await rules()).every((r) => r.Tags?.length === 0)).toBe(true);
    expect(
      await errorOf(
        ec2.send(new CreateTagsCommand({ Resources: ["sgr-0123456789abcdef0"], Tags: [{ Key: "a" }] })),
      ),
    ).toMatchObject({ name: "InvalidSecurityGroupRuleId.NotFound", status: 400 });
  });
});

describe("ModifyVpcAttribute EnableNetworkAddressUsageMetrics", () => {
  it("turns the metrics on and DescribeVpcAttribute shows it", async () => {
    const VpcId = await newVpc();
    const read = async () =>
      (
        await ec2.send(
          new DescribeVpcAttributeCommand({ VpcId, Attribute: "enableNetworkAddressUsageMetrics" }),
        )
      ).EnableNetworkAddressUsageMetrics?.Value;
    expect(await read()).toBe(false);
    await ec2.send(
      new ModifyVpcAttributeCommand({ VpcId, EnableNetworkAddressUsageMetrics: { Value: true } }),
    );
    expect(await read()).toBe(true);
    expect(
      await errorOf(
        ec2.send(
          new ModifyVpcAttributeCommand({
            VpcId,
            EnableNetworkAddressUsageMetrics: { Value: false },
            EnableDnsSupport: { Value: true },
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterCombination" });
  });
});

describe("AssociateRouteTable with a gateway", () => {
  it("makes an edge association for an internet gateway attached to the table's VPC, once", async () => {
    const VpcId = await newVpc();
    const { InternetGateway } = await ec2.send(new CreateInternetGatewayCommand({}));
    const GatewayId = InternetGateway!.InternetGatewayId!;
    const RouteTableId = (await ec2.send(new CreateRouteTableCommand({ VpcId }))).RouteTable!.RouteTableId!;
    expect(
      await errorOf(ec2.send(new AssociateRouteTableCommand({ RouteTableId, GatewayId }))),
    ).toMatchObject({
      name: "InvalidParameterValue",
    });
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: GatewayId, VpcId }));
    const associated = await ec2.send(new AssociateRouteTableCommand({ RouteTableId, GatewayId }));
    expect(associated.AssociationState?.State).toBe("associated");
    const { RouteTables } = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "association.gateway-id", Values: [GatewayId] }] }),
    );
    expect(RouteTables!.map((t) => t.RouteTableId)).toEqual([RouteTableId]);
    expect(RouteTables![0]!.Associations).toEqual([
      expect.objectContaining({ GatewayId, Main: false, RouteTableAssociationId: associated.AssociationId }),
    ]);
    expect(
      await errorOf(ec2.send(new AssociateRouteTableCommand({ RouteTableId, GatewayId }))),
    ).toMatchObject({
      name: "Resource.AlreadyAssociated",
    });
    const SubnetId = (await ec2.send(new CreateSubnetCommand({ VpcId, CidrBlock: "10.8.1.0/24" }))).Subnet!
      .SubnetId!;
    expect(
      await errorOf(ec2.send(new AssociateRouteTableCommand({ RouteTableId, GatewayId, SubnetId }))),
    ).toMatchObject({ name: "InvalidParameterCombination" });
  });
});

describe("CreateSecurityGroup with an empty description", () => {
  it("is MissingParameter, as EC2 answers", async () => {
    const VpcId = await newVpc();
    expect(
      await errorOf(ec2.send(new CreateSecurityGroupCommand({ GroupName: "blank", Description: "", VpcId }))),
    ).toMatchObject({
      name: "MissingParameter",
      message: "The request must contain the parameter groupDescription",
      status: 400,
    });
  });
});

describe("CreateTags and DeleteTags without a resource", () => {
  it("are MissingParameter naming resourceIdSet, as EC2 answers", async () => {
    for (const send of [
      () => ec2.send(new CreateTagsCommand({ Resources: [], Tags: [{ Key: "k", Value: "v" }] })),
      () => ec2.send(new DeleteTagsCommand({ Resources: [] })),
    ]) {
      expect(await errorOf(send())).toMatchObject({
        name: "MissingParameter",
        message: "The request must contain the parameter resourceIdSet",
        status: 400,
      });
    }
  });
});

describe("zone ids of GovCloud regions", () => {
  it("shorten the partition's word as AWS does (us-gov-east-1a is usge1-az1)", async () => {
    const gov = new EC2Client({ ...sdkConfig(emulator), region: "us-gov-east-1" });
    try {
      const { AvailabilityZones } = await gov.send(new DescribeAvailabilityZonesCommand({}));
      expect(AvailabilityZones?.map((z) => z.ZoneId)).toEqual(["usge1-az1", "usge1-az2", "usge1-az3"]);
    } finally {
      gov.destroy();
    }
  });
});

describe("CreateLogGroup kmsKeyId", () => {
  it("is shown by DescribeLogGroups", async () => {
    const logs = new CloudWatchLogsClient(sdkConfig(emulator));
    const kmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/encrypted", kmsKeyId }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/plain" }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({}));
    expect(Object.fromEntries(logGroups!.map((g) => [g.logGroupName, g.kmsKeyId]))).toEqual({
      "/encrypted": kmsKeyId,
      "/plain": undefined,
    });
    logs.destroy();
  });
});

describe.skipIf(awsCliSkip !== undefined)("the same mends through the AWS CLI", () => {
  it("modify-vpc-attribute, associate-route-table --gateway-id, create-security-group --description ''", async () => {
    const VpcId = await newVpc();
    const metrics = await awsCli(
      emulator.url,
      "ec2",
      "modify-vpc-attribute",
      "--vpc-id",
      VpcId,
      "--enable-network-address-usage-metrics",
    );
    expect(metrics.status, metrics.stderr).toBe(0);
    const { InternetGateway } = await ec2.send(new CreateInternetGatewayCommand({}));
    await ec2.send(
      new AttachInternetGatewayCommand({ InternetGatewayId: InternetGateway!.InternetGatewayId!, VpcId }),
    );
    const RouteTableId = (await ec2.send(new CreateRouteTableCommand({ VpcId }))).RouteTable!.RouteTableId!;
    const edge = await awsCli(
      emulator.url,
      "ec2",
      "associate-route-table",
      "--route-table-id",
      RouteTableId,
      "--gateway-id",
      InternetGateway!.InternetGatewayId!,
    );
    expect(edge.status, edge.stderr).toBe(0);
    expect(JSON.parse(edge.stdout).AssociationState).toEqual({ State: "associated" });
    const blank = await awsCli(
      emulator.url,
      "ec2",
      "create-security-group",
      "--group-name",
      "blank-cli",
      "--description",
      "",
      "--vpc-id",
      VpcId,
    );
    expect(blank.status).not.toBe(0);
    expect(blank.stderr).toContain("(MissingParameter)");
  });
});
