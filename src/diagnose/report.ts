import pc from "picocolors";
import { describeSource, type Finding } from "../findings/index.js";
import { TOOL_VERSION } from "../version.js";
import { knownFacts } from "./known-facts.js";
import { nextSteps, supportCaseText } from "./next-steps.js";
import { type Diagnosis, NOT_YET_COLLECTED } from "./run.js";
import { verdictOf } from "./verdict.js";

/** The JSON report of `diagnose`; removing or changing a field bumps the version. */
export const DIAGNOSE_REPORT_SCHEMA_VERSION = 1;

export type DiagnoseFormat = "text" | "markdown" | "json";

/** The findings as a reader wants them: the verdict's first, then the rest by severity. */
function rootCauseFirst(findings: readonly Finding[], rootCause: string | null): Finding[] {
  return [...findings.filter((f) => f.id === rootCause), ...findings.filter((f) => f.id !== rootCause)];
}

export function diagnoseReport(d: Diagnosis) {
  const r = d.evidence.runtime.value;
  const verdict = verdictOf(d.hypotheses, d.findings);
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
    knownFacts: knownFacts(d.evidence),
    findings: rootCauseFirst(d.findings, verdict.rootCause),
    hypotheses: d.hypotheses,
    nextSteps: nextSteps(d.evidence, d.hypotheses),
    supportCase: supportCaseText(d.evidence, d.findings, d.hypotheses),
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
              verdict: verdictOf(d.comparison.other.hypotheses, d.comparison.other.findings),
            },
            rows: d.comparison.rows,
          },
        }
      : {}),
    gaps: d.gaps,
    notCollected: NOT_YET_COLLECTED,
    apiCalls: d.apiCalls,
    elapsedMs: d.elapsedMs,
  };
}

function comparisonTable(d: Diagnosis, esc: (s: string) => string): string[] {
  if (!d.comparison) return [];
  const a = d.evidence.runtime.value;
  const b = d.comparison.other.evidence.runtime.value;
  return [
    `| | ${esc(a.name)} | ${esc(b.name)} |`,
    "|---|---|---|",
    ...d.comparison.rows.map(
      (row) => `| ${row.differs ? `**${row.field}**` : row.field} | ${esc(row.a)} | ${esc(row.b)} |`,
    ),
  ];
}

function findingLines(f: Finding, c: ReturnType<typeof pc.createColors>): string[] {
  return [
    `${f.severity === "error" ? c.red(c.bold("ERROR  ")) : f.severity === "warning" ? c.yellow("WARNING") : "INFO   "} ${c.bold(f.id)}  ${f.title}`,
    ...f.evidence.map((e) => `  - ${e.fact}  ${c.dim(`(${describeSource(e.source)})`)}`),
    `  fix: ${f.fix}`,
    "",
  ];
}

export function renderDiagnoseText(d: Diagnosis, color: boolean): string {
  const c = pc.createColors(color);
  const report = diagnoseReport(d);
  const lines = [
    report.verdict.verdict === "finding"
      ? `${c.yellow(c.bold("NO FAILURE SEEN, BUT"))} ${c.bold(report.verdict.rootCause ?? "")}: ${report.verdict.title}`
      : report.verdict.rootCause
        ? `${c.red(c.bold("ROOT CAUSE"))} ${c.bold(report.verdict.rootCause)} (${report.verdict.verdict}): ${report.verdict.title}`
        : report.verdict.verdict === "healthy"
          ? `${c.green(c.bold("HEALTHY"))} ${report.verdict.title}`
          : `${c.yellow(c.bold("UNDETERMINED"))} ${report.verdict.title}`,
    c.dim(
      `runtime ${report.runtime.name} (${report.runtime.id}) v${report.runtime.version} ${report.runtime.status}, ${report.runtime.networkMode}, ${report.runtime.protocol}`,
    ),
    "",
    c.bold("Hypotheses"),
    ...d.hypotheses.map(
      (h) =>
        `  ${h.verdict.padEnd(10)} ${h.cause}${h.verdict === "unknown" ? c.dim(`  to confirm: ${h.toConfirm}`) : ""}`,
    ),
    "",
  ];
  if (d.comparison) {
    const width = Math.max(...d.comparison.rows.map((r) => r.field.length));
    const left = Math.max(...d.comparison.rows.map((r) => r.a.length));
    lines.push(
      c.bold("Side by side"),
      ...d.comparison.rows.map((row) => {
        const text = `  ${row.field.padEnd(width)}  ${row.a.padEnd(left)}  ${row.b}`;
        return row.differs ? c.bold(text) : c.dim(text);
      }),
      "",
    );
  }
  if (d.findings.length > 0)
    lines.push(c.bold("Findings"), ...report.findings.flatMap((f) => findingLines(f, c)));
  lines.push(
    c.bold("What we know"),
    ...report.knownFacts.flatMap((t) => [
      `  ${t.topic}`,
      ...t.facts.map((f) => `    - ${f.fact}  ${c.dim(`(${describeSource(f.source)})`)}`),
    ]),
    "",
  );
  if (report.timeline.length > 0) {
    lines.push(
      c.bold("CloudTrail timeline"),
      ...report.timeline.map(
        (e) =>
          `  ${e.time}  ${e.event}${e.dryRun ? " (DryRun)" : ""}${e.errorCode ? ` ${e.errorCode}` : ""}  ${c.dim(e.actor)}`,
      ),
      "",
    );
  }
  lines.push(
    c.bold("Next steps"),
    ...report.nextSteps.map((step) => `  # ${step.why}\n  ${step.command}`),
    "",
  );
  for (const gap of d.gaps)
    lines.push(
      c.yellow(
        `could not read ${gap.service}:${gap.operation}: ${gap.errorCode}${gap.action ? ` (grant ${gap.action})` : ""}`,
      ),
    );
  if (NOT_YET_COLLECTED.length > 0)
    lines.push(c.dim(`not collected yet by this version: ${NOT_YET_COLLECTED.join("; ")}`));
  lines.push(
    c.dim(
      `${Object.entries(d.apiCalls)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ")} API calls in ${(d.elapsedMs / 1000).toFixed(1)} s`,
    ),
  );
  return `${lines.join("\n")}\n`;
}

