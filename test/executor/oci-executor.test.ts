import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { treeSockets } from "../../src/agent/proc.js";
import {
  executorFor,
  type Instance,
  type OciImage,
  type StartOptions,
  startInstance as start,
} from "../../src/executor/index.js";
import { OCI_IMAGE_CACHE } from "../../src/executor/oci/image-cache.js";
import { deriveImage } from "../helpers/derived-image.js";

const has = (tool: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const isRoot = process.getuid?.() === 0;
const reason = !isRoot
  ? "not root"
  : !has("runc")
    ? "runc missing"
    : !has("umoci")
      ? "umoci missing"
      : !has("mmdebstrap")
        ? "mmdebstrap missing"
        : undefined;
const base = (() => {
  if (reason) return undefined;
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
    `oci-executor.test: skipped (${reason ?? "no test images"}; scripts/ensure-system-deps.sh installs runc, umoci, mmdebstrap)`,
  );

// The derived images bring their own /etc/passwd, as a Dockerfile's useradd would (older cached base images had none).
const PASSWD = "root:x:0:0:root:/root:/bin/sh\nbedrock_agentcore:x:1000:1000::/app:/bin/sh\n";
const GROUP = "root:x:0:\nbedrock_agentcore:x:1000:\n";

const AGENT = `
import http.server, json, os, sys
open('/app/written-by-instance', 'w').write('x')
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ca = os.environ.get('AWS_CA_BUNDLE', '')
        body = json.dumps({'status': 'Healthy', 'uid': os.getuid(), 'region': os.environ.get('AWS_REGION'),
            'cwd': os.getcwd(), 'fromImage': os.environ.get('FROM_IMAGE'), 'dockerenv': os.path.exists('/.dockerenv'),
            'ca': open(ca).read() if ca else None}).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json'); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
print('listening on 0.0.0.0:8080', flush=True)
http.server.HTTPServer(('0.0.0.0', 8080), H).serve_forever()
`;

const LAST_LINES = `
import signal, sys, time
def bye(*_):
    print('got TERM, bye', flush=True)
    sys.stderr.write('last line, no newline')
    sys.stderr.flush()
    sys.exit(3)
signal.signal(signal.SIGTERM, bye)
print('ready', flush=True)
while True: time.sleep(1)
`;

async function startInstance(options: StartOptions): Promise<Instance> {
  const instance = await start(options);
  started.push(instance);
  return instance;
}

const work = mkdtempSync(join(tmpdir(), "acd-oci-exec-"));
const netns = `acd-te${process.pid}`;
const started: Instance[] = [];
afterAll(async () => {
  await Promise.all(started.map((i) => i.stop(500)));
  rmSync(work, { recursive: true, force: true });
  if (existsSync(`/var/run/netns/${netns}`)) execFileSync("ip", ["netns", "delete", netns]);
});

function inNetns(url: string): string {
  return execFileSync(
    "ip",
    [
      "netns",
      "exec",
      netns,
      "python3",
      "-c",
      `import urllib.request;print(urllib.request.urlopen('${url}',timeout=1).read().decode())`,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
}

async function until<T>(fn: () => T | undefined, ms = 10_000): Promise<T | undefined> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    try {
      const value = fn();
      if (value) return value;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

describe.skipIf(!base)("the OCI executor behind the executor interface", () => {
  it("runs an image's USER, WORKDIR, Env and Cmd with the platform's variables and CA, in the netns, no /.dockerenv; stop removes it all", async () => {
    execFileSync("ip", ["netns", "add", netns]);
    execFileSync("ip", ["-n", netns, "link", "set", "lo", "up"]);
    const dir = deriveImage(base!, "base-amd64", "agent", work, {
      files: { "app/agent.py": AGENT, "etc/passwd": PASSWD, "etc/group": GROUP },
      owner: 1000,
      cmd: ["python3", "agent.py"],
      user: "bedrock_agentcore",
      workdir: "/app",
      env: ["FROM_IMAGE=yes", "AWS_REGION=from-image"],
    });
    const ca = join(work, "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n");
    const artifact = {
      kind: "oci-image" as const,
      image: { source: "layout", dir, tag: "agent" } as OciImage,
    };
    expect(executorFor(artifact).kind).toBe("oci-image");
    const lines: string[] = [];
    const instance = await startInstance({
      artifact,
      netns,
      env: { AWS_REGION: "us-west-2" },
      caBundle: ca,
      onOutput: (line) => lines.push(line.text),
    });
    const answer = await until(() => inNetns("http://127.0.0.1:8080/ping"));
    expect(
      answer,
      instance
        .output()
        .map((l) => l.text)
        .join("\n"),
    ).toBeTruthy();
    expect(JSON.parse(answer!)).toEqual({
      status: "Healthy",
      uid: 1000,
      region: "us-west-2",
      cwd: "/app",
      fromImage: "yes",
      dockerenv: false,
      ca: readFileSync(ca, "utf8"),
    });
    // The probe above blocks the event loop (execFileSync): the line is in the pipe, read once the loop turns.
    expect(await until(() => lines.includes("listening on 0.0.0.0:8080"))).toBe(true);
    expect(instance.command).toEqual(["python3", "agent.py"]);
    expect(instance.notes.join("\n")).toMatch(/linux\/amd64, run by runc/);
    expect(instance.notes.join("\n")).toMatch(/runs as USER bedrock_agentcore/);
    // The tree starts with the container's init, in the session's netns: its socket table shows the listener.
    const pids = await instance.tree();
    expect(readlinkSync(`/proc/${pids[0]}/ns/net`)).toBe(`net:[${statSync(`/var/run/netns/${netns}`).ino}]`);
    expect(
      (await treeSockets(pids)).some(
        (s) => s.state === "LISTEN" && s.localPort === 8080 && s.localAddress === "0.0.0.0",
      ),
    ).toBe(true);
    // This instance's overlay, from its own root mount: other test files running beside this
    // one mount overlays of their own, of the same cached image too.
    const root = readFileSync(`/proc/${pids[0]}/mountinfo`, "utf8")
      .split("\n")
      .find((l) => l.split(" ")[4] === "/" && l.includes(" - overlay overlay "));
    const upper = /upperdir=([^,\s]+)/.exec(root ?? "")?.[1];
    const name = new RegExp(`lowerdir=${OCI_IMAGE_CACHE}/([^/]+)/`).exec(root ?? "")?.[1];
    expect(upper, root).toBeDefined();
    expect(name, root).toBeDefined();
    const mounted = () => readFileSync("/proc/self/mountinfo", "utf8").includes(`upperdir=${upper},`);
    expect(mounted()).toBe(true);
    await instance.stop(1000);
    // Its overlay is gone and the instance's write never reached the cached image.
    expect(mounted()).toBe(false);
    expect(existsSync(join(OCI_IMAGE_CACHE, name!, "rootfs/app/written-by-instance"))).toBe(false);
    expect(existsSync(join(OCI_IMAGE_CACHE, name!, "rootfs/app/agent.py"))).toBe(true);
    expect(execFileSync("runc", ["list", "-q"], { encoding: "utf8" })).not.toMatch(
      new RegExp(`acd-${process.pid}-`),
    );
  }, 120_000);

  it("streams every line, the one written on TERM and a last one without newline included, and reports the exit code", async () => {
    const dir = deriveImage(base!, "base-amd64", "last-lines", work, {
      files: { "app/main.py": LAST_LINES },
      cmd: ["python3", "/app/main.py"],
    });
    const seen: string[] = [];
    const instance = await startInstance({
      artifact: { kind: "oci-image", image: { source: "layout", dir, tag: "last-lines" } },
      onOutput: (line) => seen.push(`${line.stream}: ${line.text}`),
    });
    expect(await until(() => seen.includes("stdout: ready"))).toBe(true);
    const exit = await instance.stop(5000);
    expect(exit.code).toBe(3);
    expect(seen).toEqual(["stdout: ready", "stdout: got TERM, bye", "stderr: last line, no newline"]);
    expect(instance.output().map((l) => `${l.stream}: ${l.text}`)).toEqual(seen);
  }, 120_000);

  it("runs an image from blob files (as the emulator's ECR stores them), and a USER the image lacks exits as runc refuses it", async () => {
    const dir = deriveImage(base!, "base-amd64", "named", work, {
      files: { "app/hello.py": "print('hello from blobs', flush=True)\n" },
      cmd: ["python3", "/app/hello.py"],
    });
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    const entry = index.manifests.find(
      (m: { annotations?: Record<string, string> }) =>
        m.annotations?.["org.opencontainers.image.ref.name"] === "named",
    );
    const path = (digest: string) => join(dir, "blobs/sha256", digest.slice(7));
    const text = readFileSync(path(entry.digest), "utf8");
    const manifest = JSON.parse(text);
    // A copy of the blobs elsewhere, as a registry's store holds them.
    const store = mkdtempSync(join(work, "store-"));
    const blobs = [manifest.config, ...manifest.layers].map(
      (d: { digest: string; mediaType: string; size: number }) => {
        const file = join(store, d.digest.slice(7));
        writeFileSync(file, readFileSync(path(d.digest)));
        return { ...d, path: file };
      },
    );
    // Unpacked afresh: not from the layout's cache entry.
    rmSync(join(OCI_IMAGE_CACHE, entry.digest.slice(7)), { recursive: true, force: true });
    const instance = await startInstance({
      artifact: {
        kind: "oci-image",
        image: {
          source: "blobs",
          ref: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agents/hello:v1",
          manifest: { digest: entry.digest, mediaType: entry.mediaType, text },
          blobs,
        },
      },
    });
    const exit = await instance.exited;
    expect(exit.code).toBe(0);
    expect(instance.output().map((l) => l.text)).toEqual(["hello from blobs"]);
    expect(instance.notes[0]).toContain("agents/hello:v1");
    await instance.stop();

    const nouser = deriveImage(base!, "base-amd64", "nouser", work, {
      files: { "app/hello.py": "print('never')\n" },
      cmd: ["python3", "/app/hello.py"],
      // Not in the test images' /etc/passwd (they name root and bedrock_agentcore).
      user: "no_such_user",
    });
    const refused = await startInstance({
      artifact: { kind: "oci-image", image: { source: "layout", dir: nouser, tag: "nouser" } },
    });
    expect((await refused.exited).code, JSON.stringify([refused.output(), refused.notes])).toBe(1);
    expect(refused.output()[0]?.text).toMatch(
      /unable to find user no_such_user: no matching entries in passwd file/,
    );
  }, 120_000);
});
