import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemEnvironment } from "../../src/emulator/context.js";
import { Ec2 } from "../../src/emulator/ec2/model/ec2.js";
import { describeNetworkInterfaces } from "../../src/emulator/ec2/model/network-interfaces.js";
import { createSecurityGroup } from "../../src/emulator/ec2/model/security-groups.js";
import { createSubnet } from "../../src/emulator/ec2/model/subnets.js";
import { createVpc } from "../../src/emulator/ec2/model/vpc-lifecycle.js";
import { AwsError } from "../../src/emulator/protocol/errors.js";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";

/**
 * The EC2 model as AgentCore's model calls it in process (no HTTP: the
 * AgentCore side is not built yet, so no SDK call can reach these helpers).
 */
const scope = { account: "123456789012", region: "us-east-1" };
const now = new Date("2026-11-25T10:00:00Z");
const role =
  "arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForBedrockAgentCoreNetwork/BedrockAgentCore";
let store: SqliteStore;
let ec2: Ec2;
let subnets: string[];
let groups: string[];

beforeEach(() => {
  store = new SqliteStore();
  ec2 = new Ec2(store, { ...systemEnvironment, clock: () => now });
  const call = ec2.call(scope);
  store.transaction(() => {
    const vpcId = createVpc(call, { CidrBlock: "10.3.0.0/16" }).Vpc.VpcId!;
    subnets = [
      createSubnet(call, { VpcId: vpcId, CidrBlock: "10.3.1.0/28", AvailabilityZone: "us-east-1a" }).Subnet
        .SubnetId!,
      createSubnet(call, { VpcId: vpcId, CidrBlock: "10.3.2.0/24", AvailabilityZone: "us-east-1b" }).Subnet
        .SubnetId!,
    ];
    groups = [createSecurityGroup(call, { GroupName: "rt", Description: "rt", VpcId: vpcId }).GroupId];
  });
});
afterEach(() => store.close());

function failure(run: () => unknown): AwsError {
  try {
    run();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error("expected an AwsError");
}

describe("AgentCore's managed network interfaces in the EC2 model", () => {
  it("makes the interface AgentCore makes: empty description, tag, agentic_ai, in-use, ela-attach by amazon-aws at index 1", () => {
    const eni = store.transaction(() =>
      ec2.createManagedNetworkInterface(scope, {
        subnetId: subnets[1]!,
        groupIds: groups,
        requesterArn: role,
      }),
    );
    expect(eni).toMatchObject({
      Description: "",
      TagSet: [{ Key: "AmazonBedrockAgentCoreManaged", Value: "true" }],
      InterfaceType: "agentic_ai",
      Status: "in-use",
      RequesterManaged: false,
      SubnetId: subnets[1],
      AvailabilityZone: "us-east-1b",
      Groups: [{ GroupId: groups[0], GroupName: "rt" }],
      PrivateIpAddress: "10.3.2.4",
      Attachment: {
        DeviceIndex: 1,
        NetworkCardIndex: 0,
        InstanceOwnerId: "amazon-aws",
        Status: "attached",
        AttachTime: now,
        DeleteOnTermination: false,
      },
    });
    expect(eni.Attachment!.AttachmentId).toMatch(/^ela-attach-[0-9a-f]{17}$/);
    expect(eni.Attachment!.InstanceId).toBeUndefined();
    expect(ec2.getSubnet(scope, subnets[1]!)!.AvailableIpAddressCount).toBe(250);

    const found = describeNetworkInterfaces(ec2.call(scope), {
      Filters: [
        { Name: "tag:AmazonBedrockAgentCoreManaged", Values: ["true"] },
        { Name: "attachment.instance-owner-id", Values: ["amazon-aws"] },
        { Name: "interface-type", Values: ["agentic_ai"] },
      ],
    });
    expect(found.NetworkInterfaces.map((n) => n.NetworkInterfaceId)).toEqual([eni.NetworkInterfaceId]);
  });

  it("finds an interface to share only for the same subnets and the same set of groups", () => {
    const eni = store.transaction(() =>
      ec2.createManagedNetworkInterface(scope, {
        subnetId: subnets[0]!,
        groupIds: groups,
        requesterArn: role,
      }),
    );
    expect(ec2.findManagedInterface(scope, subnets, groups)?.NetworkInterfaceId).toBe(eni.NetworkInterfaceId);
    expect(ec2.findManagedInterface(scope, [subnets[1]!], groups)).toBeUndefined();
    expect(ec2.findManagedInterface(scope, subnets, [])).toBeUndefined();
  });

  it("checks a DryRun and answers DryRunOperation without writing", () => {
    const dryRun = failure(() =>
      store.transaction(() =>
        ec2.createManagedNetworkInterface(scope, {
          subnetId: subnets[0]!,
          groupIds: groups,
          requesterArn: role,
          dryRun: true,
        }),
      ),
    );
    expect(dryRun).toMatchObject({ code: "DryRunOperation", status: 412 });
    expect(ec2.getSubnet(scope, subnets[0]!)!.AvailableIpAddressCount).toBe(11);
    const missing = failure(() =>
      ec2.createManagedNetworkInterface(scope, {
        subnetId: "subnet-0000000000000000f",
        groupIds: groups,
        requesterArn: role,
        dryRun: true,
      }),
    );
    expect(missing.code).toBe("InvalidSubnetID.NotFound");
  });

  it("fails with InsufficientFreeAddressesInSubnet once the subnet is full", () => {
    for (let i = 0; i < 11; i++) {
      store.transaction(() =>
        ec2.createManagedNetworkInterface(scope, {
          subnetId: subnets[0]!,
          groupIds: groups,
          requesterArn: role,
        }),
      );
    }
    const full = failure(() =>
      store.transaction(() =>
        ec2.createManagedNetworkInterface(scope, {
          subnetId: subnets[0]!,
          groupIds: groups,
          requesterArn: role,
        }),
      ),
    );
    expect(full.code).toBe("InsufficientFreeAddressesInSubnet");
    expect(ec2.getSubnet(scope, subnets[0]!)!.AvailableIpAddressCount).toBe(0);
  });

  it("looks up subnets, groups and the route table a subnet uses", () => {
    expect(ec2.getSubnet(scope, subnets[0]!)).toMatchObject({
      AvailabilityZoneId: "use1-az1",
      CidrBlock: "10.3.1.0/28",
    });
    expect(ec2.getSubnet(scope, "subnet-00000000000000000")).toBeUndefined();
    expect(ec2.getSecurityGroup(scope, groups[0]!)).toMatchObject({
      GroupName: "rt",
      IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
    });
    expect(ec2.getRouteTableOfSubnet(scope, subnets[0]!)!.Associations).toMatchObject([{ Main: true }]);
  });
});
