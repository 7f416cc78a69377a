import { basename } from "node:path";
import type { EvidenceSource, Finding } from "../findings/index.js";
import type { CodeZip } from "./archive.js";
import type { DeclaredDependencies } from "./directory.js";
import type { CodeZipTarget, RuntimeLanguage } from "./runtime.js";
import type { ZipIndex } from "./zip-index.js";

/**
 * AgentCore's quotas for a direct code deployment package (devguide
 * `bedrock-agentcore-limits`, "AgentCore Runtime Service Quotas", read
 * 2026-12): 250 MB compressed, 750 MB uncompressed, not adjustable. The page
 * says MB without defining it; the AgentCore CLI enforces 250 × 1024 × 1024
 * bytes (MAX_ZIP_SIZE_BYTES in src/lib/packaging/helpers.ts), so MiB are
 * used here for both. Both can be changed (`--max-zip-mb`, `--max-unzipped-mb`).
 */
export interface CodeZipLimits {
  zipBytes: number;
  unzippedBytes: number;
}

const MIB = 1024 * 1024;

export const DOCUMENTED_LIMITS: CodeZipLimits = { zipBytes: 250 * MIB, unzippedBytes: 750 * MIB };

export const LIMITS_SOURCE =
  "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/bedrock-agentcore-limits.html";

/** Everything a zip check reads: the entries and the target, never the file system. */
export interface ZipCheckContext {
  zip: CodeZip;
  index: ZipIndex;
  target: CodeZipTarget;
  language: RuntimeLanguage;
  limits: CodeZipLimits;
  /** For a directory: the Python dependencies the AgentCore CLI's packager installs into the zip. */
  declared?: DeclaredDependencies;
  /** Where an entry of the zip is, as evidence. */
  cite(path: string, line?: number): EvidenceSource;
}

export interface ZipCheckResult {
  findings: Finding[];
  /** What a check could not judge, said plainly. */
  notes: string[];
}

export type ZipCheck = (context: ZipCheckContext) => ZipCheckResult;

/** Evidence paths: `agent.zip!/main.py` for a zip, the relative path for a directory. */
export function citeIn(zip: CodeZip): (path: string, line?: number) => EvidenceSource {
  const prefix = zip.source.kind === "zip" ? `${basename(zip.source.path)}!/` : "";
  return (path, line) => ({
    kind: "file",
    path: `${prefix}${path}`,
    ...(line !== undefined ? { line } : {}),
  });
}

/** At most `max` items, then how many more. */
export function firstOf(items: readonly string[], max = 8): string {
  return items.length <= max
    ? items.join(", ")
    : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** Sizes as a reader compares them with the quota: MiB, or KiB below one MiB. */
export const formatMiB = (bytes: number) =>
  bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
