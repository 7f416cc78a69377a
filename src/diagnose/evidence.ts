import type { EvidenceSource } from "../findings/index.js";

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
