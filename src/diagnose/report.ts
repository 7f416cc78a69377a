import type { Finding } from "../findings/index.js";
import { TOOL_VERSION } from "../version.js";
import { knownFacts } from "./known-facts.js";
import { nextSteps, supportCaseText } from "./next-steps.js";
import { reportPaths } from "./path-pictures.js";
import type { DiagnoseReport } from "./report-schema.js";
import { type Diagnosis, NOT_YET_COLLECTED } from "./run.js";
import { verdictOf } from "./verdict.js";

/** The JSON report of `diagnose`; removing or changing a field bumps the version. */
export const DIAGNOSE_REPORT_SCHEMA_VERSION = 1;

/** The findings as a reader wants them: the verdict's first, then the rest by severity. */
function rootCauseFirst(findings: readonly Finding[], rootCause: string | null): Finding[] {
  return [...findings.filter((f) => f.id === rootCause), ...findings.filter((f) => f.id !== rootCause)];
}

/**
 * The one report object of a diagnosis, built once: every renderer
 * (src/diagnose/render.ts) reads only it, and `--format json` prints it.
 */
export function diagnoseReport(d: Diagnosis): DiagnoseReport {
  const r = d.evidence.runtime.value;
  const verdict = verdictOf(d.hypotheses, d.findings, d.error);
  return {
    schemaVersion: DIAGNOSE_REPORT_SCHEMA_VERSION,
    tool: { name: "agentcore-doctor", version: TOOL_VERSION },
    command: "diagnose",
    runtime: {
      id: r.runtimeId,
      arn: r.runtimeArn,
      name: r.name,
      version: r.version,
      status: r.status,
      networkMode: r.networkMode,
      protocol: r.protocol,
      endpoint: r.endpoint,
    },
    verdict,
    knownFacts: knownFacts(d.evidence, d.derived),
    findings: rootCauseFirst(d.findings, verdict.rootCause),
    hypotheses: d.hypotheses,
    paths: reportPaths(d.evidence, d.derived),
    nextSteps: nextSteps(d.evidence, d.hypotheses, d.derived, d.findings),
    supportCase: supportCaseText(d.evidence, d.findings, d.hypotheses, d.derived, verdict),
    timeline: (d.evidence.timeline?.value ?? []).map((e) => ({
      time: e.time.toISOString(),
      event: e.name,
      actor: e.actor,
      ...(e.invokedBy ? { invokedBy: e.invokedBy } : {}),
      ...(e.errorCode ? { errorCode: e.errorCode } : {}),
      dryRun: e.dryRun,
    })),
    ...(d.comparison
      ? {
          comparison: {
            other: {
              id: d.comparison.other.evidence.runtime.value.runtimeId,
              name: d.comparison.other.evidence.runtime.value.name,
              verdict: verdictOf(d.comparison.other.hypotheses, d.comparison.other.findings),
            },
            rows: d.comparison.rows,
          },
        }
      : {}),
    ...(d.error ? { error: d.error } : {}),
    gaps: d.gaps,
    notCollected: [...NOT_YET_COLLECTED],
    apiCalls: d.apiCalls,
    elapsedMs: d.elapsedMs,
  };
}
