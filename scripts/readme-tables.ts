import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { accuracyTable, type ScenarioSummary } from "../src/scenario/accuracy.js";

/**
 * The README's measured tables, generated from the JSON that `npm run
 * scenarios` and `npm run bench` write, between `<!-- name:start -->` and
 * `<!-- name:end -->` markers: the README quotes exactly what was measured.
 */
const root = resolve(import.meta.dirname, "..");

function scenariosSection(): string {
  const json = JSON.parse(readFileSync(resolve(root, "bench/results/scenarios.json"), "utf8")) as {
    date: string;
    rows: ScenarioSummary[];
  };
  return accuracyTable(json.rows, new Date(json.date)).text.trimEnd();
}

interface Stats {
  n: number;
  p50: number;
  p99: number;
}

interface BenchResults {
  date: string;
  node: string;
  cpus: number;
  warm: { direct: Stats; viaEmulator: Stats; overheadP50Ms: number; overheadP99Ms: number; ratioP50: number };
  coldStartToFirstByte: { process: Stats; netns: Stats };
  createToReadyMs: number;
  coldStartVpcVsPublic?: {
    public: Stats;
    vpc: Stats;
    overheadP50Ms: number;
    overheadP99Ms: number;
    ratioP50: number;
    skipped?: string;
  };
  diagnoseVpc?: {
    cloudTrailLookupsPerSecond: number;
    withoutInvoke: { n: number; medianMs: number; apiCalls: Record<string, number>; apiCallsTotal: number };
    withInvoke: { n: number; medianMs: number; apiCalls: Record<string, number>; apiCallsTotal: number };
    skipped?: string;
  };
}

const ms = (value: number) => (value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`);
const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;
const calls = (byService: Record<string, number>) =>
  Object.entries(byService)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, n]) => `${service} ${n}`)
    .join(", ");

function benchSection(): string {
  const b = JSON.parse(readFileSync(resolve(root, "bench/results/latest.json"), "utf8")) as BenchResults;
  const lines = [
    `Measured ${b.date.slice(0, 10)} on this project's ${b.cpus}-core machine (Node ${b.node}).`,
    "",
    "| measure | direct to the agent | through the emulator | overhead |",
    "|---|---|---|---|",
    `| warm invoke, p50 (${b.warm.direct.n} interleaved) | ${ms(b.warm.direct.p50)} | ${ms(b.warm.viaEmulator.p50)} | ${ms(b.warm.overheadP50Ms)} (x${b.warm.ratioP50.toFixed(2)}) |`,
    `| warm invoke, p99 | ${ms(b.warm.direct.p99)} | ${ms(b.warm.viaEmulator.p99)} | ${ms(b.warm.overheadP99Ms)} |`,
    "",
  ];
  const vpc = b.coldStartVpcVsPublic;
  if (vpc && !vpc.skipped) {
    lines.push(
      "| cold session start to first byte (netns, session network on) | PUBLIC | VPC | VPC overhead |",
      "|---|---|---|---|",
      `| p50 (${vpc.public.n} each, interleaved) | ${ms(vpc.public.p50)} | ${ms(vpc.vpc.p50)} | ${ms(vpc.overheadP50Ms)} (x${vpc.ratioP50.toFixed(2)}) |`,
      `| p99 | ${ms(vpc.public.p99)} | ${ms(vpc.vpc.p99)} | ${ms(vpc.overheadP99Ms)} |`,
      "",
    );
  }
  lines.push(
    "| measure | p50 |",
    "|---|---|",
    `| cold session start to first byte, process driver (${b.coldStartToFirstByte.process.n} runs) | ${ms(b.coldStartToFirstByte.process.p50)} |`,
    `| cold session start to first byte, netns driver (${b.coldStartToFirstByte.netns.n} runs) | ${ms(b.coldStartToFirstByte.netns.p50)} |`,
    `| CreateAgentRuntime → READY (readyAfter 0, through the SDK) | ${ms(b.createToReadyMs)} |`,
  );
  const d = b.diagnoseVpc;
  if (d && !d.skipped) {
    lines.push(
      "",
      `| diagnose of a VPC runtime, CloudTrail at ${d.cloudTrailLookupsPerSecond} lookups/s | median wall time | API calls |`,
      "|---|---|---|",
      `| read-only (${d.withoutInvoke.n} runs) | ${seconds(d.withoutInvoke.medianMs)} | ${d.withoutInvoke.apiCallsTotal}: ${calls(d.withoutInvoke.apiCalls)} |`,
      `| with --invoke (${d.withInvoke.n} runs) | ${seconds(d.withInvoke.medianMs)} | ${d.withInvoke.apiCallsTotal}: ${calls(d.withInvoke.apiCalls)} |`,
    );
  }
  return lines.join("\n");
}

