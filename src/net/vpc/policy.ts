import type { IpPermission, NetworkInterface } from "@aws-sdk/client-ec2";
import { routeTableOf } from "../reachability.js";
import { prefixListOf, privateDnsNameOf } from "./aws-names.js";
import { nth } from "./ip.js";
import {
  type DnsRecords,
  GATEWAY_SERVICE_ADDRESSES,
  PUBLIC_ADDRESSES,
  PUBLIC_RESOLVER,
  PUBLIC_SERVICES,
} from "./public.js";
import type { VpcSnapshot } from "./snapshot.js";

/**
 * EC2's state compiled to nftables, pure: the session side enforces the
 * ENI's security groups (stateful, as AWS's are), the VPC router enforces
 * route tables, endpoint security groups and the resolver. Everything not
 * admitted is dropped, never rejected, so connections hang as in AWS.
 */

export interface EniSpec {
  id: string;
  privateIp: string;
  subnetId: string;
  groupIds: readonly string[];
}

/** The nftables table in a session's namespace (the ENI's security groups). */
export const SESSION_TABLE = "acd-sg";
/** The nftables table in a VPC's router namespace. */
export const ROUTER_TABLE = "acd-router";

/** The VPC's resolver (AmazonProvidedDNS): the VPC's base address plus two. */
export const resolverOf = (snap: Pick<VpcSnapshot, "cidr">) => nth(snap.cidr, 2);
/** A subnet's router: its base address plus one. */
export const gatewayOf = (subnetCidr: string) => nth(subnetCidr, 1);

const isActive = (state: string | undefined) => (state ?? "available").toLowerCase() === "available";

function serviceOfEndpoint(snap: VpcSnapshot, serviceName: string | undefined): string | undefined {
  const prefix = `com.amazonaws.${snap.region}.`;
  return serviceName?.startsWith(prefix) ? serviceName.slice(prefix.length) : undefined;
}

function endpointAddresses(snap: VpcSnapshot, ids: readonly string[] | undefined): string[] {
  return snap.allInterfaces
    .filter((i) => ids?.includes(i.NetworkInterfaceId ?? ""))
    .flatMap((i) => (i.PrivateIpAddress ? [i.PrivateIpAddress] : []));
}

/** The addresses a group reference stands for: every interface that has the group. */
function membersOf(snap: VpcSnapshot, groupId: string): string[] {
  return snap.allInterfaces
    .filter((i: NetworkInterface) => i.Groups?.some((g) => g.GroupId === groupId))
    .flatMap((i) => (i.PrivateIpAddress ? [i.PrivateIpAddress] : []));
}

function prefixListAddresses(snap: VpcSnapshot, id: string): string[] {
  return Object.entries(GATEWAY_SERVICE_ADDRESSES)
    .filter(([service]) => prefixListOf(snap.region, service) === id)
    .map(([, address]) => address);
}

function protocolMatch(rule: IpPermission): string | undefined {
  const protocol = (rule.IpProtocol ?? "").toLowerCase();
  if (protocol === "-1" || protocol === "all") return "";
  const named = protocol === "6" ? "tcp" : protocol === "17" ? "udp" : protocol === "1" ? "icmp" : protocol;
  if (named === "tcp" || named === "udp") {
    const from = rule.FromPort ?? 0;
    const to = rule.ToPort ?? 65535;
    if (from <= 0 && to >= 65535) return `meta l4proto ${named}`;
    return from === to ? `${named} dport ${from}` : `${named} dport ${from}-${to}`;
  }
  if (named === "icmp") return "meta l4proto icmp";
  if (/^\d+$/.test(named)) return `meta l4proto ${named}`;
  return undefined;
}

/** The peers one rule names, as addresses or blocks: CIDRs, group members, prefix lists' addresses. */
function rulePeers(snap: VpcSnapshot, rule: IpPermission): string[] {
  return [
    ...(rule.IpRanges ?? []).flatMap((r) => (r.CidrIp ? [r.CidrIp] : [])),
    ...(rule.UserIdGroupPairs ?? []).flatMap((p) => (p.GroupId ? membersOf(snap, p.GroupId) : [])),
    ...(rule.PrefixListIds ?? []).flatMap((p) =>
      p.PrefixListId ? prefixListAddresses(snap, p.PrefixListId) : [],
    ),
  ];
}

