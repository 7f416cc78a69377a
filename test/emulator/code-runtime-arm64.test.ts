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

// The code runtime's session on the linux/arm64 base (runc, qemu-user), in the session's netns:
// the default wherever the parts are here; asked for strictly so that a missing part fails, not runs x86.
const images = testImages();
const base = images.layout ? await codeBase({ choice: "arm64", driver: "netns" }) : undefined;
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

let roleArn = "";
let lastRuntimeId = "";

/** Puts the zip in S3, creates a PUBLIC code runtime on it, waits READY and invokes it once: the answer's text. */
async function invokeZip(
  name: string,
  key: string,
  zip: Buffer,
  runtime = "PYTHON_3_12",
  entryPoint = ["main.py"],
): Promise<string> {
  const config = sdkConfig(emulator);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const control = new BedrockAgentCoreControlClient(config);
  const data = new BedrockAgentCoreClient(config);
  try {
    await s3.send(new PutObjectCommand({ Bucket: "acme-agent-code", Key: key, Body: zip }));
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: name,
        agentRuntimeArtifact: {
          codeConfiguration: {
            code: { s3: { bucket: "acme-agent-code", prefix: key } },
            runtime: runtime as "PYTHON_3_12",
            entryPoint,
          },
        },
        roleArn,
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    lastRuntimeId = created.agentRuntimeId!;
    for (;;) {
      const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId! }));
      if (!got.status?.endsWith("ING")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const answer = await data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: created.agentRuntimeArn!,
        runtimeSessionId: `${name}-${"0".repeat(48)}`.slice(0, 48),
        contentType: "application/json",
        payload: new TextEncoder().encode("{}"),
      }),
    );
    return await answer.response!.transformToString();
  } finally {
    for (const client of [s3, control, data]) client.destroy();
  }
}

/** A stdlib-only agent answering with where it runs (machine, Python version, working directory) and a module of its zip. */
const MAIN_PY = `import json, os, platform, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self): self.reply({"status": "Healthy", "time_of_last_update": int(time.time())})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.reply({"machine": platform.machine(), "python": "%d.%d" % sys.version_info[:2], "cwd": os.getcwd(), "mainInCwd": os.path.exists("main.py")})
    def log_message(self, *a): pass
HTTPServer(("0.0.0.0", 8080), H).serve_forever()
`;

const MAIN_JS = `const http = require("node:http");
http.createServer((req, res) => {
  const body = req.method === "GET" ? { status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) } : { arch: process.arch, node: process.versions.node };
  req.resume();
  req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(body)); });
}).listen(8080, "0.0.0.0");
`;

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
      codeRuntimeBase: "arm64",
    });
    const config = sdkConfig(emulator);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const iam = new IAMClient(config);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: "acme-agent-code" }));
      const role = await iam.send(
        new CreateRoleCommand({ RoleName: "AgentRuntimeRole", AssumeRolePolicyDocument: TRUST }),
      );
      roleArn = role.Role!.Arn!;
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
    } finally {
      s3.destroy();
      iam.destroy();
    }
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("answers from a healthy Python zip on aarch64 (Debian's Python 3.11 for PYTHON_3_12, said in the log)", async () => {
    const started = Date.now();
    const answer = await invokeZip(
      "py_healthy",
      "healthy/python.zip",
      await unixZip([{ path: "main.py", data: MAIN_PY }]),
    );
    console.log(
      `healthy Python zip answered after ${Date.now() - started} ms (create, READY, session start, invocation)`,
    );
    expect(JSON.parse(answer)).toMatchObject({
      machine: "aarch64",
      python: "3.11",
      cwd: "/var/task",
      mainInCwd: true,
    });
    expect(logLines.join("\n")).toMatch(/\(Python 3\.11, not the PYTHON_3_12 managed runtime's own base\)/);
  }, 240_000);

  it("answers from a healthy NODE_22 zip on arm64 (Debian's Node.js 18)", async () => {
    const started = Date.now();
    const answer = await invokeZip(
      "node_healthy",
      "healthy/node.zip",
      await unixZip([{ path: "index.js", data: MAIN_JS }]),
      "NODE_22",
      ["index.js"],
    );
    console.log(`healthy Node zip answered after ${Date.now() - started} ms`);
    expect(JSON.parse(answer)).toMatchObject({ arch: "arm64" });
  }, 240_000);

  it("fails as on arm64 when its zip carries an x86-64 extension: health check failed, the import error in the runtime's output", async () => {
    const started = Date.now();
    const error = await invokeZip("x86_native", "orders/agent.zip", await scenarioZip()).then(
      () => undefined,
      (e: Error) => e,
    );
    console.log(`invocation failed after ${Date.now() - started} ms`);
    expect(error?.name).toBe("RuntimeClientError");
    expect(error?.message).toBe(HEALTH_CHECK_FAILED_MESSAGE);
    const said = logLines.join("\n");
    expect(said).toMatch(/started from the unpacked zip at \/var\/task on the linux\/arm64 Debian 12 image/);
    const kept = (await (
      await fetch(`${emulator.url}/_emulator/container-output?runtimeId=${lastRuntimeId}`)
    ).json()) as { lines: Array<{ text: string }> };
    const output = kept.lines.map((l) => l.text).join("\n");
    console.log(output);
    expect(output).toMatch(/File "(\/var\/task\/)?main\.py", line \d+/);
    expect(output).toMatch(/(ModuleNotFoundError|ImportError): .*_pydantic_core/);
  }, 240_000);
});
