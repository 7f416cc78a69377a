import type { PathHop } from "../net/path-picture.js";
import { xmlText } from "../util/markup.js";
import type { DiagnoseReport } from "./report-schema.js";

/**
 * The report's path pictures: each destination's row of hops as Mermaid
 * (GitHub renders it in issues and pull requests) and as HTML for the
 * self-contained page. Both read only the report's `paths`.
 */

type ReportPath = DiagnoseReport["paths"][number];

const KIND_NAME: Record<PathHop["kind"], string> = {
  interface: "subnet",
  dns: "DNS",
  "security-group": "security groups",
  "route-table": "route table",
  endpoint: "VPC endpoint",
  nat: "NAT gateway",
  "gateway-endpoint": "gateway endpoint",
  service: "service",
};

export function pathHeadline(path: ReportPath): string {
  const broken = path.hops.find((h) => h.state === "broken" || h.state === "unknown");
  if (path.status === "reachable") return `${path.service}: reachable`;
  if (path.status === "unknown")
    return `${path.service}: not followed past the ${KIND_NAME[broken?.kind ?? "route-table"]}`;
  return `${path.service}: broken at the ${KIND_NAME[broken?.kind ?? "route-table"]}`;
}

/** Text Mermaid takes inside a quoted label: its entity codes for what would end or confuse the label. */
function mermaidLabel(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/[`|{}[\]]/g, (c) => `#${c.charCodeAt(0)};`);
}

/** A hop as a reader names it: the kind before an id (route table: rtb-1), the label alone otherwise. */
function hopText(hop: PathHop): string {
  return /^[a-z]+-[0-9a-f]{6,}/.test(hop.label) ? `${KIND_NAME[hop.kind]}: ${hop.label}` : hop.label;
}

/** A hop's Mermaid label, escaped; the broken (or unfollowed) hop carries the rule that decides it. */
function hopLabel(hop: PathHop, path: ReportPath): string {
  const head = mermaidLabel(hopText(hop));
  if ((hop.state === "broken" || hop.state === "unknown") && path.brokenBy)
    return `${hop.state === "broken" ? "✗" : "?"} ${head}<br/>${mermaidLabel(path.brokenBy.rule)}`;
  return head;
}

/** One Mermaid flowchart, a row per destination (blocked first, as the report orders them). */
export function mermaidPaths(paths: readonly ReportPath[]): string[] {
  const lines = ["```mermaid", "flowchart TB"];
  paths.forEach((path, p) => {
    lines.push(`  subgraph path${p} ["${mermaidLabel(pathHeadline(path))}"]`, "    direction LR");
    const ids = path.hops.map((_, h) => `path${p}hop${h}`);
    path.hops.forEach((hop, h) => {
      lines.push(`    ${ids[h]}["${hopLabel(hop, path)}"]:::${hop.state}`);
    });
    for (let h = 1; h < ids.length; h++) {
      const reached = path.hops[h]!.state === "ok" || path.hops[h]!.state === "broken";
      lines.push(`    ${ids[h - 1]} ${reached ? "-->" : "-.->"} ${ids[h]}`);
    }
    lines.push("  end");
  });
  lines.push(
    "  classDef ok fill:#dafbe1,stroke:#1a7f37",
    "  classDef broken fill:#ffebe9,stroke:#cf222e,stroke-width:3px",
    "  classDef unreached fill:#f6f8fa,stroke:#8c959f,color:#8c959f,stroke-dasharray:4",
    "  classDef unknown fill:#fff8c5,stroke:#9a6700",
    "```",
  );
  return lines;
}

/** One destination's path as HTML: hops in a row, the broken one marked and titled with its rule. */
export function htmlPath(path: ReportPath): string {
  const hops = path.hops
    .map((hop) => {
      const rule =
        (hop.state === "broken" || hop.state === "unknown") && path.brokenBy
          ? ` title="${xmlText(path.brokenBy.rule)}"`
          : "";
      return `<span class="hop hop-${hop.state}" data-testid="hop" data-kind="${hop.kind}" data-state="${hop.state}"${rule}>${xmlText(hopText(hop))}</span>`;
    })
    .join('<span class="arrow">→</span>');
  const rule = path.brokenBy
    ? `<p class="rule" data-testid="rule">${xmlText(path.brokenBy.rule)} <small>(${xmlText(path.brokenBy.source)})</small></p>`
    : "";
  const observed =
    path.observed.length > 0
      ? `<ul class="observed">${path.observed.map((o) => `<li>replay: ${xmlText(o)}</li>`).join("")}</ul>`
      : "";
  return `<div class="path" data-testid="path" data-service="${xmlText(path.service)}" data-status="${path.status}"><h3>${xmlText(pathHeadline(path))}</h3><p class="dim">${xmlText(path.need)}</p><div class="hops">${hops}</div>${rule}${observed}</div>`;
}
