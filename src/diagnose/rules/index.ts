import type { Finding } from "../../findings/index.js";
import type { DiagnoseEvidence, Rule } from "../analysis-input.js";
import { configDrift } from "./config-drift.js";
import { executionRole } from "./execution-role.js";
import { imagePlatform } from "./image-platform.js";
import { invocation } from "./invocation.js";
import { runtimeLogs } from "./runtime-logs.js";
import { runtimeNotReady } from "./runtime-not-ready.js";
import { serviceLinkedRole } from "./service-linked-role.js";

/** Every rule, one module each; a new rule is one file and one entry here. */
export const RULES: readonly Rule[] = [
  runtimeNotReady,
  configDrift,
  executionRole,
  serviceLinkedRole,
  runtimeLogs,
  imagePlatform,
  invocation,
];

export function applyRules(evidence: DiagnoseEvidence): Finding[] {
  return RULES.flatMap((rule) => rule(evidence));
}
