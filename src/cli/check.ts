import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { Protocol } from "../agent/types.js";
import { CHECK_FORMATS, type CheckFormat, DEFAULT_STARTUP_TIMEOUT_MS } from "../check/defaults.js";
import type { runImageCheck } from "../check/image-check.js";
import type { CheckStage, runCheck } from "../check/run-check.js";
import { UsageError } from "../util/errors.js";
import { progressReporter } from "./progress.js";

const PROTOCOLS: Record<string, Protocol> = { http: "HTTP", mcp: "MCP", a2a: "A2A", agui: "AGUI" };
const FORMATS: readonly string[] = CHECK_FORMATS;

interface CheckFlags {
  cmd?: string;
  protocol?: string;
  startupTimeout: string;
  idleTimeout?: string;
  format: string;
  runtime?: string;
  entryPoint?: string;
  maxZipMb?: string;
  maxUnzippedMb?: string;
  env: string[];
  run: boolean;
  image?: string;
  build?: boolean;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  networkOf?: string;
}

/** `--env KEY=VALUE`, repeatable: the runtime's environmentVariables. */
function environment(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair.slice(0, eq)))
      throw new UsageError(`--env takes KEY=VALUE with KEY a variable name (got ${pair}).`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** `--entry-point "opentelemetry-instrument main.py"` or a JSON array, as codeConfiguration.entryPoint. */
function entryPointItems(value: string): string[] {
  if (value.trim().startsWith("[")) {
    let items: unknown;
    try {
      items = JSON.parse(value);
    } catch {
      items = undefined;
    }
    if (Array.isArray(items) && items.every((i) => typeof i === "string")) return items;
    throw new UsageError(`--entry-point must be a JSON array of strings or words (got ${value}).`);
  }
  return value.trim().split(/\s+/);
}

function mebibytes(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive number of MiB (got ${value}).`);
  return n * 1024 * 1024;
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("run an agent locally as AgentCore would and probe its runtime contract")
    .argument("[dir]", "the agent's directory (its Docker build context), or a code zip", ".")
    .option("--cmd <command>", "override the entry command (the Dockerfile's ENV still applies)")
    .option("--protocol <protocol>", "http | mcp | a2a | agui (default: from the project config, else http)")
    .option(
      "--startup-timeout <seconds>",
      "how long the agent may take to turn healthy",
      String(DEFAULT_STARTUP_TIMEOUT_MS / 1000),
    )
    .option(
      "--idle-timeout <seconds>",
      "the session idle timeout a HealthyBusy /ping is judged over (default 900, AgentCore's idleRuntimeSessionTimeout default)",
    )
    .option("--format <format>", "text | json | markdown | sarif", "text")
    .option(
      "--runtime <runtime>",
      "a code zip's runtime: PYTHON_3_10 .. PYTHON_3_14, NODE_22 (default: agentcore.json)",
    )
    .option(
      "--entry-point <items>",
      'a code zip\'s entry point: "main.py" or "opentelemetry-instrument main.py"',
    )
    .option("--max-zip-mb <MiB>", "the zipped size limit (default: the documented 250)")
    .option("--max-unzipped-mb <MiB>", "the unzipped size limit (default: the documented 750)")
    .option("--no-run", "a code zip file: read it only, do not start it from its unpacked tree")
    .option(
      "--env <KEY=VALUE>",
      "an environment variable for the agent, as the runtime's environmentVariables (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--image <ref>",
      "run an image as AgentCore would: an OCI layout DIR[:TAG], an OCI or docker archive, a registry reference (ECR and the emulator's included), or a local Docker/Podman image",
    )
    .option(
      "--build",
      "build DIR's Dockerfile for linux/arm64 (buildah, podman or docker), then run the image",
    )
    .option(
      "--network-of <runtime>",
      "also run the agent in a twin of this deployed runtime's network (id, ARN or name; read-only, as diagnose reads it)",
    )
    .option(
      "--region <region>",
      "with --image: the region for ECR's login and the agent's AWS_REGION; with --network-of: the runtime's region",
    )
    .option(
      "--profile <profile>",
      "with --image: the AWS profile for ECR's login; with --network-of: the profile",
    )
    .option(
      "--endpoint-url <url>",
      "with --image: where ECR's GetAuthorizationToken is asked (the emulator); with --network-of: one endpoint for every AWS call",
    )
    .action(async (dir: string, flags: CheckFlags) => {
      const format = flags.format;
      if (!FORMATS.includes(format))
        throw new UsageError(`--format must be one of ${FORMATS.join(", ")} (got ${format}).`);
      const protocol = flags.protocol === undefined ? undefined : PROTOCOLS[flags.protocol.toLowerCase()];
      if (flags.protocol !== undefined && !protocol) {
        throw new UsageError(
          `--protocol must be one of ${Object.keys(PROTOCOLS).join(", ")} (got ${flags.protocol}).`,
        );
      }
      const seconds = Number(flags.startupTimeout);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        throw new UsageError(
          `--startup-timeout must be a positive number of seconds (got ${flags.startupTimeout}).`,
        );
      }
      const idleSeconds = flags.idleTimeout === undefined ? undefined : Number(flags.idleTimeout);
      if (idleSeconds !== undefined && (!Number.isFinite(idleSeconds) || idleSeconds <= 0))
        throw new UsageError(
          `--idle-timeout must be a positive number of seconds (got ${flags.idleTimeout}).`,
        );
      const zipBytes = mebibytes("--max-zip-mb", flags.maxZipMb);
      const unzippedBytes = mebibytes("--max-unzipped-mb", flags.maxUnzippedMb);
      const codeZip = {
        ...(flags.runtime !== undefined ? { runtime: flags.runtime } : {}),
        ...(flags.entryPoint !== undefined ? { entryPoint: entryPointItems(flags.entryPoint) } : {}),
        ...(flags.run === false ? { noRun: true } : {}),
        limits: {
          ...(zipBytes !== undefined ? { zipBytes } : {}),
          ...(unzippedBytes !== undefined ? { unzippedBytes } : {}),
        },
      };
      const env = environment(flags.env);
      const progress = progressReporter<CheckStage>(process.stderr);
      if (flags.image !== undefined && flags.build)
        throw new UsageError("--image and --build exclude each other: --build makes the image it runs.");
      if (flags.networkOf !== undefined && (flags.image !== undefined || flags.build))
        throw new UsageError(
          "--network-of replays the agent's directory (DIR); it does not take --image or --build yet.",
        );
      const imageOptions = {
        ...(protocol ? { protocol } : {}),
        startupTimeoutMs: seconds * 1000,
        ...(Object.keys(env).length > 0 ? { env } : {}),
        ...(flags.region ? { region: flags.region } : {}),
        ...(flags.profile ? { profile: flags.profile } : {}),
        ...(flags.endpointUrl ? { endpointUrl: flags.endpointUrl } : {}),
        onProgress: progress.update,
      };
      const report =
        flags.image !== undefined
          ? await (await import("../check/image-check.js"))
              .runImageCheck({ image: flags.image, ...imageOptions })
              .finally(progress.done)
          : flags.build
            ? await buildAndCheck(resolve(dir), imageOptions).finally(progress.done)
            : await checkDir(
                {
                  dir: resolve(dir),
                  ...(flags.cmd !== undefined ? { cmd: flags.cmd } : {}),
                  ...(protocol ? { protocol } : {}),
                  startupTimeoutMs: seconds * 1000,
                  ...(idleSeconds !== undefined ? { idleTimeoutMs: idleSeconds * 1000 } : {}),
                  ...(Object.keys(env).length > 0 ? { env } : {}),
                  codeZip,
                  onProgress: progress.update,
                },
                flags,
              ).finally(progress.done);
      const [{ renderCheckReport }, { checkExitCode }] = await Promise.all([
        import("../check/render.js"),
        import("../check/report.js"),
      ]);
      process.stdout.write(
        renderCheckReport(
          report,
          format as CheckFormat,
          Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
        ),
      );
      process.exitCode = checkExitCode(report);
    });
}

/**
 * `check DIR`, and with --network-of the agent replayed in the twin of that runtime's network.
 * Each path is imported when asked for: the network-of and image paths load the AWS SDK's
 * clients, over a second of CPU at every start of a plain `check DIR` or of another command.
 */
async function checkDir(options: Parameters<typeof runCheck>[0], flags: CheckFlags) {
  if (flags.networkOf === undefined) return (await import("../check/run-check.js")).runCheck(options);
  // The check, then the agent replayed in the runtime's network by diagnose's read-only collection.
  const [checks, { replayInNetworkOf }, { withReplay }] = await Promise.all([
    import("../check/run-check.js"),
    import("../diagnose/network-of.js"),
    import("../check/network-of.js"),
  ]);
  const report = await checks.runCheck(options);
  options.onProgress?.("launch", `replaying the agent in the network of ${flags.networkOf}`);
  const replayed = await replayInNetworkOf({
    runtime: flags.networkOf,
    source: options.dir,
    ...(options.env ? { env: options.env } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags.endpointUrl ? { endpointUrl: flags.endpointUrl } : {}),
  });
  return withReplay(report, replayed);
}

/** `check DIR --build`: the image a builder present here makes of DIR, run as `check --image` runs one. */
async function buildAndCheck(
  dir: string,
  options: Omit<Parameters<typeof runImageCheck>[0], "image">,
): Promise<Awaited<ReturnType<typeof runImageCheck>>> {
  const [{ buildImage }, { runImageCheck }] = await Promise.all([
    import("../check/build-image.js"),
    import("../check/image-check.js"),
  ]);
  const work = await mkdtemp(join(tmpdir(), "acd-build-"));
  try {
    options.onProgress?.("plan", `building ${dir} for linux/arm64`);
    const built = await buildImage(dir, undefined, work);
    try {
      return await runImageCheck({
        ...options,
        image: built.archive,
        label: `${dir} (built by ${built.builder})`,
        notes: [`built by ${built.builder} build --platform linux/arm64 from ${join(dir, "Dockerfile")}`],
      });
    } finally {
      await built.remove();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
