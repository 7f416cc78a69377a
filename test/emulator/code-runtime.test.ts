import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { awsCli, awsCliSkip } from "../helpers/aws-cli.js";
import { sdkConfig } from "../helpers/emulator.js";
import { unixZip } from "../helpers/zips.js";

/** A stdlib-only agent: /ping, and /invocations answering with its interpreter and the mode its helper script was unpacked with. */
const MAIN_PY = `import json, os, stat, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
import helper
class H(BaseHTTPRequestHandler):
    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self): self.reply({"status": "Healthy", "time_of_last_update": int(time.time())})
    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        mode = oct(stat.S_IMODE(os.stat("tool.sh").st_mode))
        self.reply({"echo": payload, "python": "%d.%d" % sys.version_info[:2], "helper": helper.NAME, "mode": mode, "cwd": os.getcwd() == os.path.dirname(os.path.abspath(__file__))})
    def log_message(self, *a): pass
print("code agent starting", flush=True)
HTTPServer(("0.0.0.0", 8080), H).serve_forever()
`;

const MAIN_JS = `const http = require("node:http");
http.createServer((req, res) => {
  const body = req.method === "GET" ? { status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) } : { node: process.versions.node };
  req.resume();
  req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(body)); });
}).listen(8080, "0.0.0.0");
`;

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

let emulator: RunningEmulator;
let clients: {
  s3: S3Client;
  iam: IAMClient;
  control: BedrockAgentCoreControlClient;
  data: BedrockAgentCoreClient;
};
const dir = mkdtempSync(join(tmpdir(), "acd-code-runtime-"));
let allowedRole = "";
const logLines: string[] = [];
let deniedRole = "";

beforeAll(async () => {
  emulator = await startEmulator({
    log: (line) => logLines.push(line),
    port: 0,
    driver: "process",
    // This file tests the host-interpreter mode (its version named, NODE_22 on this node); the
    // linux/arm64 base, the default where it can run, is code-runtime-arm64.test.ts's.
    codeRuntimeBase: "host",
    timing: { readyAfterMs: 0 },
    startupTimeoutMs: 10_000,
  });
  const config = sdkConfig(emulator);
  clients = {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    iam: new IAMClient(config),
    control: new BedrockAgentCoreControlClient(config),
    data: new BedrockAgentCoreClient(config),
  };
  await clients.s3.send(new CreateBucketCommand({ Bucket: "agent-code" }));
  for (const name of ["CodeAgentRole", "NoS3Role"]) {
    const role = await clients.iam.send(
      new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }),
    );
    if (name === "CodeAgentRole") allowedRole = role.Role!.Arn!;
    else deniedRole = role.Role!.Arn!;
  }
  await clients.iam.send(
    new PutRolePolicyCommand({
      RoleName: "CodeAgentRole",
      PolicyName: "read-code",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: "arn:aws:s3:::agent-code/*",
          },
        ],
      }),
    }),
  );
});
afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function ready(id: string): Promise<void> {
  for (;;) {
    const got = await clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id }));
    if (!got.status?.endsWith("ING")) {
      expect(got.status).toBe("READY");
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function invoke(arn: string, session: string, payload: unknown = {}): Promise<Record<string, unknown>> {
  const answer = await clients.data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: arn,
      runtimeSessionId: `${session}-${"0".repeat(40)}`.slice(0, 48),
      contentType: "application/json",
      payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  return JSON.parse(await answer.response!.transformToString()) as Record<string, unknown>;
}

async function codeRuntime(
  name: string,
  key: string,
  roleArn: string,
  runtime = "PYTHON_3_12",
  entry = ["main.py"],
) {
  const created = await clients.control.send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: name,
      agentRuntimeArtifact: {
        codeConfiguration: {
          code: { s3: { bucket: "agent-code", prefix: key } },
          runtime: runtime as "PYTHON_3_12",
          entryPoint: entry,
        },
      },
      roleArn,
      networkConfiguration: { networkMode: "PUBLIC" },
    }),
  );
  await ready(created.agentRuntimeId!);
  return created.agentRuntimeArn!;
}

const pythonZip = () =>
  unixZip([
    { path: "main.py", data: MAIN_PY },
    { path: "helper.py", data: 'NAME = "from the zip"\n' },
    { path: "tool.sh", data: "#!/bin/sh\necho hi\n", mode: 0o750 },
  ]);

