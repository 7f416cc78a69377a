import type {
  AuthorizeSecurityGroupEgressCommandInput,
  AuthorizeSecurityGroupIngressCommandInput,
  CreateSecurityGroupCommandInput,
  DeleteSecurityGroupCommandInput,
  DescribeSecurityGroupRulesCommandInput,
  DescribeSecurityGroupsCommandInput,
  IpPermission,
  RevokeSecurityGroupEgressCommandInput,
  RevokeSecurityGroupIngressCommandInput,
  SecurityGroup,
  SecurityGroupRule,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import {
  arn,
  defaultVpcOf,
  dependencyViolation,
  type Ec2Call,
  invalidParameterValue,
  KIND,
  list,
  missingParameter,
  must,
  newId,
} from "./common.js";
import { type Describable, describe } from "./describe.js";
import type { StoredGroup, StoredRule, StoredVpc } from "./records.js";
import {
  describeRule,
  newRule,
  overRuleQuota,
  permissionsOf,
  rulesOf,
  ruleView,
  sameRule,
} from "./security-group-rules.js";
import { tagsFromSpecifications } from "./tags.js";

const DEFAULT_NAME = "default";

function noDefaultVpc(): AwsError {
  // The account deleted its default VPC: names mean nothing without it.
  return new AwsError(
    "VPCIdNotSpecified",
    "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
  );
}

function put(call: Ec2Call, group: StoredGroup): void {
  call.store.put(KIND.securityGroup, call.scope, group.GroupId, group);
}

/** Groups by name: EC2 looks names up in the default VPC only. */
function inDefaultVpc(call: Ec2Call, groupName: string): StoredGroup {
  const vpc = defaultVpcOf(call);
  if (!vpc) throw noDefaultVpc();
  const group = list<StoredGroup>(call, KIND.securityGroup).find(
    (g) => g.VpcId === vpc.VpcId && g.GroupName === groupName,
  );
  if (!group) {
    throw new AwsError(
      "InvalidGroup.NotFound",
      `The security group '${groupName}' does not exist in default VPC '${vpc.VpcId}'`,
    );
  }
  return group;
}

/** A group named by id, or by name in the default VPC. */
function resolve(call: Ec2Call, groupId: string | undefined, groupName: string | undefined): StoredGroup {
  if (groupId) return must<StoredGroup>(call, KIND.securityGroup, groupId);
  if (groupName) return inDefaultVpc(call, groupName);
  throw new AwsError("MissingParameter", "The request must contain the parameter groupName or groupId");
}

export function groupView(call: Ec2Call, group: StoredGroup): SecurityGroup {
  return {
    GroupId: group.GroupId,
    IpPermissionsEgress: permissionsOf(group.Rules.filter((r) => r.IsEgress)),
    Tags: group.Tags,
    VpcId: group.VpcId,
    SecurityGroupArn: arn(call, `security-group/${group.GroupId}`),
    OwnerId: group.OwnerId,
    GroupName: group.GroupName,
    Description: group.Description,
    IpPermissions: permissionsOf(group.Rules.filter((r) => !r.IsEgress)),
  };
}

function allTraffic(call: Ec2Call, isEgress: boolean, peer: Partial<StoredRule>): StoredRule {
  return newRule(call, { IsEgress: isEgress, IpProtocol: "-1", FromPort: -1, ToPort: -1, ...peer }, []);
}

/**
 * The allow-all egress rules AWS gives a new group: to 0.0.0.0/0, and to
 * ::/0 too when the VPC has an IPv6 block (moto's aws_verified
 * test_create_two_security_groups_in_vpc_with_ipv6_enabled).
 */
function allEgress(call: Ec2Call, vpcId: string): StoredRule[] {
  const vpc = call.store.get<StoredVpc>(KIND.vpc, call.scope, vpcId);
  return [
    allTraffic(call, true, { CidrIpv4: "0.0.0.0/0" }),
    ...((vpc?.Ipv6Cidrs ?? []).length ? [allTraffic(call, true, { CidrIpv6: "::/0" })] : []),
  ];
}

/**
 * A VPC that gains an IPv6 block: its default group gains the ::/0
 * egress rule ("added by default if you create a VPC with an IPv6 CIDR
 * block or if you associate an IPv6 CIDR block with your existing VPC",
 * VPC user guide); other groups keep their rules.
 */
export function allowDefaultGroupIpv6Egress(call: Ec2Call, vpcId: string): void {
  const group = defaultGroupOf(call, vpcId);
  if (!group || group.Rules.some((r) => r.IsEgress && r.IpProtocol === "-1" && r.CidrIpv6 === "::/0")) return;
  put(call, { ...group, Rules: [...group.Rules, allTraffic(call, true, { CidrIpv6: "::/0" })] });
}

/** The `default` group every VPC is born with: all traffic in from its own members, all traffic out. */
export function createDefaultGroup(call: Ec2Call, vpcId: string): StoredGroup {
  const GroupId = newId(call.env, "sg");
  const group: StoredGroup = {
    GroupId,
    GroupName: DEFAULT_NAME,
    Description: "default VPC security group",
    VpcId: vpcId,
    OwnerId: call.scope.account,
    Tags: [],
    Rules: [
      allTraffic(call, false, { ReferencedGroupId: GroupId, ReferencedUserId: call.scope.account }),
      ...allEgress(call, vpcId),
    ],
  };
  put(call, group);
  return group;
}

export function defaultGroupOf(call: Ec2Call, vpcId: string): StoredGroup | undefined {
  return list<StoredGroup>(call, KIND.securityGroup).find(
    (g) => g.VpcId === vpcId && g.GroupName === DEFAULT_NAME,
  );
}

export function createSecurityGroup(call: Ec2Call, input: CreateSecurityGroupCommandInput) {
  const name = input.GroupName!;
  // An empty description is sent (GroupDescription=) but EC2 counts it as missing.
  if (!input.Description) throw missingParameter("groupDescription");
  // Without a VpcId the group goes to the default VPC, if the account still has one.
  const vpcId = input.VpcId ?? defaultVpcOf(call)?.VpcId;
  if (!vpcId) throw new AwsError("VPCIdNotSpecified", "No default VPC for this user");
  const vpc = must<StoredVpc>(call, KIND.vpc, vpcId);
  if (name.startsWith("sg-")) throw invalidParameterValue("Group names may not be in the format sg-*.");
  if (name === DEFAULT_NAME) throw invalidParameterValue(`Cannot use reserved security group name: ${name}`);
  if (
    list<StoredGroup>(call, KIND.securityGroup).some((g) => g.VpcId === vpc.VpcId && g.GroupName === name)
  ) {
    throw new AwsError(
      "InvalidGroup.Duplicate",
      `The security group '${name}' already exists for VPC '${vpc.VpcId}'`,
    );
  }
  const group: StoredGroup = {
    GroupId: newId(call.env, "sg"),
    GroupName: name,
    Description: input.Description!,
    VpcId: vpc.VpcId,
    OwnerId: call.scope.account,
    Tags: tagsFromSpecifications(input.TagSpecifications, "security-group"),
    // AWS gives every new group the allow-all egress rule(s).
    Rules: allEgress(call, vpc.VpcId),
  };
  put(call, group);
  return {
    GroupId: group.GroupId,
    Tags: group.Tags,
    SecurityGroupArn: arn(call, `security-group/${group.GroupId}`),
  };
}

/** The filters EC2 documents for DescribeSecurityGroups. */
const FILTERS: FilterTable<SecurityGroup> = {
  "group-id": (g) => g.GroupId,
  "group-name": (g) => g.GroupName,
  description: (g) => g.Description,
  "vpc-id": (g) => g.VpcId,
  "owner-id": (g) => g.OwnerId,
  ...permissionFilters("ip-permission", (g) => g.IpPermissions ?? []),
  ...permissionFilters("egress.ip-permission", (g) => g.IpPermissionsEgress ?? []),
};

function permissionFilters(
  prefix: string,
  of: (g: SecurityGroup) => IpPermission[],
): FilterTable<SecurityGroup> {
  return {
    [`${prefix}.protocol`]: (g) => of(g).map((p) => p.IpProtocol),
    [`${prefix}.from-port`]: (g) => of(g).map((p) => p.FromPort),
    [`${prefix}.to-port`]: (g) => of(g).map((p) => p.ToPort),
    [`${prefix}.cidr`]: (g) => of(g).flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp)),
    [`${prefix}.ipv6-cidr`]: (g) => of(g).flatMap((p) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
    [`${prefix}.prefix-list-id`]: (g) =>
      of(g).flatMap((p) => (p.PrefixListIds ?? []).map((r) => r.PrefixListId)),
    [`${prefix}.group-id`]: (g) => of(g).flatMap((p) => (p.UserIdGroupPairs ?? []).map((r) => r.GroupId)),
    // Matches the name a pair shows, never a name looked up from its id: AWS finds no group by the
    // name of a group a rule references by id (moto's note on its test_filter_egress__ip_permission__
    // group_name_create_with_id_filter_by_name, from AWS). VPC rules here always reference by id.
    [`${prefix}.group-name`]: (g) => of(g).flatMap((p) => (p.UserIdGroupPairs ?? []).map((r) => r.GroupName)),
    [`${prefix}.user-id`]: (g) => of(g).flatMap((p) => (p.UserIdGroupPairs ?? []).map((r) => r.UserId)),
  };
}

