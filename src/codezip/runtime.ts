import type { PythonMinor } from "../facts/python-stdlib-modules.js";

/**
 * The managed runtimes a code zip runs on: `AgentManagedRuntimeType` of the
 * bedrock-agentcore-control model (botocore 1.43.67).
 */
export const MANAGED_RUNTIMES = [
  "PYTHON_3_10",
  "PYTHON_3_11",
  "PYTHON_3_12",
  "PYTHON_3_13",
  "PYTHON_3_14",
  "NODE_22",
] as const;

export type ManagedRuntime = (typeof MANAGED_RUNTIMES)[number];

export function isManagedRuntime(value: string): value is ManagedRuntime {
  return (MANAGED_RUNTIMES as readonly string[]).includes(value);
}

export type RuntimeLanguage =
  | { language: "python"; minor: PythonMinor; version: string }
  | { language: "node"; major: number; version: string };

export function runtimeLanguage(runtime: ManagedRuntime): RuntimeLanguage {
  if (runtime === "NODE_22") return { language: "node", major: 22, version: "22" };
  const minor = Number(runtime.slice("PYTHON_3_".length)) as PythonMinor;
  return { language: "python", minor, version: `3.${minor}` };
}

/**
 * Where a code zip runs, as far as its files are concerned: linux/arm64 with
 * glibc. The glibc version is AL2023's 2.34, as the AgentCore CLI's packager
 * states it when it picks wheel platforms ("AC Runtime uses AL2023 with GLIBC
 * 2.34": aws/agentcore-cli, src/lib/packaging/python.ts); AWS's pages do
 * not give it.
 */
export const MANAGED_RUNTIME_PLATFORM = {
  architecture: "aarch64",
  glibc: { major: 2, minor: 34 },
  glibcSource: "aws/agentcore-cli src/lib/packaging/python.ts (PLATFORM_CANDIDATES)",
} as const;

/** What AgentCore is asked to run: CreateAgentRuntime's `codeConfiguration` minus the S3 location. */
export interface CodeZipTarget {
  runtime: ManagedRuntime;
  /** One or two items, as `codeConfiguration.entryPoint` (`["main.py"]`, `["opentelemetry-instrument", "main.py"]`). */
  entryPoint: string[];
  /** Where the two values came from, for evidence: `--runtime`, `agentcore/agentcore.json:12`, an API call. */
  origin: string;
}
