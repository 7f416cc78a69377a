import { z } from "zod";
import { findingSchema } from "../findings/schema.js";
import { TOOL_VERSION } from "../version.js";

/**
 * The JSON report of `check`: a public, versioned interface. Add optional
 * fields freely; removing or changing one bumps `schemaVersion`.
 */
export const CHECK_REPORT_SCHEMA_VERSION = 3;

const socketSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  family: z.union([z.literal(4), z.literal(6)]),
});

const exchangeSchema = z.object({
  request: z.string(),
  status: z.number().int().optional(),
  contentType: z.string().optional(),
  latencyMs: z.number(),
  error: z.string().optional(),
  bodyExcerpt: z.string().optional(),
});

const codeZipSchema = z
  .object({
    source: z.enum(["zip", "directory"]),
    path: z.string(),
    packaging: z
      .string()
      .optional()
      .describe("for a directory: how it was zipped (the AgentCore CLI's rules)"),
    runtime: z.string().describe("codeConfiguration.runtime judged against (PYTHON_3_12, NODE_22)"),
    entryPoint: z.array(z.string()),
    origin: z.string().describe("where the runtime and entry point came from: flags or agentcore.json"),
    zipBytes: z.number().int(),
    unzippedBytes: z.number().int(),
    entries: z.number().int(),
    madeBy: z.array(z.string()).describe("host systems named by the entries' 'version made by'"),
    notes: z.array(z.string()).describe("what could not be judged, said plainly"),
  })
  .describe("the code zip judged statically (direct code deployment)");

const imageSchema = z
  .object({
    ref: z.string().describe("the reference given to --image (or the image --build made)"),
    source: z.string().describe("how it was read: an OCI layout, an archive, a registry, an engine's store"),
    indexDigest: z.string().optional(),
    index: z
      .array(z.object({ digest: z.string(), platform: z.string(), attestation: z.boolean() }))
      .optional()
      .describe("the entries of the index the reference names"),
    manifestDigest: z.string().describe("the manifest run: the linux/arm64 one of an index"),
    platform: z.string().describe("os/architecture from the image config"),
    entryArchitecture: z
      .string()
      .optional()
      .describe("the architecture the entry program's ELF header names"),
    layers: z.number().int(),
    layerBytes: z.number().int().describe("compressed, as the manifest lists them"),
    user: z.string().optional(),
    emulated: z
      .string()
      .optional()
      .describe("set when the image ran under an emulator (qemu-user through binfmt_misc): which one"),
  })
  .describe("the image judged and run (check --image, check --build)");

const replaySchema = z
  .object({
    runtime: z.string().describe("the deployed runtime's ARN whose network was rebuilt"),
    networkMode: z.string(),
    ran: z.boolean(),
    network: z
      .enum(["twin", "public"])
      .optional()
      .describe("twin: the runtime's VPC rebuilt; public: the stand-in internet"),
    envLacked: z.array(z.string()).optional().describe("the runtime's variables the replay had no value for"),
    reason: z.string().optional().describe("why the replay did not run"),
    observations: z
      .array(z.looseObject({ kind: z.string(), at: z.number() }))
      .describe("what the replay saw (src/replay/observations.ts), the agent's output left out"),
    gaps: z.array(z.object({ errorCode: z.string(), message: z.string() })),
  })
  .describe("check --network-of: the agent run in a twin of the deployed runtime's network");