export function renderDiagnoseMarkdown(d: Diagnosis): string {
  const report = diagnoseReport(d);
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [
    `# Diagnosis of ${report.runtime.name} (${report.runtime.id})`,
    "",
    "## Summary",
    "",
    report.verdict.verdict === "finding"
      ? `**No failure seen, but:** \`${report.verdict.rootCause}\`: ${report.verdict.title}.`
      : report.verdict.rootCause
        ? `**Root cause (${report.verdict.verdict}):** \`${report.verdict.rootCause}\`: ${report.verdict.title}.`
        : `**${report.verdict.verdict === "healthy" ? "Healthy" : "Undetermined"}:** ${report.verdict.title}.`,
    "",
    "| | |",
    "|---|---|",
    `| Runtime | \`${report.runtime.arn}\` version ${report.runtime.version}, ${report.runtime.status} |`,
    `| Network mode | ${report.runtime.networkMode} |`,
    `| Endpoint | ${report.runtime.endpoint.name}: ${report.runtime.endpoint.status}, live version ${report.runtime.endpoint.liveVersion ?? "none"} |`,
    "",
    ...(d.comparison ? ["## Side by side", "", ...comparisonTable(d, esc), ""] : []),
    "## What we know",
    "",
    ...report.knownFacts.flatMap((t) => [
      `### ${t.topic}`,
      "",
      "| fact | source |",
      "|---|---|",
      ...t.facts.map((f) => `| ${esc(f.fact).replaceAll("\n", "<br>")} | ${esc(describeSource(f.source))} |`),
      "",
    ]),
    "## Hypotheses, ranked",
    "",
    "| cause | verdict | for | against | to confirm |",
    "|---|---|---|---|---|",
    ...d.hypotheses.map(
      (h) =>
        `| \`${h.cause}\` | ${h.verdict} | ${esc(h.for.map((e) => e.fact).join("; "))} | ${esc(h.against.map((e) => e.fact).join("; "))} | ${esc(h.toConfirm)} |`,
    ),
    "",
    "## Findings",
    "",
    ...(d.findings.length === 0 ? ["None."] : []),
    ...report.findings.flatMap((f) => [
      `### ${f.severity.toUpperCase()} \`${f.id}\`: ${f.title}`,
      "",
      ...f.evidence.map((e) => `- ${e.fact} (${describeSource(e.source)})`),
      "",
      `**Fix:** ${f.fix}`,
      "",
    ]),
    "## Timeline (CloudTrail)",
    "",
    ...(report.timeline.length === 0
      ? ["No matching events."]
      : [
          "| time | event | actor | error |",
          "|---|---|---|---|",
          ...report.timeline.map(
            (e) =>
              `| ${e.time} | ${e.event}${e.dryRun ? " (DryRun)" : ""} | ${esc(e.actor)} | ${e.errorCode ?? ""} |`,
          ),
        ]),
    "",
    "## Next steps",
    "",
    ...report.nextSteps.flatMap((step) => [
      `- ${step.why}:`,
      "",
      "  ```sh",
      `  ${step.command}`,
      "  ```",
      "",
    ]),
    "## Support case text",
    "",
    "```text",
    report.supportCase,
    "```",
    "",
    "## Limits of this report",
    "",
    ...(NOT_YET_COLLECTED.length > 0
      ? [`Not collected by this version: ${NOT_YET_COLLECTED.join("; ")}.`]
      : []),
    ...(NOT_YET_COLLECTED.length === 0 && d.gaps.length === 0
      ? ["Every collector read what it needed."]
      : []),
    ...d.gaps.map(
      (g) =>
        `- Could not read ${g.service}:${g.operation} (${g.errorCode})${g.action ? `: grant \`${g.action}\`` : ""}.`,
    ),
    "",
  ];
  return lines.join("\n");
}

export function renderDiagnosis(d: Diagnosis, format: DiagnoseFormat, color: boolean): string {
  if (format === "json") return `${JSON.stringify(diagnoseReport(d), null, 2)}\n`;
  if (format === "markdown") return renderDiagnoseMarkdown(d);
  return renderDiagnoseText(d, color);
}
