import { describe, expect, it } from "vitest";
import type { NetworkEvidence } from "../../src/diagnose/collect/network.js";
import { apiSource } from "../../src/diagnose/evidence.js";
import { buildTwin } from "../../src/diagnose/twin.js";
import { contains } from "../../src/net/vpc/ip.js";
import { routerRuleset, sessionRuleset } from "../../src/net/vpc/policy.js";
import { fixedVpcState } from "../../src/net/vpc/snapshot.js";

const src = apiSource("ec2", "Describe", {});
const s = <T>(value: T) => ({ value, source: src });
const VPC = "vpc-0twin000000000001";

function evidence(overrides: Partial<NetworkEvidence> = {}): NetworkEvidence {
  return {
    region: "us-east-1",
    subnetIds: ["subnet-a"],
    groupIds: ["sg-agent"],
    vpcId: VPC,
    vpcCidr: s("10.20.0.0/16"),
    subnets: s([{ SubnetId: "subnet-a", VpcId: VPC, CidrBlock: "10.20.1.0/24" }]),
    routeTables: s([
      {
        RouteTableId: "rtb-1",
        VpcId: VPC,
        Associations: [{ Main: true }],
        Routes: [{ DestinationCidrBlock: "10.20.0.0/16", GatewayId: "local" }],
      },
    ]),
    securityGroups: s([
      {
        GroupId: "sg-agent",
        VpcId: VPC,
        IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      },
    ]),
    endpoints: s([]),
    natGateways: s([]),
    internetGateways: s([]),
    dnsSupport: s(false),
    dnsHostnames: s(true),
    notes: [],
    ...overrides,
  };
}

describe("buildTwin", () => {
  it("rebuilds the collected VPC and gives the runtime's own interface", () => {
    const result = buildTwin(
      evidence({
        managedInterfaces: s([
          {
            NetworkInterfaceId: "eni-runtime",
            PrivateIpAddress: "10.20.1.77",
            SubnetId: "subnet-a",
            VpcId: VPC,
            Groups: [{ GroupId: "sg-agent" }],
          },
        ]),
      }),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.twin.eni).toEqual({
      id: "eni-runtime",
      privateIp: "10.20.1.77",
      subnetId: "subnet-a",
      groupIds: ["sg-agent"],
    });
    expect(result.twin.snapshot).toMatchObject({
      cidr: "10.20.0.0/16",
      dns: { support: false, hostnames: true },
    });
    expect(result.twin.assumptions).toEqual([]);
    // The fabric reads it as it reads EC2: the subnet's VPC, the VPC's snapshot, rules compiled from it.
    const state = fixedVpcState([result.twin.snapshot]);
    expect(state.subnet({ account: "1", region: "us-east-1" }, "subnet-a")).toEqual({
      vpcId: VPC,
      cidr: "10.20.1.0/24",
    });
    // DNS support off: the router has no rule admitting the resolver, and drops what is sent to it
    // before the VPC-internal rules could let it through to an address nobody answers on.
    const router = routerRuleset(result.twin.snapshot, "up", []);
    expect(router).not.toContain("th dport 53 accept");
    const drop = router.indexOf("ip daddr 10.20.0.2 meta l4proto { tcp, udp } th dport 53 drop");
    expect(drop).toBeGreaterThan(-1);
    expect(drop).toBeLessThan(router.indexOf("ip daddr 10.20.0.0/16 accept"));
    expect(sessionRuleset(result.twin.snapshot, result.twin.eni, "e1")).toContain(
      "ip daddr 0.0.0.0/0 accept",
    );
  });

  it("without the runtime's interface, picks a free address in its subnet and says so", () => {
    const result = buildTwin(evidence({ dnsSupport: undefined, dnsHostnames: undefined }));
    if (!result.ok) throw new Error(result.reason);
    expect(contains("10.20.1.0/24", result.twin.eni.privateIp)).toBe(true);
    expect(result.twin.eni.groupIds).toEqual(["sg-agent"]);
    expect(result.twin.assumptions.join("\n")).toMatch(/no network interface of the runtime was seen/);
    expect(result.twin.assumptions.join("\n")).toMatch(/enableDnsSupport could not be read/);
  });

  it("refuses to build without a part that decides paths, naming it", () => {
    const result = buildTwin(evidence({ routeTables: undefined, vpcCidr: undefined }));
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/DescribeVpcs.*DescribeRouteTables/),
    });
  });
});
