import type { IpPermission, RouteTable, SecurityGroup, VpcEndpoint } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { type Origin, reach, routeTableOf, type VpcNetwork } from "../../src/net/reachability.js";

const VPC = "vpc-0aaaaaaaaaaaaaaa1";
const RUNTIME_SUBNET = "subnet-0runtime000000001";
const PUBLIC_SUBNET = "subnet-0public0000000001";
const RUNTIME_SG = "sg-0runtime00000000001";
const ENDPOINT_SG = "sg-0endpoint0000000001";

const allOut: IpPermission = { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] };
const https = (peer: Partial<IpPermission>): IpPermission => ({
  IpProtocol: "tcp",
  FromPort: 443,
  ToPort: 443,
  ...peer,
});

function group(id: string, egress: IpPermission[], ingress: IpPermission[] = []): SecurityGroup {
  return { GroupId: id, VpcId: VPC, IpPermissions: ingress, IpPermissionsEgress: egress };
}

function table(id: string, routes: RouteTable["Routes"], subnetIds: string[] = [], main = false): RouteTable {
  return {
    RouteTableId: id,
    VpcId: VPC,
    Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" }, ...(routes ?? [])],
    Associations: [
      ...(main ? [{ Main: true }] : []),
      ...subnetIds.map((SubnetId) => ({ Main: false, SubnetId })),
    ],
  };
}

function interfaceEndpoint(service: string, overrides: Partial<VpcEndpoint> = {}): VpcEndpoint {
  return {
    VpcEndpointId: `vpce-0${service.replace(".", "")}00000001`,
    VpcEndpointType: "Interface",
    VpcId: VPC,
    ServiceName: `com.amazonaws.us-east-1.${service}`,
    State: "Available",
    PrivateDnsEnabled: true,
    SubnetIds: [RUNTIME_SUBNET],
    NetworkInterfaceIds: [`eni-0${service.replace(".", "")}`],
    Groups: [{ GroupId: ENDPOINT_SG }],
    ...overrides,
  };
}

/** A private subnet with no way out, the runtime's group allowing all egress, the endpoint group nothing. */
function network(overrides: Partial<VpcNetwork> = {}): VpcNetwork {
  return {
    region: "us-east-1",
    vpcId: VPC,
    subnets: [
      { SubnetId: RUNTIME_SUBNET, VpcId: VPC, CidrBlock: "10.0.1.0/24" },
      { SubnetId: PUBLIC_SUBNET, VpcId: VPC, CidrBlock: "10.0.0.0/24" },
    ],
    routeTables: [table("rtb-0main", [], [], true)],
    securityGroups: [group(RUNTIME_SG, [allOut]), group(ENDPOINT_SG, [allOut])],
    endpoints: [],
    natGateways: [],
    internetGateways: [{ InternetGatewayId: "igw-01", Attachments: [{ VpcId: VPC, State: "attached" }] }],
    interfaces: [
      { NetworkInterfaceId: "eni-0logs", PrivateIpAddress: "10.0.1.20" },
      { NetworkInterfaceId: "eni-0ecrapi", PrivateIpAddress: "10.0.1.21" },
    ],
    dns: { support: true, hostnames: true },
    ...overrides,
  };
}

const origin: Origin = { subnetId: RUNTIME_SUBNET, groupIds: [RUNTIME_SG], address: "10.0.1.10" };

