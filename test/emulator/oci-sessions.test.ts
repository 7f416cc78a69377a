import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { ociSupport } from "../../src/executor/oci/executor.js";
import { netnsSupport } from "../../src/net/netns.js";
import { deriveImage } from "../helpers/derived-image.js";
import { sdkConfig } from "../helpers/emulator.js";
import { createRepository, registryLogin } from "../helpers/registry.js";

const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

const has = (tool: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const [oci, netns] = await Promise.all([ociSupport(), netnsSupport()]);
const skip = !oci.ok
  ? oci.reason
  : !netns.ok
    ? netns.reason
    : !has("skopeo")
      ? "skopeo is not installed"
      : !has("mmdebstrap")
        ? "mmdebstrap is not installed (the test images are built with it)"
        : undefined;
const base = (() => {
  if (skip) return undefined;
  try {
    return execFileSync("sh", ["scripts/build-test-images.sh"], {
      encoding: "utf8",
      timeout: 900_000,
    }).trim();
  } catch {
    return undefined;
  }
})();
if (!base)
  console.log(
    `oci-sessions.test: skipped (${skip ?? "no test images"}; scripts/ensure-system-deps.sh installs them)`,
  );

/** Asynchronous: the emulator answers skopeo from this process. */
function run(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, (error, _stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

// An agent that says, from inside its image, what the platform gave it; it reaches STS over the CA it was handed.
const AGENT = `
import http.server, json, os, ssl, urllib.request, urllib.error
def sts():
    ca = os.environ.get('AWS_CA_BUNDLE')
    if not ca: return None
    try:
        urllib.request.urlopen('https://sts.us-east-1.amazonaws.com/', timeout=5, context=ssl.create_default_context(cafile=ca))
        return 'answered'
    except urllib.error.HTTPError as e:
        return 'answered %d' % e.code
    except Exception as e:
        return 'failed: %s' % e
class H(http.server.BaseHTTPRequestHandler):
    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        self.answer({'status': 'Healthy'})
    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        self.answer({'prompt': payload.get('prompt'), 'image': open('/app/IMAGE').read().strip(), 'uid': os.getuid(),
            'region': os.environ.get('AWS_REGION'), 'keyId': os.environ.get('AWS_ACCESS_KEY_ID', '')[:4],
            'token': bool(os.environ.get('AWS_SESSION_TOKEN')), 'runtimeVar': os.environ.get('FROM_RUNTIME'),
            'dockerenv': os.path.exists('/.dockerenv'), 'sts': sts()})
    def log_message(self, *a): pass
print('serving on 0.0.0.0:8080', flush=True)
http.server.HTTPServer(('0.0.0.0', 8080), H).serve_forever()
`;

/** Namespaces this process made and has not removed, by their owner records. */
function ownNamespaces(): string[] {
  const dir = "/run/acd-netns";
  return readdirSync(dir).filter(
    (name) => readFileSync(join(dir, name), "utf8").split(" ")[0] === String(process.pid),
  );
}

const work = mkdtempSync(join(tmpdir(), "acd-oci-sessions-"));
let emulator: RunningEmulator;
const emulatorLog: string[] = [];
let control: BedrockAgentCoreControlClient;
let data: BedrockAgentCoreClient;

describe.skipIf(!base)("sessions run images pushed to the emulator's ECR", () => {
  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 20_000,
      log: (line) => emulatorLog.push(line),
    });
    control = new BedrockAgentCoreControlClient(sdkConfig(emulator));
    data = new BedrockAgentCoreClient(sdkConfig(emulator));
  }, 60_000);
  afterAll(async () => {
    control?.destroy();
    data?.destroy();
    await emulator?.stop();
    // Stopped, the emulator leaves no namespace: its sessions' and its pool's are removed.
    if (emulator) expect(ownNamespaces()).toEqual([]);
    rmSync(work, { recursive: true, force: true });
  });

  /** `skopeo copy` of the layout's tag into a new repository of the emulator's ECR, as a pipeline pushes. */
  async function pushWithSkopeo(layout: string, tag: string, target: string): Promise<void> {
    await createRepository(emulator, target.split(":")[0]!);
    const { password } = await registryLogin(emulator);
    const push = await run("skopeo", [
      "copy",
      "--dest-tls-verify=false",
      "--dest-creds",
      `AWS:${password}`,
      `oci:${layout}:${tag}`,
      `docker://127.0.0.1:${emulator.port}/${target}`,
    ]);
    expect(push.code, push.stderr).toBe(0);
  }

  it("pushes with skopeo copy, CreateAgentRuntime, InvokeAgentRuntime: the answer comes from inside the image", async () => {
    // linux/arm64, as AgentCore runs it: under qemu-user on an x86-64 host.
    const layout = deriveImage(base!, "base-arm64", "agent", work, {
      files: {
        "app/agent.py": AGENT,
        "app/IMAGE": "pushed with skopeo\n",
        "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nbedrock_agentcore:x:1000:1000::/app:/bin/sh\n",
        "etc/group": "root:x:0:\nbedrock_agentcore:x:1000:\n",
      },
      cmd: ["python3", "agent.py"],
      user: "bedrock_agentcore",
      workdir: "/app",
    });
    await pushWithSkopeo(layout, "agent", "agents/oci:v1");
    // No --image map: only the registry has it.
    expect(emulator.resolveImage(`${REGISTRY}/agents/oci:v1`).kind).toBe("pushed");

    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "oci_image_agent",
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/agents/oci:v1` } },
        roleArn: "arn:aws:iam::123456789012:role/AgentRuntimeRole",
        networkConfiguration: { networkMode: "PUBLIC" },
        environmentVariables: { FROM_RUNTIME: "yes" },
      }),
    );
    const started = Date.now();
    const answer = await data
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: created.agentRuntimeArn!,
          runtimeSessionId: `oci-session-${"x".repeat(40)}`,
          contentType: "application/json",
          accept: "application/json",
          payload: new TextEncoder().encode(JSON.stringify({ prompt: "hello" })),
        }),
      )
      .catch((error) => {
        console.log(`oci-sessions.test: the emulator said:\n${emulatorLog.join("\n")}`);
        throw error;
      });
    const body = JSON.parse(await answer.response!.transformToString());
    console.log(
      `oci-sessions.test: first invocation (unpack, start, health check) ${Date.now() - started} ms`,
    );
    expect(body).toMatchObject({
      prompt: "hello",
      image: "pushed with skopeo",
      uid: 1000,
      region: "us-east-1",
      keyId: "ASIA",
      token: true,
      runtimeVar: "yes",
      dockerenv: false,
    });
    // The session network, where it is real here: the regional STS name over TLS signed by the emulator's CA.
    if (body.sts !== null) expect(body.sts).toMatch(/^answered/);
    else console.log("oci-sessions.test: no session network here (no CA handed to the instance)");
  }, 180_000);

  it("an amd64 image fails as on AgentCore's arm64 hosts: 'exec format error', the health check fails", async () => {
    const layout = deriveImage(base!, "base-amd64", "agent-amd64", work, {
      files: { "app/agent.py": AGENT, "app/IMAGE": "amd64\n" },
      cmd: ["python3", "agent.py"],
      workdir: "/app",
    });
    await pushWithSkopeo(layout, "agent-amd64", "agents/amd:v1");
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "oci_image_amd64",
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/agents/amd:v1` } },
        roleArn: "arn:aws:iam::123456789012:role/AgentRuntimeRole",
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    const from = emulatorLog.length;
    const failed = await data
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: created.agentRuntimeArn!,
          runtimeSessionId: `oci-amd64-${"x".repeat(40)}`,
          payload: new TextEncoder().encode("{}"),
        }),
      )
      .catch((error: Error) => error);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).name).toBe("RuntimeClientError");
    expect((failed as Error).message).toMatch(/health check/i);
    // This x86-64 host could have run it; the emulator starts it as an arm64 host does.
    const said = emulatorLog.slice(from).join("\n");
    expect(said, said).toMatch(/last on stderr: exec \/usr\/bin\/python3[.\d]*: exec format error/);
    expect(said, said).toMatch(/built for amd64; it runs as on a linux\/arm64 host/);
  }, 120_000);

  it("a pushed tag that does not exist fails the invocation with the pull's reason", async () => {
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "oci_image_missing",
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/agents/oci:nope` } },
        roleArn: "arn:aws:iam::123456789012:role/AgentRuntimeRole",
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    // The pool full before and after: a namespace the failed start took (and left) would show as a refill.
    await emulator.warmPool();
    const before = ownNamespaces();
    const failed = await data
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: created.agentRuntimeArn!,
          runtimeSessionId: `oci-missing-${"x".repeat(40)}`,
          payload: new TextEncoder().encode("{}"),
        }),
      )
      .catch((error: Error & { $metadata?: { httpStatusCode?: number } }) => error);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).name).toBe("RuntimeClientError");
    expect((failed as Error).message).toMatch(/does not exist in the repository with name 'agents\/oci'/);
    // The pull failed before the session had a namespace: none is left behind.
    await emulator.warmPool();
    expect(ownNamespaces().filter((name) => !before.includes(name))).toEqual([]);
  }, 60_000);
});
