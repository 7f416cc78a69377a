import type { AwsServiceUse } from "../agent/aws-service-usage.js";
import type { Evidence, EvidenceSource } from "../findings/index.js";
import { type Origin, type Reachability, type ReachabilityFact, reach } from "../net/reachability.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { isHealthCheckFailure } from "./collect/invoke.js";
import { type NetworkEvidence, runtimeInterfaces, vpcNetworkOf } from "./collect/network.js";

/**
 * The paths a VPC-mode runtime has to AWS services, judged by the pure
 * reachability model (src/net/reachability.ts) on the EC2 evidence. Shared
 * by the network rules, the hypotheses and the next steps.
 */

/** Where the runtime's traffic starts: each of its interfaces, else each of its subnets (address unknown). */
export function originsOf(n: NetworkEvidence): Origin[] {
  const own = runtimeInterfaces(n).filter((eni) => eni.SubnetId);
  if (own.length > 0) {
    return own.map((eni) => ({
      subnetId: eni.SubnetId!,
      groupIds: n.groupIds,
      ...(eni.PrivateIpAddress ? { address: eni.PrivateIpAddress } : {}),
    }));
  }
  return n.subnetIds.map((subnetId) => ({ subnetId, groupIds: n.groupIds }));
}

export interface ServicePath {
  service: string;
  /** The worst verdict over the runtime's origins: a session can land on any of them. */
  verdict: Reachability;
  origin: Origin;
}

const RANK = { blocked: 0, unknown: 1, reachable: 2 } as const;

/** The path to one service; undefined when the network could not be read well enough to judge. */
export function pathTo(e: DiagnoseEvidence, service: string): ServicePath | undefined {
  const n = e.network?.value;
  if (!n || e.runtime.value.networkMode !== "VPC") return undefined;
  const network = vpcNetworkOf(n);
  if (!network) return undefined;
  let worst: ServicePath | undefined;
  for (const origin of originsOf(n)) {
    const verdict = reach(network, origin, { service });
    if (!worst || RANK[verdict.status] < RANK[worst.verdict.status]) worst = { service, verdict, origin };
  }
  return worst;
}

/** The services the agent's source calls, one entry each (its start-up use first). */
export function sourceServices(e: DiagnoseEvidence): AwsServiceUse[] {
  const byService = new Map<string, AwsServiceUse>();
  for (const use of e.awsServices ?? []) {
    const known = byService.get(use.service);
    if (!known || (known.phase === "handler" && use.phase === "startup")) byService.set(use.service, use);
  }
  return [...byService.values()].sort((a, b) => a.service.localeCompare(b.service));
}

/** The services telemetry is exported to (OpenTelemetry → X-Ray traces, CloudWatch Logs). */
export const TELEMETRY_SERVICES = ["xray", "logs"] as const;

/** The EC2 call a reachability fact was read from, as the network evidence sourced it. */
export function sourceOfFact(n: NetworkEvidence, fact: ReachabilityFact): EvidenceSource {
  const byCall: Record<string, EvidenceSource | undefined> = {
    DescribeRouteTables: n.routeTables?.source,
    DescribeNatGateways: n.natGateways?.source,
    DescribeInternetGateways: n.internetGateways?.source,
    DescribeVpcEndpoints: n.endpoints?.source,
    DescribeSecurityGroups: n.securityGroups?.source,
    DescribeSubnets: n.subnets?.source,
    DescribeNetworkInterfaces: n.managedInterfaces?.source,
    DescribeVpcAttribute: fact.field.startsWith("EnableDnsHostnames")
      ? n.dnsHostnames?.source
      : n.dnsSupport?.source,
  };
  return byCall[fact.call] ?? { kind: "api", service: "ec2", operation: fact.call };
}

export function pathEvidence(n: NetworkEvidence, path: ServicePath): Evidence[] {
  return path.verdict.facts.map((f) => ({ fact: f.fact, source: sourceOfFact(n, f) }));
}

export function useEvidence(use: AwsServiceUse): Evidence {
  return {
    fact: `the agent calls ${use.service} ${use.phase === "startup" ? "at start-up" : "in a handler"}: ${use.detail}`,
    source: { kind: "file", path: use.file, line: use.line },
  };
}

const HEALTH_CHECK_REASON = /health check|initiali[sz]ation time exceeded|did not become healthy/i;

/** The symptom "the container never turned healthy", as the evidence shows it: --invoke, or a failureReason. */
export function healthCheckSymptom(e: DiagnoseEvidence): Evidence | undefined {
  const invoke = e.invoke;
  if (invoke && isHealthCheckFailure(invoke.value)) {
    return {
      fact: `InvokeAgentRuntime on a new session failed: ${invoke.value.errorCode}: ${invoke.value.errorMessage}`,
      source: invoke.source,
    };
  }
  const r = e.runtime.value;
  const reason = [r.failureReason, r.endpoint.failureReason].find((x) => x && HEALTH_CHECK_REASON.test(x));
  return reason ? { fact: `the runtime reports: ${reason}`, source: e.runtime.source } : undefined;
}
