import type { Finding } from "../findings/index.js";
import { describeSource } from "../findings/types.js";
import { PATH_ROW_CSS } from "../net/path-picture-css.js";
import { xmlText as t } from "../util/markup.js";
import { COLLECTOR_FAILED, describeGap } from "./evidence.js";
import { errorHtml } from "./render-error.js";
import { htmlPath } from "./render-paths.js";
import type { DiagnoseReport } from "./report-schema.js";
import { verdictHeadline } from "./verdict.js";

/**
 * `diagnose --format html`: one self-contained page (styles inline, no
 * script, no font or image fetched: a Content-Security-Policy forbids any
 * load), readable offline and attachable to a ticket. Reads only the report
 * object, like every renderer.
 */

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 70rem; padding: 0 1rem; color: #1f2328; }
h1 { font-size: 1.5rem; margin-bottom: .3rem; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 1.8rem; }
h3 { font-size: 1rem; margin: .8rem 0 .2rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; } th, td { border: 1px solid #d0d7de; padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } code, pre { font-family: ui-monospace, monospace; font-size: 12.5px; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
.verdict { padding: .6rem .9rem; border-radius: 6px; border: 1px solid; font-size: 1.05rem; }
.verdict-confirmed, .verdict-likely { background: #ffebe9; border-color: #cf222e; }
.verdict-finding, .verdict-undetermined { background: #fff8c5; border-color: #9a6700; }
.verdict-healthy { background: #dafbe1; border-color: #1a7f37; }
.sev-error { color: #cf222e; } .sev-warning { color: #9a6700; } .sev-info { color: #57606a; }
.rule { margin: .2rem 0; } .observed { margin: .2rem 0; color: #57606a; }
.dim { color: #57606a; }
${PATH_ROW_CSS}`;

function table(head: readonly string[], rows: readonly (readonly string[])[], testid?: string): string {
  const id = testid ? ` data-testid="${testid}"` : "";
  return `<table${id}><thead><tr>${head.map((h) => `<th>${t(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function findingHtml(f: Finding): string {
  const evidence =
    f.evidence.length > 0
      ? table(
          ["evidence", "source"],
          f.evidence.map((e) => [t(e.fact), t(describeSource(e.source))]),
        )
      : "";
  return `<section class="finding" data-testid="finding" data-id="${t(f.id)}"><h3><span class="sev-${f.severity}">${t(f.severity.toUpperCase())}</span> <code>${t(f.id)}</code>: ${t(f.title)}</h3>${evidence}<p><strong>Fix:</strong> ${t(f.fix)}</p><p class="dim">Docs: <a href="${t(f.docs)}">${t(f.docs)}</a></p></section>`;
}

function pathsHtml(report: DiagnoseReport): string {
  if (report.paths.length > 0) return report.paths.map(htmlPath).join("");
  return report.runtime.networkMode === "VPC"
    ? "<p>No path was judged: the VPC's state was not read (see the limits of this report).</p>"
    : "<p>PUBLIC mode: the runtime reaches AWS over AgentCore's own network; there is no VPC path of the account's to draw.</p>";
}

export function renderHtml(report: DiagnoseReport): string {
  const r = report.runtime;
  const v = report.verdict;
  const head = verdictHeadline(v);
  const verdictText = v.rootCause
    ? `<strong>${t(head.label)}:</strong> <code>${t(v.rootCause)}</code>: ${t(v.title)}`
    : `<strong>${t(head.label)}:</strong> ${t(head.text)}`;
  const sections = [
    `<h1>Diagnosis of ${t(r.name)} <span class="dim">(${t(r.id)})</span></h1>`,
    `<p class="verdict verdict-${v.verdict}" data-testid="verdict" data-verdict="${v.verdict}" data-root-cause="${t(v.rootCause ?? "")}">${verdictText}</p>`,
    table(
      ["runtime", "network mode", "protocol", "endpoint"],
      [
        [
          `<code>${t(r.arn)}</code> version ${t(r.version)}, ${t(r.status)}`,
          t(r.networkMode),
          t(r.protocol),
          `${t(r.endpoint.name)}: ${t(r.endpoint.status)}, live version ${t(r.endpoint.liveVersion ?? "none")}`,
        ],
      ],
    ),
    ...(report.error ? [errorHtml(report.error)] : []),
    `<h2>Network paths</h2><div data-testid="paths">${pathsHtml(report)}</div>`,
    `<h2>Findings</h2>${report.findings.length === 0 ? "<p>None.</p>" : report.findings.map(findingHtml).join("")}`,
    `<h2>Hypotheses, ranked</h2>${table(
      ["cause", "verdict", "for", "against", "to confirm"],
      report.hypotheses.map((h) => [
        `<code>${t(h.cause)}</code>`,
        t(h.verdict),
        t(h.for.map((e) => e.fact).join("; ")),
        t(h.against.map((e) => e.fact).join("; ")),
        t(h.toConfirm),
      ]),
      "hypotheses",
    )}`,
    `<h2>What we know</h2>${report.knownFacts
      .map(
        (topic) =>
          `<h3>${t(topic.topic)}</h3>${table(
            ["fact", "source"],
            topic.facts.map((f) => [t(f.fact), t(describeSource(f.source))]),
          )}`,
      )
      .join("")}`,
    `<h2>Timeline (CloudTrail)</h2>${
      report.timeline.length === 0
        ? "<p>No matching events.</p>"
        : table(
            ["time", "event", "actor", "error"],
            report.timeline.map((e) => [
              t(e.time),
              t(`${e.event}${e.dryRun ? " (DryRun)" : ""}`),
              t(e.actor),
              t(e.errorCode ?? ""),
            ]),
            "timeline",
          )
    }`,
    `<h2>Next steps</h2>${report.nextSteps
      .map((step) => `<p>${t(step.why)}:</p><pre><code>${t(step.command)}</code></pre>`)
      .join("")}`,
    `<h2>Support case text</h2><pre data-testid="support-case">${t(report.supportCase)}</pre>`,
    `<h2>Limits of this report</h2>${[
      ...(report.notCollected.length > 0
        ? [`<p>Not collected by this version: ${t(report.notCollected.join("; "))}.</p>`]
        : []),
      ...(report.notCollected.length === 0 && report.gaps.length === 0
        ? ["<p>Every collector read what it needed.</p>"]
        : []),
      ...(report.gaps.length > 0
        ? [
            `<ul>${report.gaps
              .map((g) =>
                g.errorCode === COLLECTOR_FAILED
                  ? `<li>${t(describeGap(g))}</li>`
                  : `<li>Could not read ${t(`${g.service}:${g.operation}`)} (${t(g.errorCode)})${g.action ? `: grant <code>${t(g.action)}</code>` : ""}.</li>`,
              )
              .join("")}</ul>`,
          ]
        : []),
    ].join("")}`,
    `<p class="dim">${t(report.tool.name)} ${t(report.tool.version)}; ${t(
      Object.entries(report.apiCalls)
        .map(([s, n]) => `${s} ${n}`)
        .join(", "),
    )} API calls in ${(report.elapsedMs / 1000).toFixed(1)} s</p>`,
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Diagnosis of ${t(r.name)}: ${t(v.rootCause ?? v.verdict)}</title>
<style>${CSS}</style>
</head>
<body>
${sections.join("\n")}
</body>
</html>
`;
}
