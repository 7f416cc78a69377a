/**
 * Cold session start of a real image (issue 11's bar: overhead under 50 ms
 * p50), never in `npm test`. One small image (the cached base-arm64 test
 * image with a Python standard-library agent added; AgentCore runs only
 * linux/arm64, so on an x86_64 host both paths below run it under qemu-user)
 * is pushed with skopeo to the emulator's ECR and deployed by
 * CreateAgentRuntime; one session is run
 * first so that the image is unpacked, then, interleaved:
 * - through the emulator: InvokeAgentRuntime on a new session id to the
 *   answer's first byte (namespace, session network, overlay, runc run,
 *   health check, forwarding), the session stopped after (not timed); the
 *   emulator's namespace pool is filled before each pair (warmPool), so the
 *   session takes a namespace made ahead and already wired for PUBLIC mode,
 *   as AgentCore keeps capacity warm, and its refill runs outside both timed
 *   windows;
 * - directly: the same unpacked image, the same config.json, an overlay
 *   mounted and `runc run` spawned in a network namespace made beforehand,
 *   then POST /invocations from this host every 5 ms until it answers.
 * Writes bench/results/oci.json, which the README's table quotes;
 * `npm run bench` runs it after bench/run.ts's own measures.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { startEmulator } from "../src/emulator/index.js";
import { ociSupport } from "../src/executor/oci/executor.js";
import { OCI_IMAGE_CACHE } from "../src/executor/oci/image-cache.js";
import { instanceBundle, unmountRoot } from "../src/executor/oci/runc.js";
import { buildRuntimeConfig } from "../src/executor/oci/runtime-config.js";
import { createNamespace, DEFAULT_NAMESPACE_POOL, netnsSupport } from "../src/net/netns.js";
import { deriveImage } from "../test/helpers/derived-image.js";
import { BENCH_PAYLOAD, coldStart } from "./cold-start.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const RUNS = Math.max(5, Number(process.env.BENCH_OCI_COLD ?? 15));
const BAR_MS = 50;
const POOL = DEFAULT_NAMESPACE_POOL;
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
const payload = BENCH_PAYLOAD;

const AGENT = `
import http.server, json
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self): self.reply({'status': 'Healthy'})
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0))); self.reply({'answer': 'pong'})
    def log_message(self, *a): pass
http.server.HTTPServer(('0.0.0.0', 8080), H).serve_forever()
`;

interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

export interface OciBenchResults {
  date: string;
  node: string;
  cpus: number;
  skipped?: string;
  barMs: number;
  image?: { ref: string; digest: string; rootfsMb: number };
  firstSessionMs?: number;
  viaEmulator?: Stats;
  direct?: Stats;
  overheadP50Ms?: number;
  overheadP99Ms?: number;
  /** The median of each interleaved pair's difference (emulator minus direct): the pairing cancels drift that p50s do not. */
  pairedOverheadP50Ms?: number;
  /** Every timed start, in run order, pair by pair. */
  samples?: { viaEmulatorMs: number[]; directMs: number[] };
  /** The emulator's own breakdown of each timed session's start (ms per step). */
  emulatorSteps?: string[];
  /** The session namespace pool: its size, and the fewest namespaces that waited ready before a timed start. */
  namespacePool?: { size: number; readyBeforeEachStart: number };
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return {
    n: sorted.length,
    p50: at(50),
    p99: at(99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

function post(host: string, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request(
      {
        host,
        port: 8080,
        path: "/invocations",
        method: "POST",
        timeout: timeoutMs,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        res.once("data", () => done(res.statusCode === 200));
        res.once("error", () => done(false));
      },
    );
    req.on("error", () => done(false));
    req.on("timeout", () => req.destroy());
    req.end(payload);
  });
}

async function skopeoPush(layout: string, port: number, password: string): Promise<void> {
  await run("skopeo", [
    "copy",
    "--dest-tls-verify=false",
    "--dest-creds",
    `AWS:${password}`,
    `oci:${layout}:agent`,
    `docker://127.0.0.1:${port}/bench/oci-agent:v1`,
  ]);
}

