import type { Finding } from "../../findings/index.js";
import type { DiagnoseEvidence, Rule } from "../analysis-input.js";
import { configDrift } from "./config-drift.js";
import { runtimeNotReady } from "./runtime-not-ready.js";

/** Every rule, one module each; a new rule is one file and one entry here. */
export const RULES: readonly Rule[] = [runtimeNotReady, configDrift];

export function applyRules(evidence: DiagnoseEvidence): Finding[] {
  return RULES.flatMap((rule) => rule(evidence));
}
