import pc from "picocolors";
import { markdownCell } from "../findings/render.js";
import { xmlText as t } from "../util/markup.js";
import type { ErrorDiagnosis } from "./error-messages.js";

type Colors = ReturnType<typeof pc.createColors>;

/** The pasted message's section: what it matched and its causes, ranked (text reports). */
export function errorTextLines(e: ErrorDiagnosis, c: Colors): string[] {
  const lines = [
    c.bold("The error you saw"),
    `  ${e.text.length > 300 ? `${e.text.slice(0, 300)}...` : e.text}`,
  ];
  if (e.matched.length === 0) {
    lines.push(
      c.dim("  not a message this version knows; the report below stands on the evidence alone"),
      "",
    );
    return lines;
  }
  for (const m of e.matched) lines.push(`  ${c.bold(m.id)}: ${m.meaning}`, c.dim(`    wording: ${m.source}`));
  lines.push("  Its causes, ranked:");
  for (const cause of e.causes) {
    lines.push(`    ${cause.status.padEnd(10)} ${cause.cause}: ${cause.title}`);
    for (const why of cause.because.slice(0, 3)) lines.push(c.dim(`               ${why}`));
    if (cause.restsOn?.[0]) lines.push(c.dim(`               rests on: ${cause.restsOn[0]}`));
  }
  lines.push("");
  return lines;
}

/** The pasted message's section of a markdown report. */
export function errorMarkdownLines(e: ErrorDiagnosis): string[] {
  return [
    "## The error you saw",
    "",
    `> ${markdownCell(e.text.length > 300 ? `${e.text.slice(0, 300)}...` : e.text)}`,
    "",
    ...(e.matched.length === 0
      ? ["Not a message this version knows; the report stands on the evidence alone.", ""]
      : [
          ...e.matched.map((m) => `- **${m.id}**: ${m.meaning} (wording: ${m.source})`),
          "",
          "| status | cause | why |",
          "|---|---|---|",
          ...e.causes.map(
            (c) =>
              `| ${c.status} | \`${c.cause}\`: ${markdownCell(c.title)} | ${markdownCell(c.because.slice(0, 2).join("; "))} |`,
          ),
          "",
        ]),
  ];
}

/** The pasted message's section of an HTML report: the same content as the text and markdown ones. */
export function errorHtml(e: ErrorDiagnosis): string {
  const quoted = e.text.length > 300 ? `${e.text.slice(0, 300)}...` : e.text;
  const head = `<h2>The error you saw</h2><blockquote><code>${t(quoted)}</code></blockquote>`;
  if (e.matched.length === 0)
    return `${head}<p data-testid="error-unmatched">Not a message this version knows; the report stands on the evidence alone.</p>`;
  const shapes = `<ul>${e.matched
    .map(
      (m) =>
        `<li data-testid="error-shape" data-id="${t(m.id)}"><strong>${t(m.id)}</strong>: ${t(m.meaning)} <span class="dim">(wording: ${t(m.source)})</span></li>`,
    )
    .join("")}</ul>`;
  const rows = e.causes
    .map(
      (c) =>
        `<tr data-testid="error-cause" data-cause="${t(c.cause)}" data-status="${t(c.status)}"><td>${t(c.status)}</td><td><code>${t(c.cause)}</code>: ${t(c.title)}</td><td>${t(c.because.slice(0, 3).join("; "))}</td></tr>`,
    )
    .join("");
  return `${head}${shapes}<p>Its causes, ranked:</p><table data-testid="error-causes"><thead><tr><th>status</th><th>cause</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** `diagnose --error` without a runtime: the message's causes only, in text or JSON. */
export function renderErrorOnly(e: ErrorDiagnosis, format: string, color: boolean): string {
  if (format === "json") return `${JSON.stringify({ command: "diagnose", error: e }, null, 2)}\n`;
  const c = pc.createColors(color);
  const named =
    /arn:aws[^:]*:bedrock-agentcore:([a-z0-9-]+):\d{12}:runtime\/([A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9]{10})/.exec(
      e.text,
    );
  return `${[
    ...errorTextLines(e, c),
    named
      ? `The message names runtime ${named[2]}; rank these causes with its configuration and policies:\n  agentcore-doctor diagnose ${named[2]} --region ${named[1]} --error '<the same message>'`
      : c.dim(
          "Pass the runtime's id, ARN or name to rank these causes with its configuration, logs and CloudTrail.",
        ),
  ].join("\n")}\n`;
}
