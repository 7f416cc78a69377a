import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { DIAGNOSE_FORMATS, type DiagnoseFormat } from "../diagnose/formats.js";
import { UsageError } from "../util/errors.js";
import { progressReporter } from "./progress.js";

interface DiagnoseFlags {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  qualifier: string;
  config?: string;
  source?: string;
  since: string;
  invoke?: boolean;
  compare?: string;
  format: string;
  out?: string;
  replay: boolean;
  env: string[];
  error?: string;
  fromReport?: string;
}

/** --env NAME=VALUE, repeated: the values the replay gives the runtime's environment variables. */
function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--env wants NAME=VALUE (got ${pair}).`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseSince(value: string): number {
  const match = /^(\d+)([mhd])$/.exec(value);
  if (!match) throw new UsageError(`--since wants a duration like 90m, 24h or 7d (got ${value}).`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

export function registerDiagnose(program: Command): void {
  program
    .command("diagnose")
    .description("investigate a deployed runtime, read-only, and report root causes with evidence")
    .argument("[runtime]", "runtime id, ARN or name (optional with --error)")
    .option("--region <region>", "AWS region (default: the SDK's provider chain)")
    .option("--profile <profile>", "AWS profile")
    .option("--endpoint-url <url>", "one endpoint for every AWS call (e.g. the emulator)")
    .option("--qualifier <endpoint>", "the runtime endpoint invocations use", "DEFAULT")
    .option("--config <file>", "project config to compare with the deployed runtime")
    .option("--source <dir>", "the agent's source: run check's static checks on it")
    .option("--since <duration>", "how far back to read CloudTrail", "24h")
    .option("--invoke", "make one invocation on a fresh session (the only call that is not read-only)")
    .option("--compare <runtime>", "diagnose another runtime too and set the two side by side")
    .option("--no-replay", "do not run the agent (--source) in a twin of the runtime's network")
    .option(
      "--env <name=value>",
      "a value for one of the runtime's environment variables in the replay (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--error <message>",
      "the error message you saw: match it to the causes it can have, ranked with the runtime's evidence when a runtime is named",
    )
    .option(
      "--from-report <file>",
      "collect nothing: render a JSON report diagnose wrote (--format json) in another --format",
    )
    .option("--format <format>", DIAGNOSE_FORMATS.join(" | "), "text")
    .option("--out <file>", "write the report to a file")
    .action(async (runtime: string | undefined, flags: DiagnoseFlags) => {
      if (!(DIAGNOSE_FORMATS as readonly string[]).includes(flags.format))
        throw new UsageError(`--format must be ${DIAGNOSE_FORMATS.join(", ")} (got ${flags.format}).`);
      if (flags.fromReport !== undefined) {
        if (runtime !== undefined || flags.error !== undefined)
          throw new UsageError(
            "--from-report renders a saved report: it takes no runtime and no --error (diagnose again for those).",
          );
        const [{ readSavedReport }, { diagnoseExitCode, RENDERERS }] = await Promise.all([
          import("../diagnose/saved-report.js"),
          import("../diagnose/render.js"),
        ]);
        const report = await readSavedReport(flags.fromReport);
        const text = RENDERERS[flags.format as DiagnoseFormat](report, {
          color: !flags.out && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
        });
        if (flags.out) await writeFile(flags.out, text);
        else process.stdout.write(text);
        // The exit code of the diagnosis it renders, so a script gates on it as on the run itself.
        process.exitCode = diagnoseExitCode(report);
        return;
      }
      if (!runtime) {
        if (flags.error === undefined)
          throw new UsageError(
            "Name the runtime to diagnose (its id, ARN or name), or pass --error with the message you saw.",
          );
        const [{ diagnoseError }, { renderErrorOnly }] = await Promise.all([
          import("../diagnose/error-messages.js"),
          import("../diagnose/render-error.js"),
        ]);
        const text = renderErrorOnly(
          diagnoseError(flags.error),
          flags.format,
          !flags.out && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
        );
        if (flags.out) await writeFile(flags.out, text);
        else process.stdout.write(text);
        return;
      }
      // Imported here: the collectors load every AWS SDK client, over a second of CPU, which
      // --help, --error alone and the other commands do not need.
      const [{ diagnose }, { diagnoseExitCode, renderDiagnosis }] = await Promise.all([
        import("../diagnose/run.js"),
        import("../diagnose/render.js"),
      ]);
      const progress = progressReporter<string>(process.stderr);
      const result = await diagnose({
        runtime,
        allowInvoke: Boolean(flags.invoke),
        ...(flags.invoke ? { invoke: true } : {}),
        ...(flags.compare ? { compareWith: flags.compare } : {}),
        sinceMs: parseSince(flags.since),
        ...(flags.replay === false ? { noReplay: true } : {}),
        ...(flags.env.length > 0 ? { env: parseEnv(flags.env) } : {}),
        ...(flags.error !== undefined ? { reportedError: flags.error } : {}),
        qualifier: flags.qualifier,
        ...(flags.region ? { region: flags.region } : {}),
        ...(flags.profile ? { profile: flags.profile } : {}),
        ...(flags.endpointUrl ? { endpointUrl: flags.endpointUrl } : {}),
        ...(flags.config ? { configFile: resolve(flags.config) } : {}),
        ...(flags.source ? { sourceDir: resolve(flags.source) } : {}),
        onProgress: (step) => progress.update("collect", step),
      })
        .catch((error: Error) => {
          // The SDK's own words for an unset region are no guide to what to do.
          if (error.message === "Region is missing")
            throw new UsageError(
              "No AWS region: pass --region, or set AWS_REGION (or a region in your profile).",
            );
          throw error;
        })
        .finally(progress.done);
      const format = flags.format as DiagnoseFormat;
      const text = renderDiagnosis(
        result,
        format,
        !flags.out && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      );
      if (flags.out) await writeFile(flags.out, text);
      else process.stdout.write(text);
      process.exitCode = diagnoseExitCode(result);
    });
}
