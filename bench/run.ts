/**
 * Benchmarks, measured side by side in one run (never in `npm test`):
 * - warm invoke round-trip through the emulator vs straight to the agent
 *   (same agent, same keep-alive HTTP client, interleaved A/B), p50 and p99;
 * - cold session start to first byte, per session driver available here;
 * - CreateAgentRuntime → READY through the SDK;
 * - cold session start to first byte, VPC mode vs PUBLIC mode, on the netns
 *   driver with the session network on (interleaved), and the overhead;
 * - `diagnose` of a VPC runtime with CloudTrail's real limit (2 lookups/s),
 *   without and with --invoke: wall time and API calls per service;
 * - then bench/replay.ts: `diagnose` of the seed incident with the replay
 *   and without (bench/results/replay.json);
 * - then bench/oci.ts: cold session start of a real image through the
 *   emulator vs `runc run` directly (bench/results/oci.json).
 * Writes bench/results/latest.json, which the README's table quotes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { resolve } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  type CreateAgentRuntimeCommandInput,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { type Diagnosis, diagnose } from "../src/diagnose/run.js";
import type { SessionDriver } from "../src/emulator/bedrock-agentcore/sessions.js";
import { type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import { fabricSupport } from "../src/emulator/vpc/fabric.js";
import { netnsSupport } from "../src/net/netns.js";
import { BENCH_PAYLOAD, coldStart } from "./cold-start.js";
import { writeOciBench } from "./oci.js";
import { writeReplayBench } from "./replay.js";

const WARM_INVOCATIONS = Number(process.env.BENCH_WARM ?? 1000);
const COLD_STARTS = Number(process.env.BENCH_COLD ?? 5);
/** Per mode, interleaved VPC/PUBLIC; at least 5. */
const VPC_COLD_STARTS = Math.max(5, Number(process.env.BENCH_VPC_COLD ?? 10));
const DIAGNOSE_RUNS = 3;
const root = resolve(import.meta.dirname, "..");
// The official TypeScript SDK agent: a real server that answers in one write (the stdlib fixture
// stalls 40 ms per keep-alive answer on Nagle and delayed ACK, which would swamp what we measure).
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench/ts-sdk-healthy:latest";
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
const SESSION = "bench-session-0000000000000000000000000000000000";
const payload = BENCH_PAYLOAD;

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
    for (let i = 0; i < COLD_STARTS; i++)
      cold.push(await coldStart(data, arn, `bench-cold-${i}-${"0".repeat(40)}`));
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

type ClientConfig = { endpoint: string; region: string; credentials: typeof credentials };

/**
 * Through the AWS SDK, as a user would: the execution role, and a VPC with a
 * private subnet in use1-az1 whose default route is a NAT gateway (in a public
 * subnet behind an internet gateway), and a security group for the runtime.
 */
async function buildAccount(
  config: ClientConfig,
): Promise<{ roleArn: string; subnet: string; group: string }> {
  const ec2 = new EC2Client(config);
  const iam = new IAMClient(config);
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: "BenchAgentRuntimeRole",
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
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "BenchAgentRuntimeRole",
        PolicyName: "runtime",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:GetAuthorizationToken"],
              Resource: "*",
            },
            {
              Effect: "Allow",
              Action: [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "logs:DescribeLogGroups",
              ],
              Resource: "arn:aws:logs:*:*:log-group:/aws/bedrock-agentcore/runtimes/*",
            },
          ],
        }),
      }),
    );
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.60.0.0/16" }))).Vpc!.VpcId!;
    const subnet = async (cidr: string, az: string) =>
      (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZoneId: az })))
        .Subnet!.SubnetId!;
    const publicSubnet = await subnet("10.60.0.0/24", "use1-az2");
    const privateSubnet = await subnet("10.60.1.0/24", "use1-az1");
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const table = async (subnetId: string, target: { GatewayId: string } | { NatGatewayId: string }) => {
      const id = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
      await ec2.send(
        new CreateRouteCommand({ RouteTableId: id, DestinationCidrBlock: "0.0.0.0/0", ...target }),
      );
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId: id, SubnetId: subnetId }));
    };
    await table(publicSubnet, { GatewayId: igw });
    const nat = (
      await ec2.send(
        // The emulator checks an allocation id's form; it keeps no Elastic IPs.
        new CreateNatGatewayCommand({ SubnetId: publicSubnet, AllocationId: "eipalloc-0a1b2c3d4e5f60718" }),
      )
    ).NatGateway!.NatGatewayId!;
    await table(privateSubnet, { NatGatewayId: nat });
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: "bench-agent",
        Description: "AgentCore runtime ENI",
      }),
    );
    return { roleArn: Role!.Arn!, subnet: privateSubnet, group: GroupId! };
  } finally {
    ec2.destroy();
    iam.destroy();
  }
}

