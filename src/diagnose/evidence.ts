import type { Evidence, EvidenceSource } from "../findings/index.js";

/**
 * Evidence seen rather than read: an API's state, a log line, a probe, a socket, a replay
 * observation, or an error as the user received it (pasted with --error). A file read
 * and the tool's own reasoning (`tool`) are readings, not observations.
 */
const OBSERVED_KINDS: ReadonlySet<EvidenceSource["kind"]> = new Set([
  "api",
  "log",
  "probe",
  "process",
  "socket",
  "replay",
  "reported",
]);
export const isObservation = (x: Evidence) => OBSERVED_KINDS.has(x.source.kind);

/**
 * The observations that confirm a finding by themselves: every observation of its evidence but
 * those marked partial (one side of the claim, such as the runtime's allow-list beside a header
 * only the source shows being read). None: the finding is at most likely.
 */
export const confirmingObservations = (evidence: readonly Evidence[]): Evidence[] =>
  evidence.filter((x) => isObservation(x) && !x.partial);

/** A collected value and the call (or file, or log line) it came from. */
export interface Sourced<T> {
  value: T;
  source: EvidenceSource;
}

/**
 * Something `diagnose` could not read: which call, the error AWS gave, and
 * the permission that would let it read it next time. A gap is reported,
 * never a crash, and rules treat the evidence behind it as unknown.
 */
export interface EvidenceGap {
  collector: string;
  service: string;
  operation: string;
  errorCode: string;
  message: string;
  /** The IAM action to grant, when the error is a denial. */
  action?: string;
  /** What the user can do about it, when granting an action is not the answer (a collector that failed). */
  whatToDo?: string;
}

/** The error code of a collector that threw: its evidence is missing, and the report says so instead of aborting. */
export const COLLECTOR_FAILED = "CollectorFailed";

/** A collector that threw, as a gap: what failed, its message, and what to do. */
export function collectorFailure(
  collector: string,
  label: string,
  error: unknown,
  whatToDo: string,
): EvidenceGap {
  const message = error instanceof Error ? error.message : String(error);
  return {
    collector,
    service: "agentcore-doctor",
    operation: label,
    errorCode: COLLECTOR_FAILED,
    message,
    whatToDo,
  };
}

/** A gap in one line, as every renderer of the report words it. */
export function describeGap(
  g: Pick<
    EvidenceGap,
    "collector" | "service" | "operation" | "errorCode" | "message" | "action" | "whatToDo"
  >,
): string {
  if (g.errorCode === COLLECTOR_FAILED)
    return `inconclusive: collector ${g.collector} (${g.operation}) failed: ${g.message}; the evidence it reads is missing from this report. What to do: ${g.whatToDo ?? "report the message as a bug"}`;
  const next = g.action ? ` (grant ${g.action})` : g.whatToDo ? `: ${g.whatToDo}` : "";
  return `could not read ${g.service}:${g.operation}: ${g.errorCode}${next}`;
}

export function apiSource(
  service: string,
  operation: string,
  parameters?: Record<string, unknown>,
): EvidenceSource {
  return { kind: "api", service, operation, ...(parameters ? { parameters } : {}) };
}

/** The region and account of an ARN (`arn:aws:service:region:account:...`): the one place an ARN is split. */
export function arnScope(arn: string): { region: string; account: string } {
  const [, , , region = "", account = ""] = arn.split(":");
  return { region, account };
}

const DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized|Forbidden/i;

/** Turns a failed SDK call into a gap, naming the action to grant when the call was denied. */
export function gapFrom(
  collector: string,
  service: string,
  operation: string,
  iamPrefix: string,
  error: unknown,
): EvidenceGap {
  const e = error as { name?: string; message?: string };
  const errorCode = e.name ?? "Error";
  return {
    collector,
    service,
    operation,
    errorCode,
    message: e.message ?? String(error),
    ...(DENIED.test(errorCode) ? { action: `${iamPrefix}:${operation}` } : {}),
  };
}