/** nftables lines accepting what the groups' rules admit, the peer on `field` (daddr for egress, saddr for ingress). */
function groupRules(
  snap: VpcSnapshot,
  groupIds: readonly string[],
  direction: "IpPermissionsEgress" | "IpPermissions",
  field: "daddr" | "saddr",
  match = "",
): string[] {
  const lines: string[] = [];
  for (const id of groupIds) {
    const group = snap.securityGroups.find((g) => g.GroupId === id);
    for (const rule of group?.[direction] ?? []) {
      const protocol = protocolMatch(rule);
      if (protocol === undefined) continue;
      for (const peer of new Set(rulePeers(snap, rule))) {
        lines.push(`${match}ip ${field} ${peer} ${protocol} accept`.replace(/ +/g, " "));
      }
    }
  }
  return lines;
}

/** The ENI's groups as they are now (ModifyNetworkInterfaceAttribute may have changed them). */
export function currentGroups(snap: VpcSnapshot, eni: EniSpec): readonly string[] {
  const found = snap.allInterfaces.find((i) => i.NetworkInterfaceId === eni.id);
  return found?.Groups ? found.Groups.flatMap((g) => (g.GroupId ? [g.GroupId] : [])) : eni.groupIds;
}

function replaceTable(name: string, body: string): string {
  // Declare, delete, define: one atomic transaction, whether the table existed or not.
  return `table ip ${name}\ndelete table ip ${name}\ntable ip ${name} {\n${body}}\n`;
}

/** The session side: the ENI's security groups on what leaves and reaches the ENI interface. */
export function sessionRuleset(snap: VpcSnapshot, eni: EniSpec, ifname: string): string {
  const groups = currentGroups(snap, eni);
  const resolver = resolverOf(snap);
  const egress = groupRules(snap, groups, "IpPermissionsEgress", "daddr");
  const ingress = groupRules(snap, groups, "IpPermissions", "saddr");
  const indent = (lines: string[]) => lines.map((l) => `    ${l}\n`).join("");
  return replaceTable(
    SESSION_TABLE,
    `  chain sg_egress {
    type filter hook output priority 0; policy accept;
    oifname != "${ifname}" accept
    ct state established,related accept
    ip daddr ${resolver} meta l4proto { tcp, udp } th dport 53 accept
${indent(egress)}    counter drop
  }
  chain sg_ingress {
    type filter hook input priority 0; policy accept;
    iifname != "${ifname}" accept
    ct state established,related accept
${indent(ingress)}    counter drop
  }
`,
  );
}

/** Whether a NAT gateway really reaches the internet: public, available, its subnet routed to an attached internet gateway. */
function natWorks(snap: VpcSnapshot, natId: string): boolean {
  const nat = snap.natGateways.find((g) => g.NatGatewayId === natId);
  if (!nat || !isActive(nat.State) || nat.ConnectivityType === "private" || !nat.SubnetId) return false;
  const table = routeTableOf(snap.routeTables, nat.SubnetId, snap.vpcId);
  const out = table?.Routes?.find((r) => r.DestinationCidrBlock === "0.0.0.0/0" && r.State !== "blackhole");
  const igw = out?.GatewayId?.startsWith("igw-")
    ? snap.internetGateways.find((g) => g.InternetGatewayId === out.GatewayId)
    : undefined;
  return igw?.Attachments?.some((a) => a.VpcId === snap.vpcId) ?? false;
}

/** The internet addresses a subnet's route table lets out: all through a working NAT gateway, a prefix list's through a gateway endpoint. */
export function routedPublicAddresses(snap: VpcSnapshot, subnetId: string): string[] {
  const table = routeTableOf(snap.routeTables, subnetId, snap.vpcId);
  const routes = (table?.Routes ?? []).filter((r) => r.State !== "blackhole");
  const out = new Set<string>();
  const fallback = routes.find((r) => r.DestinationCidrBlock === "0.0.0.0/0");
  if (fallback?.NatGatewayId && natWorks(snap, fallback.NatGatewayId)) {
    for (const a of PUBLIC_ADDRESSES) out.add(a);
  }
  for (const route of routes) {
    if (!route.DestinationPrefixListId || !route.GatewayId?.startsWith("vpce-")) continue;
    const endpoint = snap.endpoints.find((e) => e.VpcEndpointId === route.GatewayId);
    if (!endpoint || !isActive(endpoint.State) || endpoint.VpcEndpointType !== "Gateway") continue;
    for (const a of prefixListAddresses(snap, route.DestinationPrefixListId)) out.add(a);
  }
  return [...out];
}