/** Creates a runtime of the bench image and waits until it has settled; READY or it throws. */
async function createRuntime(
  control: BedrockAgentCoreControlClient,
  name: string,
  roleArn: string,
  networkConfiguration: CreateAgentRuntimeCommandInput["networkConfiguration"],
): Promise<{ id: string; arn: string }> {
  const created = await control.send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: name,
      agentRuntimeArtifact: { containerConfiguration: { containerUri: IMAGE } },
      roleArn,
      networkConfiguration,
    }),
  );
  for (;;) {
    const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId! }));
    if (got.status === "READY") return { id: created.agentRuntimeId!, arn: created.agentRuntimeArn! };
    if (!got.status?.endsWith("ING"))
      throw new Error(`runtime ${name} is ${got.status}: ${got.failureReason ?? "no reason given"}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const vpcNetwork = (
  subnet: string,
  group: string,
): CreateAgentRuntimeCommandInput["networkConfiguration"] => ({
  networkMode: "VPC",
  networkModeConfig: { subnets: [subnet], securityGroups: [group] },
});

async function startBenchEmulator(
  extra: { cloudTrailLookupsPerSecond?: number } = {},
): Promise<RunningEmulator> {
  return startEmulator({
    port: 0,
    images: { [IMAGE]: resolve(root, "test/fixtures/agents/ts-sdk-healthy") },
    timing: { readyAfterMs: 0 },
    ...extra,
  });
}

/**
 * Cold start to first byte, VPC vs PUBLIC, same image, same emulator, netns
 * driver with the session network: a VPC session's namespace is wired to the
 * VPC's router namespace (made for the first session, removed with the last),
 * with security groups in nftables; a PUBLIC one is linked to the internet
 * namespace. Interleaved; one discarded pair first (the internet namespace's
 * stand-in starts with the first session).
 */
async function measureVpcCold(): Promise<Record<string, unknown>> {
  const support = await fabricSupport();
  if (!support.ok) return { skipped: `the session network is not available here: ${support.reason}` };
  const emulator = await startEmulator({
    port: 0,
    driver: "netns",
    images: { [IMAGE]: resolve(root, "test/fixtures/agents/ts-sdk-healthy") },
    timing: { readyAfterMs: 0 },
  });
  const config = { endpoint: emulator.url, region: "us-east-1", credentials };
  const control = new BedrockAgentCoreControlClient(config);
  const data = new BedrockAgentCoreClient(config);
  try {
    if (emulator.driver !== "netns") return { skipped: `the emulator chose the ${emulator.driver} driver` };
    const account = await buildAccount(config);
    const pub = await createRuntime(control, "bench_cold_public", account.roleArn, { networkMode: "PUBLIC" });
    const vpc = await createRuntime(
      control,
      "bench_cold_vpc",
      account.roleArn,
      vpcNetwork(account.subnet, account.group),
    );
    const id = (mode: string, i: number) => `bench-${mode}-${i}-${"0".repeat(40)}`;
    const firstPublicMs = await coldStart(data, pub.arn, id("public", -1));
    const firstVpcMs = await coldStart(data, vpc.arn, id("vpc", -1));
    const publicRuns: number[] = [];
    const vpcRuns: number[] = [];
    for (let i = 0; i < VPC_COLD_STARTS; i++) {
      // Alternate which goes first, so neither always follows the other's teardown.
      if (i % 2 === 0) {
        vpcRuns.push(await coldStart(data, vpc.arn, id("vpc", i)));
        publicRuns.push(await coldStart(data, pub.arn, id("public", i)));
      } else {
        publicRuns.push(await coldStart(data, pub.arn, id("public", i)));
        vpcRuns.push(await coldStart(data, vpc.arn, id("vpc", i)));
      }
    }
    const p = stats(publicRuns);
    const v = stats(vpcRuns);
    return {
      driver: emulator.driver,
      public: p,
      vpc: v,
      overheadP50Ms: v.p50 - p.p50,
      overheadP99Ms: v.p99 - p.p99,
      ratioP50: v.p50 / p.p50,
      targetOverheadMs: 150,
      discardedFirst: { publicMs: firstPublicMs, vpcMs: firstVpcMs },
    };
  } finally {
    control.destroy();
    data.destroy();
    await emulator.stop();
  }
}

interface DiagnoseRun {
  wallMs: number;
  apiCalls: Record<string, number>;
  findings: string[];
  /** What diagnose could not collect (a throttled CloudTrail drops the timeline): a run with gaps is cheaper and worth less. */
  gaps: string[];
}

function median(runs: DiagnoseRun[]): DiagnoseRun {
  return [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)]!;
}

/**
 * `diagnose` of a READY VPC runtime (NAT route, healthy agent), as `scenario`
 * calls it, against an emulator with CloudTrail's real limit of 2 LookupEvents
 * per second; without and with --invoke, interleaved, median of 3 each.
 */
async function measureDiagnose(): Promise<Record<string, unknown>> {
  const emulator = await startBenchEmulator({ cloudTrailLookupsPerSecond: 2 });
  const config = { endpoint: emulator.url, region: "us-east-1", credentials };
  const control = new BedrockAgentCoreControlClient(config);
  try {
    const account = await buildAccount(config);
    const vpc = await createRuntime(
      control,
      "bench_diagnose_vpc",
      account.roleArn,
      vpcNetwork(account.subnet, account.group),
    );
    const once = async (invoke: boolean): Promise<DiagnoseRun> => {
      const started = performance.now();
      const diagnosis: Diagnosis = await diagnose({
        runtime: vpc.id,
        endpointUrl: emulator.url,
        region: "us-east-1",
        credentials,
        allowInvoke: invoke,
        invoke,
        logSettleMs: 400,
      });
      return {
        wallMs: performance.now() - started,
        apiCalls: diagnosis.apiCalls,
        findings: diagnosis.findings.map((f) => f.id),
        gaps: diagnosis.gaps.map((g) => `${g.service}:${g.operation}:${g.errorCode}`),
      };
    };
    const without: DiagnoseRun[] = [];
    const withInvoke: DiagnoseRun[] = [];
    // CloudTrail's limit is a 1 s window per account and region: each run starts after a quiet second, as a
    // user's would; back to back, the next run's first lookups are throttled (see gaps).
    const quiet = () => new Promise((r) => setTimeout(r, 1_100));
    for (let i = 0; i < DIAGNOSE_RUNS; i++) {
      await quiet();
      without.push(await once(false));
      await quiet();
      withInvoke.push(await once(true));
    }
    const summary = (runs: DiagnoseRun[]) => {
      const m = median(runs);
      return {
        n: runs.length,
        medianMs: m.wallMs,
        runsMs: runs.map((r) => r.wallMs),
        apiCalls: m.apiCalls,
        apiCallsTotal: Object.values(m.apiCalls).reduce((a, b) => a + b, 0),
        findings: m.findings,
        gaps: m.gaps,
        runsWithGaps: runs.filter((r) => r.gaps.length > 0).length,
      };
    };
    return {
      driver: emulator.driver,
      cloudTrailLookupsPerSecond: 2,
      targetMs: 10_000,
      withoutInvoke: summary(without),
      withInvoke: summary(withInvoke),
    };
  } finally {
    control.destroy();
    await emulator.stop();
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
  const vpcCold = await measureVpcCold();
  const diagnoseVpc = await measureDiagnose();
  Object.assign(results, {
    warm,
    coldStartToFirstByte: cold,
    createToReadyMs,
    coldStartVpcVsPublic: vpcCold,
    diagnoseVpc,
  });
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
  if ("skipped" in vpcCold) console.log(`cold session start, VPC vs PUBLIC: skipped: ${vpcCold.skipped}`);
  else {
    const c = vpcCold as {
      public: ReturnType<typeof stats>;
      vpc: ReturnType<typeof stats>;
      overheadP50Ms: number;
      overheadP99Ms: number;
      ratioP50: number;
    };
    console.log(
      `cold session start to first byte, VPC vs PUBLIC (netns, session network, ${c.vpc.n} each, interleaved): PUBLIC p50 ${f(c.public.p50)} p99 ${f(c.public.p99)} | VPC p50 ${f(c.vpc.p50)} p99 ${f(c.vpc.p99)} | overhead p50 ${f(c.overheadP50Ms)} p99 ${f(c.overheadP99Ms)} (x${c.ratioP50.toFixed(2)}; target < 150 ms)`,
    );
  }
  type DiagnoseSummary = {
    medianMs: number;
    apiCalls: Record<string, number>;
    apiCallsTotal: number;
    runsWithGaps: number;
  };
  const d = diagnoseVpc as { driver: string; withoutInvoke: DiagnoseSummary; withInvoke: DiagnoseSummary };
  const calls = (c: Record<string, number>) =>
    Object.entries(c)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, n]) => `${service} ${n}`)
      .join(", ");
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `diagnose VPC runtime (CloudTrail 2 lookups/s, ${d.driver} driver, median of ${DIAGNOSE_RUNS}): without --invoke ${s(d.withoutInvoke.medianMs)} | with --invoke ${s(d.withInvoke.medianMs)} (x${(d.withInvoke.medianMs / d.withoutInvoke.medianMs).toFixed(2)}; target < 10 s)`,
  );
  console.log(
    `  API calls without --invoke (${d.withoutInvoke.apiCallsTotal}): ${calls(d.withoutInvoke.apiCalls)}`,
  );
  console.log(`  API calls with --invoke (${d.withInvoke.apiCallsTotal}): ${calls(d.withInvoke.apiCalls)}`);
  for (const [label, run] of [
    ["without --invoke", d.withoutInvoke],
    ["with --invoke", d.withInvoke],
  ] as const)
    if (run.runsWithGaps > 0)
      console.log(`  ${label}: ${run.runsWithGaps} run(s) had evidence gaps (see gaps)`);
  console.log("wrote bench/results/latest.json");
  await writeReplayBench();
  await writeOciBench();
}

await main();
