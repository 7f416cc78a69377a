import type { Command } from "commander";
import { DEFAULT_EMULATOR_PORT } from "../emulator/defaults.js";
import { UsageError } from "../util/errors.js";
import { registerEmulateLogs } from "./emulate-logs.js";

interface EmulateFlags {
  console?: boolean;
  host: string;
  port: string;
  stateDir?: string;
  readyAfter: string;
  config?: string;
  image: string[];
  driver?: string;
  accessKeyAccount: string[];
  verbose?: boolean;
}

/** What the emulator serves today, said plainly at start-up so nobody mistakes a gap for a bug. */
const COVERAGE = [
  "serving: bedrock-agentcore-control (runtimes, versions, endpoints, tags, resource policies), bedrock-agentcore (InvokeAgentRuntime, StopRuntimeSession, InvokeAgentRuntimeCommand, GetAgentCard, the /ws stream; SigV4 or a runtime's JWT authorizer),",
  "         EC2 (VPCs, subnets, security groups, routes, NAT and internet gateways, VPC endpoints, network interfaces),",
  "         IAM (roles, policies, service-linked roles, SimulatePrincipalPolicy), CloudTrail (LookupEvents),",
  "         STS (GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken),",
  "         CloudWatch Logs (groups, streams, events), ECR (repositories, images pushed to its registry at /v2/ or mapped from directories)",
  "not served: any other service or operation gets UnknownOperationException naming what was asked",
];

/** A second Ctrl-C sooner than this is the same one relayed by a parent (npm, tsx), not a person insisting. */
const RELAYED_SIGNAL_MS = 1000;
/** Stopping never takes longer: a stop that hangs ends the process, as a second Ctrl-C would. */
const STOP_DEADLINE_MS = 20_000;

export function registerEmulate(program: Command): void {
  const emulate = program.command("emulate");
  registerEmulateLogs(emulate);
  emulate
    .description("run a local AgentCore Runtime that the AWS SDKs and CLI talk to unchanged")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", String(DEFAULT_EMULATOR_PORT))
    .option("--state-dir <dir>", "persist state in this directory (default: in memory)")
    .option("--ready-after <seconds>", "how long runtimes stay CREATING/UPDATING", "2")
    .option("--config <file>", "emulator config (default: ./agentcore-emulator.yaml when present)")
    .option(
      "--image <uri=dir>",
      "map a containerUri to a local agent directory (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option(
      "--driver <driver>",
      "netns (each session in its own network namespace; needs root on Linux) or process",
    )
    .option(
      "--access-key-account <key=account>",
      "treat an access key id as another account's (a cross-account caller; repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--console", "serve a read-only console of the emulator's state at /_emulator/console")
    .option("--verbose", "log every request")
    .action(async (flags: EmulateFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be a port number (got ${flags.port}).`);
      const readyAfter = Number(flags.readyAfter);
      if (!Number.isFinite(readyAfter) || readyAfter < 0)
        throw new UsageError(`--ready-after must be seconds (got ${flags.readyAfter}).`);
      if (flags.driver !== undefined && flags.driver !== "netns" && flags.driver !== "process") {
        throw new UsageError(`--driver must be netns or process (got ${flags.driver}).`);
      }
      // The emulator (every service, its models) loads when it starts, not at every start of the CLI.
      const [{ loadEmulatorConfig, parseImageFlags }, { startEmulator }] = await Promise.all([
        import("../emulator/config.js"),
        import("../emulator/index.js"),
      ]);
      const config = await loadEmulatorConfig(flags.config);
      const images = { ...config.images, ...parseImageFlags(flags.image) };
      const accessKeyAccounts: Record<string, string> = {};
      for (const pair of flags.accessKeyAccount) {
        const match = /^([^=]+)=(\d{12})$/.exec(pair);
        if (!match) throw new UsageError(`--access-key-account takes KEY=ACCOUNT (12 digits) (got ${pair}).`);
        accessKeyAccounts[match[1]!] = match[2]!;
      }
      const driver = (flags.driver as "netns" | "process" | undefined) ?? config.driver;
      const emulator = await startEmulator({
        host: flags.host,
        port,
        images,
        ...(driver ? { driver } : {}),
        ...(config.startupTimeoutSeconds ? { startupTimeoutMs: config.startupTimeoutSeconds * 1000 } : {}),
        ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
        timing: { readyAfterMs: readyAfter * 1000 },
        ...(flags.console ? { console: true } : {}),
        ...(Object.keys(accessKeyAccounts).length > 0 ? { accessKeyAccounts } : {}),
        ...(flags.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "EADDRINUSE")
          throw new UsageError(`${flags.host}:${port} is in use: pass --port with a free port.`);
        throw error;
      });
      process.stderr.write(
        [
          `agentcore-doctor emulator on ${emulator.url} (state: ${flags.stateDir ?? "in memory"}; sessions: ${emulator.driver} driver)`,
          ...(emulator.consoleUrl ? [`console: ${emulator.consoleUrl} (read-only)`] : []),
          ...Object.entries(images).map(([uri, dir]) => `image ${uri} -> ${dir}`),
          ...COVERAGE,
          `registry: aws ecr get-login-password | docker login -u AWS --password-stdin ${emulator.url.replace(/^http:\/\//, "")} (plain HTTP; skopeo: --dest-tls-verify=false)`,
          `use it: export AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
          "signatures are parsed for region and service, not verified. Ctrl-C stops.",
          "",
        ].join("\n"),
      );
      let first: number | undefined;
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
          // Kept while stopping: under npm or tsx a Ctrl-C arrives again, relayed by each parent,
          // and a process with no handler left would end in the middle of removing what it made.
          process.on(signal, () => {
            if (first === undefined) {
              first = Date.now();
              return resolve();
            }
            if (Date.now() - first < RELAYED_SIGNAL_MS) return;
            process.stderr.write(
              "agentcore-doctor emulator: stopped at once; what it made is reaped at the next start\n",
            );
            process.exit(130);
          });
        }
      });
      // Stopping ends starts under way, sessions, the namespace pool and the session network, then the server.
      const deadline = setTimeout(() => {
        process.stderr.write(
          `agentcore-doctor emulator: not stopped after ${STOP_DEADLINE_MS / 1000} s; exiting, what it made is reaped at the next start\n`,
        );
        process.exit(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      await emulator.stop();
    });
}