/** Interface endpoints the VPC serves: address → the endpoint's groups. */
function interfaceEndpoints(snap: VpcSnapshot): { address: string; groupIds: string[] }[] {
  return snap.endpoints
    .filter((e) => e.VpcEndpointType === "Interface" && isActive(e.State))
    .flatMap((e) =>
      endpointAddresses(snap, e.NetworkInterfaceIds).map((address) => ({
        address,
        groupIds: (e.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
      })),
    );
}

export interface RouterPort {
  ifname: string;
  mark: number;
}

/** The VPC router: resolver, interface endpoints (their groups' ingress), route tables per subnet, NAT. */
export function routerRuleset(
  snap: VpcSnapshot | undefined,
  uplink: string,
  ports: readonly RouterPort[],
): string {
  const lines: string[] = [];
  const nat: string[] = [];
  if (snap) {
    const resolver = resolverOf(snap);
    if (snap.dns.support !== false) {
      lines.push(`ip daddr ${resolver} meta l4proto { tcp, udp } th dport 53 accept`);
      nat.push(`ip daddr ${resolver} meta l4proto { tcp, udp } th dport 53 dnat to ${PUBLIC_RESOLVER}`);
    } else {
      // DNS support off: the resolver reads nothing. Dropped here, not let through as VPC-internal traffic.
      lines.push(`ip daddr ${resolver} meta l4proto { tcp, udp } th dport 53 drop`);
    }
    for (const endpoint of interfaceEndpoints(snap)) {
      lines.push(
        ...groupRules(snap, endpoint.groupIds, "IpPermissions", "saddr", `ip daddr ${endpoint.address} `).map(
          // Only HTTPS is served behind an endpoint.
          (l) => l.replace(/ accept$/, " tcp dport 443 accept"),
        ),
        `ip daddr ${endpoint.address} drop`,
      );
      nat.push(`ip daddr ${endpoint.address} tcp dport 443 dnat to ${PUBLIC_SERVICES}`);
    }
    for (const subnet of snap.subnets) {
      if (!subnet.CidrBlock || !subnet.SubnetId) continue;
      lines.push(`ip saddr ${subnet.CidrBlock} ip daddr ${snap.cidr} accept`);
      for (const address of routedPublicAddresses(snap, subnet.SubnetId)) {
        lines.push(`ip saddr ${subnet.CidrBlock} ip daddr ${address} accept`);
      }
    }
  }
  const indent = (items: string[]) => items.map((l) => `    ${l}\n`).join("");
  return replaceTable(
    ROUTER_TABLE,
    `  chain marks {
    type filter hook prerouting priority -160; policy accept;
${indent(ports.map((p) => `iifname "${p.ifname}" ct state new ct mark set ${p.mark}`))}    meta mark set ct mark
  }
  chain pre_filter {
    type filter hook prerouting priority -150; policy accept;
    ct state established,related accept
    iifname "${uplink}" drop
${indent(lines)}    counter drop
  }
  chain pre_nat {
    type nat hook prerouting priority -100; policy accept;
${indent(nat)}  }
  chain post_nat {
    type nat hook postrouting priority 100; policy accept;
    oifname "${uplink}" masquerade
  }
`,
  );
}

/** What the VPC's resolver answers itself: interface endpoints' private DNS names, when the VPC lets them. */
export function privateDnsRecords(snap: VpcSnapshot): DnsRecords {
  const records: Record<string, string[]> = {};
  if (snap.dns.hostnames === false) return records;
  for (const e of snap.endpoints) {
    if (e.VpcEndpointType !== "Interface" || !e.PrivateDnsEnabled || !isActive(e.State)) continue;
    const service = serviceOfEndpoint(snap, e.ServiceName);
    if (!service) continue;
    const name = privateDnsNameOf(snap.region, service);
    records[name] ??= endpointAddresses(snap, e.NetworkInterfaceIds);
  }
  return records;
}