export const checkReportSchema = z.object({
  schemaVersion: z.literal(CHECK_REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal("agentcore-doctor"), version: z.string() }),
  command: z.literal("check"),
  verdict: z
    .enum(["healthy", "unhealthy", "inconclusive"])
    .describe(
      "unhealthy when any finding is an error; else inconclusive when this machine could not run the agent as its image would (HOST_MODULE_NOT_INSTALLED, HOST_COMMAND_NOT_INSTALLED, HOST_PORT_IN_USE, HOST_CANNOT_RUN_IMAGE)",
    ),
  target: z.object({
    dir: z.string(),
    protocol: z.enum(["HTTP", "MCP", "A2A", "AGUI"]),
    port: z.number().int(),
    argv: z.array(z.string()),
    origin: z.string().describe("where the command came from: Dockerfile line, --cmd, or a detected layout"),
    dockerfile: z.string().optional(),
    config: z.string().optional().describe("the project config file read, if any"),
  }),
  environment: z.object({
    dockerenv: z.enum(["absent-on-host", "hidden", "visible", "not-run"]),
    dockerenvDetail: z.string().optional(),
    network: z.string().describe("'host' or the network namespace the agent ran in"),
    socketsRead: z.boolean(),
    notes: z.array(z.string()),
  }),
  startup: z.object({
    outcome: z
      .enum(["healthy", "exited", "unhealthy", "wrong-port", "unreachable", "timeout", "not-run"])
      .describe("not-run: the target was only read (a code zip), never started"),
    limitMs: z.number(),
    elapsedMs: z.number().optional(),
    healthyAfterMs: z.number().optional(),
    reachableFromInterface: z
      .boolean()
      .optional()
      .describe("whether the port is served where AgentCore's health check arrives (not loopback only)"),
    listening: z.array(socketSchema).optional(),
    stuckConnections: z.array(z.object({ address: z.string(), port: z.number().int(), forMs: z.number() })),
    exit: z.object({ code: z.number().int().nullable(), signal: z.string().nullable() }).optional(),
  }),
  probes: z.array(exchangeSchema),
  output: z
    .array(z.object({ stream: z.enum(["stdout", "stderr"]), text: z.string() }))
    .describe("last lines the agent printed"),
  codeZip: codeZipSchema.optional(),
  image: imageSchema.optional(),
  replay: replaySchema.optional(),
  findings: z.array(findingSchema),
  summary: z.object({ errors: z.number().int(), warnings: z.number().int(), infos: z.number().int() }),
});

export type CheckReport = z.infer<typeof checkReportSchema>;
export type ReportExchange = z.infer<typeof exchangeSchema>;
export type CodeZipSection = z.infer<typeof codeZipSchema>;
export type ImageSection = z.infer<typeof imageSchema>;

/** Findings that say this machine could not run the agent as its image would: no verdict on the agent. */
export const INCONCLUSIVE_FINDINGS: ReadonlySet<string> = new Set([
  "HOST_MODULE_NOT_INSTALLED",
  "HOST_COMMAND_NOT_INSTALLED",
  "HOST_PORT_IN_USE",
  "HOST_CANNOT_RUN_IMAGE",
]);

/** The parts every check report shares: who wrote it, and the verdict and counts its findings give. */
export function reportVerdict(
  findings: readonly { id: string; severity: "error" | "warning" | "info" }[],
): Pick<CheckReport, "schemaVersion" | "tool" | "command" | "verdict" | "summary"> {
  const count = (severity: "error" | "warning" | "info") =>
    findings.filter((f) => f.severity === severity).length;
  const verdict =
    count("error") > 0
      ? "unhealthy"
      : findings.some((f) => INCONCLUSIVE_FINDINGS.has(f.id))
        ? "inconclusive"
        : "healthy";
  return {
    schemaVersion: CHECK_REPORT_SCHEMA_VERSION,
    tool: { name: "agentcore-doctor", version: TOOL_VERSION },
    command: "check",
    verdict,
    summary: { errors: count("error"), warnings: count("warning"), infos: count("info") },
  };
}

/** Exit code of an inconclusive check: this machine could not run the agent as its image would. */
export const CHECK_EXIT_INCONCLUSIVE = 3;

/** The exit code `check` ends with: 0 healthy, 1 an error finding, 3 inconclusive on this machine. */
export function checkExitCode(report: Pick<CheckReport, "verdict">): number {
  if (report.verdict === "healthy") return 0;
  return report.verdict === "inconclusive" ? CHECK_EXIT_INCONCLUSIVE : 1;
}
