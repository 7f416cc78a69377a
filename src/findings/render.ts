import type pc from "picocolors";
import { describeSource, type Finding } from "./types.js";

/**
 * How one finding reads, in text and in Markdown: the same code for every
 * report that lists findings (`check`, `diagnose`), so a finding looks the
 * same wherever a reader meets it.
 */

export type Colors = ReturnType<typeof pc.createColors>;

export function severityLabel(severity: Finding["severity"], c: Colors): string {
  if (severity === "error") return c.red(c.bold("ERROR  "));
  if (severity === "warning") return c.yellow(c.bold("WARNING"));
  return c.cyan("INFO   ");
}

/** The finding as terminal lines: severity, id and title, each fact with its source, the fix, the docs; a blank line after. */
export function findingTextLines(f: Finding, c: Colors): string[] {
  return [
    `${severityLabel(f.severity, c)} ${c.bold(f.id)}  ${f.title}`,
    ...f.evidence.map(
      (e) => `  ${c.dim("-")} ${indentMore(e.fact)}  ${c.dim(`(${describeSource(e.source)})`)}`,
    ),
    `  ${c.bold("fix:")} ${f.fix}`,
    `  ${c.dim(`docs: ${f.docs}`)}`,
    "",
  ];
}

/** A fact may span lines (a traceback): its continuation lines stay under the bullet. */
function indentMore(text: string): string {
  return text.replaceAll("\n", "\n    ");
}

/** A table cell: pipes escaped, line breaks kept as <br>. */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, "\\|").replaceAll("\n", "<br>");
}

/** The finding as a Markdown section: a heading, its evidence as a table of fact and source, the fix, the docs. */
export function findingMarkdownLines(f: Finding, level = 3): string[] {
  return [
    `${"#".repeat(level)} ${f.severity.toUpperCase()} \`${f.id}\`: ${f.title}`,
    "",
    ...(f.evidence.length > 0
      ? [
          "| evidence | source |",
          "|---|---|",
          ...f.evidence.map((e) => `| ${markdownCell(e.fact)} | ${markdownCell(describeSource(e.source))} |`),
          "",
        ]
      : []),
    `**Fix:** ${f.fix}`,
    "",
    `Docs: ${f.docs}`,
    "",
  ];
}
