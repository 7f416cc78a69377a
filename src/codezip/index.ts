import { statSync } from "node:fs";
import { type AnalyzeOptions, analyzeCodeZip, type CodeZipAnalysis } from "./analyze.js";
import { readCodeZip } from "./archive.js";
import { packageDirectory } from "./directory.js";
import { type CodeZipTarget, runtimeLanguage } from "./runtime.js";

export { type AnalyzeOptions, analyzeCodeZip, type CodeZipAnalysis, ZIP_CHECKS } from "./analyze.js";
export { type CodeZip, readCodeZip, readCodeZipBuffer, type ZipEntry, type ZipSource } from "./archive.js";
export { type CodeZipLimits, DOCUMENTED_LIMITS, formatMiB } from "./context.js";
export { packageDirectory } from "./directory.js";
export { hostInterpreter, type ZipInterpreter, zipRunCommand } from "./host-run.js";
export {
  type CodeZipTarget,
  isManagedRuntime,
  MANAGED_RUNTIMES,
  type ManagedRuntime,
  runtimeLanguage,
} from "./runtime.js";
export { type UnpackedCodeZip, unpackCodeZip } from "./unpack.js";

/**
 * Reads a code zip file, or packages a directory as the AgentCore CLI
 * would, and judges it for `target`.
 */
export async function checkCodeZip(
  path: string,
  target: CodeZipTarget,
  options: Pick<AnalyzeOptions, "limits"> & { projectRoot?: string } = {},
): Promise<CodeZipAnalysis> {
  if (statSync(path).isDirectory()) {
    const packaged = await packageDirectory(path, runtimeLanguage(target.runtime), options.projectRoot);
    return analyzeCodeZip(packaged.zip, target, {
      ...(options.limits ? { limits: options.limits } : {}),
      ...(packaged.declared ? { declared: packaged.declared } : {}),
      notes: packaged.notes,
    });
  }
  return analyzeCodeZip(await readCodeZip(path), target, options.limits ? { limits: options.limits } : {});
}
