import type { DiagnoseVerdict } from "../diagnose/verdict.js";
import type { Judgement, ScenarioResult } from "./result.js";
import type { ScenarioExpect } from "./schema.js";

/** What a scenario expects, in a line: `BIND_LOOPBACK`, `VPC_DNS_DISABLED or VPC_ENDPOINT_MISSING`, `healthy`. */
export function expectedText(expect: ScenarioExpect): string {
  if (expect.healthy) return "healthy";
  return (expect.rootCauses ?? [expect.rootCause!]).join(" or ");
}

/** The report's verdict in a line: its root cause, `healthy`, or `(nothing certain)`. */
export function diagnosedText(verdict: Pick<DiagnoseVerdict, "rootCause" | "verdict">): string {
  if (verdict.rootCause) return verdict.rootCause;
  return verdict.verdict === "healthy" ? "healthy" : "(nothing certain)";
}

/** A diagnosis as the judge reads it: the verdict, the ranked causes, the findings' ids. */
export interface JudgedDiagnosis {
  verdict: Pick<DiagnoseVerdict, "rootCause" | "verdict">;
  hypotheses: readonly { cause: string; verdict: string; role?: string }[];
  findings: readonly string[];
}

/**
 * Judges a diagnosis against a scenario's expectation. A healthy control
 * passes only on the "healthy" verdict (no failure, no problem); otherwise
 * the verdict's root cause must be one of the acceptable ones. Expected
 * findings must all be there, absent ones must all be missing.
 */
export function judge(expect: ScenarioExpect, diagnosis: JudgedDiagnosis): Judgement {
  const accepted = new Set<string>(expect.healthy ? [] : (expect.rootCauses ?? [expect.rootCause!]));
  const { rootCause } = diagnosis.verdict;
  const top1 = expect.healthy
    ? diagnosis.verdict.verdict === "healthy" && !rootCause
    : rootCause !== null && accepted.has(rootCause);
  const top3 =
    top1 || diagnosis.hypotheses.slice(0, 3).some((h) => accepted.has(h.cause) && h.verdict !== "ruled-out");
  const found = new Set(diagnosis.findings);
  const missingFindings = expect.findings.filter((id) => !found.has(id));
  const unwantedFindings = expect.absentFindings.filter((id) => found.has(id));
  const confirmedWrong = diagnosis.hypotheses
    .filter((h) => h.verdict === "confirmed" && h.role !== "symptom" && !accepted.has(h.cause))
    .map((h) => h.cause);
  return {
    top1,
    top3,
    missingFindings,
    unwantedFindings,
    confirmedWrong,
    passed: top1 && missingFindings.length === 0 && unwantedFindings.length === 0,
  };
}

/** One scenario's line in the accuracy table. */
export interface ScenarioSummary {
  name: string;
  expected: string;
  diagnosed: string;
  top1: boolean;
  top3: boolean;
  missingFindings: string[];
  unwantedFindings: string[];
  confirmedWrong: string[];
  seconds: number;
  /** Why the scenario could not run at all (not a wrong diagnosis). */
  error?: string;
}

export function summarize(result: ScenarioResult): ScenarioSummary {
  return {
    name: result.name,
    expected: result.expected,
    diagnosed: result.diagnosed,
    top1: result.top1,
    top3: result.top3,
    missingFindings: result.missingFindings,
    unwantedFindings: result.unwantedFindings,
    confirmedWrong: result.confirmedWrong,
    seconds: Math.round(result.elapsedMs / 100) / 10,
  };
}

const percent = (part: number, whole: number) =>
  whole === 0 ? "n/a" : `${Math.round((100 * part) / whole)}%`;

function diagnosedCell(r: ScenarioSummary): string {
  const notes = [
    ...(r.missingFindings.length > 0 ? [`missing ${r.missingFindings.join(", ")}`] : []),
    ...(r.unwantedFindings.length > 0 ? [`unwanted ${r.unwantedFindings.join(", ")}`] : []),
  ];
  return notes.length > 0 ? `${r.diagnosed} (${notes.join("; ")})` : r.diagnosed;
}

/**
 * The accuracy of `diagnose` over the scenarios: top-1 (the verdict is an
 * expected root cause, or healthy for a healthy control) and top-3 (one is
 * among the three best-ranked hypotheses), with the causes each report
 * called confirmed that its scenario does not accept. Markdown, so the
 * README can quote it as printed.
 */
export function accuracyTable(
  rows: readonly ScenarioSummary[],
  date = new Date(),
  command = "npm run scenarios",
): { text: string; json: unknown } {
  const top1 = rows.filter((r) => r.top1).length;
  const top3 = rows.filter((r) => r.top3).length;
  const confirmedWrong = rows.filter((r) => r.confirmedWrong.length > 0).length;
  const lines = [
    "| scenario | expected root cause | diagnosed | top-1 | top-3 | cause confirmed, not expected (symptoms not counted) | seconds |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.expected} | ${diagnosedCell(r)} | ${r.top1 ? "yes" : "no"} | ${r.top3 ? "yes" : "no"} | ${r.confirmedWrong.join(", ") || "-"} | ${r.seconds} |`,
    ),
    "",
    `Top-1 accuracy ${percent(top1, rows.length)} (${top1}/${rows.length}), top-3 ${percent(top3, rows.length)} (${top3}/${rows.length}); ${confirmedWrong} with a cause confirmed that the scenario does not accept; ${date.toISOString().slice(0, 10)}, \`${command}\`.`,
    "",
  ];
  return {
    text: lines.join("\n"),
    json: {
      date: date.toISOString(),
      command,
      scenarios: rows.length,
      top1,
      top3,
      confirmedWrong,
      rows,
    },
  };
}
