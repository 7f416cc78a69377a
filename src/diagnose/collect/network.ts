import {
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Filter,
  type InternetGateway,
  type NatGateway,
  type NetworkInterface,
  paginateDescribeInternetGateways,
  paginateDescribeNatGateways,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
  type VpcEndpoint,
} from "@aws-sdk/client-ec2";
import type { Evidence } from "../../findings/index.js";
import type { VpcNetwork } from "../../net/reachability.js";
import { apiSource, type EvidenceGap, gapFrom, type Sourced } from "../evidence.js";

/** The tag AgentCore puts on the network interfaces it makes; their description is empty. */
export const MANAGED_TAG = "AmazonBedrockAgentCoreManaged";

/**
 * The VPC around a VPC-mode runtime, as EC2 describes it. Every part is
 * sourced with the call and filters that read it; a part EC2 refused to
 * show is unset, with a gap in the diagnosis saying which call and which
 * permission (rules treat it as unknown, never as absent).
 */
export interface NetworkEvidence {
  region: string;
  /** The runtime's subnets and security groups, as its network configuration names them. */
  subnetIds: string[];
  groupIds: string[];
  vpcId?: string;
  /** The VPC's primary block (its resolver is the block's base plus two). */
  vpcCidr?: Sourced<string>;
  /** Interfaces tagged AmazonBedrockAgentCoreManaged=true in the runtime's subnets (this runtime's and others'). */
  managedInterfaces?: Sourced<NetworkInterface[]>;
  subnets?: Sourced<Subnet[]>;
  /** The runtime's groups and its VPC endpoints' groups. */
  securityGroups?: Sourced<SecurityGroup[]>;
  /** Every route table of the VPC (a subnet without an explicit association uses the main one). */
  routeTables?: Sourced<RouteTable[]>;
  natGateways?: Sourced<NatGateway[]>;
  internetGateways?: Sourced<InternetGateway[]>;
  endpoints?: Sourced<VpcEndpoint[]>;
  /** The interface endpoints' own network interfaces (their addresses). */
  endpointInterfaces?: Sourced<NetworkInterface[]>;
  dnsSupport?: Sourced<boolean>;
  dnsHostnames?: Sourced<boolean>;
  /** Plain observations made while collecting (for instance, what a description filter would have missed). */
  notes: Evidence[];
}

const EC2 = "ec2";

function filter(name: string, values: readonly string[]): Filter {
  return { Name: name, Values: [...values] };
}

/** What the collector needs from the runtime. */
export interface NetworkScope {
  region: string;
  subnetIds: readonly string[];
  groupIds: readonly string[];
}

/**
 * Reads the runtime's VPC read-only, every list paged to its end (the SDK
 * retries a throttled page). The subnets come first (they name the VPC);
 * then, at once, the tagged interfaces, the groups, route tables, NAT and
 * internet gateways, endpoints and DNS attributes; then the endpoints' own
 * groups and interfaces.
 */
