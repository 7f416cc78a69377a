import type { Finding } from "../../findings/index.js";
import type { DiagnoseEvidence } from "../analysis-input.js";
import { type Derived, derive } from "../derive.js";
import { codeZipContents, codeZipS3Path } from "./code-zip.js";
import { configDrift } from "./config-drift.js";
import { contractFromLogs } from "./contract-from-logs.js";
import { executionRole } from "./execution-role.js";
import { deployedImageLimits, imagePlatform, imageRefusedByKernel } from "./image-platform.js";
import { inboundAuthRules } from "./inbound-auth.js";
import { invocation } from "./invocation.js";
import { egressPaths, startupBlockedOnNetwork, telemetryExport, vpcDns } from "./network-egress.js";
import { eniCreateFailed, lingeringInterfaces, runtimeInterface, subnets } from "./network-placement.js";
import { replayObservations } from "./replay.js";
import type { Rule } from "./rule.js";
import { runtimeLogs } from "./runtime-logs.js";
import { runtimeNotReady } from "./runtime-not-ready.js";
import { serviceLinkedRole } from "./service-linked-role.js";
import {
  clientReadTimeout,
  endpointPinned,
  headerNotAllowlisted,
  mcpSessionEnded,
  mmdsNotEnabled,
  sessionIdTooShort,
  updateLostConfig,
} from "./sessions-versions.js";

/** Every rule, one module each; a new rule is one file and one entry here. */
export const RULES: readonly Rule[] = [
  runtimeNotReady,
  configDrift,
  executionRole,
  serviceLinkedRole,
  runtimeLogs,
  contractFromLogs,
  imagePlatform,
  imageRefusedByKernel,
  deployedImageLimits,
  codeZipContents,
  codeZipS3Path,
  invocation,
  ...inboundAuthRules,
  subnets,
  eniCreateFailed,
  runtimeInterface,
  lingeringInterfaces,
  vpcDns,
  egressPaths,
  startupBlockedOnNetwork,
  telemetryExport,
  replayObservations,
  mmdsNotEnabled,
  endpointPinned,
  updateLostConfig,
  headerNotAllowlisted,
  sessionIdTooShort,
  clientReadTimeout,
  mcpSessionEnded,
];

/** Every rule over the evidence (`derived` defaults to deriving it here, for tests of the rules alone). */
export function applyRules(evidence: DiagnoseEvidence, derived: Derived = derive(evidence)): Finding[] {
  return RULES.flatMap((rule) => rule(evidence, derived));
}
