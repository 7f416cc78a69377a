import type { IpPermission, SecurityGroupRule, Tag } from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import { formatBlock, parseBlock } from "./cidr.js";
import { formatBlock6, parseBlock6 } from "./cidr6.js";
import { arn, type Ec2Call, invalidParameterValue, newId } from "./common.js";
import type { StoredRule } from "./records.js";

/** What a rule is, without its id: two rules with the same key are the same rule. */
type RuleKey = Omit<StoredRule, "SecurityGroupRuleId" | "Description" | "Tags">;

const NAMED: Record<string, string> = {
  tcp: "tcp",
  "6": "tcp",
  udp: "udp",
  "17": "udp",
  icmp: "icmp",
  "1": "icmp",
  icmpv6: "icmpv6",
  "58": "icmpv6",
  "-1": "-1",
  all: "-1",
};

function protocolOf(raw: string | undefined): string {
  if (raw === undefined)
    throw new AwsError("MissingParameter", "The request must contain the parameter ipProtocol");
  const named = NAMED[raw.toLowerCase()];
  if (named) return named;
  if (/^\d+$/.test(raw) && Number(raw) <= 255) return String(Number(raw));
  throw invalidParameterValue(`Invalid value '${raw}' for IP protocol. Unknown protocol.`);
}

function portsOf(protocol: string, from: number | undefined, to: number | undefined): [number, number] {
  if (protocol === "tcp" || protocol === "udp") {
    if (from === undefined || to === undefined) {
      throw invalidParameterValue(
        `Invalid value 'null' for portRange. Must specify both from and to ports with TCP/UDP.`,
      );
    }
    if (from < 0 || to > 65535 || from > to) {
      throw invalidParameterValue(
        `Invalid value '${from}-${to}' for portRange. Valid ports are 0 through 65535.`,
      );
    }
    return [from, to];
  }
  if (protocol === "icmp" || protocol === "icmpv6") return [from ?? -1, to ?? -1];
  return [-1, -1];
}

/** The peer a rule names, as AWS quotes it in its Duplicate message. */
function peerOf(rule: RuleKey): string {
  return rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? rule.ReferencedGroupId ?? "";
}

export function describeRule(rule: RuleKey): string {
  const peer = peerOf(rule);
  if (rule.IpProtocol === "-1") return `peer: ${peer}, ALL, ALLOW`;
  if (rule.IpProtocol === "icmp" || rule.IpProtocol === "icmpv6") {
    return `peer: ${peer}, ${rule.IpProtocol.toUpperCase()}, type: ${rule.FromPort}, code: ${rule.ToPort}, ALLOW`;
  }
  return `peer: ${peer}, ${rule.IpProtocol.toUpperCase()}, from port: ${rule.FromPort}, to port: ${rule.ToPort}, ALLOW`;
}

export function sameRule(a: RuleKey, b: RuleKey): boolean {
  return (
    a.IsEgress === b.IsEgress &&
    a.IpProtocol === b.IpProtocol &&
    a.FromPort === b.FromPort &&
    a.ToPort === b.ToPort &&
    peerOf(a) === peerOf(b)
  );
}

/**
 * The rules an IpPermission stands for: one per peer (CIDR, IPv6 CIDR,
 * prefix list, or group). `resolveGroup` turns a referenced group id or
 * name into the group's id, and throws when it does not exist.
 */
export function rulesOf(
  permission: IpPermission,
  isEgress: boolean,
  resolveGroup: (pair: { GroupId?: string; GroupName?: string }) => string,
  account: string,
): Array<RuleKey & { Description?: string }> {
  const IpProtocol = protocolOf(permission.IpProtocol);
  const [FromPort, ToPort] = portsOf(IpProtocol, permission.FromPort, permission.ToPort);
  const base = { IsEgress: isEgress, IpProtocol, FromPort, ToPort };
  const described = (d: string | undefined) => (d !== undefined ? { Description: d } : {});
  const rules = [
    ...(permission.IpRanges ?? []).map((r) => {
      const block = r.CidrIp ? parseBlock(r.CidrIp) : undefined;
      if (!block) throw invalidParameterValue(`CIDR block ${r.CidrIp} is malformed`);
      return { ...base, CidrIpv4: formatBlock(block), ...described(r.Description) };
    }),
    ...(permission.Ipv6Ranges ?? []).map((r) => {
      const block = r.CidrIpv6 ? parseBlock6(r.CidrIpv6) : undefined;
      if (!block) throw invalidParameterValue(`CIDR block ${r.CidrIpv6} is malformed`);
      return { ...base, CidrIpv6: formatBlock6(block), ...described(r.Description) };
    }),
    ...(permission.PrefixListIds ?? []).map((p) => ({
      ...base,
      PrefixListId: p.PrefixListId!,
      ...described(p.Description),
    })),
    ...(permission.UserIdGroupPairs ?? []).map((pair) => ({
      ...base,
      ReferencedGroupId: resolveGroup(pair),
      ReferencedUserId: pair.UserId ?? account,
      ...described(pair.Description),
    })),
  ];
  if (rules.length === 0) {
    throw new AwsError(
      "MissingParameter",
      "The request must contain at least one of IpRanges, Ipv6Ranges, PrefixListIds or Groups in each permission",
    );
  }
  return rules;
}

