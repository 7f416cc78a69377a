import { routeTableOf } from "../net/reachability.js";
import type { EniSpec } from "../net/vpc/policy.js";
import { resolverOf } from "../net/vpc/policy.js";
import type { VpcSnapshot } from "../net/vpc/snapshot.js";
import { type CaptureReading, type FlowReading, flowKey } from "./capture.js";
import type { ReplayObservation } from "./observations.js";

type Connection = Extract<ReplayObservation, { kind: "connection" }>;
type DroppedBy = NonNullable<Connection["droppedBy"]>;

/** Names the agent resolved, by the address each answer gave (the last name wins: the one it connected for). */
export function namesByAddress(observations: readonly ReplayObservation[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const o of observations) {
    if (o.kind !== "dns") continue;
    for (const answer of o.answers) names.set(answer, o.name);
  }
  return names;
}

function endpointOf(snap: VpcSnapshot, address: string) {
  const eni = snap.allInterfaces.find((i) => i.PrivateIpAddress === address);
  if (!eni?.NetworkInterfaceId) return undefined;
  return snap.endpoints.find((e) => e.NetworkInterfaceIds?.includes(eni.NetworkInterfaceId!));
}

/**
 * Why the router's filter dropped a flow the ENI sent: the packets were seen
 * before the filter and never after it; which of its rules it was follows
 * from where they went, in the same state the filter was compiled from.
 */
function routerDrop(snap: VpcSnapshot, eni: EniSpec, flow: FlowReading): DroppedBy {
  if (flow.address === resolverOf(snap) && flow.port === 53) {
    return {
      hop: "resolver",
      detail: `the VPC's resolver ${flow.address} did not admit the query: ${snap.vpcId} has enableDnsSupport ${snap.dns.support === false ? "off" : "unreadable"}`,
    };
  }
  const endpoint = endpointOf(snap, flow.address);
  if (endpoint) {
    const groups = (endpoint.Groups ?? []).map((g) => g.GroupId).join(", ") || "none";
    return {
      hop: "endpoint-security-group",
      detail: `endpoint ${endpoint.VpcEndpointId} (${endpoint.ServiceName}) did not admit ${flow.protocol} ${flow.port} from ${eni.privateIp}: its security groups (${groups}) have no ingress rule for it`,
    };
  }
  const table = routeTableOf(snap.routeTables, eni.subnetId, snap.vpcId);
  return {
    hop: "route-table",
    detail: `route table ${table?.RouteTableId ?? "(none)"} of ${eni.subnetId} has no route that carries ${flow.address} anywhere it is answered (no working NAT gateway, no gateway endpoint for it)`,
  };
}

/**
 * Each TCP destination the agent tried, with what became of it: answered
 * (SYN-ACK), refused (RST), dropped by security-group egress or by the
 * router's filter, or pending (sent on, nothing came back).
 */
export function connectionFates(
  reading: CaptureReading,
  context: { snapshot?: VpcSnapshot; eni?: EniSpec; names: ReadonlyMap<string, string> },
): Connection[] {
  const keys = (list: readonly FlowReading[] | undefined) => new Set((list ?? []).map(flowKey));
  const passedEgress = keys(reading.passedEgress);
  const atRouter = keys(reading.atRouter);
  const passedRouter = keys(reading.passedRouter);
  const synAck = keys(reading.synAck);
  const reset = keys(reading.reset);
  const out: Connection[] = [];
  for (const flow of reading.attempted) {
    if (flow.protocol !== "tcp") continue;
    const key = flowKey(flow);
    const name = context.names.get(flow.address);
    const base = { kind: "connection" as const, address: flow.address, port: flow.port, at: flow.firstSeen };
    const named = name ? { name } : {};
    if (!passedEgress.has(key)) {
      const groups = context.eni?.groupIds.join(", ") || "none";
      out.push({
        ...base,
        ...named,
        outcome: "dropped",
        droppedBy: {
          hop: "security-group-egress",
          detail: `no egress rule of the ENI's security groups (${groups}) admits tcp ${flow.port} to ${flow.address}`,
        },
      });
    } else if (synAck.has(key)) {
      out.push({ ...base, ...named, outcome: "answered" });
    } else if (reset.has(key)) {
      out.push({ ...base, ...named, outcome: "refused" });
    } else if (
      reading.atRouter &&
      context.snapshot &&
      context.eni &&
      atRouter.has(key) &&
      !passedRouter.has(key)
    ) {
      out.push({
        ...base,
        ...named,
        outcome: "dropped",
        droppedBy: routerDrop(context.snapshot, context.eni, flow),
      });
    } else {
      out.push({ ...base, ...named, outcome: "pending" });
    }
  }
  return out;
}

/** DNS queries the router's filter dropped before any resolver read them: silence, whatever the name. */
export function silencedQueries(
  reading: CaptureReading,
  context: { snapshot?: VpcSnapshot; eni?: EniSpec },
): ReplayObservation[] {
  if (!reading.atRouter || !context.snapshot || !context.eni) return [];
  const passed = new Set((reading.passedRouter ?? []).map(flowKey));
  const resolver = resolverOf(context.snapshot);
  return reading.atRouter
    .filter((f) => f.port === 53 && f.address === resolver && !passed.has(flowKey(f)))
    .map((f) => ({
      kind: "dns" as const,
      // The name is in the packet's payload, which the sets do not keep; the agent's output may say it.
      name: "",
      type: "A",
      resolver,
      outcome: "no-answer" as const,
      answers: [],
      at: f.firstSeen,
    }));
}
