import type { Finding } from "../../findings/types.js";
import type { DiagnoseEvidence } from "../analysis-input.js";
import type { Derived } from "../derive.js";

/** A rule: a pure function of the evidence and what the derive step read off it once. */
export type Rule = (evidence: DiagnoseEvidence, derived: Derived) => Finding[];
