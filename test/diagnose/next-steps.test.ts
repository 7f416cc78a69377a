import { execFileSync, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextSteps, supportCaseText } from "../../src/diagnose/next-steps.js";
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
    runtimeRequest("next_steps_jwt", {
      authorizerConfiguration: {
        customJWTAuthorizer: {
          discoveryUrl: "https://idp.example.com/.well-known/openid-configuration",
          allowedAudience: ["support-agent-api"],
        },
      },
    }),
  );
});
afterAll(async () => {
  await emulator?.stop();
});

/** Runs the next steps' AWS CLI commands against the emulator: each must be accepted. */
async function expectAccepted(commands: readonly string[]): Promise<void> {
  for (const command of commands.filter((c) => c.startsWith("aws "))) {
    // Asynchronously: the emulator answers from this process's event loop, which spawnSync would block.
    const run = await shell(command, {
      ...process.env,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_MAX_ATTEMPTS: "1",
    });
    // A missing log group or policy is the service's answer, not a malformed command.
    const accepted = run.status === 0 || /ResourceNotFoundException/.test(run.stderr);
    expect(accepted, `${command}\n${run.stderr}`).toBe(true);
  }
}

/** The steps a health-check investigation takes: none is a question for a request refused before the agent. */
const HEALTH_CHECK_STEPS = [
  /--invoke$/,
  /describe-log-streams/,
  /agentcore-doctor check/,
  /aws ec2 /,
  /lookup-events/,
];

describe("next steps of a request refused before the agent", () => {
  const refusals = [
    {
      error:
        "An error occurred (AccessDeniedException) when calling the InvokeAgentRuntime operation: Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request (OAuth or SigV4)",
      finding: "INBOUND_AUTH_METHOD_MISMATCH",
      own: [
        /get-agent-runtime .*--query authorizerConfiguration/,
        /^curl -sS -X POST .*Authorization: Bearer/,
      ],
    },
    {
      error: '{"message":"Missing Authentication Token"}',
      finding: "INBOUND_TOKEN_MISSING",
      own: [/--query authorizerConfiguration/, /Authorization: Bearer/],
    },
    {
      error: "OAuth authorization failed: the token's audience is not allowed",
      finding: "INBOUND_TOKEN_REJECTED",
      own: [
        /--query authorizerConfiguration/,
        /^curl -sS https:\/\/idp\.example\.com/,
        /^python3 -c .*urlsafe_b64decode/,
      ],
    },
    {
      error:
        "User: arn:aws:sts::210987654321:assumed-role/Caller/s is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime on resource: arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x because no resource-based policy allows the bedrock-agentcore:InvokeAgentRuntime action",
      finding: "CROSS_ACCOUNT_NOT_ALLOWED",
      own: [
        /get-resource-policy --resource-arn \S+:runtime\/next_steps_jwt-\w+ /,
        /runtime-endpoint\/DEFAULT/,
        /sts get-caller-identity/,
      ],
    },
  ];
  for (const refusal of refusals) {
    it(`${refusal.finding}: its own steps, no health-check ones, and a support question of its own`, async () => {
      const result = await diagnose({
        runtime: "next_steps_jwt",
        endpointUrl: emulator.url,
        region: "us-east-1",
        credentials,
        allowInvoke: false,
        reportedError: refusal.error,
      });
      expect(result.findings.map((f) => f.id)).toContain(refusal.finding);
      const steps = nextSteps(result.evidence, result.hypotheses, undefined, result.findings).map(
        (s) => s.command,
      );
      for (const own of refusal.own)
        expect(
          steps.some((c) => own.test(c)),
          `${own}\n${steps.join("\n")}`,
        ).toBe(true);
      for (const other of HEALTH_CHECK_STEPS) expect(steps.filter((c) => other.test(c))).toEqual([]);
      const support = supportCaseText(result.evidence, result.findings, result.hypotheses);
      expect(support).not.toMatch(/health-check results/);
      expect(support).toContain(refusal.finding);
      if (cli) await expectAccepted(steps);
    });
  }

  it("a JWT runtime without findings: the bearer call, never diagnose --invoke (SigV4, which it refuses)", async () => {
    const result = await diagnose({
      runtime: "next_steps_jwt",
      endpointUrl: emulator.url,
      region: "us-east-1",
      credentials,
      allowInvoke: false,
    });
    const steps = nextSteps(result.evidence, result.hypotheses, undefined, result.findings).map(
      (s) => s.command,
    );
    expect(steps.some((c) => /Authorization: Bearer/.test(c))).toBe(true);
    expect(steps.some((c) => /--invoke$/.test(c))).toBe(false);
  });
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
