import type {
  AssociateRouteTableCommandInput,
  CreateRouteCommandInput,
  CreateRouteTableCommandInput,
  DeleteRouteCommandInput,
  DeleteRouteTableCommandInput,
  DescribeRouteTablesCommandInput,
  DisassociateRouteTableCommandInput,
  ReplaceRouteTableAssociationCommandInput,
  Route,
  RouteTable,
  Tag,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import type { FilterTable } from "../filters.js";
import { containsBlock, formatBlock, parseBlock } from "./cidr.js";
import { containsBlock6, formatBlock6, parseBlock6 } from "./cidr6.js";
import {
  dependencyViolation,
  type Ec2Call,
  invalidParameterValue,
  KIND,
  list,
  must,
  newId,
} from "./common.js";
import { type Describable, describe } from "./describe.js";
import type {
  StoredEgressOnlyInternetGateway,
  StoredInternetGateway,
  StoredNatGateway,
  StoredRoute,
  StoredRouteTable,
  StoredSubnet,
  StoredVpc,
} from "./records.js";
import { tagsFromSpecifications } from "./tags.js";
import { vpcBlocks } from "./vpcs.js";

function put(call: Ec2Call, table: StoredRouteTable): void {
  call.store.put(KIND.routeTable, call.scope, table.RouteTableId, table);
}

/** The local route of one VPC block: an IPv4 one, or an IPv6 one (it has a colon). */
function localRoute(block: string): StoredRoute {
  return block.includes(":")
    ? { DestinationIpv6CidrBlock: block, GatewayId: "local", Origin: "CreateRouteTable" }
    : { DestinationCidrBlock: block, GatewayId: "local", Origin: "CreateRouteTable" };
}

function newTable(call: Ec2Call, vpc: StoredVpc, tags: Tag[]): StoredRouteTable {
  return {
    RouteTableId: newId(call.env, "rtb"),
    VpcId: vpc.VpcId,
    OwnerId: call.scope.account,
    Routes: [...vpcBlocks(vpc), ...(vpc.Ipv6Cidrs ?? []).map((a) => a.Ipv6CidrBlock)].map(localRoute),
    Associations: [],
    Tags: tags,
  };
}

/** A block the VPC gained (AssociateVpcCidrBlock): every table of the VPC routes it locally, as EC2 adds. */
export function addLocalRoutes(call: Ec2Call, vpcId: string, block: string): void {
  for (const table of list<StoredRouteTable>(call, KIND.routeTable)) {
    if (table.VpcId === vpcId) put(call, { ...table, Routes: [...table.Routes, localRoute(block)] });
  }
}

/** A block the VPC lost: its local route goes from every table of the VPC. */
export function dropLocalRoutes(call: Ec2Call, vpcId: string, block: string): void {
  for (const table of list<StoredRouteTable>(call, KIND.routeTable)) {
    if (table.VpcId !== vpcId) continue;
    const Routes = table.Routes.filter(
      (r) => r.GatewayId !== "local" || (r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock) !== block,
    );
    put(call, { ...table, Routes });
  }
}

/** Where a route sends traffic to: its IPv4 block, IPv6 block or prefix list. */
function destinationOf(
  route: Pick<StoredRoute, "DestinationCidrBlock" | "DestinationIpv6CidrBlock" | "DestinationPrefixListId">,
): string | undefined {
  return route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? route.DestinationPrefixListId;
}

/** The main route table CreateVpc makes: the local route, and the main association every subnet falls back on. */
export function createMainRouteTable(call: Ec2Call, vpc: StoredVpc): StoredRouteTable {
  const table = newTable(call, vpc, []);
  table.Associations.push({ RouteTableAssociationId: newId(call.env, "rtbassoc"), Main: true });
  put(call, table);
  return table;
}

/** A route's state: blackhole once its target is gone or detached, as EC2 reports it. */
function routeState(call: Ec2Call, table: StoredRouteTable, route: StoredRoute): "active" | "blackhole" {
  const get = <T>(kind: (typeof KIND)[keyof typeof KIND], id: string) =>
    call.store.get<T>(kind, call.scope, id);
  if (route.NatGatewayId) {
    const nat = get<StoredNatGateway>(KIND.natGateway, route.NatGatewayId);
    return nat && (nat.State === "available" || nat.State === "pending") ? "active" : "blackhole";
  }
  if (route.NetworkInterfaceId) {
    return get(KIND.networkInterface, route.NetworkInterfaceId) ? "active" : "blackhole";
  }
  if (route.GatewayId?.startsWith("igw-")) {
    const igw = get<StoredInternetGateway>(KIND.internetGateway, route.GatewayId);
    return igw?.AttachedVpcId === table.VpcId ? "active" : "blackhole";
  }
  if (route.GatewayId?.startsWith("vpce-")) {
    return get(KIND.vpcEndpoint, route.GatewayId) ? "active" : "blackhole";
  }
  if (route.EgressOnlyInternetGatewayId) {
    return get(KIND.egressOnlyInternetGateway, route.EgressOnlyInternetGatewayId) ? "active" : "blackhole";
  }
  return "active";
}

export function routeTableView(call: Ec2Call, table: StoredRouteTable): RouteTable {
  return {
    Associations: table.Associations.map((a) => ({
      Main: a.Main,
      RouteTableAssociationId: a.RouteTableAssociationId,
      RouteTableId: table.RouteTableId,
      ...(a.SubnetId ? { SubnetId: a.SubnetId } : {}),
      ...(a.GatewayId ? { GatewayId: a.GatewayId } : {}),
      AssociationState: { State: "associated" },
    })),
    PropagatingVgws: [],
    RouteTableId: table.RouteTableId,
    Routes: table.Routes.map((r): Route => ({ ...r, State: routeState(call, table, r) })),
    Tags: table.Tags,
    VpcId: table.VpcId,
    OwnerId: table.OwnerId,
  };
}

/** The table that routes a subnet: its explicit association, else its VPC's main table. */
export function routeTableForSubnet(call: Ec2Call, subnet: StoredSubnet): StoredRouteTable {
  const tables = list<StoredRouteTable>(call, KIND.routeTable).filter((t) => t.VpcId === subnet.VpcId);
  const table =
    tables.find((t) => t.Associations.some((a) => a.SubnetId === subnet.SubnetId)) ??
    tables.find((t) => t.Associations.some((a) => a.Main));
  if (!table) throw new Error(`VPC ${subnet.VpcId} has no main route table`);
  return table;
}

export function createRouteTable(call: Ec2Call, input: CreateRouteTableCommandInput) {
  const vpc = must<StoredVpc>(call, KIND.vpc, input.VpcId!);
  const table = newTable(call, vpc, tagsFromSpecifications(input.TagSpecifications, "route-table"));
  put(call, table);
  return {
    RouteTable: routeTableView(call, table),
    ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
  };
}

const FILTERS: FilterTable<RouteTable> = {
  "route-table-id": (t) => t.RouteTableId,
  "vpc-id": (t) => t.VpcId,
  "owner-id": (t) => t.OwnerId,
  "association.subnet-id": (t) => t.Associations?.map((a) => a.SubnetId),
  "association.gateway-id": (t) => t.Associations?.map((a) => a.GatewayId),
  "association.route-table-association-id": (t) => t.Associations?.map((a) => a.RouteTableAssociationId),
  "association.route-table-id": (t) => t.Associations?.map((a) => a.RouteTableId),
  "association.main": (t) => t.Associations?.map((a) => a.Main),
  "route.destination-cidr-block": (t) => t.Routes?.map((r) => r.DestinationCidrBlock),
  "route.destination-ipv6-cidr-block": (t) => t.Routes?.map((r) => r.DestinationIpv6CidrBlock),
  "route.egress-only-internet-gateway-id": (t) => t.Routes?.map((r) => r.EgressOnlyInternetGatewayId),
  "route.destination-prefix-list-id": (t) => t.Routes?.map((r) => r.DestinationPrefixListId),
  "route.gateway-id": (t) => t.Routes?.map((r) => r.GatewayId),
  "route.nat-gateway-id": (t) => t.Routes?.map((r) => r.NatGatewayId),
  "route.state": (t) => t.Routes?.map((r) => r.State),
  "route.origin": (t) => t.Routes?.map((r) => r.Origin),
};

const ROUTE_TABLES: Describable<StoredRouteTable, RouteTable> = {
  operation: "DescribeRouteTables",
  kind: KIND.routeTable,
  idOf: (t) => t.RouteTableId,
  view: routeTableView,
  filters: FILTERS,
  tagsOf: (t) => t.Tags,
};

export function describeRouteTables(call: Ec2Call, input: DescribeRouteTablesCommandInput) {
  return { RouteTables: describe(call, ROUTE_TABLES, input.RouteTableIds, input.Filters) };
}

export function deleteRouteTable(call: Ec2Call, input: DeleteRouteTableCommandInput) {
  const table = must<StoredRouteTable>(call, KIND.routeTable, input.RouteTableId!);
  if (table.Associations.length > 0) {
    throw dependencyViolation(
      `The routeTable '${table.RouteTableId}' has dependencies and cannot be deleted.`,
    );
  }
  call.store.delete(KIND.routeTable, call.scope, table.RouteTableId);
  return {};
}

const TARGETS = [
  "GatewayId",
  "EgressOnlyInternetGatewayId",
  "NatGatewayId",
  "NetworkInterfaceId",
  "VpcEndpointId",
] as const;

function sameNetwork(table: StoredRouteTable, vpcId: string, what: string, id: string): void {
  if (vpcId !== table.VpcId) {
    throw invalidParameterValue(
      `route table ${table.RouteTableId} and ${what} ${id} belong to different networks`,
    );
  }
}

/** The one target a CreateRoute names, checked to exist in the route table's VPC. */
function routeTarget(
  call: Ec2Call,
  table: StoredRouteTable,
  input: CreateRouteCommandInput,
): Partial<StoredRoute> {
  const given = TARGETS.filter((t) => input[t] !== undefined);
  if (given.length === 0) {
    throw new AwsError(
      "MissingParameter",
      "The request must contain exactly one of gatewayId, egressOnlyInternetGatewayId, natGatewayId, networkInterfaceId or vpcEndpointId",
    );
  }
  if (given.length > 1) {
    throw new AwsError(
      "InvalidParameterCombination",
      `Only one of gatewayId, egressOnlyInternetGatewayId, natGatewayId, networkInterfaceId or vpcEndpointId may be given (got ${given.join(", ")})`,
    );
  }
  if (input.EgressOnlyInternetGatewayId) {
    const eigw = must<StoredEgressOnlyInternetGateway>(
      call,
      KIND.egressOnlyInternetGateway,
      input.EgressOnlyInternetGatewayId,
    );
    sameNetwork(table, eigw.VpcId, "egress only internet gateway", eigw.EgressOnlyInternetGatewayId);
    return { EgressOnlyInternetGatewayId: eigw.EgressOnlyInternetGatewayId };
  }
  if (input.NatGatewayId) {
    const nat = must<StoredNatGateway>(call, KIND.natGateway, input.NatGatewayId);
    sameNetwork(table, nat.VpcId, "nat gateway", nat.NatGatewayId);
    return { NatGatewayId: nat.NatGatewayId };
  }
  if (input.NetworkInterfaceId) {
    const eni = must<{ VpcId: string }>(call, KIND.networkInterface, input.NetworkInterfaceId);
    sameNetwork(table, eni.VpcId, "network interface", input.NetworkInterfaceId);
    return { NetworkInterfaceId: input.NetworkInterfaceId };
  }
  const gateway = (input.GatewayId ?? input.VpcEndpointId)!;
  if (gateway.startsWith("igw-")) {
    const igw = must<StoredInternetGateway>(call, KIND.internetGateway, gateway);
    if (igw.AttachedVpcId !== table.VpcId)
      sameNetwork(table, igw.AttachedVpcId ?? "", "network gateway", gateway);
    return { GatewayId: gateway };
  }
  if (gateway.startsWith("vpce-")) {
    const endpoint = must<{ VpcId: string }>(call, KIND.vpcEndpoint, gateway);
    sameNetwork(table, endpoint.VpcId, "vpc endpoint", gateway);
    return { GatewayId: gateway };
  }
  throw invalidParameterValue(`The gateway ID '${gateway}' does not exist`);
}

/** A route's destination as given: canonical, and (for a block) checked against the VPC's own blocks. */
function destinationFor(
  call: Ec2Call,
  table: StoredRouteTable,
  input: CreateRouteCommandInput,
): Pick<StoredRoute, "DestinationCidrBlock" | "DestinationIpv6CidrBlock" | "DestinationPrefixListId"> {
  const given = (
    ["DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"] as const
  ).filter((name) => input[name] !== undefined);
  if (given.length === 0) {
    throw new AwsError("MissingParameter", "The request must contain the parameter destinationCidrBlock");
  }
  if (given.length > 1) {
    throw new AwsError(
      "InvalidParameterCombination",
      `Only one of destinationCidrBlock, destinationIpv6CidrBlock or destinationPrefixListId may be given (got ${given.join(", ")})`,
    );
  }
  if (input.DestinationPrefixListId !== undefined)
    return { DestinationPrefixListId: input.DestinationPrefixListId };
  const vpc = must<StoredVpc>(call, KIND.vpc, table.VpcId);
  const insideVpc = (cidr: string) => {
    if (input.NetworkInterfaceId !== undefined) return;
    throw invalidParameterValue(
      `The destination CIDR block ${cidr} is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.`,
    );
  };
  if (input.DestinationIpv6CidrBlock !== undefined) {
    const block = parseBlock6(input.DestinationIpv6CidrBlock);
    if (!block) {
      throw invalidParameterValue(
        `Value (${input.DestinationIpv6CidrBlock}) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`,
      );
    }
    const cidr = formatBlock6(block);
    if ((vpc.Ipv6Cidrs ?? []).some((a) => containsBlock6(parseBlock6(a.Ipv6CidrBlock)!, block)))
      insideVpc(cidr);
    return { DestinationIpv6CidrBlock: cidr };
  }
  const block = parseBlock(input.DestinationCidrBlock!);
  if (!block) {
    throw invalidParameterValue(
      `Value (${input.DestinationCidrBlock}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`,
    );
  }
  const cidr = formatBlock(block);
  if (vpcBlocks(vpc).some((b) => containsBlock(parseBlock(b)!, block))) insideVpc(cidr);
  if (input.EgressOnlyInternetGatewayId !== undefined) {
    // An egress-only internet gateway carries IPv6 only.
    throw invalidParameterValue(
      `Route table ${table.RouteTableId}: an egress-only internet gateway can be the target of IPv6 destinations only (got ${cidr}).`,
    );
  }
  return { DestinationCidrBlock: cidr };
}

export function createRoute(call: Ec2Call, input: CreateRouteCommandInput) {
  const table = must<StoredRouteTable>(call, KIND.routeTable, input.RouteTableId!);
  const destination = destinationFor(call, table, input);
  const key = destinationOf(destination);
  if (table.Routes.some((r) => destinationOf(r) === key)) {
    throw new AwsError("RouteAlreadyExists", `The route identified by ${key} already exists.`);
  }
  const route: StoredRoute = { ...destination, ...routeTarget(call, table, input), Origin: "CreateRoute" };
  put(call, { ...table, Routes: [...table.Routes, route] });
  return { Return: true };
}

export function deleteRoute(call: Ec2Call, input: DeleteRouteCommandInput) {
  const table = must<StoredRouteTable>(call, KIND.routeTable, input.RouteTableId!);
  const ipv4 = input.DestinationCidrBlock;
  const ipv6 = input.DestinationIpv6CidrBlock;
  const block = ipv4 !== undefined ? parseBlock(ipv4) : undefined;
  const block6 = ipv6 !== undefined ? parseBlock6(ipv6) : undefined;
  const destination =
    (block ? formatBlock(block) : ipv4) ??
    (block6 ? formatBlock6(block6) : ipv6) ??
    input.DestinationPrefixListId;
  if (destination === undefined) {
    throw new AwsError("MissingParameter", "The request must contain the parameter destinationCidrBlock");
  }
  const route = table.Routes.find((r) => destinationOf(r) === destination);
  if (!route) {
    throw new AwsError(
      "InvalidRoute.NotFound",
      `no route with destination-cidr-block ${destination} in route table ${table.RouteTableId}`,
    );
  }
  if (route.GatewayId === "local") {
    throw invalidParameterValue(
      `cannot remove local route ${destination} in route table ${table.RouteTableId}`,
    );
  }
  put(call, { ...table, Routes: table.Routes.filter((r) => r !== route) });
  return {};
}

export function associateRouteTable(call: Ec2Call, input: AssociateRouteTableCommandInput) {
  const table = must<StoredRouteTable>(call, KIND.routeTable, input.RouteTableId!);
  if (input.SubnetId && input.GatewayId) {
    throw new AwsError(
      "InvalidParameterCombination",
      "The parameter subnetId cannot be used with the parameter gatewayId",
    );
  }
  if (input.GatewayId) return associateGateway(call, table, input.GatewayId);
  if (!input.SubnetId)
    throw new AwsError("MissingParameter", "The request must contain the parameter subnetId or gatewayId");
  const subnet = must<StoredSubnet>(call, KIND.subnet, input.SubnetId);
  if (subnet.VpcId !== table.VpcId) {
    throw invalidParameterValue(
      `Route table ${table.RouteTableId} and subnet ${subnet.SubnetId} belong to different networks`,
    );
  }
  const existing = list<StoredRouteTable>(call, KIND.routeTable).find((t) =>
    t.Associations.some((a) => a.SubnetId === subnet.SubnetId),
  );
  if (existing) {
    throw new AwsError(
      "Resource.AlreadyAssociated",
      `the specified association for route table ${table.RouteTableId} conflicts with an existing association`,
    );
  }
  const association = {
    RouteTableAssociationId: newId(call.env, "rtbassoc"),
    SubnetId: subnet.SubnetId,
    Main: false,
  };
  put(call, { ...table, Associations: [...table.Associations, association] });
  return { AssociationId: association.RouteTableAssociationId, AssociationState: { State: "associated" } };
}

/**
 * A gateway route table (AssociateRouteTable --gateway-id): the internet
 * gateway must be attached to the table's VPC, and has one such table at most.
 */
function associateGateway(call: Ec2Call, table: StoredRouteTable, gatewayId: string) {
  const igw = must<StoredInternetGateway>(call, KIND.internetGateway, gatewayId);
  if (igw.AttachedVpcId !== table.VpcId) {
    throw invalidParameterValue(
      `Route table ${table.RouteTableId} and gateway ${gatewayId} belong to different networks`,
    );
  }
  if (
    list<StoredRouteTable>(call, KIND.routeTable).some((t) =>
      t.Associations.some((a) => a.GatewayId === gatewayId),
    )
  ) {
    throw new AwsError(
      "Resource.AlreadyAssociated",
      `the specified association for route table ${table.RouteTableId} conflicts with an existing association`,
    );
  }
  const association = {
    RouteTableAssociationId: newId(call.env, "rtbassoc"),
    GatewayId: gatewayId,
    Main: false,
  };
  put(call, { ...table, Associations: [...table.Associations, association] });
  return { AssociationId: association.RouteTableAssociationId, AssociationState: { State: "associated" } };
}

export function disassociateRouteTable(call: Ec2Call, input: DisassociateRouteTableCommandInput) {
  const id = input.AssociationId;
  if (!id) throw new AwsError("MissingParameter", "The request must contain the parameter associationId");
  const table = list<StoredRouteTable>(call, KIND.routeTable).find((t) =>
    t.Associations.some((a) => a.RouteTableAssociationId === id),
  );
  if (!table)
    throw new AwsError("InvalidAssociationID.NotFound", `The association ID '${id}' does not exist`);
  if (table.Associations.some((a) => a.RouteTableAssociationId === id && a.Main)) {
    throw invalidParameterValue(`cannot disassociate the main route table association ${id}`);
  }
  put(call, { ...table, Associations: table.Associations.filter((a) => a.RouteTableAssociationId !== id) });
  return {};
}

/**
 * ReplaceRouteTableAssociation: the association (a subnet's, a gateway's, or
 * the VPC's main one) moves to another table of the same VPC under a new
 * association id ("NewAssociationId"), even when the table is the same one.
 */
export function replaceRouteTableAssociation(call: Ec2Call, input: ReplaceRouteTableAssociationCommandInput) {
  const id = input.AssociationId!;
  const from = list<StoredRouteTable>(call, KIND.routeTable).find((t) =>
    t.Associations.some((a) => a.RouteTableAssociationId === id),
  );
  if (!from) throw new AwsError("InvalidAssociationID.NotFound", `The association ID '${id}' does not exist`);
  const to = must<StoredRouteTable>(call, KIND.routeTable, input.RouteTableId!);
  if (to.VpcId !== from.VpcId) {
    throw invalidParameterValue(
      `Route table ${to.RouteTableId} and association ${id} belong to different networks`,
    );
  }
  const old = from.Associations.find((a) => a.RouteTableAssociationId === id)!;
  const moved = { ...old, RouteTableAssociationId: newId(call.env, "rtbassoc") };
  put(call, { ...from, Associations: from.Associations.filter((a) => a !== old) });
  const target = call.store.get<StoredRouteTable>(KIND.routeTable, call.scope, to.RouteTableId)!;
  put(call, { ...target, Associations: [...target.Associations, moved] });
  return { NewAssociationId: moved.RouteTableAssociationId, AssociationState: { State: "associated" } };
}

/** DeleteSubnet drops the subnet's explicit association, as EC2 does. */
export function dropSubnetAssociations(call: Ec2Call, subnetId: string): void {
  for (const table of list<StoredRouteTable>(call, KIND.routeTable)) {
    if (table.Associations.some((a) => a.SubnetId === subnetId)) {
      put(call, { ...table, Associations: table.Associations.filter((a) => a.SubnetId !== subnetId) });
    }
  }
}

/** A gateway endpoint's route (its service's prefix list → the endpoint) in each given table. */
export function setEndpointRoutes(
  call: Ec2Call,
  endpointId: string,
  prefixListId: string,
  routeTableIds: readonly string[],
): void {
  for (const table of list<StoredRouteTable>(call, KIND.routeTable)) {
    const wanted = routeTableIds.includes(table.RouteTableId);
    const has = table.Routes.some((r) => r.GatewayId === endpointId);
    if (wanted === has) continue;
    const Routes = wanted
      ? [
          ...table.Routes,
          { DestinationPrefixListId: prefixListId, GatewayId: endpointId, Origin: "CreateRoute" as const },
        ]
      : table.Routes.filter((r) => r.GatewayId !== endpointId);
    put(call, { ...table, Routes });
  }
}

/** DeleteVpc takes its main route table with it. */
export function deleteMainRouteTable(call: Ec2Call, vpcId: string): void {
  for (const table of list<StoredRouteTable>(call, KIND.routeTable)) {
    if (table.VpcId === vpcId && table.Associations.some((a) => a.Main)) {
      call.store.delete(KIND.routeTable, call.scope, table.RouteTableId);
    }
  }
}
