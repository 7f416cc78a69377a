import type {
  InternetGateway,
  IpPermission,
  NatGateway,
  NetworkInterface,
  Route,
  RouteTable,
  SecurityGroup,
  Subnet,
  VpcEndpoint,
} from "@aws-sdk/client-ec2";

/**
 * Whether a runtime's ENI can reach an AWS service endpoint, judged
 * analytically from EC2's descriptions (no packet is sent). Pure: the same
 * EC2 state always gives the same verdict, and the emulator's namespace
 * networking must reach the same verdicts for the same state.
 *
 * API: `reach(network, origin, destination)`.
 * - `network` (VpcNetwork): the Describe* answers as the AWS SDK returns
 *   them (DescribeSubnets, DescribeRouteTables, DescribeSecurityGroups,
 *   DescribeVpcEndpoints, DescribeNatGateways, DescribeInternetGateways, the
 *   endpoints' DescribeNetworkInterfaces, DescribeVpcAttribute). States are
 *   compared case-insensitively (EC2 answers "available" where the SDK's
 *   enum says "Available").
 * - `origin`: the subnet the ENI is in, its security groups, its address
 *   (when unknown, the whole subnet's block stands for it).
 * - `destination`: a service by VPC endpoint suffix (`sts`, `ecr.api`,
 *   `s3`) and a TCP port (443 unless said).
 *
 * The decision, in order; the first that applies gives the verdict:
 * 1. VPC enableDnsSupport false → blocked `vpc-dns-off`.
 * 2. An available interface endpoint for the service with private DNS on
 *    (and enableDnsHostnames not false): the name resolves to it, so the
 *    connection goes there and only there → reachable `interface-endpoint`,
 *    or blocked `sg-egress` (the runtime's groups do not let it out to the
 *    endpoint's addresses or groups), `endpoint-sg-ingress` (the endpoint's
 *    groups do not admit it), `no-route` (the endpoint has no subnet).
 * 3. An available gateway endpoint (S3, DynamoDB) whose prefix-list route is
 *    in the origin subnet's route table (its explicit association, else the
 *    VPC's main table) → reachable `gateway-endpoint`, or blocked
 *    `sg-egress` (egress needs 0.0.0.0/0 or the prefix list).
 * 4. The table's active 0.0.0.0/0 route: to an available public NAT gateway
 *    whose own subnet routes 0.0.0.0/0 to an internet gateway attached to
 *    the VPC → reachable `nat`, or blocked `sg-egress` (egress needs
 *    0.0.0.0/0); to an internet gateway → blocked `no-route` (AgentCore's
 *    ENI has no public address); to anything else (transit gateway,
 *    peering, an appliance) → `unknown`; none, a blackhole, or a broken NAT
 *    → blocked `no-route`, reported as `endpoint-private-dns-off` or
 *    `vpc-dns-off` when an interface endpoint exists but its private DNS
 *    does not apply.
 *
 * Not modelled (the emulator must not model them either, or this must
 * learn them): network ACLs, endpoint policies, IPv6, the contents of
 * prefix lists, and egress rules that cover the internet with CIDRs other
 * than 0.0.0.0/0 (such a rule counts as not covering it).
 */

/** Where a fact was read: the EC2 call and the field of its answer. */
export interface ReachabilityFact {
  fact: string;
  call: string;
  field: string;
}

/** The VPC as EC2 describes it. Lists may hold more than the VPC; only what matches is used. */
export interface VpcNetwork {
  region: string;
  vpcId: string;
  subnets: readonly Subnet[];
  routeTables: readonly RouteTable[];
  securityGroups: readonly SecurityGroup[];
  endpoints: readonly VpcEndpoint[];
  natGateways: readonly NatGateway[];
  internetGateways: readonly InternetGateway[];
  /** Interfaces whose addresses matter: the endpoints' (found by their NetworkInterfaceIds). */
  interfaces: readonly NetworkInterface[];
  /** DescribeVpcAttribute; undefined when it could not be read. */
  dns: { support?: boolean; hostnames?: boolean };
}

/** The runtime's side: the subnet its ENI is in, the ENI's groups, its address if known. */
export interface Origin {
  subnetId: string;
  groupIds: readonly string[];
  address?: string;
}

/** An AWS service endpoint in the network's region, by endpoint prefix (`logs`, `ecr.dkr`, `s3`). */
export interface Destination {
  service: string;
  port?: number;
}

export type Path = "nat" | "interface-endpoint" | "gateway-endpoint";
export type Blocker =
  | "no-route"
  | "sg-egress"
  | "endpoint-sg-ingress"
  | "endpoint-private-dns-off"
  | "vpc-dns-off";

