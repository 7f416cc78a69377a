import { dirname, relative } from "node:path";
import { findProjectConfig, type ProjectConfig } from "../agent/project-config.js";
import { PROTOCOL_PORTS, type Protocol } from "../agent/types.js";
import {
  type CodeZipAnalysis,
  type CodeZipLimits,
  type CodeZipTarget,
  checkCodeZip,
  isManagedRuntime,
  MANAGED_RUNTIMES,
} from "../codezip/index.js";

export { hostInterpreter, type ZipInterpreter, zipRunCommand } from "../codezip/index.js";

import type { Finding } from "../findings/index.js";
import { UsageError } from "../util/errors.js";
import { type CheckReport, type CodeZipSection, reportVerdict } from "./report.js";

/** What `check` is told about a code zip: the codeConfiguration values, and the size limits. */
export interface CodeZipOptions {
  runtime?: string;
  entryPoint?: string[];
  limits?: Partial<CodeZipLimits>;
  /** --no-run: read the zip only, do not start it from its unpacked tree. */
  noRun?: boolean;
}

function validRuntime(value: string, where: string): CodeZipTarget["runtime"] {
  if (!isManagedRuntime(value))
    throw new UsageError(`${where} must be one of ${MANAGED_RUNTIMES.join(", ")} (got ${value}).`);
  return value;
}

/**
 * The runtime and entry point to judge a zip for: the flags, else the
 * AgentCore CLI's agentcore.json (runtimeVersion; the entrypoint without its
 * `:handler`, wrapped in opentelemetry-instrument when instrumentation.enableOtel
 * is on, as the CLI deploys it). Undefined when neither names a code zip.
 */
export function codeZipTarget(
  options: CodeZipOptions,
  config: ProjectConfig | undefined,
  root: string,
): { target?: CodeZipTarget; note?: string } {
  const fromConfig = config?.kind === "agentcore-json" && config.build === "CodeZip" ? config : undefined;
  const where = (line: number) => `${relative(root, config!.path) || config!.path}:${line}`;
  const runtime =
    options.runtime !== undefined
      ? { value: validRuntime(options.runtime, "--runtime"), origin: "--runtime" }
      : fromConfig?.runtimeVersion
        ? {
            value: validRuntime(
              fromConfig.runtimeVersion.value,
              `runtimeVersion in ${where(fromConfig.runtimeVersion.line)}`,
            ),
            origin: where(fromConfig.runtimeVersion.line),
          }
        : undefined;
  const entry = fromConfig?.entrypoint?.value.split(":")[0];
  const entryPoint =
    options.entryPoint !== undefined
      ? { value: options.entryPoint, origin: "--entry-point" }
      : entry
        ? {
            value: fromConfig!.observability?.value ? ["opentelemetry-instrument", entry] : [entry],
            origin: where(fromConfig!.entrypoint!.line),
          }
        : undefined;
  if (runtime && entryPoint) {
    const origin =
      runtime.origin === entryPoint.origin ? runtime.origin : `${runtime.origin}, ${entryPoint.origin}`;
    return { target: { runtime: runtime.value, entryPoint: entryPoint.value, origin } };
  }
  if (options.runtime !== undefined || options.entryPoint !== undefined)
    throw new UsageError(
      runtime
        ? '--runtime needs the entry point too: pass --entry-point main.py (or "opentelemetry-instrument main.py").'
        : `--entry-point needs the runtime too: pass --runtime (one of ${MANAGED_RUNTIMES.join(", ")}).`,
    );
  if (fromConfig)
    return {
      note: `${relative(root, fromConfig.path)} builds a CodeZip without a runtimeVersion: the zip was not judged (pass --runtime)`,
    };
  return {};
}

export function codeZipSection(analysis: CodeZipAnalysis): CodeZipSection {
  return {
    source: analysis.source.kind,
    path: analysis.source.path,
    ...(analysis.source.kind === "directory" ? { packaging: analysis.source.packaging } : {}),
    runtime: analysis.target.runtime,
    entryPoint: analysis.target.entryPoint,
    origin: analysis.target.origin,
    zipBytes: analysis.zipBytes,
    unzippedBytes: analysis.unzippedBytes,
    entries: analysis.entries,
    madeBy: analysis.madeBy,
    notes: analysis.notes,
  };
}

/** The zip findings of a directory `check` also runs: packaged as the AgentCore CLI would. */
export async function directoryZipFindings(
  codeDir: string,
  options: CodeZipOptions,
  config: ProjectConfig | undefined,
  root: string,
): Promise<{ findings: Finding[]; section?: CodeZipSection; note?: string }> {
  const { target, note } = codeZipTarget(options, config, root);
  if (!target) return { findings: [], ...(note ? { note } : {}) };
  const analysis = await checkCodeZip(codeDir, target, {
    ...(options.limits ? { limits: options.limits } : {}),
    projectRoot: config?.root ?? root,
  });
  return { findings: analysis.findings, section: codeZipSection(analysis) };
}

/**
 * `check` of a zip file, read only: the static zip findings. run-check.ts
 * then starts it from its unpacked tree unless --no-run.
 */
export async function checkCodeZipFile(
  path: string,
  options: CodeZipOptions & { protocol?: Protocol },
): Promise<CheckReport & { codeZipTarget: CodeZipTarget }> {
  const config = await findProjectConfig(dirname(path));
  const { target } = codeZipTarget(options, config, dirname(path));
  if (!target)
    throw new UsageError(
      `${path} is a code zip: say how AgentCore runs it with --runtime (one of ${MANAGED_RUNTIMES.join(", ")}) and --entry-point main.py, or check it from an AgentCore CLI project whose agentcore/agentcore.json says so.`,
    );
  const analysis = await checkCodeZip(path, target, options.limits ? { limits: options.limits } : {});
  const protocol = options.protocol ?? config?.protocol?.value ?? "HTTP";
  const findings = analysis.findings;
  const { summary, ...header } = reportVerdict(findings);
  return {
    ...header,
    target: {
      dir: path,
      protocol,
      port: PROTOCOL_PORTS[protocol],
      argv: target.entryPoint,
      origin: target.origin,
      ...(config ? { config: relative(dirname(path), config.path) || config.path } : {}),
    },
    environment: {
      dockerenv: "not-run",
      network: "not run",
      socketsRead: false,
      notes: [
        "the zip was read, not run (--no-run, or it could not be started here): start-up, /ping and invocations were not probed",
      ],
    },
    startup: { outcome: "not-run", limitMs: 0, stuckConnections: [] },
    probes: [],
    output: [],
    codeZip: codeZipSection(analysis),
    findings,
    summary,
    codeZipTarget: target,
  };
}
