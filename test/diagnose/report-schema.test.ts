import { resolve } from "node:path";
import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { renderDiagnosis } from "../../src/diagnose/render.js";
import { DIAGNOSE_REPORT_SCHEMA_VERSION, diagnoseReport } from "../../src/diagnose/report.js";
import { type DiagnoseReport, diagnoseReportSchema } from "../../src/diagnose/report-schema.js";
import { type DiagnoseOptions, type Diagnosis, diagnose } from "../../src/diagnose/run.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import {
  TEST_CREDENTIALS as credentials,
  runtimeRequest,
  sdkConfig,
  seedRuntimes,
} from "../helpers/emulator.js";

const fixtures = resolve(import.meta.dirname, "../fixtures/agents");

let emulator: RunningEmulator;
let publicId = "";
let vpcId = "";

/** A VPC-mode runtime in one private subnet (no NAT, no endpoint), waited on until AgentCore settles it. */
async function vpcRuntime(name: string): Promise<string> {
  const ec2 = new EC2Client(sdkConfig(emulator));
  const control = new BedrockAgentCoreControlClient(sdkConfig(emulator));
  try {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.71.0.0/16" }));
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({
        VpcId: Vpc!.VpcId!,
        CidrBlock: "10.71.1.0/24",
        AvailabilityZoneId: "use1-az1",
      }),
    );
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ VpcId: Vpc!.VpcId!, GroupName: "agents", Description: "agents" }),
    );
    const [created] = await seedRuntimes(
      emulator,
      runtimeRequest(name, {
        networkConfiguration: {
          networkMode: "VPC",
          networkModeConfig: { subnets: [Subnet!.SubnetId!], securityGroups: [GroupId!] },
        },
      }),
    );
    const id = created!.agentRuntimeId!;
    for (;;) {
      const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id }));
      if (!got.status?.endsWith("ING")) return id;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    ec2.destroy();
    control.destroy();
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 50 }, cloudTrailLookupsPerSecond: 50 });
  const [created] = await seedRuntimes(emulator, runtimeRequest("schema_public_agent"));
  publicId = created!.agentRuntimeId!;
  vpcId = await vpcRuntime("schema_vpc_agent");
});
afterAll(async () => {
  await emulator?.stop();
});

const run = (runtime: string, more: Partial<DiagnoseOptions> = {}): Promise<Diagnosis> =>
  diagnose({
    runtime,
    endpointUrl: emulator.url,
    region: "us-east-1",
    credentials,
    allowInvoke: false,
    ...more,
  });

/** Validates both the object and the JSON text `--format json` prints; strict objects reject any field the schema lacks. */
function validate(d: Diagnosis): DiagnoseReport {
  const report = diagnoseReportSchema.parse(diagnoseReport(d));
  expect(diagnoseReportSchema.parse(JSON.parse(renderDiagnosis(d, "json", false)))).toEqual(
    JSON.parse(JSON.stringify(report)),
  );
  return report;
}

describe("the diagnose JSON report matches its published schema (docs/diagnose-report.schema.json)", () => {
  it("has every field diagnoseReport returns, at any depth (checked by tsc)", () => {
    // A field diagnoseReport gains and the schema lacks fails `tsc` here, even if no run below emits it.
    // (Not the other way: diagnoseReport's literals are widened, e.g. command: string.)
    expectTypeOf<DiagnoseReport>().toExtend<ReturnType<typeof diagnoseReport>>();
    expect(diagnoseReportSchema.shape.schemaVersion.value).toBe(DIAGNOSE_REPORT_SCHEMA_VERSION);
  });

  it("a PUBLIC runtime whose source binds loopback: findings, hypotheses, a timeline", async () => {
    const report = validate(await run(publicId, { sourceDir: resolve(fixtures, "py-sdk-default-host") }));
    expect(report).toMatchObject({
      command: "diagnose",
      runtime: { id: publicId, networkMode: "PUBLIC" },
      verdict: { rootCause: "PYTHON_SDK_LOOPBACK_DEFAULT" },
    });
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.timeline.map((e) => e.event)).toContain("CreateAgentRuntime");
    expect(report.comparison).toBeUndefined();
  });

  it("a VPC runtime in a private subnet whose agent calls STS at start-up: network facts and fixes", async () => {
    const report = validate(await run(vpcId, { sourceDir: resolve(fixtures, "py-boto3-startup-calls") }));
    expect(report.runtime.networkMode).toBe("VPC");
    expect(report.verdict.rootCause).toBe("VPC_NO_EGRESS_PATH");
    expect(report.knownFacts.map((t) => t.topic)).toContain("Network");
    expect(report.nextSteps.some((s) => s.why.startsWith("fix"))).toBe(true);
  });

  it("with --compare: the other runtime's verdict and the rows side by side", async () => {
    const report = validate(await run(publicId, { compareWith: vpcId }));
    expect(report.comparison?.other.id).toBe(vpcId);
    expect(report.comparison?.rows.some((row) => row.differs)).toBe(true);

    const env = { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b", AWS_REGION: "us-east-1" };
    const cli = await runCli(
      ["diagnose", publicId, "--endpoint-url", emulator.url, "--compare", vpcId, "--format", "json"],
      { env },
    );
    expect([0, 1], cli.stderr).toContain(cli.code);
    const printed = diagnoseReportSchema.parse(JSON.parse(cli.stdout));
    expect(printed.comparison?.other.id).toBe(vpcId);
  });

  it("rejects a field the schema does not know, at any depth", async () => {
    const report = JSON.parse(renderDiagnosis(await run(publicId), "json", false)) as DiagnoseReport;
    expect(diagnoseReportSchema.safeParse(report).success).toBe(true);
    expect(diagnoseReportSchema.safeParse({ ...report, extra: 1 }).success).toBe(false);
    const [first, ...rest] = report.hypotheses;
    const deep = {
      ...report,
      hypotheses: [{ ...first, for: [{ fact: "x", source: { kind: "tool", detail: "d", x: 1 } }] }, ...rest],
    };
    expect(diagnoseReportSchema.safeParse(deep).success).toBe(false);
  });
});
