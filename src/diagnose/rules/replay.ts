import { isLoopback } from "../../agent/proc.js";
import { PROTOCOL_PORTS, type Protocol } from "../../agent/types.js";
import { type Evidence, type Finding, type FindingId, makeFinding } from "../../findings/index.js";
import type { FixValues } from "../../findings/make.js";
import { serviceNameOf } from "../../net/reachability.js";
import { serviceOfHost } from "../../net/vpc/public.js";
import type { ReplayObservation } from "../../replay/observations.js";
import type { NetworkEvidence } from "../collect/network.js";
import type { Derived } from "../derive.js";
import type { Rule } from "./rule.js";

/**
 * Causes seen in the replay (src/replay): what the agent did in the twin of
 * its network, quoted as evidence with source `replay`. Each finding rests
 * on an observation (a dropped SYN and the rule that dropped it, a DNS query
 * nobody answered, the socket it listened on, its exit), never on a pattern
 * in its code; the other rules' findings of the same id gain this evidence.
 */

type Obs<K extends ReplayObservation["kind"]> = Extract<ReplayObservation, { kind: K }>;

const cite = (o: ReplayObservation, fact: string): Evidence => ({
  fact,
  source: { kind: "replay", observation: o.kind, at: o.at },
});

const of = <K extends ReplayObservation["kind"]>(list: readonly ReplayObservation[], kind: K) =>
  list.filter((o): o is Obs<K> => o.kind === kind);

function connectionFact(c: Obs<"connection">): string {
  const where = `${c.name ? `${c.name} (${c.address}:${c.port})` : `${c.address}:${c.port}`}`;
  if (c.outcome !== "dropped") return `the agent connected to ${where}: ${c.outcome}`;
  return `the agent's connection to ${where} was dropped in the twin's network by the ${c.droppedBy?.hop ?? "network"}: ${c.droppedBy?.detail ?? "no reply"}`;
}

const hasInterfaceEndpoints = (n: NetworkEvidence) =>
  (n.endpoints?.value ?? []).some((x) => x.VpcEndpointType?.toLowerCase() === "interface");

/** The cause a dropped connection to an AWS service shows, with the values its fix needs. */
function causeOfDrop(
  derived: Derived,
  n: NetworkEvidence,
  c: Obs<"connection">,
): { id: FindingId; values: FixValues } | undefined {
  const service = c.name ? serviceOfHost(c.name) : undefined;
  const hop = c.droppedBy?.hop;
  const path = service && service !== "global" ? derived.paths.get(service) : undefined;
  const reason = path?.verdict.status === "blocked" ? (path.verdict as { reason: string }).reason : undefined;
  if (hop === "security-group-egress" || reason === "sg-egress") {
    return { id: "SG_EGRESS_BLOCKED", values: { groupId: n.groupIds[0] } };
  }
  if (hop === "endpoint-security-group" || reason === "endpoint-sg-ingress") {
    const groups = (path?.verdict as { groupIds?: string[] } | undefined)?.groupIds;
    return {
      id: "VPC_ENDPOINT_SG_BLOCKS_RUNTIME",
      values: { endpointGroupId: groups?.[0], runtimeGroupId: n.groupIds[0] },
    };
  }
  if (hop !== "route-table") return undefined;
  if (reason === "endpoint-private-dns-off") {
    return {
      id: "VPC_ENDPOINT_PRIVATE_DNS_DISABLED",
      values: { endpointId: (path?.verdict as { endpointId?: string } | undefined)?.endpointId },
    };
  }
  if (service && service !== "global" && hasInterfaceEndpoints(n)) {
    const reusable = (n.endpoints?.value ?? [])
      .filter((ep) => ep.VpcEndpointType?.toLowerCase() === "interface")
      .flatMap((ep) => (ep.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])));
    return {
      id: "VPC_ENDPOINT_MISSING",
      values: {
        vpcId: n.vpcId,
        serviceName: serviceNameOf(n.region, service),
        subnetIds: n.subnetIds.join(" "),
        groupIds: [...new Set(reusable.length > 0 ? reusable : n.groupIds)].join(" "),
      },
    };
  }
  const routeTableId = /route table (rtb-[\w-]+)/.exec(c.droppedBy?.detail ?? "")?.[1];
  return { id: "VPC_NO_EGRESS_PATH", values: { routeTableId, service: service ?? c.address } };
}

function healthy(observations: readonly ReplayObservation[]): boolean {
  return of(observations, "ping").some(
    (p) => p.status === 200 && /"status"\s*:\s*"Healthy/.test(p.body ?? ""),
  );
}

