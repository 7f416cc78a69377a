/**
 * Cold starts side by side (never in `npm test`): N sessions of one PUBLIC
 * runtime started together (N = 1, 5, 20, 50 by default, BENCH_N=1,5 to
 * choose), on the netns driver with the session network when this machine
 * has it, else the driver the emulator picks. Per N: each session's time
 * from InvokeAgentRuntime to the answer's first byte (p50, p99, max), how
 * many failed (the health-check error among them), and the control plane's
 * latency meanwhile (ListAgentRuntimes every 50 ms while the sessions start).
 * Writes bench/results/concurrency.json, which the README's table quotes.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { startEmulator } from "../src/emulator/index.js";
import { fabricSupport } from "../src/emulator/vpc/fabric.js";

const root = resolve(import.meta.dirname, "..");
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench/ts-sdk-healthy:latest";
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
const LEVELS = (process.env.BENCH_N ?? "1,5,20,50").split(",").map(Number);
const payload = Buffer.from(JSON.stringify({ prompt: "ping" }));

/** The machine's busy and total CPU time so far (seconds, all cores), from /proc/stat's first line. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8")
      .split("\n")[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return undefined;
  }
}

/** A process's CPU seconds from /proc/<pid>/stat: its own (utime + stime) and its waited-for children's (cutime + cstime). */
function processCpu(pid: number | "self"): { own: number; children: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    // Fields 14-17 of stat(5), counted here from field 3 (state).
    return { own: (fields[11]! + fields[12]!) / 100, children: (fields[13]! + fields[14]!) / 100 };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by each direct child of this process, by pid: the
 * instances, the public endpoints stand-in (marked), and tsx's esbuild
 * service (left out: it transforms this bench's own modules). An instance is
 * one process from the emulator's spawn to the agent (setpriv, ip netns exec,
 * unshare, the /.dockerenv script and chroot each exec the next), so its own
 * time covers that chain and its children's time the mounts the script waited for.
 */
function childrenCpu(): Map<number, { seconds: number; standIn: boolean }> {
  const out = new Map<number, { seconds: number; standIn: boolean }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes("esbuild")) continue;
      const cpu = processCpu(Number(entry));
      if (cpu)
        out.set(Number(entry), {
          seconds: cpu.own + cpu.children,
          standIn: cmdline.includes("endpoints-process"),
        });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** What the children used between two readings: the instances (new or not) and the stand-in. */
function instancesCpu(
  before: Map<number, { seconds: number; standIn: boolean }>,
  after: Map<number, { seconds: number; standIn: boolean }>,
): { instances: number; seconds: number; standIn: number } {
  let instances = 0;
  let seconds = 0;
  let standIn = 0;
  for (const [pid, cpu] of after) {
    const used = cpu.seconds - (before.get(pid)?.seconds ?? 0);
    if (cpu.standIn) standIn += used;
    else {
      instances++;
      seconds += used;
    }
  }
  return { instances, seconds, standIn };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

async function main(): Promise<void> {
  const network = await fabricSupport();
  const emulator = await startEmulator({
    port: 0,
    ...(network.ok ? { driver: "netns" as const } : {}),
    images: { [IMAGE]: resolve(root, "test/fixtures/agents/ts-sdk-healthy") },
    timing: { readyAfterMs: 0 },
  });
  const config = { endpoint: emulator.url, region: "us-east-1", credentials, maxAttempts: 1 };
  const control = new BedrockAgentCoreControlClient(config);
  const data = new BedrockAgentCoreClient({ ...config, requestHandler: { requestTimeout: 120_000 } });
  const iam = new IAMClient(config);
  const results: Record<string, unknown>[] = [];
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: "BenchConcurrency",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "bedrock-agentcore.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
    );
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "bench_concurrency",
        agentRuntimeArtifact: { containerConfiguration: { containerUri: IMAGE } },
        roleArn: Role!.Arn!,
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    while (
      (await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId! }))).status !==
      "READY"
    )
      await new Promise((r) => setTimeout(r, 10));
    const arn = created.agentRuntimeArn!;

    const coldStart = async (sessionId: string): Promise<{ ms: number; error?: string }> => {
      const started = performance.now();
      try {
        const answer = await data.send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: arn,
            runtimeSessionId: sessionId,
            contentType: "application/json",
            payload,
          }),
        );
        const reader = (answer.response as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        await reader.next();
        const ms = performance.now() - started;
        await reader.return?.();
        return { ms };
      } catch (error) {
        return {
          ms: performance.now() - started,
          error: `${(error as Error).name}: ${(error as Error).message}`,
        };
      }
    };

    // One discarded start: the internet namespace and its stand-in are made with the first session.
    await coldStart(`bench-warmup-${"0".repeat(40)}`);
    await data.send(
      new StopRuntimeSessionCommand({
        agentRuntimeArn: arn,
        runtimeSessionId: `bench-warmup-${"0".repeat(40)}`,
      }),
    );

    for (const n of LEVELS) {
      const controlMs: number[] = [];
      let starting = true;
      const poller = (async () => {
        while (starting) {
          const t = performance.now();
          await control.send(new ListAgentRuntimesCommand({}));
          controlMs.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const ids = Array.from({ length: n }, (_, i) => `bench-c${n}-${i}-${"0".repeat(40)}`);
      const childrenBefore = childrenCpu();
      const cpuBefore = machineCpu();
      const emulatorBefore = process.cpuUsage();
      const reapedBefore = processCpu("self");
      // The emulator's event loop (this process): how late its timers ran while the sessions started.
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const began = performance.now();
      const outcomes = await Promise.all(ids.map((id) => coldStart(id)));
      const wallMs = performance.now() - began;
      const cpuAfter = machineCpu();
      const emulatorCpu = process.cpuUsage(emulatorBefore);
      const reapedAfter = processCpu("self");
      const instances = instancesCpu(childrenBefore, childrenCpu());
      loop.disable();
      starting = false;
      await poller;
      await Promise.all(
        ids.map((id) =>
          data
            .send(new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId: id }))
            .catch(() => {}),
        ),
      );
      const failures = outcomes.filter((o) => o.error);
      const row = {
        sessions: n,
        firstByte: stats(outcomes.filter((o) => !o.error).map((o) => o.ms)),
        wallMs,
        failed: failures.length,
        healthCheckFailures: failures.filter((o) => /health check/i.test(o.error!)).length,
        errors: [...new Set(failures.map((o) => o.error))].slice(0, 3),
        controlPlane: stats(controlMs),
        // What the CPU explains: the machine's busy CPU time while the sessions started, spread over its cores.
        ...(cpuBefore && cpuAfter
          ? {
              machineBusyCpuSeconds: cpuAfter.busy - cpuBefore.busy,
              cpuExplainedMs: ((cpuAfter.busy - cpuBefore.busy) / cpus().length) * 1000,
              cpuUtilisation: (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total),
            }
          : {}),
        emulatorCpuSeconds: (emulatorCpu.user + emulatorCpu.system) / 1e6,
        // Where the CPU went, in CPU-seconds: this process (the emulator and the bench's own SDK clients),
        // the commands it ran and waited for (ip, nft, nsenter...), the instances (their whole exec chain),
        // the stand-in; the rest of the machine's busy time is the kernel's threads and other work on the machine.
        cpuSeconds: (() => {
          const emulator = (emulatorCpu.user + emulatorCpu.system) / 1e6;
          const commands = reapedBefore && reapedAfter ? reapedAfter.children - reapedBefore.children : 0;
          const standIn = instances.standIn;
          const busy = cpuBefore && cpuAfter ? cpuAfter.busy - cpuBefore.busy : undefined;
          return {
            emulator,
            commands,
            instances: instances.seconds,
            instancesCounted: instances.instances,
            standIn,
            perSession: (emulator + commands + instances.seconds + standIn) / n,
            ...(busy === undefined
              ? {}
              : { restOfMachine: busy - emulator - commands - instances.seconds - standIn }),
          };
        })(),
        eventLoopDelayMs: {
          p50: loop.percentile(50) / 1e6,
          p99: loop.percentile(99) / 1e6,
          max: loop.max / 1e6,
        },
      };
      results.push(row);
      const f = (ms: number) => `${ms.toFixed(0)} ms`;
      console.log(
        `${n} concurrent cold sessions: first byte p50 ${f(row.firstByte.p50)} p99 ${f(row.firstByte.p99)}, ${row.failed} failed (${row.healthCheckFailures} health check); control plane p50 ${f(row.controlPlane.p50)} p99 ${f(row.controlPlane.p99)} (${row.controlPlane.n} calls); wall ${f(row.wallMs)}, CPU explains ${row.cpuExplainedMs === undefined ? "?" : f(row.cpuExplainedMs)} (busy ${((row.cpuUtilisation ?? 0) * 100).toFixed(0)}%), emulator CPU ${row.emulatorCpuSeconds.toFixed(2)} s, event loop delay p99 ${f(row.eventLoopDelayMs.p99)} max ${f(row.eventLoopDelayMs.max)}; CPU-s emulator ${row.cpuSeconds.emulator.toFixed(2)}, commands ${row.cpuSeconds.commands.toFixed(2)}, instances ${row.cpuSeconds.instances.toFixed(2)} (${row.cpuSeconds.instancesCounted}), stand-in ${row.cpuSeconds.standIn.toFixed(2)}, rest of machine ${row.cpuSeconds.restOfMachine?.toFixed(2) ?? "?"}; per session ${row.cpuSeconds.perSession.toFixed(2)}`,
      );
    }
  } finally {
    control.destroy();
    data.destroy();
    iam.destroy();
    await emulator.stop();
  }
  const single = (results.find((r) => r.sessions === 1)?.firstByte as { p50: number } | undefined)?.p50;
  const twenty = (results.find((r) => r.sessions === 20)?.firstByte as { p50: number } | undefined)?.p50;
  const out = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown" },
    driver: emulator.driver,
    image: "test/fixtures/agents/ts-sdk-healthy",
    levels: results,
    ...(single && twenty ? { ratio20to1P50: twenty / single } : {}),
  };
  mkdirSync(resolve(root, "bench/results"), { recursive: true });
  writeFileSync(resolve(root, "bench/results/concurrency.json"), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote bench/results/concurrency.json (driver ${emulator.driver})`);
}

await main();