const SECURITY_GROUPS: Describable<StoredGroup, SecurityGroup> = {
  operation: "DescribeSecurityGroups",
  kind: KIND.securityGroup,
  idOf: (g) => g.GroupId,
  view: groupView,
  filters: FILTERS,
  tagsOf: (g) => g.Tags,
};

export function describeSecurityGroups(call: Ec2Call, input: DescribeSecurityGroupsCommandInput) {
  // Names are looked up in the default VPC; with ids too, the groups either names.
  const named = (input.GroupNames ?? []).map((name) => inDefaultVpc(call, name).GroupId);
  const ids = [...(input.GroupIds ?? []), ...named];
  return {
    SecurityGroups: describe(call, SECURITY_GROUPS, ids, input.Filters),
  };
}

export function deleteSecurityGroup(call: Ec2Call, input: DeleteSecurityGroupCommandInput) {
  const group = resolve(call, input.GroupId, input.GroupName);
  if (group.GroupName === DEFAULT_NAME) {
    throw new AwsError(
      "CannotDelete",
      `the specified group: "${group.GroupId}" name: "${group.GroupName}" cannot be deleted by a user`,
    );
  }
  const usedByInterface = list<{ GroupIds: string[] }>(call, KIND.networkInterface).some((eni) =>
    eni.GroupIds.includes(group.GroupId),
  );
  const referenced = list<StoredGroup>(call, KIND.securityGroup).some(
    (other) =>
      other.GroupId !== group.GroupId && other.Rules.some((r) => r.ReferencedGroupId === group.GroupId),
  );
  if (usedByInterface || referenced)
    throw dependencyViolation(`resource ${group.GroupId} has a dependent object`);
  call.store.delete(KIND.securityGroup, call.scope, group.GroupId);
  return { Return: true, GroupId: group.GroupId };
}

