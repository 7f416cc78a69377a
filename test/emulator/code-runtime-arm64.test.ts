import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeBase } from "../../src/emulator/bedrock-agentcore/code-base.js";
import { HEALTH_CHECK_FAILED_MESSAGE } from "../../src/emulator/bedrock-agentcore/sessions.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { testImages } from "../helpers/agent-images.js";
import { sdkConfig } from "../helpers/emulator.js";
import { unixZip } from "../helpers/zips.js";

// The code runtime's session on the linux/arm64 base (runc, qemu-user), in the session's netns.
process.env.ACD_CODE_RUNTIME_BASE = "arm64";
const images = testImages();
const base = images.layout ? await codeBase() : undefined;
const reason = images.reason ?? (base?.kind === "host" ? base.why : undefined);
if (base?.kind === "arm64") await base.release();
if (reason) console.log(`code-runtime-arm64.test: skipped (${reason})`);

/** The scenario's zip: main.py importing pydantic_core, whose extension is an x86-64 ELF object. */
function scenarioZip(): Promise<Buffer> {
  const root = "scenarios/codezip-x86-native/code";
  const files: { path: string; data: Buffer }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push({ path: relative(root, path), data: readFileSync(path) });
    }
  };
  walk(root);
  return unixZip(files);
}

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

let emulator: RunningEmulator;
const logLines: string[] = [];

describe.skipIf(reason !== undefined)("a code runtime on the linux/arm64 base", () => {
  beforeAll(async () => {
    emulator = await startEmulator({
      log: (line) => logLines.push(line),
      port: 0,
      driver: "netns",
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 60_000,
    });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("fails as on arm64 when its zip carries an x86-64 extension: health check failed, the import error in the runtime's output", async () => {
    const config = sdkConfig(emulator);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const iam = new IAMClient(config);
    const control = new BedrockAgentCoreControlClient(config);
    const data = new BedrockAgentCoreClient(config);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: "acme-agent-code" }));
      await s3.send(
        new PutObjectCommand({
          Bucket: "acme-agent-code",
          Key: "orders/agent.zip",
          Body: await scenarioZip(),
        }),
      );
      const role = await iam.send(
        new CreateRoleCommand({ RoleName: "AgentRuntimeRole", AssumeRolePolicyDocument: TRUST }),
      );
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: "AgentRuntimeRole",
          PolicyName: "read-code",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-agent-code/*" },
            ],
          }),
        }),
      );
      const created = await control.send(
        new CreateAgentRuntimeCommand({
          agentRuntimeName: "x86_native",
          agentRuntimeArtifact: {
            codeConfiguration: {
              code: { s3: { bucket: "acme-agent-code", prefix: "orders/agent.zip" } },
              runtime: "PYTHON_3_12",
              entryPoint: ["main.py"],
            },
          },
          roleArn: role.Role!.Arn!,
          networkConfiguration: { networkMode: "PUBLIC" },
        }),
      );
      for (;;) {
        const got = await control.send(
          new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId! }),
        );
        if (!got.status?.endsWith("ING")) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const started = Date.now();
      const error = await data
        .send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: created.agentRuntimeArn!,
            runtimeSessionId: `arm64-${"0".repeat(42)}`,
            contentType: "application/json",
            payload: new TextEncoder().encode("{}"),
          }),
        )
        .then(
          () => undefined,
          (e: Error) => e,
        );
      console.log(`invocation failed after ${Date.now() - started} ms`);
      expect(error?.name).toBe("RuntimeClientError");
      expect(error?.message).toBe(HEALTH_CHECK_FAILED_MESSAGE);
      const said = logLines.join("\n");
      expect(said).toMatch(
        /started from the unpacked zip at \/var\/task on the linux\/arm64 Debian 12 image/,
      );
      const kept = (await (
        await fetch(`${emulator.url}/_emulator/container-output?runtimeId=${created.agentRuntimeId}`)
      ).json()) as { lines: Array<{ text: string }> };
      const output = kept.lines.map((l) => l.text).join("\n");
      console.log(output);
      expect(output).toMatch(/File "(\/var\/task\/)?main\.py", line \d+/);
      expect(output).toMatch(/(ModuleNotFoundError|ImportError): .*_pydantic_core/);
    } finally {
      for (const client of [s3, iam, control, data]) client.destroy();
    }
  }, 240_000);
});
