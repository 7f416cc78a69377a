import { sh } from "../net/netns.js";

/**
 * What the session network did with the replayed agent's packets, read from
 * the kernel rather than from the agent's logs: an observer table beside the
 * fabric's own in the session's namespace and in the VPC router's, whose
 * dynamic sets record each destination (address, protocol, port) at points
 * either side of the fabric's filter chains. A destination seen before a
 * chain and never after it was dropped by that chain: security-group egress
 * in the session (the fabric's `acd-sg` output chain, priority 0), the
 * router's filter (route tables, endpoint groups, the resolver: `acd-router`
 * prerouting, priority -150). Replies (SYN-ACK, RST) are recorded on the way
 * in. The observer only adds set elements; it never accepts or drops.
 */

export const OBSERVER_TABLE = "acd-replay";

/** A destination as the sets key it. */
export interface Flow {
  address: string;
  protocol: "tcp" | "udp";
  port: number;
}

export interface FlowReading extends Flow {
  packets: number;
  /** When this reading first saw it (ms since the epoch). */
  firstSeen: number;
}

export interface CaptureReading {
  /** Left the agent for the ENI's interface (before security-group egress). */
  attempted: FlowReading[];
  /** Passed security-group egress. */
  passedEgress: FlowReading[];
  /** Reached the VPC router from this ENI (undefined in PUBLIC mode: there is none). */
  atRouter?: FlowReading[];
  /** Passed the router's filter (route tables, endpoint groups, resolver). */
  passedRouter?: FlowReading[];
  /** Answered with SYN-ACK: keyed by the answering address and port. */
  synAck: FlowReading[];
  /** Answered with RST. */
  reset: FlowReading[];
}

const FLOW_SET = "type ipv4_addr . inet_proto . inet_service; flags dynamic; size 8192; counter;";

/** The session side: what leaves on the ENI's interface, before and after the security groups, and what answers. */
export function sessionObserverRuleset(ifname: string): string {
  return `table ip ${OBSERVER_TABLE}
delete table ip ${OBSERVER_TABLE}
table ip ${OBSERVER_TABLE} {
  set attempted { ${FLOW_SET} }
  set passed { ${FLOW_SET} }
  set synack_seen { ${FLOW_SET} }
  set rst_seen { ${FLOW_SET} }
  chain before_egress {
    type filter hook output priority -10; policy accept;
    oifname "${ifname}" ct state new meta l4proto { tcp, udp } add @attempted { ip daddr . meta l4proto . th dport }
  }
  chain after_egress {
    type filter hook output priority 10; policy accept;
    oifname "${ifname}" ct state new meta l4proto { tcp, udp } add @passed { ip daddr . meta l4proto . th dport }
  }
  chain replies {
    type filter hook input priority -10; policy accept;
    iifname "${ifname}" tcp flags & (syn | ack) == syn | ack add @synack_seen { ip saddr . meta l4proto . th sport }
    iifname "${ifname}" tcp flags & rst == rst add @rst_seen { ip saddr . meta l4proto . th sport }
  }
}
`;
}

/** The router side: what this ENI's address sends through the router, before and after its filter. */
export function routerObserverRuleset(eniAddress: string): string {
  return `table ip ${OBSERVER_TABLE}
delete table ip ${OBSERVER_TABLE}
table ip ${OBSERVER_TABLE} {
  set seen { ${FLOW_SET} }
  set passed { ${FLOW_SET} }
  chain before_filter {
    type filter hook prerouting priority -155; policy accept;
    ip saddr ${eniAddress} ct state new meta l4proto { tcp, udp } add @seen { ip daddr . meta l4proto . th dport }
  }
  chain after_filter {
    type filter hook prerouting priority -145; policy accept;
    ip saddr ${eniAddress} ct state new meta l4proto { tcp, udp } add @passed { ip daddr . meta l4proto . th dport }
  }
}
`;
}

function nft(namespace: string, args: readonly string[], input?: string): Promise<string> {
  return sh("nsenter", [`--net=/run/netns/${namespace}`, "nft", ...args], input);
}

interface NftElem {
  elem?: { val?: { concat?: [string, string, number] }; counter?: { packets?: number } };
}

/** Parses `nft -j list set` output into flows. */
export function parseFlowSet(json: string): { flow: Flow; packets: number }[] {
  const parsed = JSON.parse(json) as { nftables?: { set?: { elem?: NftElem[] } }[] };
  const set = parsed.nftables?.find((entry) => entry.set)?.set;
  return (set?.elem ?? []).flatMap((e) => {
    const concat = e.elem?.val?.concat;
    if (!concat) return [];
    const [address, protocol, port] = concat;
    if (protocol !== "tcp" && protocol !== "udp") return [];
    return [{ flow: { address, protocol, port: Number(port) }, packets: e.elem?.counter?.packets ?? 0 }];
  });
}

export const flowKey = (f: Flow) => `${f.address}/${f.protocol}/${f.port}`;

/** Installs the observer tables and reads them on demand, remembering when each flow was first seen. */
export class FlowCapture {
  private readonly firstSeen = new Map<string, number>();

  private constructor(
    private readonly session: string,
    private readonly router: string | undefined,
  ) {}

  static async install(
    session: { namespace: string; ifname: string },
    router?: { namespace: string; eniAddress: string },
  ): Promise<FlowCapture> {
    await nft(session.namespace, ["-f", "-"], sessionObserverRuleset(session.ifname));
    if (router) await nft(router.namespace, ["-f", "-"], routerObserverRuleset(router.eniAddress));
    return new FlowCapture(session.namespace, router?.namespace);
  }

  private async readSet(namespace: string, name: string, now: number): Promise<FlowReading[]> {
    const out = await nft(namespace, ["-j", "list", "set", "ip", OBSERVER_TABLE, name]).catch(() => "");
    if (!out) return [];
    return parseFlowSet(out).map(({ flow, packets }) => {
      const key = `${namespace}/${name}/${flowKey(flow)}`;
      if (!this.firstSeen.has(key)) this.firstSeen.set(key, now);
      return { ...flow, packets, firstSeen: this.firstSeen.get(key)! };
    });
  }

  /** Every set, now. */
  async read(): Promise<CaptureReading> {
    const now = Date.now();
    const [attempted, passedEgress, synAck, reset, atRouter, passedRouter] = await Promise.all([
      this.readSet(this.session, "attempted", now),
      this.readSet(this.session, "passed", now),
      this.readSet(this.session, "synack_seen", now),
      this.readSet(this.session, "rst_seen", now),
      ...(this.router
        ? [this.readSet(this.router, "seen", now), this.readSet(this.router, "passed", now)]
        : []),
    ]);
    return {
      attempted: attempted!,
      passedEgress: passedEgress!,
      synAck: synAck!,
      reset: reset!,
      ...(atRouter ? { atRouter, passedRouter: passedRouter ?? [] } : {}),
    };
  }

  /** The router's table goes when the replay's fabric stops; the session's with its namespace. */
  async remove(): Promise<void> {
    if (this.router) await nft(this.router, ["delete", "table", "ip", OBSERVER_TABLE]).catch(() => {});
  }
}