/** DeleteVpc removes its default group with it. */
export function deleteDefaultGroup(call: Ec2Call, vpcId: string): void {
  const group = defaultGroupOf(call, vpcId);
  if (group) call.store.delete(KIND.securityGroup, call.scope, group.GroupId);
}

type RuleChange = Pick<
  AuthorizeSecurityGroupIngressCommandInput,
  | "IpPermissions"
  | "IpProtocol"
  | "FromPort"
  | "ToPort"
  | "CidrIp"
  | "SourceSecurityGroupName"
  | "SourceSecurityGroupOwnerId"
>;

/** The permissions a call names: IpPermissions, or the older flat members, never both. */
function permissionsIn(input: RuleChange): IpPermission[] {
  const flat =
    input.IpProtocol !== undefined ||
    input.CidrIp !== undefined ||
    input.SourceSecurityGroupName !== undefined;
  if (input.IpPermissions?.length && flat) {
    throw new AwsError(
      "InvalidParameterCombination",
      "The parameter 'ipPermissions' may not be used in combination with 'ipProtocol'",
    );
  }
  if (!flat) return input.IpPermissions ?? [];
  return [
    {
      IpProtocol: input.IpProtocol ?? "-1",
      FromPort: input.FromPort,
      ToPort: input.ToPort,
      ...(input.CidrIp ? { IpRanges: [{ CidrIp: input.CidrIp }] } : {}),
      ...(input.SourceSecurityGroupName
        ? {
            UserIdGroupPairs: [
              { GroupName: input.SourceSecurityGroupName, UserId: input.SourceSecurityGroupOwnerId },
            ],
          }
        : {}),
    },
  ];
}

