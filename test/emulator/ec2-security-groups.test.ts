import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startEc2 } from "../helpers/ec2.js";

let ec2: EC2Client;
let stop: () => Promise<void>;
let vpcId: string;
let runtimeGroup: string;
let endpointGroup: string;

beforeAll(async () => {
  ({ ec2, stop } = await startEc2());
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" }))).Vpc!.VpcId!;
});
afterAll(async () => {
  await stop?.();
});

describe("EC2 security groups through the AWS SDK", () => {
  it("creates a group with AWS's allow-all egress rule and no ingress", async () => {
    const created = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "runtime",
        Description: "agent runtime",
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "app", Value: "agent" }] }],
      }),
    );
    runtimeGroup = created.GroupId!;
    expect(runtimeGroup).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(created.SecurityGroupArn).toBe(
      `arn:aws:ec2:us-east-1:123456789012:security-group/${runtimeGroup}`,
    );
    expect(created.Tags).toEqual([{ Key: "app", Value: "agent" }]);
    const { SecurityGroups } = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [runtimeGroup] }),
    );
    expect(SecurityGroups).toEqual([
      {
        GroupId: runtimeGroup,
        GroupName: "runtime",
        Description: "agent runtime",
        VpcId: vpcId,
        OwnerId: "123456789012",
        SecurityGroupArn: created.SecurityGroupArn,
        Tags: [{ Key: "app", Value: "agent" }],
        IpPermissions: [],
        IpPermissionsEgress: [
          {
            IpProtocol: "-1",
            IpRanges: [{ CidrIp: "0.0.0.0/0" }],
            Ipv6Ranges: [],
            PrefixListIds: [],
            UserIdGroupPairs: [],
          },
        ],
      },
    ]);
    expect(
      await errorOf(
        ec2.send(
          new CreateSecurityGroupCommand({ GroupName: "runtime", Description: "again", VpcId: vpcId }),
        ),
      ),
    ).toEqual({
      name: "InvalidGroup.Duplicate",
      message: `The security group 'runtime' already exists for VPC '${vpcId}'`,
      status: 400,
    });
    // Without a VpcId the group goes to the default VPC (default-vpc.test.ts has the account without one).
    const inDefault = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "x", Description: "no vpc" }),
    );
    const [group] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [inDefault.GroupId!] })))
      .SecurityGroups!;
    expect(group!.VpcId).not.toBe(vpcId);
  });

  it("authorizes ingress from another group and CIDR ranges, returning the new rules with ids", async () => {
    endpointGroup = (
      await ec2.send(
        new CreateSecurityGroupCommand({ GroupName: "endpoints", Description: "endpoints", VpcId: vpcId }),
      )
    ).GroupId!;
    const result = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: endpointGroup,
        IpPermissions: [
          {
            IpProtocol: "tcp",
            FromPort: 443,
            ToPort: 443,
            UserIdGroupPairs: [{ GroupId: runtimeGroup, Description: "runtime" }],
            IpRanges: [{ CidrIp: "10.1.0.0/16" }],
          },
        ],
      }),
    );
    expect(result.Return).toBe(true);
    expect(result.SecurityGroupRules).toHaveLength(2);
    const [byCidr, byGroup] = [...result.SecurityGroupRules!].sort((a) => (a.CidrIpv4 ? -1 : 1));
    expect(byGroup).toMatchObject({
      GroupId: endpointGroup,
      IsEgress: false,
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      ReferencedGroupInfo: { GroupId: runtimeGroup, UserId: "123456789012" },
      Description: "runtime",
    });
    expect(byCidr).toMatchObject({ CidrIpv4: "10.1.0.0/16" });
    expect(byGroup!.SecurityGroupRuleId).toMatch(/^sgr-[0-9a-f]{17}$/);

    const { SecurityGroups } = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [endpointGroup] }),
    );
    expect(SecurityGroups![0]!.IpPermissions).toEqual([
      {
        IpProtocol: "tcp",
        FromPort: 443,
        ToPort: 443,
        UserIdGroupPairs: [{ UserId: "123456789012", GroupId: runtimeGroup, Description: "runtime" }],
        IpRanges: [{ CidrIp: "10.1.0.0/16" }],
        Ipv6Ranges: [],
        PrefixListIds: [],
      },
    ]);
    const byReference = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "ip-permission.group-id", Values: [runtimeGroup] },
          { Name: "ip-permission.from-port", Values: ["443"] },
        ],
      }),
    );
    expect(byReference.SecurityGroups!.map((g) => g.GroupId)).toEqual([endpointGroup]);
  });

  it("answers a rule that already exists with InvalidPermission.Duplicate, naming it as AWS does", async () => {
    expect(
      await errorOf(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: endpointGroup,
            IpProtocol: "tcp",
            FromPort: 443,
            ToPort: 443,
            CidrIp: "10.1.0.0/16",
          }),
        ),
      ),
    ).toEqual({
      name: "InvalidPermission.Duplicate",
      message:
        'the specified rule "peer: 10.1.0.0/16, TCP, from port: 443, to port: 443, ALLOW" already exists',
      status: 400,
    });
    expect(
      await errorOf(
        ec2.send(
          new AuthorizeSecurityGroupEgressCommand({
            GroupId: runtimeGroup,
            IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
          }),
        ),
      ),
    ).toMatchObject({ message: 'the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists' });
    expect(
      await errorOf(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: endpointGroup,
            IpPermissions: [{ IpProtocol: "tcp", UserIdGroupPairs: [{ GroupId: runtimeGroup }] }],
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterValue" });
    expect(
      await errorOf(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: endpointGroup,
            IpPermissions: [
              {
                IpProtocol: "tcp",
                FromPort: 1,
                ToPort: 2,
                UserIdGroupPairs: [{ GroupId: "sg-0123456789abcdef0" }],
              },
            ],
          }),
        ),
      ),
    ).toEqual({
      name: "InvalidGroup.NotFound",
      message: "The security group 'sg-0123456789abcdef0' does not exist",
      status: 400,
    });
  });

  it("replaces the default egress with 443 only, by revoking the permission and by rule id", async () => {
    const revoked = await ec2.send(
      new RevokeSecurityGroupEgressCommand({
        GroupId: runtimeGroup,
        IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    expect(revoked.Return).toBe(true);
    expect(revoked.RevokedSecurityGroupRules).toMatchObject([
      { IsEgress: true, IpProtocol: "-1", CidrIpv4: "0.0.0.0/0" },
    ]);
    const added = await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: runtimeGroup,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
          { IpProtocol: "udp", FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: "10.1.0.2/32" }] },
        ],
      }),
    );
    const rules = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [runtimeGroup] }] }),
    );
    expect(
      rules.SecurityGroupRules!.map((r) => `${r.IpProtocol}:${r.FromPort}-${r.ToPort} ${r.CidrIpv4}`),
    ).toEqual(["tcp:443-443 0.0.0.0/0", "udp:53-53 10.1.0.2/32"]);
    const dns = added.SecurityGroupRules![1]!.SecurityGroupRuleId!;
    await ec2.send(
      new RevokeSecurityGroupEgressCommand({ GroupId: runtimeGroup, SecurityGroupRuleIds: [dns] }),
    );
    const { SecurityGroups } = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [runtimeGroup] }),
    );
    expect(SecurityGroups![0]!.IpPermissionsEgress).toEqual([
      {
        IpProtocol: "tcp",
        FromPort: 443,
        ToPort: 443,
        IpRanges: [{ CidrIp: "0.0.0.0/0" }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ]);
    expect(
      await errorOf(
        ec2.send(
          new RevokeSecurityGroupIngressCommand({
            GroupId: runtimeGroup,
            IpPermissions: [
              { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
            ],
          }),
        ),
      ),
    ).toEqual({
      name: "InvalidPermission.NotFound",
      message: "The specified rule does not exist in this security group.",
      status: 400,
    });
  });

  it("refuses a group-id rule filter that is no group id; one naming no group matches nothing", async () => {
    expect(
      await errorOf(
        ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: ["web"] }] })),
      ),
    ).toEqual({
      name: "InvalidGroupId.Malformed",
      message: "The security group ID 'web' is malformed",
      status: 400,
    });
    const none = await ec2.send(
      new DescribeSecurityGroupRulesCommand({
        Filters: [{ Name: "group-id", Values: ["sg-0123456789abcdef0"] }],
      }),
    );
    expect(none.SecurityGroupRules).toEqual([]);
  });

  it("refuses to delete a group an interface uses or another group references, and the default group ever", async () => {
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.1.1.0/24" })))
      .Subnet!.SubnetId!;
    const eni = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: [runtimeGroup] }),
    );
    expect(await errorOf(ec2.send(new DeleteSecurityGroupCommand({ GroupId: runtimeGroup })))).toEqual({
      name: "DependencyViolation",
      message: `resource ${runtimeGroup} has a dependent object`,
      status: 400,
    });
    await ec2.send(
      new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterface!.NetworkInterfaceId! }),
    );
    // Still referenced by the endpoints group's ingress rule.
    expect(await errorOf(ec2.send(new DeleteSecurityGroupCommand({ GroupId: runtimeGroup })))).toMatchObject({
      name: "DependencyViolation",
    });
    const deleted = await ec2.send(new DeleteSecurityGroupCommand({ GroupId: endpointGroup }));
    expect(deleted).toMatchObject({ Return: true, GroupId: endpointGroup });
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: runtimeGroup }));
    const defaults = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }] }),
    );
    expect(
      await errorOf(
        ec2.send(new DeleteSecurityGroupCommand({ GroupId: defaults.SecurityGroups![0]!.GroupId! })),
      ),
    ).toMatchObject({ name: "CannotDelete" });
    expect(await errorOf(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [endpointGroup] })))).toEqual(
      {
        name: "InvalidGroup.NotFound",
        message: `The security group '${endpointGroup}' does not exist`,
        status: 400,
      },
    );
  });

  it("holds 60 rules per direction for IPv4 and 60 for IPv6 (group references count on both), then RulesPerSecurityGroupLimitExceeded", async () => {
    const group = async (GroupName: string) =>
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName, Description: "quota", VpcId: vpcId })))
        .GroupId!;
    const full = await group("quota-full");
    const peer = await group("quota-peer");
    const ingress = (IpPermissions: IpPermission[]) =>
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: full, IpPermissions }));
    const ipv4 = (from: number, count: number): IpPermission => ({
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      IpRanges: Array.from({ length: count }, (_, i) => ({ CidrIp: `10.9.${from + i}.0/24` })),
    });
    const rules = async () =>
      (
        await ec2.send(
          new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [full] }] }),
        )
      ).SecurityGroupRules!.filter((r) => !r.IsEgress).length;
    const limit = {
      name: "RulesPerSecurityGroupLimitExceeded",
      message: "The maximum number of rules per security group has been reached.",
      status: 400,
    };
    // One call past the quota adds nothing.
    expect(await errorOf(ingress([ipv4(0, 61)]))).toEqual(limit);
    expect(await rules()).toBe(0);
    await ingress([{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: peer }] }]);
    await ingress([ipv4(0, 59)]);
    expect(await rules()).toBe(60);
    expect(await errorOf(ingress([ipv4(59, 1)]))).toEqual(limit);
    // IPv6 rules are counted apart: 59 more fit beside the group reference.
    await ingress([
      {
        IpProtocol: "tcp",
        FromPort: 443,
        ToPort: 443,
        Ipv6Ranges: Array.from({ length: 59 }, (_, i) => ({ CidrIpv6: `2001:db8:${i.toString(16)}::/48` })),
      },
    ]);
    expect(
      await errorOf(
        ingress([{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: "::/0" }] }]),
      ),
    ).toEqual(limit);
    // Egress has its own 60 (the default allow-all rule is one of them).
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: full, IpPermissions: [ipv4(0, 59)] }));
    expect(
      await errorOf(
        ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: full, IpPermissions: [ipv4(100, 1)] })),
      ),
    ).toEqual(limit);
  });

  it("answers the ip-permission.group-name filters, matching no rule that references its group by id (as AWS finds none)", async () => {
    const make = async (GroupName: string) =>
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName, Description: "names", VpcId: vpcId })))
        .GroupId!;
    const source = await make("names-source");
    const target = await make("names-target");
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: target,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: source }] },
        ],
      }),
    );
    const byName = async (Name: string) =>
      (
        await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name, Values: ["names-source"] }] }))
      ).SecurityGroups!.map((g) => g.GroupId);
    expect(await byName("egress.ip-permission.group-name")).toEqual([]);
    expect(await byName("ip-permission.group-name")).toEqual([]);
    const byId = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "egress.ip-permission.group-id", Values: [source] }],
      }),
    );
    expect(byId.SecurityGroups!.map((g) => g.GroupId)).toEqual([target]);
  });
});