export async function collectNetwork(
  ec2: EC2Client,
  scope: NetworkScope,
  gaps: EvidenceGap[],
): Promise<Sourced<NetworkEvidence>> {
  const evidence: NetworkEvidence = {
    region: scope.region,
    subnetIds: [...scope.subnetIds],
    groupIds: [...scope.groupIds],
    notes: [],
  };
  const attempt = async <T>(operation: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      gaps.push(gapFrom("network", EC2, operation, EC2, error));
      return undefined;
    }
  };
  const all = async <P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> => {
    const items: T[] = [];
    for await (const page of pages) items.push(...(pick(page) ?? []));
    return items;
  };

  const subnetFilters = [filter("subnet-id", scope.subnetIds)];
  const subnets = await attempt("DescribeSubnets", () =>
    all(paginateDescribeSubnets({ client: ec2 }, { Filters: subnetFilters }), (p) => p.Subnets),
  );
  if (subnets) {
    evidence.subnets = {
      value: subnets,
      source: apiSource(EC2, "DescribeSubnets", { Filters: subnetFilters }),
    };
  }
  const runtimeGroupFilters = [filter("group-id", scope.groupIds)];
  let groups =
    scope.groupIds.length > 0
      ? await attempt("DescribeSecurityGroups", () =>
          all(
            paginateDescribeSecurityGroups({ client: ec2 }, { Filters: runtimeGroupFilters }),
            (p) => p.SecurityGroups,
          ),
        )
      : [];
  const vpcId = subnets?.find((s) => s.VpcId)?.VpcId ?? groups?.find((g) => g.VpcId)?.VpcId;
  if (vpcId) evidence.vpcId = vpcId;

  const eniFilters = [filter(`tag:${MANAGED_TAG}`, ["true"]), filter("subnet-id", scope.subnetIds)];
  const vpcFilters = vpcId ? [filter("vpc-id", [vpcId])] : undefined;
  const igwFilters = vpcId ? [filter("attachment.vpc-id", [vpcId])] : undefined;
  const [managed, routeTables, nats, igws, endpoints, dnsSupport, dnsHostnames, vpcCidr] = await Promise.all([
    attempt("DescribeNetworkInterfaces", () =>
      all(
        paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters: eniFilters }),
        (p) => p.NetworkInterfaces,
      ),
    ),
    vpcFilters
      ? attempt("DescribeRouteTables", () =>
          all(paginateDescribeRouteTables({ client: ec2 }, { Filters: vpcFilters }), (p) => p.RouteTables),
        )
      : undefined,
    vpcFilters
      ? attempt("DescribeNatGateways", () =>
          all(paginateDescribeNatGateways({ client: ec2 }, { Filter: vpcFilters }), (p) => p.NatGateways),
        )
      : undefined,
    igwFilters
      ? attempt("DescribeInternetGateways", () =>
          all(
            paginateDescribeInternetGateways({ client: ec2 }, { Filters: igwFilters }),
            (p) => p.InternetGateways,
          ),
        )
      : undefined,
    vpcFilters
      ? attempt("DescribeVpcEndpoints", () =>
          all(paginateDescribeVpcEndpoints({ client: ec2 }, { Filters: vpcFilters }), (p) => p.VpcEndpoints),
        )
      : undefined,
    vpcId
      ? attempt("DescribeVpcAttribute", async () => {
          const answer = await ec2.send(
            new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsSupport" }),
          );
          return answer.EnableDnsSupport?.Value;
        })
      : undefined,
    vpcId
      ? attempt("DescribeVpcAttribute", async () => {
          const answer = await ec2.send(
            new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsHostnames" }),
          );
          return answer.EnableDnsHostnames?.Value;
        })
      : undefined,
    vpcId
      ? attempt("DescribeVpcs", async () => {
          const answer = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
          return answer.Vpcs?.[0]?.CidrBlock;
        })
      : undefined,
  ]);
  if (vpcCidr)
    evidence.vpcCidr = { value: vpcCidr, source: apiSource(EC2, "DescribeVpcs", { VpcIds: [vpcId] }) };
  if (managed) {
    evidence.managedInterfaces = {
      value: managed,
      source: apiSource(EC2, "DescribeNetworkInterfaces", { Filters: eniFilters }),
    };
    const blank = managed.filter((eni) => !eni.Description);
    if (blank.length > 0) {
      evidence.notes.push({
        fact: `${blank.map((e) => e.NetworkInterfaceId).join(", ")} ${blank.length === 1 ? "has" : "have"} an empty description: a search by description (Name=description,Values=*AgentCore* or *bedrock*) would have missed ${blank.length === 1 ? "it" : "them"}; the tag ${MANAGED_TAG}=true finds ${blank.length === 1 ? "it" : "them"}`,
        source: evidence.managedInterfaces.source,
      });
    }
  }
  if (routeTables && vpcFilters)
    evidence.routeTables = {
      value: routeTables,
      source: apiSource(EC2, "DescribeRouteTables", { Filters: vpcFilters }),
    };
  if (nats && vpcFilters)
    evidence.natGateways = {
      value: nats,
      source: apiSource(EC2, "DescribeNatGateways", { Filter: vpcFilters }),
    };
  if (igws && igwFilters)
    evidence.internetGateways = {
      value: igws,
      source: apiSource(EC2, "DescribeInternetGateways", { Filters: igwFilters }),
    };
  if (endpoints && vpcFilters)
    evidence.endpoints = {
      value: endpoints,
      source: apiSource(EC2, "DescribeVpcEndpoints", { Filters: vpcFilters }),
    };
  if (dnsSupport !== undefined)
    evidence.dnsSupport = {
      value: dnsSupport,
      source: apiSource(EC2, "DescribeVpcAttribute", { VpcId: vpcId, Attribute: "enableDnsSupport" }),
    };
  if (dnsHostnames !== undefined)
    evidence.dnsHostnames = {
      value: dnsHostnames,
      source: apiSource(EC2, "DescribeVpcAttribute", { VpcId: vpcId, Attribute: "enableDnsHostnames" }),
    };

  // The endpoints' own groups and interfaces: what admits the runtime, and at which addresses.
  const interfaceEndpoints = (endpoints ?? []).filter(
    (e) => e.VpcEndpointType?.toLowerCase() === "interface",
  );
  const endpointGroupIds = [
    ...new Set(
      interfaceEndpoints.flatMap((e) => (e.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []))),
    ),
  ].filter((id) => !scope.groupIds.includes(id));
  const endpointEniIds = [...new Set(interfaceEndpoints.flatMap((e) => e.NetworkInterfaceIds ?? []))];
  const endpointGroupFilters = [filter("group-id", endpointGroupIds)];
  const endpointEniFilters = [filter("network-interface-id", endpointEniIds)];
  const [endpointGroups, endpointEnis] = await Promise.all([
    endpointGroupIds.length > 0 && groups
      ? attempt("DescribeSecurityGroups", () =>
          all(
            paginateDescribeSecurityGroups({ client: ec2 }, { Filters: endpointGroupFilters }),
            (p) => p.SecurityGroups,
          ),
        )
      : undefined,
    endpointEniIds.length > 0
      ? attempt("DescribeNetworkInterfaces", () =>
          all(
            paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters: endpointEniFilters }),
            (p) => p.NetworkInterfaces,
          ),
        )
      : undefined,
  ]);
  if (groups) {
    if (endpointGroups) groups = [...groups, ...endpointGroups];
    const ids = [...scope.groupIds, ...(endpointGroups ? endpointGroupIds : [])];
    evidence.securityGroups = {
      value: groups,
      source: apiSource(EC2, "DescribeSecurityGroups", { Filters: [filter("group-id", ids)] }),
    };
  }
  if (endpointEnis) {
    evidence.endpointInterfaces = {
      value: endpointEnis,
      source: apiSource(EC2, "DescribeNetworkInterfaces", { Filters: endpointEniFilters }),
    };
  }
  return {
    value: evidence,
    source: apiSource(EC2, "DescribeSubnets", { Filters: subnetFilters }),
  };
}