export type Reachability = { service: string; port: number; facts: ReachabilityFact[] } & (
  | { status: "reachable"; via: Path; endpointId?: string; natGatewayId?: string }
  | {
      status: "blocked";
      reason: Blocker;
      /** What the blocked path would have used. */
      endpointId?: string;
      groupIds?: string[];
      routeTableId?: string;
    }
  /** The traffic leaves the VPC by a route this model does not follow (transit gateway, peering, an appliance). */
  | { status: "unknown"; routeTableId?: string; target: string }
);

const HTTPS = 443;

/** Services AWS serves through gateway endpoints (route-table entries to a managed prefix list). */
export const GATEWAY_SERVICES: readonly string[] = ["s3", "dynamodb"];

export function serviceNameOf(region: string, service: string): string {
  return `com.amazonaws.${region}.${service}`;
}

// --- IPv4 ---------------------------------------------------------------------------------------

function address(text: string | undefined): number | undefined {
  const parts = text?.split(".") ?? [];
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function block(cidr: string | undefined): { base: number; size: number } | undefined {
  const [ip, bits] = cidr?.split("/") ?? [];
  const base = address(ip);
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), size };
}

function cidrContains(cidr: string | undefined, inner: string): boolean {
  const outer = block(cidr);
  const target = inner.includes("/") ? block(inner) : { base: address(inner), size: 1 };
  if (!outer || target?.base === undefined) return false;
  return target.base >= outer.base && target.base + target.size <= outer.base + outer.size;
}

const isDefaultRoute = (cidr: string | undefined) => cidr === "0.0.0.0/0";

// --- Lookups ------------------------------------------------------------------------------------

/** The table that routes a subnet: its explicit association, else its VPC's main table. */
export function routeTableOf(
  tables: readonly RouteTable[],
  subnetId: string,
  vpcId: string,
): RouteTable | undefined {
  return (
    tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ??
    tables.find((t) => t.VpcId === vpcId && t.Associations?.some((a) => a.Main))
  );
}

const subnetOf = (n: VpcNetwork, id: string) => n.subnets.find((s) => s.SubnetId === id);
const groupOf = (n: VpcNetwork, id: string) => n.securityGroups.find((g) => g.GroupId === id);
const isAvailable = (state: string | undefined) => (state ?? "available").toLowerCase() === "available";
const activeRoute = (r: Route) => r.State !== "blackhole";

function endpointsFor(n: VpcNetwork, service: string): VpcEndpoint[] {
  const name = serviceNameOf(n.region, service);
  return n.endpoints.filter((e) => e.VpcId === n.vpcId && e.ServiceName === name);
}

// --- Security-group rules -----------------------------------------------------------------------

function coversPort(rule: IpPermission, port: number): boolean {
  const protocol = (rule.IpProtocol ?? "").toLowerCase();
  if (protocol === "-1" || protocol === "all") return true;
  if (protocol !== "tcp" && protocol !== "6") return false;
  return (rule.FromPort ?? 0) <= port && port <= (rule.ToPort ?? 65535);
}

/** What a packet's other end is, as a rule can name it. */
interface Peer {
  /** Addresses it may have: an ENI's address, or a whole block when only that is known. */
  addresses: string[];
  groupIds: readonly string[];
  prefixListId?: string;
  /** The destination is on the internet (through NAT): only 0.0.0.0/0 covers it. */
  publicInternet?: boolean;
}

function ruleAdmits(rule: IpPermission, peer: Peer): string | undefined {
  const cidr = rule.IpRanges?.find((r) =>
    peer.publicInternet
      ? isDefaultRoute(r.CidrIp)
      : peer.addresses.length > 0 && peer.addresses.some((a) => cidrContains(r.CidrIp, a)),
  )?.CidrIp;
  if (cidr) return cidr;
  const group = rule.UserIdGroupPairs?.find((p) => p.GroupId && peer.groupIds.includes(p.GroupId))?.GroupId;
  if (group) return group;
  const list = rule.PrefixListIds?.find((p) => peer.prefixListId && p.PrefixListId === peer.prefixListId);
  return list?.PrefixListId;
}

function describeRule(rule: IpPermission): string {
  const protocol =
    rule.IpProtocol === "-1" ? "all traffic" : `${rule.IpProtocol} ${rule.FromPort}-${rule.ToPort}`;
  const peers = [
    ...(rule.IpRanges ?? []).map((r) => r.CidrIp),
    ...(rule.UserIdGroupPairs ?? []).map((p) => p.GroupId),
    ...(rule.PrefixListIds ?? []).map((p) => p.PrefixListId),
  ];
  return `${protocol} ${peers.join(", ") || "(no peer)"}`;
}

