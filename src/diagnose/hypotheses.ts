import { supportedAzIds } from "../facts/agentcore-vpc-azs.js";
import { CAUSES, type CauseEntry, type CauseRole, causesOf, type JudgedFrom } from "../findings/causes.js";
import { CATALOG, type Evidence, type Finding, type FindingId } from "../findings/index.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { vpcNetworkOf } from "./collect/network.js";
import { type Derived, derive, type NetworkFailure, networkFailureKind, STAND_IN_SERVICE } from "./derive.js";
import { confirmingObservations } from "./evidence.js";
import { replayOverrules } from "./overrule.js";

/**
 * Root-cause hypotheses for one symptom. Every cause the cause table
 * (src/findings/causes.ts) lists for it is here, whether or not a rule
 * fired: a reader sees what was ruled out and why, what is unknown, and
 * what would settle it.
 */
export type Verdict = "confirmed" | "likely" | "possible" | "unknown" | "ruled-out";

export interface Hypothesis {
  cause: FindingId;
  title: string;
  /** A cause explains the failure; a symptom describes it (see src/findings/causes.ts). */
  role: CauseRole;
  verdict: Verdict;
  score: number;
  for: Evidence[];
  against: Evidence[];
  /** Confirmed only: the observations the verdict rests on (API state, log lines, replay observations). */
  restsOn?: Evidence[];
  /** What was looked at to judge it. */
  checked: string[];
  /** What would confirm or rule it out when the evidence here cannot. */
  toConfirm: string;
}

const publicMode = (e: DiagnoseEvidence) =>
  e.runtime.value.networkMode === "PUBLIC"
    ? "the runtime is in PUBLIC network mode: outbound traffic does not go through a VPC"
    : undefined;

const pathsJudged = (e: DiagnoseEvidence) =>
  e.network !== undefined && vpcNetworkOf(e.network.value) !== undefined;

/** Whether the evidence a cause is judged from was collected. */
const COLLECTED: Record<JudgedFrom, (e: DiagnoseEvidence, d: Derived) => boolean> = {
  source: (e) => e.sourceFindings !== undefined,
  logs: (e) => (e.logs?.value.lines.length ?? 0) > 0,
  "network-paths": pathsJudged,
  "network-paths-of-services": (e) => pathsJudged(e) && e.awsServices !== undefined,
  "dns-attributes": (e) =>
    e.network?.value.dnsSupport !== undefined && e.network.value.dnsHostnames !== undefined,
  "startup-paths": (e) => e.awsServices !== undefined && pathsJudged(e),
  "image-manifest": (e) => (e.image?.value.platforms.length ?? 0) > 0,
  "iam-permissions": (e) => e.iam?.permissions !== undefined,
  "runtime-interface": (e) => e.network?.value.managedInterfaces !== undefined,
  subnets: (e) => e.network?.value.subnets !== undefined,
  "subnet-zones": (e, d) => e.network?.value.subnets !== undefined && supportedAzIds(d.region) !== undefined,
  "service-linked-role": (e) => e.iam?.serviceLinkedRole !== undefined,
  cloudtrail: (e) => e.timeline !== undefined,
  "trust-policy": (e) => e.iam?.executionRole !== undefined,
  "startup-time": () => false,
  "code-zip": (e) => e.codeZip !== undefined,
};

const WEIGHT = { error: 3, warning: 1, info: 0 } as const;

export { isObservation } from "./evidence.js";

/** Causes a resolver error is linked to: the VPC's DNS attributes and the endpoints' private DNS. */
const DNS_CAUSES: ReadonlySet<FindingId> = new Set(["VPC_DNS_DISABLED", "VPC_ENDPOINT_PRIVATE_DNS_DISABLED"]);

/**
 * The observation that ties a network cause to the failed start-up: a
 * resolver error for a DNS cause, a failed connection (or botocore's
 * EndpointConnectionError) to a service this cause blocks for the others,
 * or what a replay saw.
 */
function linkOf(id: FindingId, matching: readonly Finding[], d: Derived): Evidence[] {
  const replayed = matching.flatMap((f) => f.evidence).filter((x) => x.source.kind === "replay");
  const reason = BLOCKED_BY[id];
  const lines = d.networkFailures.filter((failure) => {
    if (DNS_CAUSES.has(id) && failure.kind === "resolver") return true;
    const path = failure.service ? d.paths.get(failure.service) : undefined;
    return path?.verdict.status === "blocked" && path.verdict.reason === reason;
  });
  return [...replayed, ...lines.map((failure) => failure.evidence)];
}

