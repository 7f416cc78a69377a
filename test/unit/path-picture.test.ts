import { describe, expect, it } from "vitest";
import { pathHops } from "../../src/net/path-picture.js";

const origin = { interfaceId: "eni-1", subnetId: "subnet-1" };
const states = (hops: ReturnType<typeof pathHops>) => hops.map((h) => `${h.kind}:${h.state}`);

describe("pathHops", () => {
  it("marks every hop passed on a reachable path, naming the NAT it leaves by", () => {
    const hops = pathHops(origin, {
      service: "sts",
      port: 443,
      facts: [],
      status: "reachable",
      via: "nat",
      natGatewayId: "nat-1",
    });
    expect(hops.every((h) => h.state === "ok")).toBe(true);
    expect(hops.find((h) => h.kind === "nat")?.label).toBe("nat-1");
  });

  it("breaks at the route table for no route, and nothing after it is reached", () => {
    const hops = pathHops(origin, {
      service: "sts",
      port: 443,
      facts: [],
      status: "blocked",
      reason: "no-route",
      routeTableId: "rtb-1",
    });
    expect(states(hops)).toEqual([
      "interface:ok",
      "dns:ok",
      "security-group:ok",
      "route-table:broken",
      "endpoint:unreached",
      "service:unreached",
    ]);
    expect(hops.find((h) => h.kind === "route-table")?.label).toBe("rtb-1");
  });

  it("breaks at the resolver when DNS is off and at the groups for egress", () => {
    const dns = pathHops(origin, {
      service: "logs",
      port: 443,
      facts: [],
      status: "blocked",
      reason: "vpc-dns-off",
    });
    expect(dns.find((h) => h.state === "broken")?.kind).toBe("dns");
    const sg = pathHops(origin, {
      service: "logs",
      port: 443,
      facts: [],
      status: "blocked",
      reason: "sg-egress",
      groupIds: ["sg-1"],
    });
    expect(sg.find((h) => h.state === "broken")).toMatchObject({ kind: "security-group", label: "sg-1" });
  });
});
