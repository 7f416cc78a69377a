import { resolve } from "node:path";
import type { Command } from "commander";
import type { Protocol } from "../agent/types.js";
import { type CheckFormat, renderCheckReport } from "../check/render.js";
import { type CheckStage, DEFAULT_STARTUP_TIMEOUT_MS, runCheck } from "../check/run-check.js";
import { UsageError } from "../util/errors.js";
import { progressReporter } from "./progress.js";

const PROTOCOLS: Record<string, Protocol> = { http: "HTTP", mcp: "MCP", a2a: "A2A", agui: "AGUI" };
const FORMATS = ["text", "json", "markdown"];

interface CheckFlags {
  cmd?: string;
  protocol?: string;
  startupTimeout: string;
  format: string;
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("run an agent locally as AgentCore would and probe its runtime contract")
    .argument("[dir]", "the agent's directory (its Docker build context)", ".")
    .option("--cmd <command>", "override the entry command (the Dockerfile's ENV still applies)")
    .option("--protocol <protocol>", "http | mcp | a2a | agui (default: from the project config, else http)")
    .option(
      "--startup-timeout <seconds>",
      "how long the agent may take to turn healthy",
      String(DEFAULT_STARTUP_TIMEOUT_MS / 1000),
    )
    .option("--format <format>", "text | json | markdown", "text")
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
      const progress = progressReporter<CheckStage>(process.stderr);
      const report = await runCheck({
        dir: resolve(dir),
        ...(flags.cmd !== undefined ? { cmd: flags.cmd } : {}),
        ...(protocol ? { protocol } : {}),
        startupTimeoutMs: seconds * 1000,
        onProgress: progress.update,
      }).finally(progress.done);
      process.stdout.write(
        renderCheckReport(
          report,
          format as CheckFormat,
          Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
        ),
      );
      process.exitCode = report.verdict === "healthy" ? 0 : 1;
    });
}
