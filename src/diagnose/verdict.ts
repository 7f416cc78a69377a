import { isSymptom } from "../findings/causes.js";
import type { Finding, FindingId } from "../findings/index.js";
import type { ErrorDiagnosis } from "./error-messages.js";
import type { Hypothesis } from "./hypotheses.js";

const SEVERITY = { error: 0, warning: 1, info: 2 } as const;

export interface DiagnoseVerdict {
  rootCause: FindingId | null;
  /**
   * confirmed/likely: the best-ranked cause of the observed failure;
   * finding: no failure was observed, and this is the most severe problem found;
   * healthy: no failure and no problem; undetermined: a failure nothing explains.
   */
  verdict: "confirmed" | "likely" | "finding" | "healthy" | "undetermined";
  /** With confirmed/likely: whether rootCause is a cause, or only an observed symptom (no cause established). */
  role?: "cause" | "symptom";
  title: string;
}

/**
 * The one verdict of a diagnosis: every report, the comparison and the scenarios read it from here.
 * With `--error`, the message the user saw is the failure: when no hypothesis is established, a
 * cause of that message that a finding confirms by an observation (error-messages.ts) is the root
 * cause, before any finding that does not explain it (a config drift beside a dead
 * Mcp-Session-Id); with none confirmed, one that a finding only reads from the source is the
 * likely root cause.
 */
export function verdictOf(
  hypotheses: readonly Hypothesis[],
  findings: readonly Finding[],
  error?: Pick<ErrorDiagnosis, "causes">,
): DiagnoseVerdict {
  const top = hypotheses[0];
  if (top && (top.verdict === "confirmed" || top.verdict === "likely")) {
    return top.role === "symptom"
      ? {
          rootCause: top.cause,
          verdict: top.verdict,
          role: "symptom",
          title: `Observed symptom, no cause established: ${top.title}`,
        }
      : { rootCause: top.cause, verdict: top.verdict, role: "cause", title: top.title };
  }
  const explained =
    error?.causes.find((c) => c.status === "confirmed") ?? error?.causes.find((c) => c.status === "likely");
  if (explained) {
    const finding = findings.find((f) => f.id === explained.cause);
    return {
      rootCause: explained.cause,
      verdict: explained.status as "confirmed" | "likely",
      role: "cause",
      title: finding?.title ?? explained.title,
    };
  }
  const failureSeen = findings.some((f) => f.id === "HEALTH_CHECK_FAILING" || f.id === "RUNTIME_NOT_READY");
  const problems = findings
    .filter((f) => !isSymptom(f.id) && f.severity !== "info")
    .sort((a, b) => SEVERITY[a.severity] - SEVERITY[b.severity]);
  if (!failureSeen && problems[0]) {
    return { rootCause: problems[0].id as FindingId, verdict: "finding", title: problems[0].title };
  }
  if (!failureSeen && !findings.some((f) => f.severity === "error")) {
    return { rootCause: null, verdict: "healthy", title: "No failure observed and no problem found" };
  }
  return {
    rootCause: null,
    verdict: "undetermined",
    title: "No cause is established by the evidence collected",
  };
}

/** The verdict in a line, for the reports' headlines: a label and what follows it. */
export function verdictHeadline(v: DiagnoseVerdict): { label: string; text: string } {
  if (v.verdict === "finding") return { label: "No failure seen, but", text: `${v.rootCause}: ${v.title}` };
  if (v.role === "symptom")
    return { label: `Observed symptom (${v.verdict})`, text: `${v.rootCause}: ${v.title}` };
  if (v.rootCause) return { label: `Root cause (${v.verdict})`, text: `${v.rootCause}: ${v.title}` };
  return { label: v.verdict === "healthy" ? "Healthy" : "Undetermined", text: v.title };
}
