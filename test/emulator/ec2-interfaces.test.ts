import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  paginateDescribeNetworkInterfaces,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { errorOf, startEc2 } from "../helpers/ec2.js";
import { sdkConfig } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let ec2: EC2Client;
let stop: () => Promise<void>;
let vpcId: string;
let subnetId: string;
let groupId: string;
let counter = 0;

beforeAll(async () => {
  // Ids are pinned below: no default VPC to take the first ones.
  ({ emulator, ec2, stop } = await startEc2({
    defaultVpc: false,
    // Ids from a counter: `<prefix>-` and 17 hex digits, predictable.
    env: { randomAlphanumeric: (length) => String(++counter).padStart(length, "0") },
  }));
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.2.0.0/16" }))).Vpc!.VpcId!;
  subnetId = (
    await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.2.1.0/24", AvailabilityZone: "us-east-1c" }),
    )
  ).Subnet!.SubnetId!;
  groupId = (
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: "rt", Description: "rt", VpcId: vpcId }))
  ).GroupId!;
});
afterAll(async () => {
  await stop?.();
});

const MANAGED = { Key: "AmazonBedrockAgentCoreManaged", Value: "true" };

describe("EC2 network interfaces through the AWS SDK", () => {
  it("takes ids from the environment: <prefix>- and 17 hex digits", () => {
    expect(vpcId).toBe("vpc-00000000000000001");
  });

  it("creates an interface with the next free address, the given groups, tags and an empty description", async () => {
    const { NetworkInterface } = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnetId,
        Groups: [groupId],
        TagSpecifications: [{ ResourceType: "network-interface", Tags: [MANAGED] }],
      }),
    );
    expect(NetworkInterface).toMatchObject({
      SubnetId: subnetId,
      VpcId: vpcId,
      AvailabilityZone: "us-east-1c",
      Description: "",
      Groups: [{ GroupId: groupId, GroupName: "rt" }],
      InterfaceType: "interface",
      OwnerId: "123456789012",
      PrivateIpAddress: "10.2.1.4",
      PrivateDnsName: "ip-10-2-1-4.ec2.internal",
      PrivateIpAddresses: [
        { Primary: true, PrivateIpAddress: "10.2.1.4", PrivateDnsName: "ip-10-2-1-4.ec2.internal" },
      ],
      RequesterManaged: false,
      SourceDestCheck: true,
      Status: "available",
      TagSet: [MANAGED],
    });
    expect(NetworkInterface!.MacAddress).toMatch(/^0e(:[0-9a-f]{2}){5}$/);
    const second = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnetId,
        Description: "agent eni",
        PrivateIpAddress: "10.2.1.50",
      }),
    );
    expect(second.NetworkInterface).toMatchObject({
      PrivateIpAddress: "10.2.1.50",
      Description: "agent eni",
    });
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: "10.2.1.50" })),
      ),
    ).toMatchObject({ name: "InvalidIPAddress.InUse", status: 400 });
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: "10.2.1.1" })),
      ),
    ).toMatchObject({ name: "InvalidParameterValue" });
  });

  it("finds the AgentCore interface by tag:AmazonBedrockAgentCoreManaged, never by a description filter", async () => {
    const byTag = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: "tag:AmazonBedrockAgentCoreManaged", Values: ["true"] },
          { Name: "subnet-id", Values: [subnetId, "subnet-00000000000000099"] },
        ],
      }),
    );
    expect(byTag.NetworkInterfaces!.map((n) => n.PrivateIpAddress)).toEqual(["10.2.1.4"]);
    for (const description of ["*AgentCore*", "*bedrock*", "*agent*"]) {
      const byDescription = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [
            { Name: "description", Values: [description] },
            { Name: "tag-key", Values: ["AmazonBedrockAgentCoreManaged"] },
          ],
        }),
      );
      expect(byDescription.NetworkInterfaces).toEqual([]);
    }
    const anyAgent = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "description", Values: ["*agent*", "nothing"] }],
      }),
    );
    expect(anyAgent.NetworkInterfaces!.map((n) => n.Description)).toEqual(["agent eni"]);
    const wildcard = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: "private-ip-address", Values: ["10.2.1.?"] },
          { Name: "group-id", Values: [groupId] },
          { Name: "status", Values: ["available"] },
          { Name: "vpc-id", Values: [vpcId] },
        ],
      }),
    );
    expect(wildcard.NetworkInterfaces).toHaveLength(1);
  });

  it("refuses a filter it does not implement instead of matching everything, as AWS refuses an unknown filter", async () => {
    expect(
      await errorOf(
        ec2.send(
          new DescribeNetworkInterfacesCommand({
            Filters: [{ Name: "ipv6-addresses.ipv6-address", Values: ["x"] }],
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterValue", status: 400 });
  });

  it("tags and untags resources by id; an unknown id fails with its kind's NotFound", async () => {
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "description", Values: ["agent eni"] }] }),
    );
    const id = NetworkInterfaces![0]!.NetworkInterfaceId!;
    await ec2.send(
      new CreateTagsCommand({ Resources: [id, subnetId], Tags: [{ Key: "team", Value: "ml" }] }),
    );
    const tagged = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "tag-value", Values: ["ml"] }] }),
    );
    expect(tagged.NetworkInterfaces!.map((n) => n.NetworkInterfaceId)).toEqual([id]);
    await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "team" }] }));
    const subnet = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
    expect(subnet.Subnets![0]!.Tags).toEqual([{ Key: "team", Value: "ml" }]);
    expect(
      await errorOf(
        ec2.send(
          new CreateTagsCommand({ Resources: ["eni-00000000000000999"], Tags: [{ Key: "a", Value: "b" }] }),
        ),
      ),
    ).toEqual({
      name: "InvalidNetworkInterfaceID.NotFound",
      message: "The networkInterface ID 'eni-00000000000000999' does not exist",
      status: 400,
    });
    expect(
      await errorOf(
        ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "aws:reserved", Value: "x" }] })),
      ),
    ).toMatchObject({ name: "InvalidParameterValue" });
  });

  it("pages DescribeNetworkInterfaces with the SDK's paginator", async () => {
    for (let i = 0; i < 5; i++) await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }));
    const pages = [];
    for await (const page of paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 5 }, {}))
      pages.push(page);
    expect(pages.map((p) => p.NetworkInterfaces!.length)).toEqual([5, 2]);
    expect(
      await errorOf(ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 1000, NextToken: "bogus" }))),
    ).toMatchObject({
      name: "InvalidNextToken",
    });
  });

  it("answers a DryRun that would succeed with DryRunOperation (412) and writes nothing", async () => {
    const before = await ec2.send(new DescribeNetworkInterfacesCommand({}));
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: [groupId], DryRun: true })),
      ),
    ).toEqual({
      name: "DryRunOperation",
      message: "Request would have succeeded, but DryRun flag is set.",
      status: 412,
    });
    expect(
      await errorOf(ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16", DryRun: true }))),
    ).toMatchObject({
      name: "DryRunOperation",
      status: 412,
    });
    expect(await errorOf(ec2.send(new DescribeVpcsCommand({ DryRun: true })))).toMatchObject({
      name: "DryRunOperation",
    });
    const after = await ec2.send(new DescribeNetworkInterfacesCommand({}));
    expect(after.NetworkInterfaces).toEqual(before.NetworkInterfaces);
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toHaveLength(1);
  });

  it("checks before answering a DryRun: a call that would fail fails with its own error", async () => {
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: "subnet-00000000000000999", DryRun: true })),
      ),
    ).toEqual({
      name: "InvalidSubnetID.NotFound",
      message: "The subnet ID 'subnet-00000000000000999' does not exist",
      status: 400,
    });
    expect(
      await errorOf(
        ec2.send(
          new CreateNetworkInterfaceCommand({
            SubnetId: subnetId,
            Groups: ["sg-00000000000000999"],
            DryRun: true,
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidGroup.NotFound" });
    expect(await errorOf(ec2.send(new CreateNetworkInterfaceCommand({} as never)))).toEqual({
      name: "MissingParameter",
      message: "The request must contain the parameter SubnetId",
      status: 400,
    });
  });

  it("records EC2 calls in CloudTrail, the DryRun with its error code", async () => {
    const trail = new CloudTrailClient(sdkConfig(emulator));
    try {
      const { Events } = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateNetworkInterface" }],
        }),
      );
      const records = Events!.map((e) => JSON.parse(e.CloudTrailEvent!));
      expect(records[0]).toMatchObject({
        eventSource: "ec2.amazonaws.com",
        errorCode: "Client.MissingParameter",
      });
      expect(records.some((r) => r.errorCode === "Client.DryRunOperation")).toBe(true);
      expect(records.some((r) => !r.errorCode && r.requestParameters?.subnetId === subnetId)).toBe(true);
    } finally {
      trail.destroy();
    }
  });

  it("fills a /28 subnet to its 11 usable addresses, then answers InsufficientFreeAddressesInSubnet", async () => {
    const small = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.2.9.0/28", AvailabilityZoneId: "use1-az1" }),
      )
    ).Subnet!;
    expect(small.AvailableIpAddressCount).toBe(11);
    const addresses = [];
    for (let i = 0; i < 11; i++) {
      addresses.push(
        (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: small.SubnetId! }))).NetworkInterface!
          .PrivateIpAddress,
      );
    }
    expect(addresses[0]).toBe("10.2.9.4");
    expect(addresses[10]).toBe("10.2.9.14");
    const full = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [small.SubnetId!] }));
    expect(full.Subnets![0]!.AvailableIpAddressCount).toBe(0);
    expect(await errorOf(ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: small.SubnetId! })))).toEqual(
      {
        name: "InsufficientFreeAddressesInSubnet",
        message: `There are not enough free addresses in subnet '${small.SubnetId}' to satisfy the requested number of instances.`,
        status: 400,
      },
    );
    expect(await errorOf(ec2.send(new DeleteSubnetCommand({ SubnetId: small.SubnetId! })))).toEqual({
      name: "DependencyViolation",
      message: `The subnet '${small.SubnetId}' has dependencies and cannot be deleted.`,
      status: 400,
    });
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [small.SubnetId!] }] }),
    );
    await ec2.send(
      new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: NetworkInterfaces![3]!.NetworkInterfaceId! }),
    );
    const again = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: small.SubnetId! }));
    expect(again.NetworkInterface!.PrivateIpAddress).toBe("10.2.9.7");
  });

  it("holds secondary private addresses (by address and by count); each counts against the subnet", async () => {
    const subnet = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.2.10.0/24", AvailabilityZoneId: "use1-az1" }),
      )
    ).Subnet!;
    const { NetworkInterface } = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnet.SubnetId!,
        PrivateIpAddresses: [
          { PrivateIpAddress: "10.2.10.20" },
          { PrivateIpAddress: "10.2.10.10", Primary: true },
        ],
        SecondaryPrivateIpAddressCount: 2,
      }),
    );
    expect(NetworkInterface!.PrivateIpAddress).toBe("10.2.10.10");
    expect(NetworkInterface!.PrivateIpAddresses?.map((a) => [a.PrivateIpAddress, a.Primary])).toEqual([
      ["10.2.10.10", true],
      ["10.2.10.20", false],
      ["10.2.10.4", false],
      ["10.2.10.5", false],
    ]);
    const after = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.SubnetId!] }));
    expect(after.Subnets![0]!.AvailableIpAddressCount).toBe(256 - 5 - 4);
    // A secondary address is taken like a primary one.
    expect(
      await errorOf(
        ec2.send(
          new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId!, PrivateIpAddress: "10.2.10.20" }),
        ),
      ),
    ).toMatchObject({ name: "InvalidIPAddress.InUse" });
    const found = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "addresses.private-ip-address", Values: ["10.2.10.5"] }],
      }),
    );
    expect(found.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual([
      NetworkInterface!.NetworkInterfaceId,
    ]);
    await ec2.send(
      new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: NetworkInterface!.NetworkInterfaceId! }),
    );
    const freed = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.SubnetId!] }));
    expect(freed.Subnets![0]!.AvailableIpAddressCount).toBe(251);
  });
});