interface ConcurrencyResults {
  measuredAt: string;
  machine: { cpus: number };
  driver: string;
  levels: {
    sessions: number;
    firstByte: Stats & { max: number };
    failed: number;
    healthCheckFailures: number;
    controlPlane: Stats;
    wallMs: number;
    cpuExplainedMs?: number;
    cpuUtilisation?: number;
    cpuSeconds?: {
      emulator: number;
      commands: number;
      instances: number;
      standIn: number;
      perSession: number;
    };
  }[];
}

function concurrencySection(): string {
  const c = JSON.parse(
    readFileSync(resolve(root, "bench/results/concurrency.json"), "utf8"),
  ) as ConcurrencyResults;
  const ms = (value: number | undefined) => (value === undefined ? "-" : `${value.toFixed(0)} ms`);
  const single = c.levels.find((l) => l.sessions === 1)?.firstByte.p50;
  const cpu = (l: ConcurrencyResults["levels"][number]) =>
    l.cpuSeconds
      ? `${l.cpuSeconds.perSession.toFixed(2)} (instances ${(l.cpuSeconds.instances / l.sessions).toFixed(2)}, emulator ${((l.cpuSeconds.emulator + l.cpuSeconds.commands + l.cpuSeconds.standIn) / l.sessions).toFixed(2)})`
      : "-";
  return [
    `Measured ${c.measuredAt.slice(0, 10)} on a ${c.machine.cpus}-core machine (${c.driver} driver, one PUBLIC runtime of the TypeScript SDK agent).`,
    "",
    "| sessions started together | first byte p50 | p99 | p50 vs one | failed (health check) | control plane p50 / p99 | wall | what the CPU explains (busy) | CPU-s per session |",
    "|---|---|---|---|---|---|---|---|---|",
    ...c.levels.map(
      (l) =>
        `| ${l.sessions} | ${ms(l.firstByte.p50)} | ${ms(l.firstByte.p99)} | ${single ? `x${(l.firstByte.p50 / single).toFixed(1)}` : "-"} | ${l.failed} (${l.healthCheckFailures}) | ${ms(l.controlPlane.p50)} / ${ms(l.controlPlane.p99)} | ${ms(l.wallMs)} | ${ms(l.cpuExplainedMs)} (${l.cpuUtilisation === undefined ? "-" : `${(l.cpuUtilisation * 100).toFixed(0)}%`}) | ${cpu(l)} |`,
    ),
  ].join("\n");
}

interface ReplayResults {
  date: string;
  node: string;
  skipped?: string;
  barMs: number;
  flags: string;
  withReplay: { n: number; medianMs: number; replayMedianMs?: number; rootCause: string[] };
  withoutReplay: { n: number; medianMs: number; rootCause: string[] };
}

function replaySection(): string {
  const r = JSON.parse(readFileSync(resolve(root, "bench/results/replay.json"), "utf8")) as ReplayResults;
  if (r.skipped) return `Not measured on ${r.date.slice(0, 10)}: ${r.skipped}.`;
  return [
    `Measured ${r.date.slice(0, 10)} (Node ${r.node}): \`diagnose\` of the seed incident with ${r.flags}, median of ${r.withReplay.n}, interleaved.`,
    "",
    "| diagnose of the seed incident | wall | the VPC runtime's replay | top cause | bar |",
    "|---|---|---|---|---|",
    `| with the replay | ${seconds(r.withReplay.medianMs)} | ${r.withReplay.replayMedianMs === undefined ? "-" : seconds(r.withReplay.replayMedianMs)} | ${r.withReplay.rootCause[0] ?? "-"} | < ${seconds(r.barMs)} |`,
    `| --no-replay | ${seconds(r.withoutReplay.medianMs)} | - | ${r.withoutReplay.rootCause[0] ?? "-"} | |`,
  ].join("\n");
}