/** The first rule of these groups that lets `port` through to/from the peer, as "sg-…: rule (peer)". */
function allowedBy(
  n: VpcNetwork,
  groupIds: readonly string[],
  direction: "IpPermissionsEgress" | "IpPermissions",
  port: number,
  peer: Peer,
): string | undefined {
  for (const id of groupIds) {
    for (const rule of groupOf(n, id)?.[direction] ?? []) {
      if (!coversPort(rule, port)) continue;
      const by = ruleAdmits(rule, peer);
      if (by) return `${id} allows ${describeRule(rule)} (matched ${by})`;
    }
  }
  return undefined;
}

function rulesSummary(
  n: VpcNetwork,
  groupIds: readonly string[],
  direction: "IpPermissionsEgress" | "IpPermissions",
) {
  return groupIds
    .map((id) => {
      const group = groupOf(n, id);
      if (!group) return `${id}: not described`;
      const rules = group[direction] ?? [];
      return `${id}: ${rules.length > 0 ? rules.map(describeRule).join("; ") : "no rules"}`;
    })
    .join(" | ");
}

// --- The verdict --------------------------------------------------------------------------------

interface Context {
  n: VpcNetwork;
  origin: Origin;
  service: string;
  port: number;
  facts: ReachabilityFact[];
  table: RouteTable | undefined;
}

const note = (c: Context, fact: string, call: string, field: string) => c.facts.push({ fact, call, field });

const result = (c: Context, verdict: Record<string, unknown>): Reachability =>
  ({ service: c.service, port: c.port, facts: c.facts, ...verdict }) as Reachability;

function egressCheck(c: Context, peer: Peer, what: string): Reachability | undefined {
  const by = allowedBy(c.n, c.origin.groupIds, "IpPermissionsEgress", c.port, peer);
  if (by) {
    note(
      c,
      `egress to ${what} on ${c.port}: ${by}`,
      "DescribeSecurityGroups",
      "SecurityGroups[].IpPermissionsEgress",
    );
    return undefined;
  }
  note(
    c,
    `no egress rule of the runtime's groups lets tcp ${c.port} out to ${what} (${rulesSummary(c.n, c.origin.groupIds, "IpPermissionsEgress")})`,
    "DescribeSecurityGroups",
    "SecurityGroups[].IpPermissionsEgress",
  );
  return result(c, { status: "blocked", reason: "sg-egress", groupIds: [...c.origin.groupIds] });
}

/** The runtime's own address, or its whole subnet when the ENI's address is not known. */
function originAddresses(c: Context): string[] {
  if (c.origin.address) return [c.origin.address];
  const cidr = subnetOf(c.n, c.origin.subnetId)?.CidrBlock;
  return cidr ? [cidr] : [];
}

function viaInterfaceEndpoint(c: Context, endpoint: VpcEndpoint): Reachability {
  const id = endpoint.VpcEndpointId!;
  const enis = c.n.interfaces.filter((i) =>
    endpoint.NetworkInterfaceIds?.includes(i.NetworkInterfaceId ?? ""),
  );
  const addresses = enis.length
    ? enis.flatMap((i) => (i.PrivateIpAddress ? [i.PrivateIpAddress] : []))
    : (endpoint.SubnetIds ?? []).flatMap((s) => subnetOf(c.n, s)?.CidrBlock ?? []);
  const endpointGroups = (endpoint.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));
  if ((endpoint.SubnetIds ?? []).length === 0) {
    note(
      c,
      `${id} has no subnets, so no address to answer on`,
      "DescribeVpcEndpoints",
      "VpcEndpoints[].SubnetIds",
    );
    return result(c, { status: "blocked", reason: "no-route", endpointId: id });
  }
  note(
    c,
    `${id} (${endpoint.ServiceName}) answers the service's name in the VPC, in ${endpoint.SubnetIds!.join(", ")}${addresses.length ? ` at ${addresses.join(", ")}` : ""}; the local route carries it`,
    "DescribeVpcEndpoints",
    "VpcEndpoints[].PrivateDnsEnabled, SubnetIds, NetworkInterfaceIds",
  );
  const blocked = egressCheck(c, { addresses, groupIds: endpointGroups }, `${id}`);
  if (blocked) return { ...blocked, endpointId: id } as Reachability;
  const source: Peer = { addresses: originAddresses(c), groupIds: c.origin.groupIds };
  const admitted = allowedBy(c.n, endpointGroups, "IpPermissions", c.port, source);
  const who = c.origin.address ?? `subnet ${c.origin.subnetId}`;
  if (!admitted) {
    note(
      c,
      `no ingress rule of ${id}'s groups admits tcp ${c.port} from the runtime (${who}, groups ${c.origin.groupIds.join(", ")}): ${rulesSummary(c.n, endpointGroups, "IpPermissions")}`,
      "DescribeSecurityGroups",
      "SecurityGroups[].IpPermissions",
    );
    return result(c, {
      status: "blocked",
      reason: "endpoint-sg-ingress",
      endpointId: id,
      groupIds: endpointGroups,
    });
  }
  note(
    c,
    `ingress at ${id} from ${who}: ${admitted}`,
    "DescribeSecurityGroups",
    "SecurityGroups[].IpPermissions",
  );
  return result(c, { status: "reachable", via: "interface-endpoint", endpointId: id });
}

