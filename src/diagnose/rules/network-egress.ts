import { type Evidence, type Finding, makeFinding } from "../../findings/index.js";
import { routeTableOf, serviceNameOf } from "../../net/reachability.js";
import type { ReplayObservation } from "../../replay/observations.js";
import type { AwsServiceUse } from "../../static-checks/aws-service-usage.js";
import { OTEL_EXPORT_VARIABLE } from "../../static-checks/telemetry.js";
import type { DiagnoseEvidence } from "../analysis-input.js";
import type { NetworkEvidence } from "../collect/network.js";
import { type Derived, STAND_IN_SERVICE } from "../derive.js";
import { pathEvidence, type ServicePath, TELEMETRY_SERVICES, useEvidence } from "../network-paths.js";
import type { Rule } from "./rule.js";

/**
 * The ways out of the runtime's subnets to the AWS services it needs, judged
 * by the reachability model on the EC2 evidence: which services the agent's
 * source calls (--source), and the telemetry services. Each blocked path is
 * reported under the one cause that blocks it.
 */

const hasInterfaceEndpoints = (n: NetworkEvidence) =>
  (n.endpoints?.value ?? []).some((x) => x.VpcEndpointType?.toLowerCase() === "interface");

/** The service a path is judged for, and why it is needed. */
interface Need {
  path: ServicePath;
  use?: AwsServiceUse;
}

/** The services judged: those the source calls, else the stand-in for "a service with no endpoint here". */
function needs(d: Derived): Need[] {
  if (d.services.length > 0) {
    return d.services.flatMap((use) => {
      const path = d.paths.get(use.service);
      return path ? [{ path, use }] : [];
    });
  }
  const standIn = d.paths.get(STAND_IN_SERVICE);
  const hasOwnEndpoint = (d.vpc?.endpoints?.value ?? []).some(
    (x) => x.ServiceName === serviceNameOf(d.region, STAND_IN_SERVICE),
  );
  return standIn && !hasOwnEndpoint ? [{ path: standIn }] : [];
}

const blockedBy = (list: Need[], reason: string) =>
  list.filter(
    (x) => x.path.verdict.status === "blocked" && (x.path.verdict as { reason: string }).reason === reason,
  );

const needEvidence = (n: NetworkEvidence, x: Need): Evidence[] => [
  ...(x.use
    ? [useEvidence(x.use)]
    : [
        {
          fact: `the agent's source was not given (--source): judged for any AWS service with no VPC endpoint here, such as ${x.path.service}`,
          source: { kind: "tool" as const, detail: "diagnose" },
        },
      ]),
  ...pathEvidence(n, x.path),
];