function groupResolver(call: Ec2Call, group: StoredGroup) {
  return (pair: { GroupId?: string; GroupName?: string }): string => {
    if (pair.GroupId) return must<StoredGroup>(call, KIND.securityGroup, pair.GroupId).GroupId;
    const named = list<StoredGroup>(call, KIND.securityGroup).find(
      (g) => g.VpcId === group.VpcId && g.GroupName === pair.GroupName,
    );
    if (!named)
      throw new AwsError("InvalidGroup.NotFound", `The security group '${pair.GroupName}' does not exist`);
    return named.GroupId;
  };
}

function authorize(
  call: Ec2Call,
  input: RuleChange & {
    GroupId?: string;
    GroupName?: string;
    TagSpecifications?: CreateSecurityGroupCommandInput["TagSpecifications"];
  },
  isEgress: boolean,
) {
  const group = resolve(call, input.GroupId, input.GroupName);
  const permissions = permissionsIn(input);
  if (permissions.length === 0) {
    throw new AwsError("MissingParameter", "The request must contain the parameter ipPermissions");
  }
  const tags = tagsFromSpecifications(input.TagSpecifications, "security-group-rule");
  const added: StoredRule[] = [];
  for (const permission of permissions) {
    for (const key of rulesOf(permission, isEgress, groupResolver(call, group), call.scope.account)) {
      if ([...group.Rules, ...added].some((r) => sameRule(r, key))) {
        throw new AwsError(
          "InvalidPermission.Duplicate",
          `the specified rule "${describeRule(key)}" already exists`,
        );
      }
      added.push(newRule(call, key, tags));
    }
  }
  if (overRuleQuota([...group.Rules, ...added], isEgress)) {
    throw new AwsError(
      "RulesPerSecurityGroupLimitExceeded",
      "The maximum number of rules per security group has been reached.",
    );
  }
  put(call, { ...group, Rules: [...group.Rules, ...added] });
  return { Return: true, SecurityGroupRules: added.map((r) => ruleView(call, group.GroupId, r)) };
}