interface OciResults {
  date: string;
  node: string;
  cpus: number;
  skipped?: string;
  barMs: number;
  image?: { rootfsMb: number };
  firstSessionMs?: number;
  viaEmulator?: Stats;
  direct?: Stats;
  overheadP50Ms?: number;
  overheadP99Ms?: number;
  pairedOverheadP50Ms?: number;
  samples?: { viaEmulatorMs: number[]; directMs: number[] };
  emulatorSteps?: string[];
  namespacePool?: { size: number; readyBeforeEachStart: number };
}

/** Median ms per start-up step of the emulator's "started in N ms (step ms, ...)" lines. */
function stepMedians(lines: readonly string[]): string {
  const byStep = new Map<string, number[]>();
  for (const line of lines)
    for (const [, step, value] of line.matchAll(/([a-z]+) (\d+(?:\.\d+)?)(?=[,)])/g))
      byStep.set(step!, [...(byStep.get(step!) ?? []), Number(value)]);
  return [...byStep]
    .map(([step, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return `${step} ${ms(sorted[Math.floor(sorted.length / 2)]!)}`;
    })
    .join(", ");
}

function deviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

function ociSection(): string {
  const r = JSON.parse(readFileSync(resolve(root, "bench/results/oci.json"), "utf8")) as OciResults;
  if (r.skipped || !r.viaEmulator || !r.direct)
    return `Not measured on ${r.date.slice(0, 10)}: ${r.skipped}.`;
  return [
    `Measured ${r.date.slice(0, 10)} (Node ${r.node}, ${r.cpus} cores): a ${r.image?.rootfsMb ?? "?"} MB Debian python3 image (linux/arm64; on an x86_64 host both sides run it under qemu-user), ${r.viaEmulator.n} cold starts each; the first session (pull and unpack) took ${ms(r.firstSessionMs ?? 0)}.`,
    "",
    "| cold start to first byte | p50 | p99 |",
    "|---|---|---|",
    `| through the emulator (InvokeAgentRuntime, new session) | ${ms(r.viaEmulator.p50)} | ${ms(r.viaEmulator.p99)} |`,
    `| runc run directly, same unpacked image | ${ms(r.direct.p50)} | ${ms(r.direct.p99)} |`,
    // A difference of two p99s is no p99 of the overhead: below zero it only says direct's tail was longer.
    `| overhead (bar < ${r.barMs} ms p50) | ${ms(r.overheadP50Ms ?? 0)} | ${(r.overheadP99Ms ?? 0) < 0 ? "none (direct's tail was longer)" : ms(r.overheadP99Ms ?? 0)} |`,
    ...(r.pairedOverheadP50Ms !== undefined
      ? [
          "",
          `Starts vary (direct's standard deviation ${ms(deviation(r.samples?.directMs ?? []))}), so one run's overhead moves by tens of ms: the median of the ${r.viaEmulator.n} pairs' own differences (emulator minus direct) was ${ms(r.pairedOverheadP50Ms)}.`,
        ]
      : []),
    ...(r.emulatorSteps?.length
      ? ["", `The emulator's start-up steps, medians as it logs them: ${stepMedians(r.emulatorSteps)}.`]
      : []),
    ...(r.namespacePool
      ? [
          "",
          r.namespacePool.readyBeforeEachStart > 0
            ? `The pool was warm: ${r.namespacePool.readyBeforeEachStart} of its ${r.namespacePool.size} session namespaces made ahead before every timed start ("pool" above: one taken), each already wired for PUBLIC mode (its link to the internet and resolv.conf: "network" above), refilled between pairs, outside both timed windows; the direct side's namespace is also made beforehand.`
            : `The pool (size ${r.namespacePool.size}) was not warm before every timed start: sessions made their own namespaces.`,
        ]
      : []),
  ].join("\n");
}

const sections: Record<string, () => string> = {
  scenarios: scenariosSection,
  bench: benchSection,
  concurrency: concurrencySection,
  replay: replaySection,
  oci: ociSection,
};

/** The README with every generated section filled from its JSON. */
export function readmeWithTables(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(sections)) {
    const pattern = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
    if (!pattern.test(out))
      throw new Error(`README.md has no <!-- ${name}:start --> ... <!-- ${name}:end --> markers`);
    out = out.replace(pattern, () => `<!-- ${name}:start -->\n\n${render()}\n\n<!-- ${name}:end -->`);
  }
  return out;
}
