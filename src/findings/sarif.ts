import { createHash } from "node:crypto";
import { isAbsolute, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { TOOL_VERSION } from "../version.js";
import { CATALOG, FINDING_IDS, type FindingId } from "./catalog.js";
import { describeSource, type Evidence, type Finding, type Severity } from "./types.js";

/**
 * Findings as a SARIF 2.1.0 log, for code scanners and CI (GitHub code
 * scanning, Azure DevOps, any SARIF viewer). One renderer for `check` and
 * `diagnose`: the catalog is the rule set (its id is the rule id, its
 * explanation and fix the help), each finding one result, and evidence read
 * from a file becomes a location with its line. Evidence from elsewhere
 * (a socket, a probe, an API call, a log line) stays in the result's
 * properties, named with its source, so nothing the report shows is lost.
 */

export interface SarifRunInput {
  command: "check" | "diagnose";
  findings: readonly Finding[];
  /** What was judged: the agent's directory, a code zip, or a runtime ARN. */
  target: string;
  /** The directory that file evidence is relative to (the agent's directory or `--source`). */
  sourceRoot?: string;
  /**
   * Where a finding without file evidence points, so scanners that need a
   * location can show it (check: the Dockerfile or the entry file, relative to `sourceRoot`).
   */
  fallbackFile?: string;
  /** Per-finding properties the command adds (diagnose: the cause's confidence). */
  resultProperties?: (finding: Finding) => Record<string, unknown> | undefined;
  /** The run's outcome, as the command's exit code and verdict. */
  exitCode: number;
  verdict: string;
}

const SOURCE_ROOT = "AGENT_ROOT";
const SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

type SarifLevel = "error" | "warning" | "note";
const LEVEL: Record<Severity, SarifLevel> = { error: "error", warning: "warning", info: "note" };

/** `BIND_LOOPBACK` → `BindLoopback`: SARIF's rule name is a readable identifier beside the stable id. */
function ruleName(id: string): string {
  return id
    .toLowerCase()
    .split("_")
    .map((w) => (w === "" ? w : w[0]?.toUpperCase() + w.slice(1)))
    .join("");
}

function rule(id: FindingId) {
  const entry = CATALOG[id];
  const fix = entry.fix.replace(/\{([a-zA-Z]+)\}/g, "<$1>");
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: entry.title },
    fullDescription: { text: entry.explanation },
    help: {
      text: `${entry.explanation}\n\nFix: ${fix}\n\nDocs: ${entry.docs}`,
      markdown: `${entry.explanation}\n\n**Fix:** ${fix}\n\n[Documentation](${entry.docs})`,
    },
    helpUri: entry.docs,
    defaultConfiguration: { level: LEVEL[entry.severity] },
    properties: { tags: ["agentcore", ...entry.emittedBy] },
  };
}

interface ArtifactRef {
  uri: string;
  uriBaseId?: string;
}

/** A file path from evidence as a SARIF artifact: relative to the source root when under it, else an absolute file URI. */
function artifactOf(path: string, sourceRoot: string | undefined): ArtifactRef | undefined {
  if (path === "") return undefined;
  if (!isAbsolute(path)) return { uri: toUriPath(path), ...(sourceRoot ? { uriBaseId: SOURCE_ROOT } : {}) };
  if (sourceRoot) {
    const rel = relative(sourceRoot, path);
    if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel))
      return { uri: toUriPath(rel), uriBaseId: SOURCE_ROOT };
  }
  return { uri: pathToFileURL(path).href };
}

/** Relative paths in SARIF are URI references: forward slashes, each segment percent-encoded. */
function toUriPath(path: string): string {
  return path.split(sep).join("/").split("/").map(encodeURIComponent).join("/");
}

function physicalLocation(artifact: ArtifactRef, line?: number) {
  return {
    physicalLocation: {
      artifactLocation: artifact,
      ...(line !== undefined && line >= 1 ? { region: { startLine: line } } : {}),
    },
  };
}

function locationsOf(finding: Finding, input: SarifRunInput) {
  const seen = new Set<string>();
  const locations = [];
  for (const e of finding.evidence) {
    if (e.source.kind !== "file") continue;
    const artifact = artifactOf(e.source.path, input.sourceRoot);
    if (!artifact) continue;
    const key = `${artifact.uri}:${e.source.line ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    locations.push(physicalLocation(artifact, e.source.line));
  }
  if (locations.length === 0 && input.fallbackFile) {
    const artifact = artifactOf(input.fallbackFile, input.sourceRoot);
    if (artifact) locations.push(physicalLocation(artifact));
  }
  // The thing judged, for viewers that group by logical location (a runtime has no file).
  const logical = { logicalLocations: [{ name: input.target, kind: "module" }] };
  return locations.length > 0 ? locations.map((l, i) => (i === 0 ? { ...l, ...logical } : l)) : [logical];
}

function evidenceLine(e: Evidence): string {
  return `${e.fact} (${describeSource(e.source)})`;
}

/** Stable across runs for the same finding at the same place, so scanners track it instead of reopening it. */
function fingerprint(finding: Finding, input: SarifRunInput): string {
  const places = finding.evidence
    .filter((e) => e.source.kind === "file")
    .map((e) => (e.source.kind === "file" ? `${e.source.path}:${e.source.line ?? ""}` : ""));
  return createHash("sha256")
    .update([input.command, input.target, finding.id, ...places].join("\n"))
    .digest("hex")
    .slice(0, 32);
}

function result(finding: Finding, ruleIndex: number, input: SarifRunInput) {
  const facts = finding.evidence.map(evidenceLine);
  const extra = input.resultProperties?.(finding);
  return {
    ruleId: finding.id,
    ruleIndex,
    level: LEVEL[finding.severity],
    message: {
      text: [finding.title, ...facts.map((f) => `- ${f}`), `Fix: ${finding.fix}`].join("\n"),
      markdown: [
        `**${finding.title}**`,
        "",
        ...facts.map((f) => `- ${f}`),
        "",
        `**Fix:** ${finding.fix}`,
      ].join("\n"),
    },
    locations: locationsOf(finding, input),
    partialFingerprints: { "agentcoreDoctorFinding/v1": fingerprint(finding, input) },
    properties: {
      evidence: finding.evidence.map((e) => ({ fact: e.fact, source: describeSource(e.source) })),
      fix: finding.fix,
      docs: finding.docs,
      ...(extra ?? {}),
    },
  };
}

/** The SARIF log of one command run: every catalog entry the command can emit as a rule, every finding as a result. */
export function renderSarif(input: SarifRunInput): string {
  const ruleIds = FINDING_IDS.filter((id) =>
    (CATALOG[id].emittedBy as readonly string[]).includes(input.command),
  );
  for (const f of input.findings) if (!ruleIds.includes(f.id)) ruleIds.push(f.id);
  const indexOf = new Map(ruleIds.map((id, i) => [id, i]));
  const log = {
    $schema: SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "agentcore-doctor",
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            rules: ruleIds.map(rule),
          },
        },
        automationDetails: { id: `agentcore-doctor/${input.command}/` },
        ...(input.sourceRoot
          ? { originalUriBaseIds: { [SOURCE_ROOT]: { uri: directoryUri(input.sourceRoot) } } }
          : {}),
        invocations: [{ executionSuccessful: true, exitCode: input.exitCode }],
        results: input.findings.map((f) => result(f, indexOf.get(f.id) ?? 0, input)),
        properties: { target: input.target, verdict: input.verdict },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** A base URI must end in a slash, or the last segment is dropped when paths resolve against it. */
function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith("/") ? href : `${href}/`;
}
