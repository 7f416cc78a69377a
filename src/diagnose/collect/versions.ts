import {
  type BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  type GetAgentRuntimeCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { apiSource, type EvidenceGap, gapFrom, type Sourced } from "../evidence.js";

/**
 * What one runtime version was configured with, as GetAgentRuntime answers
 * it: what an update can lose (UpdateAgentRuntime replaces the whole
 * configuration). Environment variable values are never kept (secrets).
 */
export interface VersionConfig {
  version: string;
  protocol?: string;
  idleTimeoutSeconds?: number;
  maxLifetimeSeconds?: number;
  environmentVariableNames: string[];
  jwtAuthorizer: boolean;
  requestHeaderAllowlist?: string[];
  /** metadataConfiguration.requireMMDSV2; undefined when the runtime has no metadataConfiguration. */
  requireMMDSV2?: boolean;
  networkMode: "PUBLIC" | "VPC";
}

export function versionConfig(runtime: GetAgentRuntimeCommandOutput): VersionConfig {
  const allowlist =
    runtime.requestHeaderConfiguration && "requestHeaderAllowlist" in runtime.requestHeaderConfiguration
      ? runtime.requestHeaderConfiguration.requestHeaderAllowlist
      : undefined;
  const metadata = (runtime as { metadataConfiguration?: { requireMMDSV2?: boolean } }).metadataConfiguration;
  return {
    version: runtime.agentRuntimeVersion ?? "",
    ...(runtime.protocolConfiguration?.serverProtocol
      ? { protocol: runtime.protocolConfiguration.serverProtocol }
      : {}),
    ...(runtime.lifecycleConfiguration?.idleRuntimeSessionTimeout
      ? { idleTimeoutSeconds: runtime.lifecycleConfiguration.idleRuntimeSessionTimeout }
      : {}),
    ...(runtime.lifecycleConfiguration?.maxLifetime
      ? { maxLifetimeSeconds: runtime.lifecycleConfiguration.maxLifetime }
      : {}),
    environmentVariableNames: Object.keys(runtime.environmentVariables ?? {}).sort(),
    jwtAuthorizer:
      runtime.authorizerConfiguration !== undefined &&
      "customJWTAuthorizer" in runtime.authorizerConfiguration,
    ...(allowlist ? { requestHeaderAllowlist: allowlist } : {}),
    ...(metadata?.requireMMDSV2 !== undefined ? { requireMMDSV2: metadata.requireMMDSV2 } : {}),
    networkMode: (runtime.networkConfiguration?.networkMode ?? "PUBLIC") as "PUBLIC" | "VPC",
  };
}

/** The version before the latest, to see what the latest update kept and what it dropped. */
export async function collectPreviousVersion(
  control: BedrockAgentCoreControlClient,
  runtimeId: string,
  latest: string,
  gaps: EvidenceGap[],
): Promise<Sourced<VersionConfig> | undefined> {
  const previous = Number(latest) - 1;
  if (!Number.isInteger(previous) || previous < 1) return undefined;
  const parameters = { agentRuntimeId: runtimeId, agentRuntimeVersion: String(previous) };
  try {
    const runtime = await control.send(new GetAgentRuntimeCommand(parameters));
    return {
      value: versionConfig(runtime),
      source: apiSource("bedrock-agentcore-control", "GetAgentRuntime", parameters),
    };
  } catch (error) {
    gaps.push(
      gapFrom("versions", "bedrock-agentcore-control", "GetAgentRuntime", "bedrock-agentcore", error),
    );
    return undefined;
  }
}
