import type { Evidence, EvidenceSource } from "../findings/index.js";
import type { Origin, Reachability, ReachabilityFact } from "../net/reachability.js";
import type { AwsServiceUse } from "../static-checks/aws-service-usage.js";
import { type NetworkEvidence, runtimeInterfaces } from "./collect/network.js";

/**
 * The paths a VPC-mode runtime has to AWS services, judged by the pure
 * reachability model (src/net/reachability.ts) on the EC2 evidence: where
 * they start, and how a judged path is quoted as evidence. The paths
 * themselves are judged once, in derive.ts.
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