// --- Reading the evidence (pure; used by rules, known facts and next steps) ----------------------

const sameSet = (a: readonly string[], b: readonly string[]) =>
  [...new Set(a)].sort().join(",") === [...new Set(b)].sort().join(",");

const groupIdsOf = (eni: NetworkInterface) =>
  (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));

/**
 * The runtime's own interfaces: AgentCore shares one interface among the
 * runtimes with the same subnets and the same set of security groups, so
 * the tagged interfaces in its subnets with exactly its groups.
 */
export function runtimeInterfaces(n: NetworkEvidence): NetworkInterface[] {
  return (n.managedInterfaces?.value ?? []).filter((eni) => sameSet(groupIdsOf(eni), n.groupIds));
}

/** Tagged interfaces in the runtime's subnets that are not this runtime's (another runtime's, or a deleted one's). */
export function otherManagedInterfaces(n: NetworkEvidence): NetworkInterface[] {
  return (n.managedInterfaces?.value ?? []).filter((eni) => !sameSet(groupIdsOf(eni), n.groupIds));
}

/**
 * The VPC as the reachability model reads it; undefined when what decides
 * a path (the VPC, its subnets, route tables, endpoints, the runtime's
 * groups) could not be read: then reachability is unknown, not blocked.
 */
export function vpcNetworkOf(n: NetworkEvidence): VpcNetwork | undefined {
  if (
    !n.vpcId ||
    !n.subnets ||
    !n.routeTables ||
    !n.endpoints ||
    !n.securityGroups ||
    !n.natGateways ||
    !n.internetGateways
  )
    return undefined;
  return {
    region: n.region,
    vpcId: n.vpcId,
    subnets: n.subnets.value,
    routeTables: n.routeTables.value,
    securityGroups: n.securityGroups.value,
    endpoints: n.endpoints.value,
    natGateways: n.natGateways.value,
    internetGateways: n.internetGateways.value,
    interfaces: n.endpointInterfaces?.value ?? [],
    dns: {
      ...(n.dnsSupport ? { support: n.dnsSupport.value } : {}),
      ...(n.dnsHostnames ? { hostnames: n.dnsHostnames.value } : {}),
    },
  };
}
