import type { ServiceBinding } from "./dispatch.js";
import type { Store } from "./store/store.js";

/** What a reset cleared: the services (by signing name) and how many stored resources went. */
export interface ResetResult {
  reset: string[];
  resources: number;
}

/** The names `POST /_emulator/reset/<service>` takes: the signing names of the services that keep state. */
export function resettableServices(services: readonly ServiceBinding[]): string[] {
  return [...new Set(services.filter((s) => s.state).map((s) => s.signingName))].sort();
}

/**
 * Clears the emulator's state, all of it or one service's (by its signing
 * name, so `bedrock-agentcore` is both AgentCore planes): running sessions
 * stop first, the rows go in one transaction, then the files that hung off
 * them (ECR's blobs). What a service makes for every account when first
 * asked (EC2's default VPC, IAM's service-linked roles) is made again on the
 * next call, as in a fresh emulator. Returns undefined for a name no
 * service keeps state under.
 */
export async function resetState(
  store: Store,
  services: readonly ServiceBinding[],
  service?: string,
): Promise<ResetResult | undefined> {
  const chosen = services.filter((s) => s.state && (service === undefined || s.signingName === service));
  if (service !== undefined && chosen.length === 0) return undefined;
  for (const binding of chosen) await binding.state?.beforeReset?.();
  const resources = store.transaction(() =>
    service === undefined ? store.clear() : store.clear(chosen.flatMap((s) => s.state?.kinds ?? [])),
  );
  for (const binding of chosen) binding.state?.afterReset?.();
  return { reset: [...new Set(chosen.map((s) => s.signingName))].sort(), resources };
}
