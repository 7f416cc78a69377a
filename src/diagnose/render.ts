import pc from "picocolors";
import { findingMarkdownLines, findingTextLines, markdownCell } from "../findings/render.js";
import { renderSarif } from "../findings/sarif.js";
import { describeSource } from "../findings/types.js";
import { COLLECTOR_FAILED, describeGap } from "./evidence.js";
import type { DiagnoseFormat } from "./formats.js";
import { errorMarkdownLines, errorTextLines } from "./render-error.js";
import { renderHtml } from "./render-html.js";
import { mermaidPaths, pathHeadline } from "./render-paths.js";
import { diagnoseReport } from "./report.js";
import type { DiagnoseReport } from "./report-schema.js";
import type { Diagnosis } from "./run.js";
import { verdictHeadline } from "./verdict.js";

/**
 * The renderers of `diagnose`, keyed by format. Each is a function of the
 * one report object (src/diagnose/report.ts) and reads nothing else; a
 * finding renders with the same code as `check`'s (src/findings/render.ts).
 */
export interface RenderOptions {
  color: boolean;
}

type Renderer = (report: DiagnoseReport, options: RenderOptions) => string;

function renderText(report: DiagnoseReport, { color }: RenderOptions): string {
  const c = pc.createColors(color);
  const v = report.verdict;
  const r = report.runtime;
  const lines = [
    v.verdict === "finding"
      ? `${c.yellow(c.bold("NO FAILURE SEEN, BUT"))} ${c.bold(v.rootCause ?? "")}: ${v.title}`
      : v.role === "symptom"
        ? `${c.yellow(c.bold("OBSERVED SYMPTOM"))} ${c.bold(v.rootCause ?? "")} (${v.verdict}): ${v.title}`
        : v.rootCause
          ? `${c.red(c.bold("ROOT CAUSE"))} ${c.bold(v.rootCause)} (${v.verdict}): ${v.title}`
          : v.verdict === "healthy"
            ? `${c.green(c.bold("HEALTHY"))} ${v.title}`
            : `${c.yellow(c.bold("UNDETERMINED"))} ${v.title}`,
    c.dim(`runtime ${r.name} (${r.id}) v${r.version} ${r.status}, ${r.networkMode}, ${r.protocol}`),
    "",
    ...(report.error ? errorTextLines(report.error, c) : []),
    c.bold("Hypotheses"),
    ...report.hypotheses.map(
      (h) =>
        `  ${h.verdict.padEnd(10)} ${h.cause}${h.verdict === "unknown" ? c.dim(`  to confirm: ${h.toConfirm}`) : ""}`,
    ),
    "",
  ];
  if (report.comparison) {
    const rows = report.comparison.rows;
    const width = Math.max(...rows.map((row) => row.field.length));
    const left = Math.max(...rows.map((row) => row.a.length));
    lines.push(
      c.bold("Side by side"),
      ...rows.map((row) => {
        const text = `  ${row.field.padEnd(width)}  ${row.a.padEnd(left)}  ${row.b}`;
        return row.differs ? c.bold(text) : c.dim(text);
      }),
      "",
    );
  }
  if (report.findings.length > 0)
    lines.push(c.bold("Findings"), ...report.findings.flatMap((f) => findingTextLines(f, c)));
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
  for (const gap of report.gaps) lines.push(c.yellow(describeGap(gap)));
  if (report.notCollected.length > 0)
    lines.push(c.dim(`not collected yet by this version: ${report.notCollected.join("; ")}`));
  lines.push(
    c.dim(
      `${Object.entries(report.apiCalls)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ")} API calls in ${(report.elapsedMs / 1000).toFixed(1)} s`,
    ),
  );
  return `${lines.join("\n")}\n`;
}