/** A public NAT gateway in a subnet routed to an attached internet gateway, and the runtime's subnet routed to it. */
const withNat = (overrides: Partial<VpcNetwork> = {}) =>
  network({
    routeTables: [
      table("rtb-0main", [], [], true),
      table(
        "rtb-0private",
        [{ DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-01", State: "active" }],
        [RUNTIME_SUBNET],
      ),
      table(
        "rtb-0public",
        [{ DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-01", State: "active" }],
        [PUBLIC_SUBNET],
      ),
    ],
    natGateways: [
      { NatGatewayId: "nat-01", SubnetId: PUBLIC_SUBNET, State: "available", ConnectivityType: "public" },
    ],
    ...overrides,
  });

/** The endpoint group admits 443 from the runtime's group. */
const endpointAdmitsRuntime = group(
  ENDPOINT_SG,
  [allOut],
  [https({ UserIdGroupPairs: [{ GroupId: RUNTIME_SG }] })],
);

describe("reach: routes", () => {
  it("reaches a service through a NAT gateway whose own subnet routes to an attached internet gateway", () => {
    const verdict = reach(withNat(), origin, { service: "logs" });
    expect(verdict).toMatchObject({ status: "reachable", via: "nat", natGatewayId: "nat-01", port: 443 });
    expect(verdict.facts.map((f) => f.call)).toContain("DescribeRouteTables");
  });

  it("finds no route from a private subnet with neither NAT nor endpoint, and says the endpoint is absent", () => {
    const verdict = reach(network(), origin, { service: "logs" });
    expect(verdict).toMatchObject({ status: "blocked", reason: "no-route", routeTableId: "rtb-0main" });
    expect(verdict.facts.map((f) => f.fact).join("\n")).toContain(
      "has no VPC endpoint for com.amazonaws.us-east-1.logs",
    );
  });

  it("gives no way out through an internet gateway route: the ENI has no public address", () => {
    const routes = [
      table("rtb-0main", [{ DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-01" }], [], true),
    ];
    const verdict = reach(network({ routeTables: routes }), origin, { service: "sts" });
    expect(verdict).toMatchObject({ status: "blocked", reason: "no-route" });
    expect(verdict.facts.at(-1)!.fact).toContain("no public address");
  });

  it("finds no route through a NAT gateway that is private, failed, blackholed, or not routed to the internet", () => {
    const privateNat = withNat({
      natGateways: [
        { NatGatewayId: "nat-01", SubnetId: PUBLIC_SUBNET, State: "available", ConnectivityType: "private" },
      ],
    });
    expect(reach(privateNat, origin, { service: "logs" })).toMatchObject({ reason: "no-route" });
    const failed = withNat({
      natGateways: [{ NatGatewayId: "nat-01", SubnetId: PUBLIC_SUBNET, State: "failed" }],
    });
    expect(reach(failed, origin, { service: "logs" }).facts.at(-1)!.fact).toBe("nat-01 is failed");
    const blackhole = withNat();
    blackhole.routeTables = blackhole.routeTables.map((t) =>
      t.RouteTableId === "rtb-0private"
        ? { ...t, Routes: t.Routes!.map((r) => (r.NatGatewayId ? { ...r, State: "blackhole" } : r)) }
        : t,
    );
    expect(reach(blackhole, origin, { service: "logs" })).toMatchObject({ reason: "no-route" });
    const natInPrivateSubnet = withNat({
      natGateways: [{ NatGatewayId: "nat-01", SubnetId: RUNTIME_SUBNET, State: "available" }],
    });
    const verdict = reach(natInPrivateSubnet, origin, { service: "logs" });
    expect(verdict).toMatchObject({ status: "blocked", reason: "no-route" });
    expect(verdict.facts.at(-1)!.fact).toContain("has no default route to an internet gateway");
  });

  it("calls a default route to a transit gateway unknown rather than blocked", () => {
    const routes = [
      table("rtb-0main", [{ DestinationCidrBlock: "0.0.0.0/0", TransitGatewayId: "tgw-01" }], [], true),
    ];
    expect(reach(network({ routeTables: routes }), origin, { service: "logs" })).toMatchObject({
      status: "unknown",
      target: "tgw-01",
    });
  });

  it("routes a subnet by its explicit association before the VPC's main table", () => {
    const n = withNat();
    expect(routeTableOf(n.routeTables, RUNTIME_SUBNET, VPC)?.RouteTableId).toBe("rtb-0private");
    expect(routeTableOf(n.routeTables, "subnet-0other", VPC)?.RouteTableId).toBe("rtb-0main");
  });
});

describe("reach: security-group egress", () => {
  it("blocks NAT traffic when egress allows only the VPC's CIDR, or only port 80", () => {
    for (const egress of [
      [https({ IpRanges: [{ CidrIp: "10.0.0.0/16" }] })],
      [{ ...allOut, IpProtocol: "tcp", FromPort: 80, ToPort: 80 }],
    ]) {
      const verdict = reach(withNat({ securityGroups: [group(RUNTIME_SG, egress)] }), origin, {
        service: "logs",
      });
      expect(verdict).toMatchObject({ status: "blocked", reason: "sg-egress", groupIds: [RUNTIME_SG] });
      expect(verdict.facts.at(-1)).toMatchObject({ call: "DescribeSecurityGroups" });
    }
  });

  it("blocks everything when the runtime's group has no egress rule at all", () => {
    const verdict = reach(withNat({ securityGroups: [group(RUNTIME_SG, [])] }), origin, { service: "logs" });
    expect(verdict).toMatchObject({ reason: "sg-egress" });
    expect(verdict.facts.at(-1)!.fact).toContain(`${RUNTIME_SG}: no rules`);
  });

  it("lets tcp 443 to 0.0.0.0/0 (protocol by name or number) through NAT", () => {
    for (const IpProtocol of ["tcp", "6"]) {
      const egress = [https({ IpProtocol, IpRanges: [{ CidrIp: "0.0.0.0/0" }] })];
      expect(
        reach(withNat({ securityGroups: [group(RUNTIME_SG, egress)] }), origin, { service: "sts" }),
      ).toMatchObject({
        status: "reachable",
        via: "nat",
      });
    }
  });
});

describe("reach: interface endpoints", () => {
  const endpointNetwork = (overrides: Partial<VpcNetwork> = {}) =>
    network({
      endpoints: [interfaceEndpoint("logs")],
      securityGroups: [group(RUNTIME_SG, [allOut]), endpointAdmitsRuntime],
      ...overrides,
    });

  it("reaches a service through its interface endpoint when private DNS is on and the endpoint admits the runtime's group", () => {
    expect(reach(endpointNetwork(), origin, { service: "logs" })).toMatchObject({
      status: "reachable",
      via: "interface-endpoint",
      endpointId: "vpce-0logs00000001",
    });
  });

  it("admits by CIDR: the ENI's address when known, else the whole runtime subnet", () => {
    const byCidr = (cidr: string) => group(ENDPOINT_SG, [], [https({ IpRanges: [{ CidrIp: cidr }] })]);
    const n = (cidr: string) =>
      endpointNetwork({ securityGroups: [group(RUNTIME_SG, [allOut]), byCidr(cidr)] });
    expect(reach(n("10.0.1.10/32"), origin, { service: "logs" }).status).toBe("reachable");
    expect(reach(n("10.0.1.10/32"), { ...origin, address: undefined }, { service: "logs" })).toMatchObject({
      reason: "endpoint-sg-ingress",
    });
    expect(reach(n("10.0.0.0/16"), { ...origin, address: undefined }, { service: "logs" }).status).toBe(
      "reachable",
    );
  });

  it("blocks at the endpoint when its group admits neither the runtime's group nor its address", () => {
    const verdict = reach(
      endpointNetwork({
        securityGroups: [
          group(RUNTIME_SG, [allOut]),
          group(ENDPOINT_SG, [], [https({ IpRanges: [{ CidrIp: "192.168.0.0/16" }] })]),
        ],
      }),
      origin,
      { service: "logs" },
    );
    expect(verdict).toMatchObject({
      status: "blocked",
      reason: "endpoint-sg-ingress",
      endpointId: "vpce-0logs00000001",
      groupIds: [ENDPOINT_SG],
    });
  });

  it("lets egress reach the endpoint by a reference to the endpoint's group or a CIDR around its address", () => {
    const egress = [
      [https({ UserIdGroupPairs: [{ GroupId: ENDPOINT_SG }] })],
      [https({ IpRanges: [{ CidrIp: "10.0.1.0/24" }] })],
    ];
    for (const rules of egress) {
      const n = endpointNetwork({ securityGroups: [group(RUNTIME_SG, rules), endpointAdmitsRuntime] });
      expect(reach(n, origin, { service: "logs" }).status).toBe("reachable");
    }
    const elsewhere = endpointNetwork({
      securityGroups: [
        group(RUNTIME_SG, [https({ IpRanges: [{ CidrIp: "10.0.9.0/24" }] })]),
        endpointAdmitsRuntime,
      ],
    });
    expect(reach(elsewhere, origin, { service: "logs" })).toMatchObject({
      reason: "sg-egress",
      endpointId: "vpce-0logs00000001",
    });
  });

  it("blames private DNS when the only endpoint has it off and there is no NAT; with NAT the service is reached through NAT", () => {
    const off = [interfaceEndpoint("logs", { PrivateDnsEnabled: false })];
    expect(reach(endpointNetwork({ endpoints: off }), origin, { service: "logs" })).toMatchObject({
      status: "blocked",
      reason: "endpoint-private-dns-off",
      endpointId: "vpce-0logs00000001",
    });
    expect(reach(withNat({ endpoints: off }), origin, { service: "logs" })).toMatchObject({ via: "nat" });
  });

  it("blames the VPC's DNS: support off blocks every name; hostnames off voids the endpoint's private DNS", () => {
    expect(
      reach(endpointNetwork({ dns: { support: false, hostnames: true } }), origin, { service: "logs" }),
    ).toMatchObject({
      reason: "vpc-dns-off",
    });
    expect(
      reach(endpointNetwork({ dns: { support: true, hostnames: false } }), origin, { service: "logs" }),
    ).toMatchObject({
      reason: "vpc-dns-off",
    });
  });

  it("ignores an endpoint that is not available, and one for another service", () => {
    const pending = [interfaceEndpoint("logs", { State: "Pending" }), interfaceEndpoint("ecr.api")];
    const verdict = reach(endpointNetwork({ endpoints: pending }), origin, { service: "logs" });
    expect(verdict).toMatchObject({ reason: "no-route" });
    expect(verdict.facts[0]!.fact).toContain("is Pending");
  });

  it("finds no address for an endpoint without subnets", () => {
    const verdict = reach(
      endpointNetwork({ endpoints: [interfaceEndpoint("logs", { SubnetIds: [] })] }),
      origin,
      {
        service: "logs",
      },
    );
    expect(verdict).toMatchObject({
      status: "blocked",
      reason: "no-route",
      endpointId: "vpce-0logs00000001",
    });
  });
});

describe("reach: gateway endpoints", () => {
  const s3 = (RouteTableIds: string[]): VpcEndpoint => ({
    VpcEndpointId: "vpce-0s3gateway000001",
    VpcEndpointType: "Gateway",
    VpcId: VPC,
    ServiceName: "com.amazonaws.us-east-1.s3",
    State: "Available",
    RouteTableIds,
  });
  const routed = (egress: IpPermission[] = [allOut]) =>
    network({
      routeTables: [
        table(
          "rtb-0main",
          [{ DestinationPrefixListId: "pl-63a5400a", GatewayId: "vpce-0s3gateway000001", State: "active" }],
          [],
          true,
        ),
      ],
      endpoints: [s3(["rtb-0main"])],
      securityGroups: [group(RUNTIME_SG, egress)],
    });

  it("reaches S3 through a gateway endpoint routed from the subnet's table", () => {
    expect(reach(routed(), origin, { service: "s3" })).toMatchObject({
      status: "reachable",
      via: "gateway-endpoint",
      endpointId: "vpce-0s3gateway000001",
    });
  });

  it("lets egress to the endpoint's prefix list through, and blocks egress limited to private CIDRs", () => {
    expect(
      reach(routed([https({ PrefixListIds: [{ PrefixListId: "pl-63a5400a" }] })]), origin, { service: "s3" })
        .status,
    ).toBe("reachable");
    expect(
      reach(routed([https({ IpRanges: [{ CidrIp: "10.0.0.0/8" }] })]), origin, { service: "s3" }),
    ).toMatchObject({
      reason: "sg-egress",
      endpointId: "vpce-0s3gateway000001",
    });
  });

  it("does not use a gateway endpoint that is not associated with the subnet's route table", () => {
    const verdict = reach(network({ endpoints: [s3(["rtb-0other"])] }), origin, { service: "s3" });
    expect(verdict).toMatchObject({ status: "blocked", reason: "no-route" });
    expect(verdict.facts.map((f) => f.fact).join("\n")).toContain(
      "is not associated with route table rtb-0main",
    );
  });
});