/**
 * AWS's default quota, "Inbound or outbound rules per security group": 60,
 * counted apart for IPv4 and IPv6 rules; a rule referencing a group (or a
 * prefix list) counts on both sides. A prefix list counts once here: the
 * weight AWS gives its own managed lists is not modelled.
 */
export const RULES_PER_GROUP_DIRECTION = 60;

export function overRuleQuota(rules: readonly RuleKey[], isEgress: boolean): boolean {
  const side = rules.filter((r) => r.IsEgress === isEgress);
  const ipv4 = side.filter((r) => r.CidrIpv6 === undefined).length;
  const ipv6 = side.filter((r) => r.CidrIpv4 === undefined).length;
  return ipv4 > RULES_PER_GROUP_DIRECTION || ipv6 > RULES_PER_GROUP_DIRECTION;
}

export function newRule(call: Ec2Call, key: RuleKey & { Description?: string }, tags: Tag[]): StoredRule {
  return { SecurityGroupRuleId: newId(call.env, "sgr"), ...key, Tags: tags };
}

/** Rules folded back into IpPermissions, one per protocol and port range, in first-seen order. */
export function permissionsOf(rules: readonly StoredRule[]): IpPermission[] {
  const out: IpPermission[] = [];
  const byRange = new Map<string, IpPermission>();
  for (const rule of rules) {
    const key = `${rule.IpProtocol}/${rule.FromPort}/${rule.ToPort}`;
    let permission = byRange.get(key);
    if (!permission) {
      permission = {
        IpProtocol: rule.IpProtocol,
        // EC2 leaves ports out of all-traffic permissions.
        ...(rule.IpProtocol === "-1" ? {} : { FromPort: rule.FromPort, ToPort: rule.ToPort }),
        UserIdGroupPairs: [],
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
      };
      byRange.set(key, permission);
      out.push(permission);
    }
    const d = rule.Description !== undefined ? { Description: rule.Description } : {};
    if (rule.CidrIpv4) permission.IpRanges!.push({ CidrIp: rule.CidrIpv4, ...d });
    if (rule.CidrIpv6) permission.Ipv6Ranges!.push({ CidrIpv6: rule.CidrIpv6, ...d });
    if (rule.PrefixListId) permission.PrefixListIds!.push({ PrefixListId: rule.PrefixListId, ...d });
    if (rule.ReferencedGroupId) {
      permission.UserIdGroupPairs!.push({
        UserId: rule.ReferencedUserId,
        GroupId: rule.ReferencedGroupId,
        ...d,
      });
    }
  }
  return out;
}

export function ruleView(call: Ec2Call, groupId: string, rule: StoredRule): SecurityGroupRule {
  return {
    SecurityGroupRuleId: rule.SecurityGroupRuleId,
    GroupId: groupId,
    GroupOwnerId: call.scope.account,
    IsEgress: rule.IsEgress,
    IpProtocol: rule.IpProtocol,
    FromPort: rule.FromPort,
    ToPort: rule.ToPort,
    ...(rule.CidrIpv4 ? { CidrIpv4: rule.CidrIpv4 } : {}),
    ...(rule.CidrIpv6 ? { CidrIpv6: rule.CidrIpv6 } : {}),
    ...(rule.PrefixListId ? { PrefixListId: rule.PrefixListId } : {}),
    ...(rule.ReferencedGroupId
      ? { ReferencedGroupInfo: { GroupId: rule.ReferencedGroupId, UserId: rule.ReferencedUserId } }
      : {}),
    ...(rule.Description !== undefined ? { Description: rule.Description } : {}),
    Tags: rule.Tags,
    SecurityGroupRuleArn: arn(call, `security-group-rule/${rule.SecurityGroupRuleId}`),
  };
}