function revoke(
  call: Ec2Call,
  input: RuleChange & { GroupId?: string; GroupName?: string; SecurityGroupRuleIds?: string[] },
  isEgress: boolean,
) {
  const group = resolve(call, input.GroupId, input.GroupName);
  const doomed = new Set<string>();
  for (const id of input.SecurityGroupRuleIds ?? []) {
    const rule = group.Rules.find((r) => r.SecurityGroupRuleId === id && r.IsEgress === isEgress);
    if (!rule) {
      throw new AwsError(
        "InvalidSecurityGroupRuleId.NotFound",
        `The security group rule ID '${id}' does not exist`,
      );
    }
    doomed.add(id);
  }
  const unknown: IpPermission[] = [];
  for (const permission of permissionsIn(input)) {
    const keys = rulesOf(permission, isEgress, groupResolver(call, group), call.scope.account);
    const matches = keys.map((key) => group.Rules.find((r) => sameRule(r, key)));
    for (const rule of matches) if (rule) doomed.add(rule.SecurityGroupRuleId);
    if (matches.some((m) => !m)) unknown.push(permission);
  }
  if (doomed.size === 0) {
    throw new AwsError(
      "InvalidPermission.NotFound",
      "The specified rule does not exist in this security group.",
    );
  }
  const revoked = group.Rules.filter((r) => doomed.has(r.SecurityGroupRuleId));
  put(call, { ...group, Rules: group.Rules.filter((r) => !doomed.has(r.SecurityGroupRuleId)) });
  return {
    Return: true,
    ...(unknown.length ? { UnknownIpPermissions: unknown } : {}),
    RevokedSecurityGroupRules: revoked.map((r) => {
      const {
        Tags: _tags,
        ReferencedGroupInfo,
        SecurityGroupRuleArn: _arn,
        GroupOwnerId: _owner,
        ...rest
      } = ruleView(call, group.GroupId, r);
      return { ...rest, ...(ReferencedGroupInfo ? { ReferencedGroupId: ReferencedGroupInfo.GroupId } : {}) };
    }),
  };
}

export const authorizeIngress = (call: Ec2Call, input: AuthorizeSecurityGroupIngressCommandInput) =>
  authorize(call, input, false);
export const authorizeEgress = (call: Ec2Call, input: AuthorizeSecurityGroupEgressCommandInput) =>
  authorize(call, input, true);
export const revokeIngress = (call: Ec2Call, input: RevokeSecurityGroupIngressCommandInput) =>
  revoke(call, input, false);
export const revokeEgress = (call: Ec2Call, input: RevokeSecurityGroupEgressCommandInput) =>
  revoke(call, input, true);

const RULE_FILTERS: FilterTable<SecurityGroupRule> = {
  "group-id": (r) => r.GroupId,
  "security-group-rule-id": (r) => r.SecurityGroupRuleId,
};

/** Rules have no records of their own: each lives in its group's. */
const SECURITY_GROUP_RULES: Describable<SecurityGroupRule, SecurityGroupRule> = {
  operation: "DescribeSecurityGroupRules",
  kind: KIND.securityGroup,
  idOf: (r) => r.SecurityGroupRuleId!,
  view: (_call, r) => r,
  filters: RULE_FILTERS,
  tagsOf: (r) => r.Tags,
  records: (call) =>
    list<StoredGroup>(call, KIND.securityGroup).flatMap((g) =>
      g.Rules.map((r) => ruleView(call, g.GroupId, r)),
    ),
  missing: (id) =>
    new AwsError("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${id}' does not exist`),
};

export function describeSecurityGroupRules(call: Ec2Call, input: DescribeSecurityGroupRulesCommandInput) {
  // A group-id filter value that is no group id at all is refused, as EC2 does
  // (one that names no group just matches nothing; wildcards pass).
  for (const filter of input.Filters ?? []) {
    if (filter.Name !== "group-id") continue;
    const bad = (filter.Values ?? []).find((id) => !/^sg-[0-9a-f*?]+$/.test(id));
    if (bad !== undefined) {
      throw new AwsError("InvalidGroupId.Malformed", `The security group ID '${bad}' is malformed`);
    }
  }
  return {
    SecurityGroupRules: describe(call, SECURITY_GROUP_RULES, input.SecurityGroupRuleIds, input.Filters),
  };
}