/** The reachability verdict's reason each network cause stands for. */
const BLOCKED_BY: Partial<Record<FindingId, string>> = {
  VPC_ENDPOINT_MISSING: "no-route",
  VPC_NO_EGRESS_PATH: "no-route",
  SG_EGRESS_BLOCKED: "sg-egress",
  VPC_ENDPOINT_PRIVATE_DNS_DISABLED: "endpoint-private-dns-off",
  VPC_ENDPOINT_SG_BLOCKS_RUNTIME: "endpoint-sg-ingress",
};

/**
 * What contradicts a cause, when the evidence it is judged from is an
 * observation (an API's state) that shows the opposite. A static reading
 * that found nothing contradicts nothing: that cause stays unknown.
 */
function contradiction(
  id: FindingId,
  cause: CauseEntry,
  e: DiagnoseEvidence,
  d: Derived,
): Evidence | undefined {
  // What the replay saw outranks the source's reading of the same thing.
  const seen = replayOverrules(id, e);
  if (seen) return seen;
  const n = e.network?.value;
  switch (cause.judgedFrom) {
    case "image-manifest":
      return e.image && e.image.value.platforms.length > 0
        ? { fact: `the image's manifest lists ${e.image.value.platforms.join(", ")}`, source: e.image.source }
        : undefined;
    case "iam-permissions":
      return e.iam?.permissions
        ? {
            fact: `IAM's policy simulation: ${e.iam.permissions.value.map((p) => `${p.action} ${p.decision}`).join(", ")}`,
            source: e.iam.permissions.source,
          }
        : undefined;
    case "trust-policy":
      return e.iam?.executionRole
        ? {
            fact: `${e.iam.executionRole.value.roleName} trusts bedrock-agentcore.amazonaws.com`,
            source: e.iam.executionRole.source,
          }
        : undefined;
    case "service-linked-role":
      return e.iam?.serviceLinkedRole?.value.exists
        ? { fact: "AWSServiceRoleForBedrockAgentCoreNetwork exists", source: e.iam.serviceLinkedRole.source }
        : undefined;
    case "subnets":
    case "subnet-zones":
      return n?.subnets
        ? {
            fact: `the runtime's subnets: ${n.subnets.value.map((s) => `${s.SubnetId} in zone id ${s.AvailabilityZoneId}, ${s.AvailableIpAddressCount} free`).join("; ")}`,
            source: n.subnets.source,
          }
        : undefined;
    case "runtime-interface":
      return n?.managedInterfaces
        ? { fact: "the runtime's interface is in use and attached", source: n.managedInterfaces.source }
        : undefined;
    case "cloudtrail":
      return e.timeline
        ? {
            fact: "CloudTrail shows no failed CreateNetworkInterface in the period read",
            source: e.timeline.source,
          }
        : undefined;
    case "dns-attributes":
      return n?.dnsSupport?.value && n.dnsHostnames?.value
        ? { fact: `${n.vpcId} has enableDnsSupport and enableDnsHostnames on`, source: n.dnsSupport.source }
        : undefined;
    case "network-paths": {
      // Only the path of "a service without an endpoint here" speaks for every service the agent may call.
      const standIn = d.paths.get(STAND_IN_SERVICE);
      const source = n?.routeTables?.source;
      return standIn?.verdict.status === "reachable" && source
        ? {
            fact: `a service without a VPC endpoint here (judged for ${STAND_IN_SERVICE}) is reachable via ${standIn.verdict.via}`,
            source,
          }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** Why a crash is another cause's consequence: the cause, and the fact that ties the exit to it. */
interface CrashExplanation {
  cause: Finding;
  evidence: Evidence;
}

/** A network cause this report holds (an error) that explains a failure of this kind. */
function networkCauseOf(
  kind: NetworkFailure["kind"],
  d: Derived,
  findings: readonly Finding[],
): Finding | undefined {
  return findings.find(
    (f) =>
      f.severity === "error" &&
      CAUSES[f.id]?.kind === "network" &&
      (kind === "resolver" ? DNS_CAUSES.has(f.id) : linkOf(f.id, [f], d).length > 0),
  );
}

const FAILED_DNS: ReadonlySet<string> = new Set(["no-answer", "refused", "servfail"]);

/**
 * The replay's exit came after the resolver refused or was silent, or after
 * connections the twin's network dropped, and a network cause of this
 * report rests on those very observations (or the agent's last words read
 * as such a failure): the exit is that cause's consequence.
 */
function replayExitExplainedBy(
  e: DiagnoseEvidence,
  d: Derived,
  findings: readonly Finding[],
): CrashExplanation | undefined {
  const replay = e.replay;
  if (!replay?.ran) return undefined;
  const exit = replay.observations.find((o) => o.kind === "exit");
  if (!exit) return undefined;
  const before = replay.observations.filter((o) => o.at <= exit.at);
  const failures = before.filter(
    (o) =>
      (o.kind === "dns" && FAILED_DNS.has(o.outcome)) || (o.kind === "connection" && o.outcome === "dropped"),
  );
  const seen = new Set(failures.map((o) => `${o.kind}@${o.at}`));
  const cause = findings.find(
    (f) =>
      f.severity === "error" &&
      CAUSES[f.id]?.kind === "network" &&
      f.evidence.some(
        (x) => x.source.kind === "replay" && seen.has(`${x.source.observation}@${x.source.at}`),
      ),
  );
  const exitSource = { kind: "replay" as const, observation: "exit", at: exit.at };
  if (cause) {
    const what = [
      ...new Set(
        failures.map((o) =>
          o.kind === "dns"
            ? `the VPC's resolver ${o.resolver} ${o.outcome === "no-answer" ? "left its DNS queries unanswered" : `answered ${o.outcome}`}`
            : o.kind === "connection"
              ? `its connection to ${o.name ?? o.address}:${o.port} was dropped`
              : "",
        ),
      ),
    ].join(" and ");
    return {
      cause,
      evidence: {
        fact: `in the replay the agent exited after ${what}, which ${cause.id} explains: the exit is its consequence, and running the agent locally would not reproduce it`,
        source: exitSource,
      },
    };
  }
  // What the agent printed before it died, read as a resolver error or a failed connection.
  for (const o of before) {
    if (o.kind !== "output" || o.stream !== "stderr") continue;
    const kind = networkFailureKind(o.text);
    const explainer = kind ? networkCauseOf(kind, d, findings) : undefined;
    if (explainer) {
      return {
        cause: explainer,
        evidence: {
          fact: `in the replay the agent exited after printing "${o.text.trim().slice(0, 160)}", a network failure that ${explainer.id} explains: running the agent locally would not reproduce it`,
          source: exitSource,
        },
      };
    }
  }
  return undefined;
}

/**
 * The crash is a network failure another cause explains, so it is that
 * cause's consequence: the exception the container printed (its logs) or
 * the replay's exit after failures a network cause rests on.
 */
function crashExplainedBy(
  e: DiagnoseEvidence,
  d: Derived,
  findings: readonly Finding[],
): CrashExplanation | undefined {
  const exception = e.logs?.value.exception;
  if (exception) {
    const kind = networkFailureKind(`${exception.parsed.type}: ${exception.parsed.message}`);
    const cause = kind ? networkCauseOf(kind, d, findings) : undefined;
    if (cause) {
      return {
        cause,
        evidence: {
          fact: `the exception is a network failure that ${cause.id} explains: running the agent locally would not reproduce it`,
          source: exception.source,
        },
      };
    }
  }
  return replayExitExplainedBy(e, d, findings);
}

/**
 * Ranks every cause of the symptom by the findings for it and the facts
 * against it, and says how far the evidence settles each: `confirmed` only
 * when an observation (API state, a log line, a replay) entails it, and for
 * a network cause of the health check an observation that ties it to the
 * start-up too; `likely` when the evidence points to it and nothing
 * observed contradicts it; `ruled-out` only by an observation that
 * contradicts it (a static reading that found nothing leaves it `unknown`).
 * Symptoms (STARTUP_TIMEOUT, STARTUP_BLOCKED_ON_NETWORK, ENI_CREATE_FAILED)
 * never outrank an established cause.
 */
export function rankHypotheses(
  evidence: DiagnoseEvidence,
  findings: readonly Finding[],
  derived: Derived = derive(evidence),
): Hypothesis[] {
  const { symptom } = derived;
  // A start-up call on a blocked path ties the network to the health check, shown or not by --invoke.
  // Unless the replay, in the twin of the same VPC, saw the agent start healthy.
  const startupBlocked =
    findings.some((f) => f.id === "STARTUP_BLOCKED_ON_NETWORK") ||
    (derived.startupBlocked && replayOverrules("STARTUP_BLOCKED_ON_NETWORK", evidence) === undefined);
  const crashCause = crashExplainedBy(evidence, derived, findings);
  const artifact = evidence.runtime.value.code ? "code" : "container";
  const relevant = causesOf(symptom).filter(([, cause]) => !cause.artifact || cause.artifact === artifact);
  const hypotheses = relevant.map(([id, cause], order) => {
    const matching = findings.filter((f) => f.id === id);
    const supporting = matching.length > 0 ? findings.filter((f) => cause.supportedBy?.includes(f.id)) : [];
    const network = symptom === "health-check" && cause.kind === "network";
    const link = network && matching.length > 0 ? linkOf(id, matching, derived) : [];
    const support = [...[...matching, ...supporting].flatMap((f) => f.evidence), ...link];
    const impossible = cause.vpcOnly ? publicMode(evidence) : undefined;
    const collected = COLLECTED[cause.judgedFrom](evidence, derived);
    const against: Evidence[] = impossible ? [{ fact: impossible, source: evidence.runtime.source }] : [];
    const contradicted =
      !impossible && collected && matching.length === 0
        ? contradiction(id, cause, evidence, derived)
        : undefined;
    if (contradicted) against.push(contradicted);
    // A network cause explains a failed health check only through a call made while starting.
    const unexplained =
      network &&
      matching.length > 0 &&
      !startupBlocked &&
      link.length === 0 &&
      evidence.awsServices !== undefined;
    if (unexplained) {
      against.push({
        fact: "no AWS call the agent's source makes while starting is blocked: this path fails its invocations' calls, not the health check",
        source: { kind: "tool", detail: "diagnose --source" },
      });
    }
    const crash = matching.length > 0 && id === "STARTUP_CRASH" ? crashCause : undefined;
    const explainer =
      matching.length === 0 || crash
        ? undefined
        : findings.find((f) => f.severity === "error" && cause.explainedBy?.includes(f.id));
    const consequence = crash !== undefined || explainer !== undefined;
    if (crash) against.push(crash.evidence);
    else if (explainer) {
      against.push({
        fact: `a consequence of ${explainer.id}, which explains it`,
        source: explainer.evidence[0]?.source ?? { kind: "tool", detail: "diagnose" },
      });
    }
    const error = matching.some((f) => f.severity === "error");
    const explains =
      symptom === "health-check" &&
      error &&
      (cause.kind === "code" || (network && (startupBlocked || link.length > 0)));
    const score =
      matching.reduce((sum, f) => sum + WEIGHT[f.severity], 0) +
      supporting.length +
      link.length +
      (explains ? 2 : 0) -
      against.length * 2;
    // What was seen of the cause itself or of a consequence it explains (a loopback bind the SDK default explains).
    const observed = confirmingObservations([...matching, ...supporting].flatMap((f) => f.evidence));
    const restsOn = [...observed, ...link];
    const entailed = observed.length > 0 && (!network || link.length > 0);
    const verdict: Verdict = impossible
      ? "ruled-out"
      : error
        ? unexplained || consequence
          ? "possible"
          : entailed
            ? "confirmed"
            : "likely"
        : matching.length > 0
          ? "possible"
          : contradicted
            ? "ruled-out"
            : "unknown";
    const checked =
      collected && matching.length === 0 && !contradicted
        ? `${cause.checked}: nothing of the kind found${cause.judgedFrom === "source" || cause.judgedFrom.startsWith("network-paths-of") || cause.judgedFrom === "startup-paths" ? " (a static reading: it rules nothing out)" : ""}`
        : cause.checked;
    return {
      hypothesis: {
        cause: id,
        title: CATALOG[id].title,
        role: cause.role,
        verdict,
        score,
        for: support,
        against,
        ...(verdict === "confirmed" ? { restsOn } : {}),
        checked: [checked],
        toConfirm: cause.toConfirm,
      } satisfies Hypothesis,
      order,
    };
  });
  const established = (h: Hypothesis) => h.verdict === "confirmed" || h.verdict === "likely";
  const tier = (h: Hypothesis) => (established(h) ? (h.role === "cause" ? 2 : 1) : 0);
  return hypotheses
    .sort(
      (a, b) =>
        tier(b.hypothesis) - tier(a.hypothesis) ||
        b.hypothesis.score - a.hypothesis.score ||
        a.order - b.order,
    )
    .map((h) => h.hypothesis);
}
