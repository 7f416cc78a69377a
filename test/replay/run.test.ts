import { resolve } from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectNetwork } from "../../src/diagnose/collect/network.js";
import type { EvidenceGap } from "../../src/diagnose/evidence.js";
import { buildTwin } from "../../src/diagnose/twin.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { ReplayObservation } from "../../src/replay/observations.js";
import { replayAgent } from "../../src/replay/run.js";
import { buildScenario, resolveReferences } from "../../src/scenario/build.js";
import { loadScenario } from "../../src/scenario/run.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const SEED = resolve("scenarios/seed-incident");
const skip = await namespaceSkipReason();
if (skip) console.log(`replay tests skipped: ${skip}`);

describe.skipIf(skip !== undefined)("replay of the seed incident in its twin", () => {
  let emulator: RunningEmulator;
  let observations: ReplayObservation[] = [];
  let lacked: string[] = [];

  beforeAll(async () => {
    // The "deployed" account: the seed incident built through the AWS API, then collected as diagnose does.
    const { scenario } = await loadScenario(SEED);
    emulator = await startEmulator({ port: 0, region: "us-east-1", driver: "process" });
    const config = {
      endpoint: emulator.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    };
    const { refs } = await buildScenario(scenario, config);
    const request = resolveReferences(scenario.runtimes.vpc_agent!.request, refs) as {
      networkConfiguration: { networkModeConfig: { subnets: string[]; securityGroups: string[] } };
    };
    const ec2 = new EC2Client({ ...config, maxAttempts: 1 });
    const gaps: EvidenceGap[] = [];
    const network = await collectNetwork(
      ec2,
      {
        region: "us-east-1",
        subnetIds: request.networkConfiguration.networkModeConfig.subnets,
        groupIds: request.networkConfiguration.networkModeConfig.securityGroups,
      },
      gaps,
    );
    ec2.destroy();
    expect(gaps).toEqual([]);
    const twin = buildTwin(network.value);
    if (!twin.ok) throw new Error(twin.reason);
    const result = await replayAgent({
      source: resolve(SEED, "agent"),
      account: "123456789012",
      region: "us-east-1",
      network: { mode: "VPC", twin: twin.twin },
      roleArn: refs.get("role:AgentRuntimeRole")!,
      envNames: ["MODEL_ID"],
      startupTimeoutMs: 4_000,
    });
    if (!result.ran) throw new Error(result.reason);
    observations = result.observations;
    lacked = result.envLacked;
  }, 90_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it("records the STS query answered by the VPC's resolver", () => {
    expect(observations).toContainEqual(
      expect.objectContaining({
        kind: "dns",
        name: "sts.us-east-1.amazonaws.com",
        resolver: "10.20.0.2",
        outcome: "answered",
      }),
    );
  });

  it("records the connection to STS dropped by the subnet's route table", () => {
    const sts = observations.find(
      (o): o is Extract<ReplayObservation, { kind: "connection" }> =>
        o.kind === "connection" && o.name === "sts.us-east-1.amazonaws.com",
    );
    expect(sts).toMatchObject({ port: 443, outcome: "dropped", droppedBy: { hop: "route-table" } });
    expect(sts?.droppedBy?.detail).toMatch(/route table rtb-/);
  });

  it("sees no listener and no healthy /ping, and says which variables it lacked", () => {
    expect(observations.filter((o) => o.kind === "listening")).toEqual([]);
    expect(observations.some((o) => o.kind === "ping" && o.status === 200)).toBe(false);
    expect(lacked).toEqual(["MODEL_ID"]);
  });
});
