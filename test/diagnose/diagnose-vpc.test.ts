import { execFileSync, spawn } from "node:child_process";
import { resolve } from "node:path";
import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateNetworkInterfaceCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { knownFacts } from "../../src/diagnose/known-facts.js";
import { nextSteps } from "../../src/diagnose/next-steps.js";
import { diagnose } from "../../src/diagnose/run.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { createAgentNetwork } from "../helpers/ec2.js";
import {
  TEST_CREDENTIALS as credentials,
  runtimeRequest,
  sdkConfig,
  seedRuntimes,
} from "../helpers/emulator.js";

const fixture = resolve(import.meta.dirname, "../fixtures/agents/py-boto3-startup-calls");

let emulator: RunningEmulator;
let ec2: EC2Client;
let control: BedrockAgentCoreControlClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 50 }, cloudTrailLookupsPerSecond: 50 });
  ec2 = new EC2Client(sdkConfig(emulator));
  control = new BedrockAgentCoreControlClient(sdkConfig(emulator));
});
afterAll(async () => {
  ec2?.destroy();
  control?.destroy();
  await emulator?.stop();
});

const network = (cidr: string, azs: string[], subnetPrefix = 24) =>
  createAgentNetwork(ec2, cidr, azs, subnetPrefix);

async function vpcRuntime(name: string, net: { subnets: string[]; group: string }): Promise<string> {
  const [created] = await seedRuntimes(
    emulator,
    runtimeRequest(name, {
      networkConfiguration: {
        networkMode: "VPC",
        networkModeConfig: { subnets: net.subnets, securityGroups: [net.group] },
      },
    }),
  );
  const id = created!.agentRuntimeId!;
  for (;;) {
    const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id }));
    if (!got.status?.endsWith("ING")) return id;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function awsCli(): boolean {
  try {
    execFileSync("aws", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** An AWS CLI command line against the emulator, run without blocking the event loop the emulator answers from. */
function aws(command: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: emulator.url,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_MAX_ATTEMPTS: "1",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

const run = (runtime: string, sourceDir?: string) =>
  diagnose({
    runtime,
    endpointUrl: emulator.url,
    region: "us-east-1",
    credentials,
    allowInvoke: false,
    ...(sourceDir ? { sourceDir } : {}),
  });

describe("diagnose of VPC-mode runtimes in the emulator", () => {
  it("a subnet in an unsupported zone: SUBNET_AZ_UNSUPPORTED is the root cause of CREATE_FAILED", async () => {
    const net = await network("10.61", ["use1-az6"]);
    const id = await vpcRuntime("vpc_unsupported_az", net);
    const d = await run(id);
    expect(d.evidence.runtime.value.status).toBe("CREATE_FAILED");
    const finding = d.findings.find((f) => f.id === "SUBNET_AZ_UNSUPPORTED")!;
    expect(finding.fix).toBe(
      `Use subnets in use1-az1, use1-az2, use1-az4 (subnet ${net.subnets[0]} is in use1-az6).`,
    );
    expect(d.findings.map((f) => f.id)).not.toContain("ENI_CREATE_FAILED");
    expect(d.hypotheses[0]).toMatchObject({ cause: "SUBNET_AZ_UNSUPPORTED" });
    expect(["confirmed", "likely"]).toContain(d.hypotheses[0]!.verdict);
    expect(d.gaps.filter((g) => g.service === "ec2")).toEqual([]);
    expect(d.apiCalls.EC2).toBeGreaterThanOrEqual(5);
  });

  it("a full subnet: SUBNET_NO_FREE_IPS first, with CloudTrail's failed CreateNetworkInterface as ENI_CREATE_FAILED", async () => {
    const net = await network("10.62", ["use1-az1"], 28);
    for (;;) {
      const full = await ec2
        .send(new CreateNetworkInterfaceCommand({ SubnetId: net.subnets[0]! }))
        .then(() => false)
        .catch((e: Error) => e.name === "InsufficientFreeAddressesInSubnet");
      if (full) break;
    }
    const id = await vpcRuntime("vpc_full_subnet", net);
    const d = await run(id);
    const ids = d.findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(["SUBNET_NO_FREE_IPS", "ENI_CREATE_FAILED"]));
    expect(d.findings.find((f) => f.id === "ENI_CREATE_FAILED")!.fix).toContain(
      "InsufficientFreeAddressesInSubnet",
    );
    expect(d.hypotheses[0]).toMatchObject({ cause: "SUBNET_NO_FREE_IPS", verdict: "confirmed" });
  });

  it("a READY runtime in a private subnet whose agent calls STS at start-up: no way out, found by tag, with the fix", async () => {
    const net = await network("10.63", ["use1-az1", "use1-az2"]);
    const id = await vpcRuntime("vpc_private_agent", net);
    const d = await run(id, fixture);
    expect(d.evidence.runtime.value.status).toBe("READY");
    const n = d.evidence.network!.value;
    expect(n.vpcId).toBe(net.vpcId);
    expect(n.managedInterfaces!.value).toHaveLength(2);
    expect(n.notes[0]!.fact).toContain("empty description");
    expect(d.evidence.awsServices!.find((u) => u.service === "sts")).toMatchObject({
      phase: "startup",
      line: 8,
    });
    const noPath = d.findings.find((f) => f.id === "VPC_NO_EGRESS_PATH")!;
    expect(noPath.fix).toMatch(
      /Add a NAT gateway route \(0\.0\.0\.0\/0\) to rtb-\w+, or add a VPC endpoint for bedrock-runtime, s3, secretsmanager, sts\./,
    );
    expect(noPath.evidence.some((x) => x.source.kind === "file" && x.source.line === 8)).toBe(true);
    expect(d.findings.map((f) => f.id)).not.toContain("ENI_MISSING");
    expect(d.hypotheses[0]!.cause).toBe("VPC_NO_EGRESS_PATH");
    const facts = knownFacts(d.evidence)
      .find((t) => t.topic === "Network")!
      .facts.map((f) => f.fact);
    expect(facts.join("\n")).toContain("sts blocked (no-route)");
    const commands = nextSteps(d.evidence, d.hypotheses).map((s) => s.command);
    expect(commands).toContain(
      `aws ec2 create-vpc-endpoint --vpc-id ${net.vpcId} --vpc-endpoint-type Interface --service-name com.amazonaws.us-east-1.sts --subnet-ids ${net.subnets.join(" ")} --security-group-ids ${net.group} --private-dns-enabled --region us-east-1`,
    );
  });

  it.skipIf(!awsCli())(
    "the fixes it prints, run by the AWS CLI, open the path to STS one finding at a time",
    async () => {
      const net = await network("10.64", ["use1-az1"]);
      const id = await vpcRuntime("vpc_fixed_agent", net);
      const first = await run(id, fixture);
      const fixes = nextSteps(first.evidence, first.hypotheses)
        .map((s) => s.command)
        .filter(
          (c) => c.startsWith("aws ec2 modify-vpc-attribute") || c.includes("com.amazonaws.us-east-1.sts "),
        );
      // A new VPC has DNS hostnames off: EC2 refuses private DNS until it is on, so that fix comes first.
      expect(fixes.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual([
        "aws ec2 modify-vpc-attribute",
        "aws ec2 create-vpc-endpoint",
      ]);
      for (const command of fixes) {
        const result = await aws(command);
        expect(result.status, `${command}\n${result.stderr}`).toBe(0);
      }

      // The endpoint took the runtime's own group, which admits nothing in: the next finding says so.
      const second = await run(id, fixture);
      const sts = (f: { evidence: { fact: string }[] }) =>
        f.evidence.some((x) => x.fact.includes("calls sts"));
      expect(second.findings.filter(sts).map((f) => f.id)).toEqual(["VPC_ENDPOINT_SG_BLOCKS_RUNTIME"]);
      const ingress = second.findings.find((f) => f.id === "VPC_ENDPOINT_SG_BLOCKS_RUNTIME")!;
      const command = /`(aws [^`]+)`/.exec(ingress.fix)![1]!;
      expect(command).toBe(
        `aws ec2 authorize-security-group-ingress --group-id ${net.group} --protocol tcp --port 443 --source-group ${net.group}`,
      );
      const result = await aws(`${command} --region us-east-1`);
      expect(result.status, result.stderr).toBe(0);

      const third = await run(id, fixture);
      expect(third.findings.filter(sts)).toEqual([]);
      const facts = knownFacts(third.evidence)
        .find((t) => t.topic === "Network")!
        .facts.map((f) => f.fact);
      expect(facts.join("\n")).toContain("sts reachable via interface-endpoint");
    },
  );
});