describe("codeConfiguration runtimes", () => {
  it.skipIf(awsCliSkip)(
    `aws s3 cp + aws bedrock-agentcore-control create-agent-runtime answers InvokeAgentRuntime${awsCliSkip ? ` (skipped: ${awsCliSkip})` : ""}`,
    async () => {
      const zip = join(dir, "agent.zip");
      writeFileSync(zip, await pythonZip());
      const cp = await awsCli(emulator.url, "s3", "cp", zip, "s3://agent-code/agents/cli/agent.zip");
      expect(cp.status, cp.stderr).toBe(0);
      const create = await awsCli(
        emulator.url,
        "bedrock-agentcore-control",
        "create-agent-runtime",
        "--agent-runtime-name",
        "cli_code_agent",
        "--agent-runtime-artifact",
        JSON.stringify({
          codeConfiguration: {
            code: { s3: { bucket: "agent-code", prefix: "agents/cli/agent.zip" } },
            runtime: "PYTHON_3_12",
            entryPoint: ["main.py"],
          },
        }),
        "--role-arn",
        allowedRole,
        "--network-configuration",
        "networkMode=PUBLIC",
      );
      expect(create.status, create.stderr).toBe(0);
      const created = JSON.parse(create.stdout) as { agentRuntimeArn: string; agentRuntimeId: string };
      await ready(created.agentRuntimeId);
      // CLI v1 writes the streamed answer to a file.
      const out = join(dir, "answer.json");
      const invoked = await awsCli(
        emulator.url,
        "bedrock-agentcore",
        "invoke-agent-runtime",
        "--agent-runtime-arn",
        created.agentRuntimeArn,
        "--runtime-session-id",
        `cli-session-${"1".repeat(36)}`,
        "--content-type",
        "application/json",
        "--payload",
        JSON.stringify({ prompt: "hi" }),
        out,
      );
      expect(invoked.status, invoked.stderr).toBe(0);
      const answer = JSON.parse((await import("node:fs")).readFileSync(out, "utf8")) as Record<
        string,
        unknown
      >;
      expect(answer).toMatchObject({
        echo: { prompt: "hi" },
        helper: "from the zip",
        mode: "0o750",
        cwd: true,
      });
    },
  );

  it("runs the zip as the SDK deploys it: unpacked with its modes, on the host's Python for the runtime", async () => {
    await clients.s3.send(
      new PutObjectCommand({ Bucket: "agent-code", Key: "agents/sdk.zip", Body: await pythonZip() }),
    );
    const arn = await codeRuntime("sdk_code_agent", "agents/sdk.zip", allowedRole);
    const answer = await invoke(arn, "sdk-session", { n: 1 });
    expect(answer).toMatchObject({ echo: { n: 1 }, helper: "from the zip", mode: "0o750" });
    expect(answer.python).toMatch(/^3\.\d+$/);
    // The emulator says which Python it really ran when it is not the runtime's.
    const said = logLines.filter((l) => l.includes("started from the unpacked zip with"));
    expect(said.length).toBeGreaterThan(0);
    if (answer.python !== "3.12") expect(said.join("\n")).toContain("this machine has no Python 3.12");
  });

  it("refuses the session when the execution role may not read the zip, in IAM's words", async () => {
    const arn = await codeRuntime("denied_code_agent", "agents/sdk.zip", deniedRole);
    const error = await clients.data
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          runtimeSessionId: `denied-session-${"2".repeat(36)}`,
          payload: new TextEncoder().encode("{}"),
        }),
      )
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.name).toBe("AccessDeniedException");
    expect(error?.message).toContain(
      `User: ${deniedRole} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::agent-code/agents/sdk.zip"`,
    );
  });

  it("says when the zip is not there", async () => {
    const arn = await codeRuntime("missing_code_agent", "agents/none.zip", allowedRole);
    const error = await clients.data
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          runtimeSessionId: `missing-session-${"3".repeat(36)}`,
          payload: new TextEncoder().encode("{}"),
        }),
      )
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.message).toContain("s3://agent-code/agents/none.zip could not be read: NoSuchKey");
  });

  it("runs the version a runtime pins (versionId), not the newest", async () => {
    await clients.s3.send(
      new PutBucketVersioningCommand({
        Bucket: "agent-code",
        VersioningConfiguration: { Status: "Enabled" },
      }),
    );
    const zipNamed = (name: string) =>
      unixZip([
        { path: "main.py", data: MAIN_PY },
        { path: "helper.py", data: `NAME = "${name}"\n` },
        { path: "tool.sh", data: "#!/bin/sh\n", mode: 0o755 },
      ]);
    const one = await clients.s3.send(
      new PutObjectCommand({ Bucket: "agent-code", Key: "agents/pinned.zip", Body: await zipNamed("one") }),
    );
    await clients.s3.send(
      new PutObjectCommand({ Bucket: "agent-code", Key: "agents/pinned.zip", Body: await zipNamed("two") }),
    );
    const created = await clients.control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "pinned_code_agent",
        agentRuntimeArtifact: {
          codeConfiguration: {
            code: { s3: { bucket: "agent-code", prefix: "agents/pinned.zip", versionId: one.VersionId! } },
            runtime: "PYTHON_3_12",
            entryPoint: ["main.py"],
          },
        },
        roleArn: allowedRole,
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    await ready(created.agentRuntimeId!);
    expect((await invoke(created.agentRuntimeArn!, "pinned-session")).helper).toBe("one");
  });

  it("runs NODE_22 code on the host's node", async () => {
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: "agent-code",
        Key: "agents/node.zip",
        Body: await unixZip([{ path: "index.js", data: MAIN_JS }]),
      }),
    );
    const arn = await codeRuntime("node_code_agent", "agents/node.zip", allowedRole, "NODE_22", ["index.js"]);
    expect((await invoke(arn, "node-session")).node).toBe(process.versions.node);
  });
});
