import type { Symptom } from "../findings/causes.js";
import type { Evidence } from "../findings/index.js";
import { reach } from "../net/reachability.js";
import type { AwsServiceUse } from "../static-checks/aws-service-usage.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { isHealthCheckFailure } from "./collect/invoke.js";
import { type NetworkEvidence, vpcNetworkOf } from "./collect/network.js";
import { arnScope } from "./evidence.js";
import { originsOf, type ServicePath, TELEMETRY_SERVICES } from "./network-paths.js";

export type { Symptom };

/**
 * What the analysis reads off the evidence, worked out once per diagnosis:
 * the runtime's region and account, the symptom, the services the agent
 * calls, and the path to each destination. Rules, hypotheses, facts and
 * next steps read these; none of them splits an ARN or judges a path again.
 */
export interface Derived {
  region: string;
  account: string;
  symptom: Symptom;
  /** The health check failing, as seen: --invoke's fresh session, or the runtime's failureReason. */
  healthCheck?: Evidence;
  /** The runtime's network, in VPC mode only. */
  vpc?: NetworkEvidence;
  /** The AWS services the agent's source calls, one entry each (its start-up use first). */
  services: readonly AwsServiceUse[];
  /** The path to each destination judged: the source's services, telemetry, and the stand-in service. */
  paths: ReadonlyMap<string, ServicePath>;
  /** A start-up call of the source goes to a service whose path is blocked. */
  startupBlocked: boolean;
  /** Outbound failures the container printed: each line read once, with the service its host names. */
  networkFailures: readonly NetworkFailure[];
}

/**
 * A network failure the container's output shows: a resolver error
 * (EAI_AGAIN, ENOTFOUND, "Temporary failure in name resolution", botocore's
 * EndpointConnectionError naming a host) or a connection that timed out or
 * was refused. An observation: it is what the agent met, not what a rule inferred.
 */
export interface NetworkFailure {
  kind: "resolver" | "connect";
  /** The AWS service its host names (`sts` of sts.us-east-1.amazonaws.com), when it names one. */
  service?: string;
  evidence: Evidence;
}

const RESOLVER_ERROR =
  /\b(?:EAI_AGAIN|ENOTFOUND|EAI_NONAME)\b|Temporary failure in name resolution|Name or service not known|nodename nor servname|EndpointConnectionError|Could not connect to the endpoint URL/i;
const CONNECT_ERROR =
  /\b(?:ETIMEDOUT|ECONNREFUSED|ENETUNREACH|EHOSTUNREACH)\b|Connect ?timeout|ConnectTimeoutError|connection timed out|timed out connecting/i;
const AWS_HOST = /\b([a-z0-9-]+)(?:\.[a-z0-9-]+)?\.amazonaws\.com\b/i;

/** Whether a text reads as a resolver error or a failed connection. */
export function networkFailureKind(text: string): NetworkFailure["kind"] | undefined {
  return RESOLVER_ERROR.test(text) ? "resolver" : CONNECT_ERROR.test(text) ? "connect" : undefined;
}

function networkFailuresOf(e: DiagnoseEvidence): NetworkFailure[] {
  return (e.logs?.value.lines ?? []).flatMap((line): NetworkFailure[] => {
    const text = line.message.trim();
    const kind = networkFailureKind(text);
    if (!kind) return [];
    const service = AWS_HOST.exec(text)?.[1]?.toLowerCase();
    return [
      {
        kind,
        ...(service ? { service } : {}),
        evidence: {
          fact: `the container printed ${kind === "resolver" ? "a name-resolution failure" : "a failed connection"}: "${text.length > 300 ? `${text.slice(0, 300)}…` : text}"`,
          source: line.source,
        },
      },
    ];
  });
}

/** Without --source the agent's services are unknown: STS stands for "a service with no endpoint here". */
export const STAND_IN_SERVICE = "sts";

const FAILED = new Set(["CREATE_FAILED", "UPDATE_FAILED"]);
/** AgentCore's wordings for "the container never turned healthy". */
const HEALTH_CHECK_REASON = /health check|initiali[sz]ation time exceeded|did not become healthy/i;

function symptomOf(e: DiagnoseEvidence): Symptom {
  const r = e.runtime.value;
  const failed = [
    ...(FAILED.has(r.status) ? [r.failureReason ?? ""] : []),
    ...(FAILED.has(r.endpoint.status) ? [r.endpoint.failureReason ?? ""] : []),
  ];
  return failed.length > 0 && !failed.some((reason) => HEALTH_CHECK_REASON.test(reason))
    ? "create-failed"
    : "health-check";
}

function healthCheckOf(e: DiagnoseEvidence): Evidence | undefined {
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

function servicesOf(e: DiagnoseEvidence): AwsServiceUse[] {
  const byService = new Map<string, AwsServiceUse>();
  for (const use of e.awsServices ?? []) {
    const known = byService.get(use.service);
    if (!known || (known.phase === "handler" && use.phase === "startup")) byService.set(use.service, use);
  }
  return [...byService.values()].sort((a, b) => a.service.localeCompare(b.service));
}

const RANK = { blocked: 0, unknown: 1, reachable: 2 } as const;

/** The path to each service: the worst over the runtime's origins, as a session can land on any of them. */
function pathsOf(n: NetworkEvidence | undefined, services: readonly string[]): Map<string, ServicePath> {
  const paths = new Map<string, ServicePath>();
  const network = n ? vpcNetworkOf(n) : undefined;
  if (!n || !network) return paths;
  const origins = originsOf(n);
  for (const service of services) {
    let worst: ServicePath | undefined;
    for (const origin of origins) {
      const verdict = reach(network, origin, { service });
      if (!worst || RANK[verdict.status] < RANK[worst.verdict.status]) worst = { service, verdict, origin };
    }
    if (worst) paths.set(service, worst);
  }
  return paths;
}

/** The one derive step of a diagnosis. */
export function derive(e: DiagnoseEvidence): Derived {
  const { region, account } = arnScope(e.runtime.value.runtimeArn);
  const vpc = e.runtime.value.networkMode === "VPC" ? e.network?.value : undefined;
  const services = servicesOf(e);
  const destinations = [
    ...new Set([
      ...services.map((u) => u.service),
      ...TELEMETRY_SERVICES,
      STAND_IN_SERVICE,
      // A code runtime's zip comes from S3 through its own subnets.
      ...(e.runtime.value.code ? ["s3"] : []),
    ]),
  ];
  const paths = pathsOf(vpc, destinations);
  const healthCheck = healthCheckOf(e);
  return {
    region,
    account,
    symptom: symptomOf(e),
    ...(healthCheck ? { healthCheck } : {}),
    ...(vpc ? { vpc } : {}),
    services,
    paths,
    startupBlocked: services.some(
      (use) => use.phase === "startup" && paths.get(use.service)?.verdict.status === "blocked",
    ),
    networkFailures: networkFailuresOf(e),
  };
}
