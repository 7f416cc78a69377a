import { headerRefusal } from "../../facts/agentcore-headers.js";
import { validationError } from "../protocol/errors.js";

/**
 * The rules AgentCore applies to a runtime's configuration beyond the
 * service model's own constraints (which the protocol layer checks first),
 * at CreateAgentRuntime and UpdateAgentRuntime alike. Sources: devguide
 * runtime-lifecycle-settings (ranges per compute type, idle <= max, the
 * defaults table) and runtime-header-allowlist (restricted headers,
 * x-amz-/x-amzn- prefixes, Authorization only with a JWT authorizer,
 * case-insensitive duplicates). The messages are ours: AWS documents the
 * rule and the ValidationException, not its wording.
 */

export const DEFAULT_IDLE_SECONDS = 900;
export const DEFAULT_MAX_LIFETIME_SECONDS = 28_800;
/** microVM runtimes: 60-28,800 s; runtimes on a capacity provider (Instances): 60-1,209,600 s (the model's bound). */
export const MICROVM_MAX_SECONDS = 28_800;

export interface Lifecycle {
  idleRuntimeSessionTimeout: number;
  maxLifetime: number;
}

/** The lifecycle AgentCore keeps for what was sent: its defaults table, then idle <= max and the compute type's range. */
export function resolveLifecycle(
  sent: Partial<Lifecycle> | undefined,
  onCapacityProvider: boolean,
): Lifecycle {
  const idleSent = sent?.idleRuntimeSessionTimeout;
  const maxSent = sent?.maxLifetime;
  const maxLifetime = maxSent ?? DEFAULT_MAX_LIFETIME_SECONDS;
  // Only maxLifetime given: at or under 900 s it is both; over it, idle stays 900.
  const idleRuntimeSessionTimeout =
    idleSent ?? (maxSent !== undefined && maxSent <= DEFAULT_IDLE_SECONDS ? maxSent : DEFAULT_IDLE_SECONDS);
  if (!onCapacityProvider) {
    for (const [name, value] of [
      ["idleRuntimeSessionTimeout", idleSent],
      ["maxLifetime", maxSent],
    ] as const) {
      if (value !== undefined && value > MICROVM_MAX_SECONDS) {
        const message = `Value '${value}' at 'lifecycleConfiguration.${name}' failed to satisfy constraint: runtimes on microVMs accept at most ${MICROVM_MAX_SECONDS} seconds (up to 1209600 on a capacity provider)`;
        throw validationError(message, [{ name: `lifecycleConfiguration.${name}`, message }]);
      }
    }
  }
  if (idleRuntimeSessionTimeout > maxLifetime) {
    const message = `lifecycleConfiguration.idleRuntimeSessionTimeout (${idleRuntimeSessionTimeout}) must be less than or equal to lifecycleConfiguration.maxLifetime (${maxLifetime})`;
    throw validationError(message, [{ name: "lifecycleConfiguration.idleRuntimeSessionTimeout", message }]);
  }
  return { idleRuntimeSessionTimeout, maxLifetime };
}

/** Validates requestHeaderConfiguration against the allow-list rules. */
export function checkHeaderAllowlist(
  allowlist: readonly string[] | undefined,
  hasJwtAuthorizer: boolean,
): void {
  if (!allowlist) return;
  const seen = new Set<string>();
  const problems: { name: string; message: string }[] = [];
  for (const [i, header] of allowlist.entries()) {
    const field = `requestHeaderConfiguration.requestHeaderAllowlist.${i + 1}.member`;
    const refusal = headerRefusal(header, hasJwtAuthorizer);
    if (refusal) problems.push({ name: field, message: `Value '${header}' at '${field}': ${refusal}` });
    const lower = header.toLowerCase();
    if (seen.has(lower))
      problems.push({
        name: field,
        message: `Value '${header}' at '${field}': duplicate header (names compare case-insensitively)`,
      });
    seen.add(lower);
  }
  if (problems.length > 0) {
    throw validationError(
      `${problems.length} validation error${problems.length > 1 ? "s" : ""} detected: ${problems.map((p) => p.message).join("; ")}`,
      problems,
    );
  }
}
