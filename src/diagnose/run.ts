import { type Finding, mergeFindings, sortFindings } from "../findings/index.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { type ClientOptions, createClients } from "./clients.js";
import { COLLECTORS, type CollectOptions, collectContext, runCollectors } from "./collect/index.js";
import { collectRuntime, resolveRuntimeId } from "./collect/runtime.js";
import { type ComparisonRow, compareRuntimes } from "./compare.js";
import { type Derived, derive } from "./derive.js";
import { diagnoseError, type ErrorDiagnosis } from "./error-messages.js";
import type { EvidenceGap } from "./evidence.js";
import { type Hypothesis, rankHypotheses } from "./hypotheses.js";
import { withoutOverruled } from "./overrule.js";
import { applyRules } from "./rules/index.js";

export interface DiagnoseOptions extends ClientOptions, CollectOptions {
  /** A runtime id, ARN or name. */
  runtime: string;
  /** Another runtime (id, ARN or name) to diagnose the same way and set side by side. */
  compareWith?: string;
  onProgress?: (step: string) => void;
}

/** What the collectors could not cover yet, said plainly in every report (nothing, as of the network collector). */
export const NOT_YET_COLLECTED: readonly string[] = [];

export interface Diagnosis {
  evidence: DiagnoseEvidence;
  /** What the analysis read off the evidence, once. */
  derived: Derived;
  findings: Finding[];
  hypotheses: Hypothesis[];
  gaps: EvidenceGap[];
  apiCalls: Record<string, number>;
  elapsedMs: number;
  comparison?: { other: Diagnosis; rows: ComparisonRow[] };
  /** With --error: the pasted message's causes, ranked by this diagnosis's findings and hypotheses. */
  error?: ErrorDiagnosis;
}

/**
 * Collects, applies the rules, ranks the causes; with `compareWith`, does
 * the same for the other runtime (after, so CloudTrail's pace holds) and
 * sets the two side by side.
 */
export async function diagnose(options: DiagnoseOptions): Promise<Diagnosis> {
  const { compareWith, ...single } = options;
  const main = await diagnoseOne(single);
  if (!compareWith) return main;
  options.onProgress?.(`the other runtime, ${compareWith}`);
  const other = await diagnoseOne({ ...single, runtime: compareWith });
  return {
    ...main,
    comparison: { other, rows: compareRuntimes(main, other) },
    elapsedMs: main.elapsedMs + other.elapsedMs,
  };
}

/** One runtime. Read-only: every client is guarded. */
async function diagnoseOne(options: DiagnoseOptions): Promise<Diagnosis> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const apiCalls: Record<string, number> = {};
  const clients = createClients({
    ...options,
    onCall: (service) => {
      apiCalls[service] = (apiCalls[service] ?? 0) + 1;
    },
  });
  try {
    progress("runtime");
    const runtimeId = await resolveRuntimeId(clients.control, options.runtime);
    const runtime = await collectRuntime(clients.control, runtimeId, options.qualifier ?? "DEFAULT");
    const gaps: EvidenceGap[] = [];
    const evidence = await runCollectors(
      collectContext(clients, options, runtime, gaps),
      COLLECTORS,
      progress,
    );
    const derived = derive(evidence);
    // A static reading the replay's observations overrule is left out (its cause is ruled out by them).
    const findings = sortFindings(
      withoutOverruled(
        mergeFindings([...applyRules(evidence, derived), ...(evidence.sourceFindings ?? [])]),
        evidence,
      ),
    );
    const hypotheses = rankHypotheses(evidence, findings, derived);
    return {
      evidence,
      derived,
      findings,
      hypotheses,
      ...(options.reportedError
        ? { error: diagnoseError(options.reportedError, { findings, hypotheses }) }
        : {}),
      gaps,
      apiCalls,
      elapsedMs: Date.now() - started,
    };
  } finally {
    clients.destroy();
  }
}
