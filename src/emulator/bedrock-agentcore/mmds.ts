import { AwsError } from "../protocol/errors.js";

/**
 * AgentCore's MMDSv2 gate (devguide runtime-troubleshooting, "This runtime is
 * not MMDSv2-enabled"): from 2026-06-30 InvokeAgentRuntime, ExecuteCommand,
 * the WebSocket stream and GetAgentCard refuse a runtime whose
 * metadataConfiguration does not require MMDSv2. Users quote the message.
 */
export const MMDSV2_REQUIRED_MESSAGE =
  "This runtime is not MMDSv2-enabled and can no longer be invoked. Enable MMDSv2 by calling UpdateAgentRuntime with requireMMDSV2=True in metadataConfiguration.";

/** The enforcement date AWS announced; the emulator takes another (`--mmdsv2-cutover`). */
export const DEFAULT_MMDSV2_CUTOVER = "2026-06-30T00:00:00Z";

export interface MmdsRuntime {
  metadataConfiguration?: { requireMMDSV2?: boolean };
  /** When the runtime was created. */
  createdAt: Date;
}

/**
 * Whether an invocation at `now` is refused. A runtime that requires MMDSv2
 * passes; one that says `requireMMDSV2: false` is refused once the cutover
 * has passed. AWS does not document what a runtime that never sent the field
 * is after the cutover: one created before it is refused (what users
 * reported), one created since is taken as enabled, so deploy scripts
 * written after the change keep working. Say so when it decides a finding.
 */
export function mmdsRefusal(runtime: MmdsRuntime, now: Date, cutover: Date): AwsError | undefined {
  if (now < cutover) return undefined;
  const required = runtime.metadataConfiguration?.requireMMDSV2;
  if (required === true) return undefined;
  if (required === undefined && runtime.createdAt >= cutover) return undefined;
  return new AwsError("ValidationException", MMDSV2_REQUIRED_MESSAGE, { reason: "FieldValidationFailed" });
}
