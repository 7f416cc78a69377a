#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { UsageError } from "../util/errors.js";
import { TOOL_VERSION } from "../version.js";
import { registerCheck } from "./check.js";
import { registerDiagnose } from "./diagnose.js";
import { registerEmulate } from "./emulate.js";
import { registerScenario } from "./scenario.js";

/** Exit codes: 0 healthy, 1 error findings, 2 bad usage or the tool's own failure (3: a scenario's verdict was not the expected one). */
const EXIT_TOOL_FAILURE = 2;

async function main(argv: string[]): Promise<void> {
  // The SDK warns on Node 20 that its releases after January 2027 need Node 22: not this tool's locked versions.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const program = new Command()
    .name("agentcore-doctor")
    .description(
      "Get agents running on Amazon Bedrock AgentCore Runtime, and know in a minute why one is not.",
    )
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerCheck(program);
  registerEmulate(program);
  registerDiagnose(program);
  registerScenario(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_TOOL_FAILURE;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`agentcore-doctor: ${error.message}\n`);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(
        `agentcore-doctor: internal error, please report it with this output:\n${process.env.ACD_DEBUG ? detail : String((error as Error)?.message ?? error)}\n(set ACD_DEBUG=1 for the stack)\n`,
      );
    }
    process.exitCode = EXIT_TOOL_FAILURE;
  }
}

// Ctrl-C stops agents through the launcher's exit hook; `emulate` and `scenario run --keep` handle the signals themselves.
if (process.argv[2] !== "emulate" && !(process.argv[2] === "scenario" && process.argv.includes("--keep"))) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => process.exit(130));
  }
}

await main(process.argv);
