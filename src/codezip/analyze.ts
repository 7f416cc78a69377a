import { type Finding, mergeFindings, sortFindings } from "../findings/index.js";
import type { CodeZip, ZipSource } from "./archive.js";
import {
  type CodeZipLimits,
  citeIn,
  DOCUMENTED_LIMITS,
  type ZipCheck,
  type ZipCheckContext,
} from "./context.js";
import type { DeclaredDependencies } from "./directory.js";
import { checkEntryPoint } from "./entry-point.js";
import { checkNativeArchitecture } from "./native-check.js";
import { checkNodeDependencies } from "./node-deps.js";
import { checkHostPaths, checkRefusedEntries, checkSize } from "./package-checks.js";
import { checkPermissions } from "./permissions.js";
import { checkPythonDependencies } from "./python-deps.js";
import { type CodeZipTarget, runtimeLanguage } from "./runtime.js";
import { indexZip } from "./zip-index.js";

/** Every static zip check, in report order; a new check is one module and one entry here. */
export const ZIP_CHECKS: readonly ZipCheck[] = [
  checkEntryPoint,
  checkPythonDependencies,
  checkNodeDependencies,
  checkNativeArchitecture,
  checkPermissions,
  checkHostPaths,
  checkSize,
  checkRefusedEntries,
];

export interface CodeZipAnalysis {
  target: CodeZipTarget;
  source: ZipSource;
  zipBytes: number;
  unzippedBytes: number;
  entries: number;
  madeBy: string[];
  findings: Finding[];
  /** What the checks could not judge, and how a directory's zip differs from the CLI's. */
  notes: string[];
}

export interface AnalyzeOptions {
  limits?: Partial<CodeZipLimits>;
  declared?: DeclaredDependencies;
  /** Notes from reading or packaging the zip, carried into the analysis. */
  notes?: readonly string[];
}

/**
 * The static findings of a code zip for a target runtime and entry point: a
 * pure function of the zip's entries, so `check` (a file or a directory it
 * packaged) and `diagnose` (an object fetched from S3) judge alike.
 */
export function analyzeCodeZip(
  zip: CodeZip,
  target: CodeZipTarget,
  options: AnalyzeOptions = {},
): CodeZipAnalysis {
  const context: ZipCheckContext = {
    zip,
    index: indexZip(zip),
    target,
    language: runtimeLanguage(target.runtime),
    limits: { ...DOCUMENTED_LIMITS, ...options.limits },
    ...(options.declared ? { declared: options.declared } : {}),
    cite: citeIn(zip),
  };
  const results = ZIP_CHECKS.map((check) => check(context));
  return {
    target,
    source: zip.source,
    zipBytes: zip.zipBytes,
    unzippedBytes: zip.entries.reduce((sum, e) => sum + (e.type === "file" ? e.size : 0), 0),
    entries: zip.entries.length,
    madeBy: zip.madeBy,
    findings: sortFindings(mergeFindings(results.flatMap((r) => r.findings))),
    notes: [...(options.notes ?? []), ...results.flatMap((r) => r.notes)],
  };
}
