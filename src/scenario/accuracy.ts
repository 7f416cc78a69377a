import type { ScenarioResult } from "./run.js";

/** One scenario's line in the accuracy table. */
export interface ScenarioSummary {
  name: string;
  expected: string;
  diagnosed: string;
  top1: boolean;
  top3: boolean;
  missingFindings: string[];
  seconds: number;
}

export function summarize(result: ScenarioResult): ScenarioSummary {
  return {
    name: result.name,
    expected: result.expected,
    diagnosed: result.rootCause ?? "(nothing certain)",
    top1: result.top1,
    top3: result.top3,
    missingFindings: result.missingFindings,
    seconds: Math.round(result.elapsedMs / 100) / 10,
  };
}

const percent = (part: number, whole: number) =>
  whole === 0 ? "n/a" : `${Math.round((100 * part) / whole)}%`;

/**
 * The accuracy of `diagnose` over the scenarios: top-1 (the verdict is the
 * expected root cause) and top-3 (it is among the three best-ranked
 * hypotheses). Markdown, so the README can quote it as printed.
 */
export function accuracyTable(
  rows: readonly ScenarioSummary[],
  date = new Date(),
): { text: string; json: unknown } {
  const top1 = rows.filter((r) => r.top1).length;
  const top3 = rows.filter((r) => r.top3).length;
  const lines = [
    "| scenario | expected root cause | diagnosed | top-1 | top-3 | seconds |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.expected} | ${r.diagnosed}${r.missingFindings.length > 0 ? ` (missing ${r.missingFindings.join(", ")})` : ""} | ${r.top1 ? "yes" : "no"} | ${r.top3 ? "yes" : "no"} | ${r.seconds} |`,
    ),
    "",
    `Top-1 accuracy ${percent(top1, rows.length)} (${top1}/${rows.length}), top-3 ${percent(top3, rows.length)} (${top3}/${rows.length}); ${date.toISOString().slice(0, 10)}, \`npm run scenarios\`.`,
    "",
  ];
  return {
    text: lines.join("\n"),
    json: {
      date: date.toISOString(),
      command: "npm run scenarios",
      scenarios: rows.length,
      top1,
      top3,
      rows,
    },
  };
}