function viaGatewayEndpoint(c: Context, endpoint: VpcEndpoint, route: Route): Reachability {
  const id = endpoint.VpcEndpointId!;
  note(
    c,
    `route table ${c.table?.RouteTableId} sends ${route.DestinationPrefixListId} to gateway endpoint ${id} (${endpoint.ServiceName})`,
    "DescribeRouteTables",
    "RouteTables[].Routes",
  );
  const blocked = egressCheck(
    c,
    { addresses: [], groupIds: [], prefixListId: route.DestinationPrefixListId!, publicInternet: true },
    `${route.DestinationPrefixListId} (${c.service})`,
  );
  if (blocked) return { ...blocked, endpointId: id } as Reachability;
  return result(c, { status: "reachable", via: "gateway-endpoint", endpointId: id });
}

/** A NAT gateway reaches the internet only when public, available, and its own subnet routes to an attached internet gateway. */
function natProblem(c: Context, natId: string): string | undefined {
  const nat = c.n.natGateways.find((g) => g.NatGatewayId === natId);
  if (!nat) return `${natId} is not among the VPC's NAT gateways`;
  if (!isAvailable(nat.State)) return `${natId} is ${nat.State}`;
  if (nat.ConnectivityType === "private")
    return `${natId} is a private NAT gateway: it does not reach the internet`;
  const table = nat.SubnetId ? routeTableOf(c.n.routeTables, nat.SubnetId, c.n.vpcId) : undefined;
  const out = table?.Routes?.find((r) => isDefaultRoute(r.DestinationCidrBlock) && activeRoute(r));
  const igw = out?.GatewayId?.startsWith("igw-")
    ? c.n.internetGateways.find((g) => g.InternetGatewayId === out.GatewayId)
    : undefined;
  if (!igw?.Attachments?.some((a) => a.VpcId === c.n.vpcId)) {
    return `${natId}'s subnet ${nat.SubnetId} (route table ${table?.RouteTableId ?? "none"}) has no default route to an internet gateway attached to ${c.n.vpcId}`;
  }
  return undefined;
}

function viaDefaultRoute(c: Context): Reachability {
  const tableId = c.table?.RouteTableId;
  const route = c.table?.Routes?.find((r) => isDefaultRoute(r.DestinationCidrBlock) && activeRoute(r));
  if (!route) {
    note(
      c,
      `route table ${tableId ?? "(none)"} of ${c.origin.subnetId} has no active 0.0.0.0/0 route`,
      "DescribeRouteTables",
      "RouteTables[].Routes",
    );
    return result(c, {
      status: "blocked",
      reason: "no-route",
      ...(tableId ? { routeTableId: tableId } : {}),
    });
  }
  if (route.NatGatewayId) {
    const problem = natProblem(c, route.NatGatewayId);
    if (problem) {
      note(c, problem, "DescribeNatGateways", "NatGateways[].State, ConnectivityType, SubnetId");
      return result(c, { status: "blocked", reason: "no-route", routeTableId: tableId });
    }
    note(
      c,
      `route table ${tableId} sends 0.0.0.0/0 to ${route.NatGatewayId}, which is available and routes to the internet`,
      "DescribeRouteTables",
      "RouteTables[].Routes",
    );
    const blocked = egressCheck(c, { addresses: [], groupIds: [], publicInternet: true }, "0.0.0.0/0");
    if (blocked) return blocked;
    return result(c, { status: "reachable", via: "nat", natGatewayId: route.NatGatewayId });
  }
  if (route.GatewayId?.startsWith("igw-")) {
    note(
      c,
      `route table ${tableId} sends 0.0.0.0/0 to ${route.GatewayId}, but AgentCore's ENI has no public address: an internet gateway gives it no way out`,
      "DescribeRouteTables",
      "RouteTables[].Routes",
    );
    return result(c, { status: "blocked", reason: "no-route", routeTableId: tableId });
  }
  const target =
    route.TransitGatewayId ??
    route.VpcPeeringConnectionId ??
    route.NetworkInterfaceId ??
    route.GatewayId ??
    route.InstanceId ??
    route.CoreNetworkArn ??
    "another target";
  note(
    c,
    `route table ${tableId} sends 0.0.0.0/0 to ${target}: what lies beyond it is not visible from this VPC`,
    "DescribeRouteTables",
    "RouteTables[].Routes",
  );
  return result(c, { status: "unknown", routeTableId: tableId, target });
}