/** Why the bench cannot run here, if it cannot. */
async function whyNot(): Promise<string | undefined> {
  const oci = await ociSupport();
  if (!oci.ok) return oci.reason;
  const netns = await netnsSupport();
  if (!netns.ok) return netns.reason;
  for (const tool of ["skopeo", "mmdebstrap"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

export async function measureOci(): Promise<OciBenchResults> {
  const base: OciBenchResults = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
    barMs: BAR_MS,
  };
  const skipped = await whyNot();
  if (skipped) return { ...base, skipped };
  const layouts = execFileSync("sh", [join(root, "scripts/build-test-images.sh")], {
    encoding: "utf8",
    timeout: 900_000,
  }).trim();
  const work = mkdtempSync(join(tmpdir(), "acd-bench-oci-"));
  // Each session's start-up steps, as the emulator logs them ("started in N ms (namespace …, healthy …)").
  const steps: string[] = [];
  const emulator = await startEmulator({
    port: 0,
    namespacePool: POOL,
    timing: { readyAfterMs: 0 },
    startupTimeoutMs: 30_000,
    log: (line) => {
      if (/: started in /.test(line)) steps.push(line.slice(line.indexOf("started in ")));
    },
  });
  const config = { endpoint: emulator.url, region: "us-east-1", credentials };
  const control = new BedrockAgentCoreControlClient(config);
  const data = new BedrockAgentCoreClient(config);
  const ecr = new ECRClient(config);
  const namespace = await createNamespace("b");
  try {
    const layout = deriveImage(layouts, "base-arm64", "agent", work, {
      files: { "app/agent.py": AGENT },
      cmd: ["python3", "/app/agent.py"],
      workdir: "/app",
    });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "bench/oci-agent" }));
    const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!
      .authorizationToken!;
    await skopeoPush(layout, emulator.port, Buffer.from(token, "base64").toString("utf8").slice(4));
    const uri = `${REGISTRY}/bench/oci-agent:v1`;
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "bench_oci",
        agentRuntimeArtifact: { containerConfiguration: { containerUri: uri } },
        roleArn: "arn:aws:iam::123456789012:role/Bench",
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    const arn = created.agentRuntimeArn!;
    const viaEmulator = (i: number) => coldStart(data, arn, `bench-oci-${i}-${"0".repeat(40)}`);
    // The first session pulls and unpacks; both paths then start from the unpacked image.
    const firstSessionMs = await viaEmulator(-1);
    const resolved = emulator.resolveImage(uri);
    if (resolved.kind !== "pushed") throw new Error(`the pushed image resolves to ${resolved.kind}`);
    const digest = resolved.image.manifest.digest;
    const lower = join(OCI_IMAGE_CACHE, digest.slice(7), "rootfs");
    if (!existsSync(lower)) throw new Error(`the emulator did not unpack ${digest} into ${lower}`);
    const image = JSON.parse(
      readFileSync(join(OCI_IMAGE_CACHE, digest.slice(7), "image.json"), "utf8"),
    ).config;
    const runtimeConfig = JSON.stringify(
      buildRuntimeConfig({
        image,
        passwd: "",
        group: "",
        env: { AWS_REGION: "us-east-1" },
        netnsPath: `/var/run/netns/${namespace.name}`,
      }),
    );
    const direct = async (i: number) => {
      const started = performance.now();
      const { bundle, mounted } = await instanceBundle(lower);
      writeFileSync(join(bundle, "config.json"), runtimeConfig);
      const name = `acd-bench-${process.pid}-${i}`;
      const child = spawn("runc", ["run", "--bundle", bundle, name], { stdio: "ignore" });
      const exited = new Promise((r) => child.once("close", r));
      while (!(await post(namespace.address, 1000))) await new Promise((r) => setTimeout(r, 5));
      const elapsed = performance.now() - started;
      await run("runc", ["kill", name, "KILL"]).catch(() => undefined);
      await exited;
      await run("runc", ["delete", "--force", name]).catch(() => undefined);
      if (mounted) await unmountRoot(bundle);
      rmSync(bundle, { recursive: true, force: true });
      return elapsed;
    };
    await direct(-1);
    const a: number[] = [];
    const b: number[] = [];
    let readyBeforeEachStart = Number.POSITIVE_INFINITY;
    for (let i = 0; i < RUNS; i++) {
      // The pool warm before the pair: its refill (namespaces made with ip) never runs inside either timed window.
      readyBeforeEachStart = Math.min(readyBeforeEachStart, await emulator.warmPool());
      // Interleaved, the order alternating, so drift and the order itself weigh on both alike.
      if (i % 2 === 0) {
        a.push(await viaEmulator(i));
        b.push(await direct(i));
      } else {
        b.push(await direct(i));
        a.push(await viaEmulator(i));
      }
    }
    const via = stats(a);
    const dir = stats(b);
    const rootfsMb = Number(execFileSync("du", ["-sm", lower], { encoding: "utf8" }).split("\t")[0]);
    return {
      ...base,
      image: { ref: uri, digest, rootfsMb },
      firstSessionMs,
      viaEmulator: via,
      direct: dir,
      overheadP50Ms: via.p50 - dir.p50,
      overheadP99Ms: via.p99 - dir.p99,
      pairedOverheadP50Ms: stats(a.map((ms, i) => ms - b[i]!)).p50,
      samples: { viaEmulatorMs: a, directMs: b },
      emulatorSteps: steps.slice(-RUNS),
      namespacePool: { size: POOL, readyBeforeEachStart },
    };
  } finally {
    control.destroy();
    data.destroy();
    ecr.destroy();
    await namespace.destroy();
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function writeOciBench(): Promise<void> {
  const results = await measureOci();
  mkdirSync(resolve(root, "bench/results"), { recursive: true });
  writeFileSync(resolve(root, "bench/results/oci.json"), `${JSON.stringify(results, null, 2)}\n`);
  if (results.skipped) console.log(`bench/oci: skipped (${results.skipped})`);
  else
    console.log(
      `bench/oci: cold session start of an image, p50 via the emulator ${results.viaEmulator!.p50.toFixed(0)} ms, runc run directly ${results.direct!.p50.toFixed(0)} ms, overhead ${results.overheadP50Ms!.toFixed(1)} ms (bar < ${BAR_MS} ms; median of paired differences ${results.pairedOverheadP50Ms!.toFixed(1)} ms)`,
    );
  console.log("wrote bench/results/oci.json");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await writeOciBench();
