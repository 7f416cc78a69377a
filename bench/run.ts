/**
 * Benchmarks, measured side by side in one run (never in `npm test`):
 * - warm invoke round-trip through the emulator vs straight to the agent
 *   (same agent, same keep-alive HTTP client, interleaved A/B), p50 and p99;
 * - cold session start to first byte, per session driver available here;
 * - CreateAgentRuntime → READY through the SDK.
 * Writes bench/results/latest.json, which the README's table quotes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { resolve } from "node:path";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import type { SessionDriver } from "../src/emulator/bedrock-agentcore/sessions.js";
import { startEmulator } from "../src/emulator/index.js";
import { netnsSupport } from "../src/net/netns.js";

const WARM_INVOCATIONS = Number(process.env.BENCH_WARM ?? 1000);
const COLD_STARTS = Number(process.env.BENCH_COLD ?? 5);
const root = resolve(import.meta.dirname, "..");
// The official TypeScript SDK agent: a real server that answers in one write (the stdlib fixture
// stalls 40 ms per keep-alive answer on Nagle and delayed ACK, which would swamp what we measure).
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench/ts-sdk-healthy:latest";
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
const SESSION = "bench-session-0000000000000000000000000000000000";
const payload = JSON.stringify({ prompt: "ping" });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });

/** One POST with a kept-alive connection; resolves with milliseconds to the end of the body. */
function post(host: string, port: number, path: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = request(
      {
        host,
        port,
        path,
        method: "POST",
        agent: keepAlive,
        headers: { ...headers, "content-length": String(Buffer.byteLength(payload)) },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200
            ? done(performance.now() - started)
            : fail(new Error(`HTTP ${res.statusCode} from ${path}`)),
        );
      },
    );
    req.on("error", fail);
    req.end(payload);
  });
}

async function measureDriver(driver: SessionDriver) {
  const emulator = await startEmulator({
    port: 0,
    driver,
    images: { [IMAGE]: resolve(root, "test/fixtures/agents/ts-sdk-healthy") },
    timing: { readyAfterMs: 0 },
  });
  const config = { endpoint: emulator.url, region: "us-east-1", credentials };
  const control = new BedrockAgentCoreControlClient(config);
  const data = new BedrockAgentCoreClient(config);
  try {
    const createStarted = performance.now();
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: `bench_${driver}`,
        agentRuntimeArtifact: { containerConfiguration: { containerUri: IMAGE } },
        roleArn: "arn:aws:iam::123456789012:role/Bench",
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    let status = created.status;
    while (status !== "READY")
      status = (await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId! })))
        .status;
    const createToReadyMs = performance.now() - createStarted;
    const arn = created.agentRuntimeArn!;

    const cold: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      const runtimeSessionId = `bench-cold-${i}-${"0".repeat(40)}`;
      const started = performance.now();
      const answer = await data.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          runtimeSessionId,
          contentType: "application/json",
          payload: Buffer.from(payload),
        }),
      );
      const reader = (answer.response as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      await reader.next();
      cold.push(performance.now() - started);
      await reader.return?.();
      await data.send(new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId }));
    }
    return {
      emulator,
      data,
      arn,
      createToReadyMs,
      cold: stats(cold),
      stop: async () => {
        control.destroy();
        data.destroy();
        await emulator.stop();
      },
    };
  } catch (error) {
    control.destroy();
    data.destroy();
    await emulator.stop();
    throw error;
  }
}

async function main() {
  const drivers: SessionDriver[] = (await netnsSupport()).ok ? ["process", "netns"] : ["process"];
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
  };
  const cold: Record<string, unknown> = {};
  let warm: Record<string, unknown> | undefined;
  let createToReadyMs = 0;
  for (const driver of drivers) {
    const run = await measureDriver(driver);
    cold[driver] = run.cold;
    createToReadyMs = run.createToReadyMs;
    if (driver === "process") {
      // Warm: the process driver's instance listens on 127.0.0.1:8080, so both paths use loopback.
      await run.data.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: run.arn,
          runtimeSessionId: SESSION,
          contentType: "application/json",
          payload: Buffer.from(payload),
        }),
      );
      const url = new URL(run.emulator.url);
      const viaEmulatorPath = `/runtimes/${encodeURIComponent(run.arn)}/invocations`;
      const sessionHeaders = {
        "content-type": "application/json",
        "x-amzn-bedrock-agentcore-runtime-session-id": SESSION,
      };
      const direct: number[] = [];
      const viaEmulator: number[] = [];
      for (let i = 0; i < 50; i++) {
        await post("127.0.0.1", 8080, "/invocations", sessionHeaders);
        await post(url.hostname, Number(url.port), viaEmulatorPath, sessionHeaders);
      }
      for (let i = 0; i < WARM_INVOCATIONS; i++) {
        direct.push(await post("127.0.0.1", 8080, "/invocations", sessionHeaders));
        viaEmulator.push(await post(url.hostname, Number(url.port), viaEmulatorPath, sessionHeaders));
      }
      const d = stats(direct);
      const e = stats(viaEmulator);
      warm = {
        direct: d,
        viaEmulator: e,
        overheadP50Ms: e.p50 - d.p50,
        overheadP99Ms: e.p99 - d.p99,
        ratioP50: e.p50 / d.p50,
      };
    }
    await run.stop();
  }
  Object.assign(results, { warm, coldStartToFirstByte: cold, createToReadyMs });
  mkdirSync(resolve(root, "bench/results"), { recursive: true });
  writeFileSync(resolve(root, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  const f = (ms: number) => `${ms.toFixed(2)} ms`;
  const w = warm as {
    direct: ReturnType<typeof stats>;
    viaEmulator: ReturnType<typeof stats>;
    overheadP50Ms: number;
    ratioP50: number;
  };
  console.log(
    `warm invoke (${w.direct.n} each, interleaved): direct p50 ${f(w.direct.p50)} p99 ${f(w.direct.p99)} | via emulator p50 ${f(w.viaEmulator.p50)} p99 ${f(w.viaEmulator.p99)} | overhead p50 ${f(w.overheadP50Ms)} (x${w.ratioP50.toFixed(2)})`,
  );
  for (const [driver, s] of Object.entries(cold) as [string, ReturnType<typeof stats>][])
    console.log(`cold session start to first byte (${driver}, ${s.n} runs): p50 ${f(s.p50)} max ${f(s.p99)}`);
  console.log(`CreateAgentRuntime -> READY (readyAfter 0): ${f(createToReadyMs)}`);
  console.log("wrote bench/results/latest.json");
}

await main();
