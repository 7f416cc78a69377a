import type { Blocker, Reachability } from "./reachability.js";

export const PATH_HOP_KINDS = [
  "interface",
  "dns",
  "security-group",
  "route-table",
  "endpoint",
  "nat",
  "gateway-endpoint",
  "service",
] as const;

export const PATH_HOP_STATES = ["ok", "broken", "unreached", "unknown"] as const;

/**
 * A path from a runtime's interface to one AWS service as a row of hops, for
 * pictures (the emulator console, the report's diagrams): which hop carried
 * the traffic, which one stopped it, which were never reached. Drawn from the
 * reachability judge's verdict only, so a picture never says more than it.
 */
export interface PathHop {
  kind: (typeof PATH_HOP_KINDS)[number];
  label: string;
  /** ok: traffic passed; broken: traffic stopped here; unreached: after the break; unknown: a route the judge does not follow. */
  state: (typeof PATH_HOP_STATES)[number];
}

/** Which hop each blocker stops the traffic at. */
const BROKEN_AT: Record<Blocker, PathHop["kind"]> = {
  "vpc-dns-off": "dns",
  "endpoint-private-dns-off": "dns",
  "sg-egress": "security-group",
  "no-route": "route-table",
  "endpoint-sg-ingress": "endpoint",
};

const ORDER: readonly PathHop["kind"][] = [
  "interface",
  "dns",
  "security-group",
  "route-table",
  "endpoint",
  "service",
];

export function pathHops(origin: { interfaceId?: string; subnetId: string }, r: Reachability): PathHop[] {
  const label = (kind: PathHop["kind"]): string => {
    switch (kind) {
      case "interface":
        return origin.interfaceId ?? origin.subnetId;
      case "dns":
        return "VPC resolver";
      case "security-group":
        return r.status === "blocked" && r.groupIds?.length ? r.groupIds.join(", ") : "security groups";
      case "route-table":
        return ("routeTableId" in r && r.routeTableId) || "route table";
      case "endpoint":
        if (r.status === "reachable")
          return r.via === "nat" ? (r.natGatewayId ?? "NAT gateway") : (r.endpointId ?? "VPC endpoint");
        return r.status === "blocked" && r.endpointId ? r.endpointId : "endpoint or NAT";
      case "service":
        return r.service;
      default:
        return kind;
    }
  };
  const hopKind = (kind: PathHop["kind"]): PathHop["kind"] => {
    if (kind !== "endpoint" || r.status !== "reachable") return kind;
    return r.via === "nat" ? "nat" : r.via === "gateway-endpoint" ? "gateway-endpoint" : "endpoint";
  };
  if (r.status === "reachable")
    return ORDER.map((kind) => ({ kind: hopKind(kind), label: label(kind), state: "ok" }));
  if (r.status === "unknown") {
    const at = ORDER.indexOf("route-table");
    return ORDER.map((kind, i) => ({
      kind,
      label: kind === "endpoint" ? r.target : label(kind),
      state: i < at ? "ok" : i === at ? "unknown" : "unreached",
    }));
  }
  const at = ORDER.indexOf(BROKEN_AT[r.reason]);
  return ORDER.map((kind, i) => ({
    kind,
    label: label(kind),
    state: i < at ? "ok" : i === at ? "broken" : "unreached",
  }));
}