/** The same fact from the same call once: paths to several services often share a route table. */
function unique(evidence: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return evidence.filter((x) => {
    const key = `${x.fact}\u0000${JSON.stringify(x.source)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const what = (x: Need) => (x.use ? x.path.service : "AWS services without a VPC endpoint here");

/**
 * What is missing on the way out, as the route table shows it: no default
 * route at all; a default route to an internet gateway (an AgentCore ENI has
 * no public address); or a NAT gateway that cannot reach the internet itself
 * (not available, private, or its own subnet has no internet-gateway route).
 */
function egressRemedy(n: NetworkEvidence, routeTableId: string | undefined): string {
  const table = (n.routeTables?.value ?? []).find((t) => t.RouteTableId === routeTableId);
  const out = table?.Routes?.find((r) => r.DestinationCidrBlock === "0.0.0.0/0" && r.State !== "blackhole");
  const rt = routeTableId ?? "the runtime's route table";
  if (!out) return `Add a NAT gateway route (0.0.0.0/0) to ${rt}`;
  if (out.GatewayId?.startsWith("igw-"))
    return `${rt} sends 0.0.0.0/0 to ${out.GatewayId}, which gives an AgentCore interface (no public address) no way out: route 0.0.0.0/0 in ${rt} to a NAT gateway in a public subnet instead`;
  const nat = out.NatGatewayId
    ? (n.natGateways?.value ?? []).find((g) => g.NatGatewayId === out.NatGatewayId)
    : undefined;
  if (!out.NatGatewayId) return `Add a NAT gateway route (0.0.0.0/0) to ${rt}`;
  if (!nat)
    return `${rt} sends 0.0.0.0/0 to ${out.NatGatewayId}, which is not in the VPC: route it to an available NAT gateway`;
  if (nat.State !== "available")
    return `${rt} sends 0.0.0.0/0 to ${nat.NatGatewayId}, which is ${nat.State}: route it to an available public NAT gateway`;
  if (nat.ConnectivityType === "private")
    return `${rt} sends 0.0.0.0/0 to ${nat.NatGatewayId}, a private NAT gateway that does not reach the internet: use a public NAT gateway in a public subnet`;
  const natTable =
    nat.SubnetId && n.vpcId && n.routeTables
      ? routeTableOf(n.routeTables.value, nat.SubnetId, n.vpcId)
      : undefined;
  const igw = (n.internetGateways?.value ?? []).find((g) =>
    (g.Attachments ?? []).some((a) => a.VpcId === n.vpcId && a.State !== "detached"),
  );
  return `${rt} already routes 0.0.0.0/0 to ${nat.NatGatewayId}; what is missing is the NAT gateway's own way out: its subnet ${nat.SubnetId} (route table ${natTable?.RouteTableId ?? "none"}) has no 0.0.0.0/0 route to an internet gateway. ${igw ? `\`aws ec2 create-route --route-table-id ${natTable?.RouteTableId ?? "<NAT subnet's route table>"} --destination-cidr-block 0.0.0.0/0 --gateway-id ${igw.InternetGatewayId}\`` : `Attach an internet gateway to ${n.vpcId} and route ${nat.SubnetId}'s 0.0.0.0/0 to it`}`;
}

/** SG_EGRESS_BLOCKED, VPC_NO_EGRESS_PATH, VPC_ENDPOINT_MISSING, VPC_ENDPOINT_PRIVATE_DNS_DISABLED, VPC_ENDPOINT_SG_BLOCKS_RUNTIME. */
export const egressPaths: Rule = (_e, d) => {
  const n = d.vpc;
  if (!n) return [];
  const list = needs(d);
  const findings: Finding[] = [];

  const egress = blockedBy(list, "sg-egress");
  if (egress.length > 0) {
    findings.push(
      makeFinding("SG_EGRESS_BLOCKED", unique(egress.flatMap((x) => needEvidence(n, x))), {
        groupId: n.groupIds[0],
      }),
    );
  }

  const noRoute = blockedBy(list, "no-route");
  // A VPC that already reaches services through interface endpoints lacks one more; one with none lacks a way out.
  const missing = hasInterfaceEndpoints(n) ? noRoute.filter((x) => x.use) : [];
  const noPath = noRoute.filter((x) => !missing.includes(x));
  for (const x of missing) {
    const reusable = (n.endpoints?.value ?? [])
      .filter((ep) => ep.VpcEndpointType?.toLowerCase() === "interface")
      .flatMap((ep) => (ep.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])));
    findings.push(
      makeFinding("VPC_ENDPOINT_MISSING", needEvidence(n, x), {
        vpcId: n.vpcId,
        serviceName: serviceNameOf(d.region, x.path.service),
        subnetIds: n.subnetIds.join(" "),
        groupIds: [...new Set(reusable.length > 0 ? reusable : n.groupIds)].join(" "),
      }),
    );
  }
  if (noPath.length > 0) {
    const routeTableId = noPath
      .map((x) => (x.path.verdict as { routeTableId?: string }).routeTableId)
      .find((id) => id);
    findings.push(
      makeFinding("VPC_NO_EGRESS_PATH", unique(noPath.flatMap((x) => needEvidence(n, x))), {
        remedy: egressRemedy(n, routeTableId),
        service: noPath.map(what).join(", "),
      }),
    );
  }

  for (const x of blockedBy(list, "endpoint-private-dns-off")) {
    findings.push(
      makeFinding("VPC_ENDPOINT_PRIVATE_DNS_DISABLED", needEvidence(n, x), {
        endpointId: (x.path.verdict as { endpointId?: string }).endpointId,
      }),
    );
  }
  for (const x of blockedBy(list, "endpoint-sg-ingress")) {
    const v = x.path.verdict as { groupIds?: string[] };
    findings.push(
      makeFinding("VPC_ENDPOINT_SG_BLOCKS_RUNTIME", needEvidence(n, x), {
        endpointGroupId: v.groupIds?.[0],
        runtimeGroupId: n.groupIds[0],
      }),
    );
  }
  return findings;
};