export const replayObservations: Rule = (e, derived) => {
  const replay = e.replay;
  if (!replay?.ran) return [];
  const obs = replay.observations;
  const findings: Finding[] = [];
  const n = e.runtime.value.networkMode === "VPC" ? e.network?.value : undefined;
  const wasHealthy = healthy(obs);

  // Connections the twin's network dropped, each under the cause that drops it.
  const dropped = of(obs, "connection").filter((c) => c.outcome === "dropped");
  if (n) {
    for (const c of dropped) {
      const cause = causeOfDrop(derived, n, c);
      if (!cause) continue;
      const dns = of(obs, "dns").find((d) => d.name === c.name && d.answers.includes(c.address));
      findings.push(
        makeFinding(
          cause.id,
          [
            ...(dns
              ? [
                  cite(
                    dns,
                    `the VPC's resolver ${dns.resolver} answered ${dns.name} with ${dns.answers.join(", ")}`,
                  ),
                ]
              : []),
            cite(c, connectionFact(c)),
          ],
          cause.values,
        ),
      );
    }
  }
  if (!wasHealthy && dropped.length > 0) {
    findings.push(
      makeFinding(
        "STARTUP_BLOCKED_ON_NETWORK",
        [
          ...dropped.map((c) => cite(c, connectionFact(c))),
          {
            fact: "in the replay the agent never answered /ping as healthy while those connections hung",
            source: { kind: "replay", observation: "ping" },
          },
        ],
        { destinations: dropped.map((c) => `${c.name ?? c.address}:${c.port}`).join(", ") },
      ),
    );
  }

  // DNS queries nobody answered, or answered with a refusal, from the VPC's resolver.
  const unanswered = of(obs, "dns").filter(
    (d) => d.outcome === "no-answer" || d.outcome === "refused" || d.outcome === "servfail",
  );
  if (n && unanswered.length > 0) {
    findings.push(
      makeFinding(
        "VPC_DNS_DISABLED",
        unanswered.map((d) =>
          cite(
            d,
            `the agent's DNS query${d.name ? ` for ${d.name}` : ""} to the VPC's resolver ${d.resolver} got ${d.outcome === "no-answer" ? "no answer (dropped before any resolver read it)" : d.outcome}`,
          ),
        ),
        { vpcId: n.vpcId },
      ),
    );
  }

  // The sockets it listened on, read from its namespace.
  const protocol = e.runtime.value.protocol as Protocol;
  const port = PROTOCOL_PORTS[protocol] ?? PROTOCOL_PORTS.HTTP;
  const listening = of(obs, "listening");
  const onPort = listening.filter((l) => l.port === port);
  if (onPort.length > 0 && onPort.every((l) => isLoopback(l.address))) {
    findings.push(
      makeFinding(
        "BIND_LOOPBACK",
        onPort.map((l) =>
          cite(
            l,
            `in the replay the agent listened on ${l.address}:${l.port} only: the health check arrives on the ENI's address`,
          ),
        ),
        { port },
      ),
    );
  } else if (onPort.length === 0 && listening.length > 0) {
    findings.push(
      makeFinding(
        "BIND_WRONG_PORT",
        listening.map((l) =>
          cite(l, `in the replay the agent listened on ${l.address}:${l.port}, not on ${port}`),
        ),
        { expectedPort: port, protocol, actualPorts: [...new Set(listening.map((l) => l.port))].join(", ") },
      ),
    );
  }

  // It died before it was healthy.
  const exit = of(obs, "exit")[0];
  // An exit after the twin refused the agent's own AWS calls (it holds none of the account's
  // data) says what the replay could not stand for; the collector reports it as a gap.
  const refusedBefore = exit ? of(obs, "aws-call-failed").filter((c) => c.at <= exit.at) : [];
  if (exit && !wasHealthy && refusedBefore.length === 0) {
    const last = of(obs, "output")
      .filter((o) => o.stream === "stderr")
      .slice(-3);
    findings.push(
      makeFinding(
        "STARTUP_CRASH",
        [
          cite(
            exit,
            `in the replay the agent exited with ${exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`} before answering /ping`,
          ),
          ...last.map((o) => cite(o, `it printed: ${o.text.slice(0, 200)}`)),
        ],
        {
          exception: last.at(-1)?.text.slice(0, 120) ?? `exit ${exit.code}`,
          command: "(the Dockerfile's command)",
        },
      ),
    );
  }
  return findings;
};
