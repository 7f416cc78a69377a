import type { Command } from "commander";
import { DEFAULT_EMULATOR_PORT, startEmulator } from "../emulator/index.js";
import { UsageError } from "../util/errors.js";

interface EmulateFlags {
  host: string;
  port: string;
  stateDir?: string;
  readyAfter: string;
  verbose?: boolean;
}

/** What the emulator serves today, said plainly at start-up so nobody mistakes a gap for a bug. */
const COVERAGE = [
  "serving: bedrock-agentcore-control (Create/Get/Update/Delete/List AgentRuntime(s), ListAgentRuntimeVersions,",
  "         Create/Get/Update/Delete/List AgentRuntimeEndpoint(s))",
  "not yet: InvokeAgentRuntime and sessions, EC2, IAM, STS, CloudTrail, CloudWatch Logs, ECR: they answer NotImplemented",
];

export function registerEmulate(program: Command): void {
  program
    .command("emulate")
    .description("run a local AgentCore Runtime that the AWS SDKs and CLI talk to unchanged")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", String(DEFAULT_EMULATOR_PORT))
    .option("--state-dir <dir>", "persist state in this directory (default: in memory)")
    .option("--ready-after <seconds>", "how long runtimes stay CREATING/UPDATING", "2")
    .option("--verbose", "log every request")
    .action(async (flags: EmulateFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be a port number (got ${flags.port}).`);
      const readyAfter = Number(flags.readyAfter);
      if (!Number.isFinite(readyAfter) || readyAfter < 0)
        throw new UsageError(`--ready-after must be seconds (got ${flags.readyAfter}).`);
      const emulator = await startEmulator({
        host: flags.host,
        port,
        ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
        timing: { readyAfterMs: readyAfter * 1000 },
        ...(flags.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "EADDRINUSE")
          throw new UsageError(`${flags.host}:${port} is in use: pass --port with a free port.`);
        throw error;
      });
      process.stderr.write(
        [
          `agentcore-doctor emulator on ${emulator.url} (state: ${flags.stateDir ?? "in memory"})`,
          ...COVERAGE,
          `use it: export AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
          "signatures are parsed for region and service, not verified. Ctrl-C stops.",
          "",
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
      });
      await emulator.stop();
    });
}