/** The VPC's own DNS: support off breaks every name; hostnames off voids interface endpoints' private DNS. */
export const vpcDns: Rule = (_e, { vpc: n }) => {
  if (!n) return [];
  const facts: Evidence[] = [];
  if (n.dnsSupport?.value === false) {
    facts.push({
      fact: `${n.vpcId} has enableDnsSupport false: the VPC resolver answers no name, AWS service names included`,
      source: n.dnsSupport.source,
    });
  }
  const privateDns = (n.endpoints?.value ?? []).filter(
    (x) => x.VpcEndpointType?.toLowerCase() === "interface" && x.PrivateDnsEnabled,
  );
  if (n.dnsHostnames?.value === false && privateDns.length > 0) {
    facts.push({
      fact: `${n.vpcId} has enableDnsHostnames false, so the private DNS of ${privateDns.map((x) => x.VpcEndpointId).join(", ")} does not apply: service names resolve to public addresses`,
      source: n.dnsHostnames.source,
    });
  }
  return facts.length > 0 ? [makeFinding("VPC_DNS_DISABLED", facts, { vpcId: n.vpcId })] : [];
};

/** OTLP's ports: an exporter sending to a collector (4317 gRPC, 4318 HTTP). */
const OTLP_PORTS: ReadonlySet<number> = new Set([4317, 4318]);
const TELEMETRY_HOST = /^xray\.[a-z0-9-]+\.amazonaws\.com$/i;

/** The replay's connections that carried telemetry: to an OTLP port, or to X-Ray by name. */
function telemetrySent(e: DiagnoseEvidence): Extract<ReplayObservation, { kind: "connection" }>[] {
  if (!e.replay?.ran) return [];
  return e.replay.observations.filter(
    (o): o is Extract<ReplayObservation, { kind: "connection" }> =>
      o.kind === "connection" && (OTLP_PORTS.has(o.port) || TELEMETRY_HOST.test(o.name ?? "")),
  );
}

/**
 * What shows the agent exports telemetry: the replay saw it send some, or
 * an exporter is configured (the runtime's environment, the image, the
 * dependencies). Without any of it there is nothing to be blocked.
 */
function telemetryExporter(e: DiagnoseEvidence): Evidence[] {
  const sent = telemetrySent(e).map(
    (c): Evidence => ({
      fact: `in the replay the agent sent telemetry to ${c.name ?? c.address}:${c.port} (${c.outcome})`,
      source: { kind: "replay", observation: "connection", at: c.at },
    }),
  );
  const names = e.runtime.value.environmentVariableNames.filter((name) => OTEL_EXPORT_VARIABLE.test(name));
  const env: Evidence[] =
    names.length > 0
      ? [
          {
            fact: `the runtime sets ${names.join(", ")}: an OpenTelemetry exporter`,
            source: e.runtime.source,
          },
        ]
      : [];
  return [...sent, ...env, ...(e.telemetryConfig ?? [])];
}

/**
 * Traces exported from inside the VPC (OpenTelemetry → X-Ray, CloudWatch
 * Logs) with no way out: only for an agent that exports telemetry, and not
 * when the replay saw its telemetry answered.
 */
export const telemetryExport: Rule = (e, d) => {
  const n = d.vpc;
  if (!n || e.config?.observability?.value === false) return [];
  const exporter = telemetryExporter(e);
  if (exporter.length === 0) return [];
  if (telemetrySent(e).some((c) => c.outcome === "answered")) return [];
  const blocked = TELEMETRY_SERVICES.flatMap((service) => {
    const path = d.paths.get(service);
    return path && path.verdict.status === "blocked" ? [path] : [];
  });
  if (blocked.length === 0) return [];
  return [
    makeFinding(
      "TELEMETRY_EXPORT_BLOCKED",
      unique([
        ...blocked.flatMap((path) => [
          {
            fact: `${path.service}: ${(path.verdict as { reason: string }).reason}`,
            source: { kind: "tool" as const, detail: "reachability of the runtime's subnets" },
          },
          ...pathEvidence(n, path),
        ]),
        ...exporter,
      ]),
      { vpcId: n.vpcId },
    ),
  ];
};

/** The symptom (the health check never passed) and a start-up call to a service with no path: the start-up hangs on it. */
export const startupBlockedOnNetwork: Rule = (_e, d) => {
  const n = d.vpc;
  const symptom = d.healthCheck;
  if (!n || !symptom) return [];
  const stuck = d.services.flatMap((use) => {
    if (use.phase !== "startup") return [];
    const path = d.paths.get(use.service);
    return path && path.verdict.status === "blocked" ? [{ use, path }] : [];
  });
  if (stuck.length === 0) return [];
  return [
    makeFinding(
      "STARTUP_BLOCKED_ON_NETWORK",
      [symptom, ...stuck.flatMap(({ use, path }) => [useEvidence(use), ...pathEvidence(n, path)])],
      {
        destinations: stuck.map(({ use }) => `${use.service}.${d.region}.amazonaws.com:443`).join(", "),
      },
    ),
  ];
};
