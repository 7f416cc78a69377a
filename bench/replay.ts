/**
 * `diagnose` of the seed incident with the replay (issue 10's bar: under
 * 15 s on this machine), never in `npm test`. The account is built as
 * `scenario run scenarios/seed-incident` builds it (an embedded emulator, the
 * scenario through the AWS API, its invocations), then diagnosed as the
 * scenario diagnoses it (--source, --invoke, --compare with the PUBLIC
 * runtime), with the replay and with --no-replay, interleaved, median of 3
 * each. Writes bench/results/replay.json, which the README's table quotes;
 * `npm run bench` runs it after bench/run.ts's own measures.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { diagnose } from "../src/diagnose/run.js";
import { startEmulator } from "../src/emulator/index.js";
import { fabricSupport } from "../src/emulator/vpc/fabric.js";
import { buildScenario } from "../src/scenario/build.js";
import { loadScenario } from "../src/scenario/run.js";

const root = resolve(import.meta.dirname, "..");
const SEED = resolve(root, "scenarios/seed-incident");
const RUNS = Number(process.env.BENCH_REPLAY_RUNS ?? 3);
const BAR_MS = 15_000;
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };

interface Run {
  wallMs: number;
  replayed: boolean;
  rootCause: string | undefined;
  verdict: string | undefined;
  replayObservations: number;
  /** The replay's own span, from its first step to its last observation. */
  replayMs?: number;
  /** How the replay's wait for the health check ended (src/replay/run.ts). */
  startupWait?: string;
  /** The --compare runtime's replay span (it is diagnosed after, with the same --source). */
  otherReplayMs?: number;
  gaps: string[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function measureReplay(): Promise<Record<string, unknown>> {
  const support = await fabricSupport();
  if (!support.ok) return { skipped: `the replay needs the session network: ${support.reason}` };
  const { scenario } = await loadScenario(SEED);
  const images = Object.fromEntries(
    Object.values(scenario.runtimes).map((r) => [
      (r.request.agentRuntimeArtifact as { containerConfiguration: { containerUri: string } })
        .containerConfiguration.containerUri,
      resolve(SEED, r.agent),
    ]),
  );
  const emulator = await startEmulator({
    port: 0,
    region: scenario.region,
    images,
    timing: { readyAfterMs: 200, deletingForMs: 200 },
    startupTimeoutMs: scenario.startupTimeoutSeconds * 1000,
  });
  const config = { endpoint: emulator.url, region: scenario.region, credentials };
  try {
    const { refs, runtimeIds } = await buildScenario(scenario, config);
    const data = new BedrockAgentCoreClient({ ...config, maxAttempts: 1 });
    for (const invocation of scenario.invocations) {
      await data
        .send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: refs.get(`runtime:${invocation.runtime}`)!,
            contentType: "application/json",
            payload: new TextEncoder().encode(JSON.stringify(invocation.payload ?? {})),
          }),
        )
        .then((out) => out.response?.transformToString())
        .catch(() => undefined);
    }
    data.destroy();
    const target = scenario.runtimes[scenario.diagnose.runtime]!;
    const once = async (replay: boolean): Promise<Run> => {
      const started = performance.now();
      const d = await diagnose({
        runtime: runtimeIds[scenario.diagnose.runtime]!,
        ...(scenario.diagnose.compareWith ? { compareWith: runtimeIds[scenario.diagnose.compareWith]! } : {}),
        endpointUrl: emulator.url,
        region: scenario.region,
        credentials,
        allowInvoke: scenario.diagnose.invoke,
        invoke: scenario.diagnose.invoke,
        logSettleMs: 400,
        sourceDir: resolve(SEED, target.agent),
        ...(replay ? {} : { noReplay: true }),
      });
      const wallMs = performance.now() - started;
      const r = d.evidence.replay;
      const other = d.comparison?.other.evidence.replay;
      const top = d.hypotheses[0];
      return {
        wallMs,
        replayed: r?.ran === true,
        rootCause: top?.cause,
        verdict: top?.verdict,
        replayObservations: r?.ran ? r.observations.length : 0,
        ...(r?.ran ? { replayMs: r.endedAt - r.startedAt } : {}),
        ...(r?.ran && r.startupWait ? { startupWait: r.startupWait } : {}),
        ...(other?.ran ? { otherReplayMs: other.endedAt - other.startedAt } : {}),
        gaps: d.gaps.map((g) => `${g.service}:${g.operation}:${g.errorCode}`),
      };
    };
    const withReplay: Run[] = [];
    const without: Run[] = [];
    // One discarded pair first: the first replay starts the stand-in internet's processes cold.
    await once(true);
    await once(false);
    for (let i = 0; i < RUNS; i++) {
      withReplay.push(await once(true));
      without.push(await once(false));
    }
    const summary = (runs: Run[]) => ({
      n: runs.length,
      medianMs: median(runs.map((r) => r.wallMs)),
      runsMs: runs.map((r) => Math.round(r.wallMs)),
      ...(runs.some((r) => r.replayMs !== undefined)
        ? { replayMedianMs: median(runs.flatMap((r) => (r.replayMs === undefined ? [] : [r.replayMs]))) }
        : {}),
      ...(runs.some((r) => r.otherReplayMs !== undefined)
        ? {
            otherReplayMedianMs: median(
              runs.flatMap((r) => (r.otherReplayMs === undefined ? [] : [r.otherReplayMs])),
            ),
          }
        : {}),
      ...(runs.some((r) => r.startupWait) ? { startupWaits: runs.flatMap((r) => r.startupWait ?? []) } : {}),
      replayed: runs.filter((r) => r.replayed).length,
      rootCause: runs.map((r) => `${r.rootCause} ${r.verdict}`),
      gaps: [...new Set(runs.flatMap((r) => r.gaps))],
    });
    return {
      scenario: "seed-incident",
      flags: "--source --invoke --compare (as scenario run diagnoses it)",
      barMs: BAR_MS,
      withReplay: summary(withReplay),
      withoutReplay: summary(without),
    };
  } finally {
    await emulator.stop();
  }
}

export async function writeReplayBench(): Promise<Record<string, unknown>> {
  const results = { date: new Date().toISOString(), node: process.version, ...(await measureReplay()) };
  mkdirSync(resolve(root, "bench/results"), { recursive: true });
  writeFileSync(resolve(root, "bench/results/replay.json"), `${JSON.stringify(results, null, 2)}\n`);
  const r = results as {
    skipped?: string;
    withReplay?: { medianMs: number; replayMedianMs?: number; rootCause: string[] };
    withoutReplay?: { medianMs: number };
  };
  if (r.skipped) console.log(`diagnose of the seed incident with the replay: skipped: ${r.skipped}`);
  else {
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `diagnose of the seed incident (median of ${RUNS}): with the replay ${s(r.withReplay!.medianMs)} (the replay itself ${s(r.withReplay!.replayMedianMs ?? 0)}) | --no-replay ${s(r.withoutReplay!.medianMs)} (bar < 15 s); top: ${r.withReplay!.rootCause[0]}`,
    );
  }
  console.log("wrote bench/results/replay.json");
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await writeReplayBench();