/** Whether the runtime at `origin` can open a TCP connection to the service's regional endpoint. */
export function reach(n: VpcNetwork, origin: Origin, destination: Destination): Reachability {
  const c: Context = {
    n,
    origin,
    service: destination.service,
    port: destination.port ?? HTTPS,
    facts: [],
    table: routeTableOf(n.routeTables, origin.subnetId, n.vpcId),
  };
  if (n.dns.support === false) {
    note(
      c,
      `${n.vpcId} has enableDnsSupport false: the VPC's resolver does not answer, so ${destination.service}.${n.region}.amazonaws.com does not resolve`,
      "DescribeVpcAttribute",
      "EnableDnsSupport.Value",
    );
    return result(c, { status: "blocked", reason: "vpc-dns-off" });
  }
  const endpoints = endpointsFor(n, destination.service);
  const available = endpoints.filter((e) => isAvailable(e.State));
  for (const e of endpoints.filter((e) => !isAvailable(e.State))) {
    note(
      c,
      `${e.VpcEndpointId} (${e.ServiceName}) is ${e.State}`,
      "DescribeVpcEndpoints",
      "VpcEndpoints[].State",
    );
  }

  // Private DNS makes the service's own name answer with the interface endpoint's addresses.
  const iface = available.filter((e) => e.VpcEndpointType === "Interface");
  const privateDns = iface.find((e) => e.PrivateDnsEnabled);
  let dnsBlocker: Blocker | undefined;
  let dnsEndpoint: string | undefined;
  if (privateDns && n.dns.hostnames !== false) return viaInterfaceEndpoint(c, privateDns);
  if (privateDns) {
    note(
      c,
      `${privateDns.VpcEndpointId} has private DNS on, but ${n.vpcId} has enableDnsHostnames false: the service's name still resolves to public addresses`,
      "DescribeVpcAttribute",
      "EnableDnsHostnames.Value",
    );
    dnsBlocker = "vpc-dns-off";
    dnsEndpoint = privateDns.VpcEndpointId;
  } else if (iface.length > 0) {
    note(
      c,
      `${iface.map((e) => e.VpcEndpointId).join(", ")} (${iface[0]!.ServiceName}) has private DNS off: the service's name resolves to public addresses, not to the endpoint`,
      "DescribeVpcEndpoints",
      "VpcEndpoints[].PrivateDnsEnabled",
    );
    dnsBlocker = "endpoint-private-dns-off";
    dnsEndpoint = iface[0]!.VpcEndpointId;
  }

  // A gateway endpoint's prefix-list route is more specific than any default route.
  const gateways = available.filter((e) => e.VpcEndpointType === "Gateway");
  for (const gateway of gateways) {
    const route = c.table?.Routes?.find(
      (r) => r.GatewayId === gateway.VpcEndpointId && r.DestinationPrefixListId && activeRoute(r),
    );
    if (route) return viaGatewayEndpoint(c, gateway, route);
  }
  const unrouted = gateways[0];
  if (unrouted) {
    note(
      c,
      `gateway endpoint ${unrouted.VpcEndpointId} (${unrouted.ServiceName}) is not associated with route table ${c.table?.RouteTableId ?? "(none)"} of ${origin.subnetId} (it has ${(unrouted.RouteTableIds ?? []).join(", ") || "none"})`,
      "DescribeVpcEndpoints",
      "VpcEndpoints[].RouteTableIds",
    );
  }
  if (endpoints.length === 0) {
    note(
      c,
      `${n.vpcId} has no VPC endpoint for ${serviceNameOf(n.region, destination.service)}`,
      "DescribeVpcEndpoints",
      "VpcEndpoints[].ServiceName",
    );
  }

  const fallback = viaDefaultRoute(c);
  if (fallback.status === "blocked" && fallback.reason === "no-route" && dnsBlocker) {
    return { ...fallback, reason: dnsBlocker, ...(dnsEndpoint ? { endpointId: dnsEndpoint } : {}) };
  }
  return fallback;
}
