import { execFileSync, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextSteps } from "../../src/diagnose/next-steps.js";
import { diagnose } from "../../src/diagnose/run.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { TEST_CREDENTIALS as credentials, runtimeRequest, seedRuntimes } from "../helpers/emulator.js";

function awsCli(): string | undefined {
  try {
    return execFileSync("aws", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return undefined;
  }
}

/** Runs a command line in sh without blocking the event loop: its exit status and standard error. */
function shell(command: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

const cli = awsCli();
if (!cli) console.log("skipping: the AWS CLI is not installed, so the next-step commands cannot be run");

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 0 } });
  await seedRuntimes(
    emulator,
    runtimeRequest("next_steps_vpc", {
      networkConfiguration: {
        networkMode: "VPC",
        networkModeConfig: {
          subnets: ["subnet-0a1b2c3d4e5f60718"],
          securityGroups: ["sg-0123456789abcdef0"],
        },
      },
    }),
  );
});
afterAll(async () => {
  await emulator?.stop();
});

describe.skipIf(!cli)("next steps", () => {
  it("are commands the AWS CLI accepts and runs, here against the emulator", async () => {
    const result = await diagnose({
      runtime: "next_steps_vpc",
      endpointUrl: emulator.url,
      region: "us-east-1",
      credentials,
      allowInvoke: false,
    });
    const commands = nextSteps(result.evidence, result.hypotheses)
      .map((s) => s.command)
      .filter((c) => c.startsWith("aws "));
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const command of commands) {
      // Asynchronously: the emulator answers from this process's event loop, which spawnSync would block.
      const run = await shell(command, {
        ...process.env,
        AWS_ENDPOINT_URL: emulator.url,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_MAX_ATTEMPTS: "1",
      });
      // A missing log group is the service's answer, not a malformed command.
      const accepted = run.status === 0 || /ResourceNotFoundException/.test(run.stderr);
      expect(accepted, `${command}\n${run.stderr}`).toBe(true);
    }
  });
});