function renderMarkdown(report: DiagnoseReport): string {
  const r = report.runtime;
  const head = verdictHeadline(report.verdict);
  const comparison = report.comparison;
  const lines = [
    `# Diagnosis of ${r.name} (${r.id})`,
    "",
    "## Summary",
    "",
    report.verdict.rootCause
      ? `**${head.label}:** \`${report.verdict.rootCause}\`: ${report.verdict.title}.`
      : `**${head.label}:** ${head.text}.`,
    "",
    "| | |",
    "|---|---|",
    `| Runtime | \`${r.arn}\` version ${r.version}, ${r.status} |`,
    `| Network mode | ${r.networkMode} |`,
    `| Endpoint | ${r.endpoint.name}: ${r.endpoint.status}, live version ${r.endpoint.liveVersion ?? "none"} |`,
    "",
    ...(report.error ? errorMarkdownLines(report.error) : []),
    ...(comparison
      ? [
          "## Side by side",
          "",
          `| | ${markdownCell(r.name)} | ${markdownCell(comparison.other.name)} |`,
          "|---|---|---|",
          ...comparison.rows.map(
            (row) =>
              `| ${row.differs ? `**${row.field}**` : row.field} | ${markdownCell(row.a)} | ${markdownCell(row.b)} |`,
          ),
          "",
        ]
      : []),
    "## Network paths",
    "",
    ...(report.paths.length > 0
      ? [
          "Each destination the agent needs, from the collected VPC state; the broken hop is marked with the state that breaks it.",
          "",
          ...mermaidPaths(report.paths),
          "",
          ...report.paths.flatMap((p) => [
            `- **${pathHeadline(p)}** (${p.need})${p.brokenBy ? `: ${p.brokenBy.rule} (${p.brokenBy.source})` : ""}`,
            ...p.observed.map((o) => `  - replay: ${o}`),
          ]),
        ]
      : [
          r.networkMode === "VPC"
            ? "No path was judged: the VPC's state was not read (see the limits of this report)."
            : "PUBLIC mode: the runtime reaches AWS over AgentCore's own network; there is no VPC path of the account's to draw.",
        ]),
    "",
    "## What we know",
    "",
    ...report.knownFacts.flatMap((t) => [
      `### ${t.topic}`,
      "",
      "| fact | source |",
      "|---|---|",
      ...t.facts.map((f) => `| ${markdownCell(f.fact)} | ${markdownCell(describeSource(f.source))} |`),
      "",
    ]),
    "## Hypotheses, ranked",
    "",
    "| cause | verdict | for | against | to confirm |",
    "|---|---|---|---|---|",
    ...report.hypotheses.map(
      (h) =>
        `| \`${h.cause}\` | ${h.verdict} | ${markdownCell(h.for.map((e) => e.fact).join("; "))} | ${markdownCell(h.against.map((e) => e.fact).join("; "))} | ${markdownCell(h.toConfirm)} |`,
    ),
    "",
    "## Findings",
    "",
    ...(report.findings.length === 0 ? ["None.", ""] : []),
    ...report.findings.flatMap((f) => findingMarkdownLines(f)),
    "## Timeline (CloudTrail)",
    "",
    ...(report.timeline.length === 0
      ? ["No matching events."]
      : [
          "| time | event | actor | error |",
          "|---|---|---|---|",
          ...report.timeline.map(
            (e) =>
              `| ${e.time} | ${e.event}${e.dryRun ? " (DryRun)" : ""} | ${markdownCell(e.actor)} | ${e.errorCode ?? ""} |`,
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
    ...(report.notCollected.length > 0
      ? [`Not collected by this version: ${report.notCollected.join("; ")}.`]
      : []),
    ...(report.notCollected.length === 0 && report.gaps.length === 0
      ? ["Every collector read what it needed."]
      : []),
    ...report.gaps.map((g) =>
      g.errorCode === COLLECTOR_FAILED
        ? `- ${markdownCell(describeGap(g))}`
        : `- Could not read ${g.service}:${g.operation} (${g.errorCode})${g.action ? `: grant \`${g.action}\`` : ""}.`,
    ),
    "",
  ];
  return lines.join("\n");
}

/** `diagnose` exits 1 when the report has an error finding, else 0 (2 for a usage error, before any report). */
export function diagnoseExitCode(report: Pick<DiagnoseReport, "findings">): number {
  return report.findings.some((f) => f.severity === "error") ? 1 : 0;
}

/** The verdict in a word or two, as SARIF's run properties carry it. */
function verdictWord(report: DiagnoseReport): string {
  const v = report.verdict;
  return v.rootCause
    ? `${v.rootCause} (${v.role === "symptom" ? "observed symptom" : v.verdict})`
    : v.verdict;
}

/**
 * SARIF 2.1.0 through the shared renderer (src/findings/sarif.ts): file
 * evidence, relative to the working directory as diagnose shows it, becomes
 * a location; each result carries the cause's confidence from the ranked
 * hypotheses (and, when confirmed, the observations it rests on).
 */
function renderDiagnoseSarif(report: DiagnoseReport): string {
  const byCause = new Map(report.hypotheses.map((h) => [h.cause, h]));
  return renderSarif({
    command: "diagnose",
    findings: report.findings,
    target: report.runtime.arn,
    sourceRoot: process.cwd(),
    resultProperties: (finding) => {
      const h = byCause.get(finding.id);
      return {
        rootCause: finding.id === report.verdict.rootCause,
        ...(h
          ? {
              confidence: h.verdict,
              role: h.role,
              ...(h.restsOn
                ? { restsOn: h.restsOn.map((e) => ({ fact: e.fact, source: describeSource(e.source) })) }
                : {}),
            }
          : { confidence: "not a ranked cause of this symptom" }),
      };
    },
    exitCode: diagnoseExitCode(report),
    verdict: verdictWord(report),
  });
}

export const RENDERERS = {
  text: renderText,
  markdown: renderMarkdown,
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  sarif: renderDiagnoseSarif,
  html: renderHtml,
} as const satisfies Record<DiagnoseFormat, Renderer>;

export { DIAGNOSE_FORMATS, type DiagnoseFormat } from "./formats.js";

/** Builds the diagnosis's report once and renders it in one format. */
export function renderDiagnosis(d: Diagnosis, format: DiagnoseFormat, color: boolean): string {
  return RENDERERS[format](diagnoseReport(d), { color });
}
