import pc from "picocolors";
import { formatMiB } from "../codezip/index.js";
import { findingMarkdownLines, findingTextLines, markdownCell } from "../findings/render.js";
import { renderSarif } from "../findings/sarif.js";
import type { CheckFormat } from "./defaults.js";
import { type CheckReport, checkExitCode } from "./report.js";

export { CHECK_FORMATS, type CheckFormat } from "./defaults.js";

function startupLine(report: CheckReport): string {
  const s = report.startup;
  switch (s.outcome) {
    case "healthy": {
      const after = `${((s.healthyAfterMs ?? 0) / 1000).toFixed(2)} s`;
      return s.reachableFromInterface === false
        ? `answers /ping after ${after}, but on loopback only: AgentCore's health check would not reach it`
        : `healthy after ${after}`;
    }
    case "exited":
      return `exited before it was healthy (${s.exit?.signal ?? `code ${s.exit?.code}`})`;
    case "unhealthy":
      return "answers, but not as healthy";
    case "wrong-port":
      return `listens, but not on port ${report.target.port}`;
    case "timeout":
      return `not healthy within ${s.limitMs / 1000} s`;
    case "unreachable":
      return `listens on port ${report.target.port} only on loopback, where the health check never arrives`;
    case "not-run":
      return report.image
        ? "not run: the image was read, not started (see the notes)"
        : "not run: the code zip was read, not started";
  }
}

/** The code zip lines of the header: what was judged, for which runtime and entry point. */
function codeZipLines(report: CheckReport): string[] {
  const z = report.codeZip;
  if (!z) return [];
  return [
    `code zip  ${z.source === "zip" ? z.path : `${z.path} (${z.packaging})`}`,
    `          ${z.runtime}, entry point ${JSON.stringify(z.entryPoint)} [${z.origin}]; ${z.entries} entries, ${formatMiB(z.zipBytes)} zipped, ${formatMiB(z.unzippedBytes)} unzipped, made by ${z.madeBy.join(", ") || "nothing"}`,
    ...z.notes.map((n) => `note      ${n}`),
  ];
}

/** The image lines of the header: which image, which platform, how it ran. */
function imageLines(report: CheckReport): string[] {
  const i = report.image;
  if (!i) return [];
  return [
    `image     ${i.ref}  [${i.source}]`,
    `          ${i.platform}${i.entryArchitecture && !i.platform.endsWith(`/${i.entryArchitecture}`) ? ` (entry program ${i.entryArchitecture})` : ""}, ${i.layers} layer(s), ${formatMiB(i.layerBytes)} compressed, manifest ${i.manifestDigest.slice(0, 19)}${i.user ? `, USER ${i.user}` : ""}${i.emulated ? `; ran emulated by ${i.emulated}` : ""}`,
    ...(i.index ? [`          index ${i.index.map((e) => e.platform).join(", ")}`] : []),
  ];
}

export function renderText(report: CheckReport, color: boolean): string {
  const c = pc.createColors(color);
  const lines: string[] = [];
  const t = report.target;
  const verdict =
    report.verdict === "healthy"
      ? c.green(c.bold("HEALTHY"))
      : report.verdict === "inconclusive"
        ? c.yellow(c.bold("INCONCLUSIVE ON THIS MACHINE"))
        : c.red(c.bold("WILL FAIL IN AGENTCORE"));
  lines.push(`${verdict}  ${t.dir}  (${t.protocol} on port ${t.port})`);
  lines.push(c.dim(`  command   ${t.argv.join(" ")}   [${t.origin}]`));
  lines.push(c.dim(`  start-up  ${startupLine(report)}`));
  for (const line of codeZipLines(report)) lines.push(c.dim(`  ${line}`));
  for (const line of imageLines(report)) lines.push(c.dim(`  ${line}`));
  if (report.startup.listening) {
    const listening = report.startup.listening.map(
      (l) => `${l.family === 6 ? `[${l.address}]` : l.address}:${l.port}`,
    );
    lines.push(c.dim(`  listening ${listening.length > 0 ? listening.join(", ") : "nothing"}`));
  }
  const env = report.environment;
  lines.push(
    c.dim(
      `  /.dockerenv ${env.dockerenv}${env.dockerenvDetail ? ` (${env.dockerenvDetail})` : ""}; network ${env.network}`,
    ),
  );
  for (const note of env.notes) lines.push(c.dim(`  note      ${note}`));
  lines.push("");
  if (report.findings.length === 0) {
    lines.push(c.green("No findings: the agent honours the runtime contract as far as this probe can see."));
  }
  for (const finding of report.findings) lines.push(...findingTextLines(finding, c));
  const s = report.summary;
  lines.push(`${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} info`);
  if (report.verdict === "inconclusive")
    lines.push(
      c.yellow(
        "Inconclusive: this machine could not run the agent as its image would (see the HOST_ findings); nothing above says it fails in AgentCore.",
      ),
    );
  return `${lines.join("\n")}\n`;
}

const VERDICT_WORDS: Record<CheckReport["verdict"], string> = {
  healthy: "healthy",
  unhealthy: "will fail in AgentCore",
  inconclusive: "inconclusive on this machine",
};

export function renderMarkdown(report: CheckReport): string {
  const t = report.target;
  const lines = [
    `# agentcore-doctor check: ${VERDICT_WORDS[report.verdict]}`,
    "",
    "| | |",
    "|---|---|",
    `| Agent | \`${t.dir}\` |`,
    `| Protocol | ${t.protocol} (port ${t.port}) |`,
    `| Command | \`${markdownCell(t.argv.join(" "))}\` (${markdownCell(t.origin)}) |`,
    `| Start-up | ${startupLine(report)} |`,
    `| /.dockerenv | ${report.environment.dockerenv} |`,
    ...(report.codeZip
      ? [
          `| Code zip | \`${markdownCell(report.codeZip.path)}\`: ${report.codeZip.runtime}, entry point \`${markdownCell(JSON.stringify(report.codeZip.entryPoint))}\` (${markdownCell(report.codeZip.origin)}) |`,
        ]
      : []),
    "",
    ...(report.codeZip?.notes.length ? [...report.codeZip.notes.map((n) => `- ${markdownCell(n)}`), ""] : []),
    `## Findings (${report.summary.errors} errors, ${report.summary.warnings} warnings)`,
    "",
  ];
  if (report.findings.length === 0) lines.push("None.", "");
  for (const f of report.findings) lines.push(...findingMarkdownLines(f));
  if (report.output.length > 0) {
    lines.push("## Last output", "", "```", ...report.output.slice(-15).map((l) => l.text), "```", "");
  }
  return lines.join("\n");
}

/** SARIF for code scanners: file locations relative to the agent's directory; findings without one point at the Dockerfile. */
function renderCheckSarif(report: CheckReport): string {
  const t = report.target;
  const zip = report.codeZip;
  return renderSarif({
    command: "check",
    findings: report.findings,
    target: zip ? zip.path : t.dir,
    ...(zip?.source === "zip" ? {} : { sourceRoot: t.dir }),
    ...(t.dockerfile ? { fallbackFile: t.dockerfile } : t.config ? { fallbackFile: t.config } : {}),
    exitCode: checkExitCode(report),
    verdict: report.verdict,
  });
}

export function renderCheckReport(report: CheckReport, format: CheckFormat, color: boolean): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  if (format === "sarif") return renderCheckSarif(report);
  if (format === "markdown") return renderMarkdown(report);
  return renderText(report, color);
}
