import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withReplay } from "../../src/check/network-of.js";
import { checkReportSchema } from "../../src/check/report.js";
import { runCheck } from "../../src/check/run-check.js";
import { replayInNetworkOf } from "../../src/diagnose/network-of.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { createNamespace, type Namespace } from "../../src/net/netns.js";
import { buildScenario } from "../../src/scenario/build.js";
import { loadScenario } from "../../src/scenario/run.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const SEED = resolve("scenarios/seed-incident");
const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "test" };
const skip = await namespaceSkipReason();
if (skip) console.log(`check --network-of tests skipped: ${skip}`);

describe.skipIf(skip !== undefined)("check DIR --network-of <runtime>, against the emulator", () => {
  let emulator: RunningEmulator;
  let runtimeIds: Record<string, string> = {};
  // The local part of check runs in a namespace the test made, with no route out: nothing reaches AWS.
  let local: Namespace;

  beforeAll(async () => {
    // The "deployed" account: the seed incident built through the AWS API.
    const { scenario } = await loadScenario(SEED);
    emulator = await startEmulator({ port: 0, region: "us-east-1", driver: "process" });
    ({ runtimeIds } = await buildScenario(scenario, {
      endpoint: emulator.url,
      region: "us-east-1",
      credentials,
    }));
    local = await createNamespace("t");
  }, 60_000);

  afterAll(async () => {
    await local?.destroy();
    await emulator?.stop();
  });

  // As the CLI composes `check DIR --network-of`: the check, then diagnose's replay, merged.
  const check = async (runtime: string) => {
    const dir = resolve(SEED, "agent");
    const report = await runCheck({
      dir,
      startupTimeoutMs: 2_000,
      netns: { name: local.name, address: local.address },
    });
    const replayed = await replayInNetworkOf({
      runtime,
      source: dir,
      endpointUrl: emulator.url,
      region: "us-east-1",
      credentials,
      startupTimeoutMs: 4_000,
    });
    return withReplay(report, replayed);
  };

  it("a VPC runtime without an STS endpoint or NAT: the replay in its twin sees the STS connection dropped", async () => {
    const report = await check(runtimeIds.vpc_agent!);
    expect(checkReportSchema.parse(report)).toBeTruthy();
    expect(report.replay).toMatchObject({ ran: true, network: "twin", networkMode: "VPC" });
    expect(report.replay!.runtime).toContain(runtimeIds.vpc_agent);
    const dropped = report.replay!.observations.filter(
      (o) => o.kind === "connection" && (o as { outcome?: string }).outcome === "dropped",
    );
    expect(dropped.length).toBeGreaterThan(0);
    const missing = report.findings.find((f) => f.id === "VPC_ENDPOINT_MISSING")!;
    expect(missing.fix).toContain("com.amazonaws.us-east-1.sts");
    expect(missing.evidence.some((x) => x.source.kind === "replay")).toBe(true);
    expect(report.findings.map((f) => f.id)).toContain("STARTUP_BLOCKED_ON_NETWORK");
    expect(report.verdict).toBe("unhealthy");
    expect(report.environment.notes.join("\n")).toContain("replayed in the twin of the VPC");
  }, 90_000);

  it("a PUBLIC runtime: replayed in the stand-in internet, where STS answers and no network finding rests on the replay", async () => {
    const report = await check(runtimeIds.public_agent!);
    expect(report.replay).toMatchObject({ ran: true, network: "public", networkMode: "PUBLIC" });
    const fromReplay = report.findings.filter((f) => f.evidence.some((x) => x.source.kind === "replay"));
    expect(fromReplay.map((f) => f.id)).toEqual([]);
  }, 90_000);
});
