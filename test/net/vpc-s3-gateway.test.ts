import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import {
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  DescribeRouteTablesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { testImages } from "../helpers/agent-images.js";
import { createAgentNetwork } from "../helpers/ec2.js";
import { sdkConfig } from "../helpers/emulator.js";
import { namespaceSkipReason } from "../helpers/netns.js";
import { unixZip } from "../helpers/zips.js";

const boto3 = spawnSync("python3", ["-c", "import boto3"]).status === 0;
const skip = await namespaceSkipReason();
// Its code runtime runs on the linux/arm64 base where it can: built here (cached) rather than inside a session.
if (!skip) testImages();
if (skip) console.log(`vpc-s3-gateway: skipped: ${skip}`);

const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

/** An agent that reads an object with boto3 (its default endpoint: bucket.s3.amazonaws.com) at start-up and answers with the outcome. */
const APP = `import json, time, boto3, botocore.config
from http.server import BaseHTTPRequestHandler, HTTPServer
try:
    s3 = boto3.client("s3", config=botocore.config.Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1}))
    outcome = "ok " + s3.get_object(Bucket="vpc-code", Key="hello.txt")["Body"].read().decode()
except Exception as e:
    outcome = "failed " + type(e).__name__
class H(BaseHTTPRequestHandler):
    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self): self.reply({"status": "Healthy", "time_of_last_update": int(time.time())})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0)); self.reply({"s3": outcome})
    def log_message(self, *a): pass
HTTPServer(("0.0.0.0", 8080), H).serve_forever()
`;

describe.skipIf(skip !== undefined)("S3 from a VPC session", () => {
  const dir = mkdtempSync(join(tmpdir(), "acd-vpc-s3-"));
  let emulator: RunningEmulator;
  let clients: {
    ec2: EC2Client;
    s3: S3Client;
    control: BedrockAgentCoreControlClient;
    data: BedrockAgentCoreClient;
  };

  beforeAll(async () => {
    mkdirSync(join(dir, "agent"));
    writeFileSync(join(dir, "agent", "app.py"), APP);
    writeFileSync(
      join(dir, "agent", "Dockerfile"),
      'FROM python:3.12-slim\nCOPY . .\nCMD ["python3", "app.py"]\n',
    );
    emulator = await startEmulator({
      port: 0,
      driver: "netns",
      caDir: join(dir, "ca"),
      images: { [`${REGISTRY}/s3-reader`]: join(dir, "agent") },
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 20_000,
    });
    const config = sdkConfig(emulator);
    clients = {
      ec2: new EC2Client(config),
      s3: new S3Client({ ...config, forcePathStyle: true }),
      control: new BedrockAgentCoreControlClient(config),
      data: new BedrockAgentCoreClient(config),
    };
    await clients.s3.send(new CreateBucketCommand({ Bucket: "vpc-code" }));
    await clients.s3.send(new PutObjectCommand({ Bucket: "vpc-code", Key: "hello.txt", Body: "from s3" }));
    // A code runtime's zip: the stdlib part of the agent above, answering from the zip.
    const zip = await unixZip([
      {
        path: "main.py",
        data: APP.replace(/^try:[\s\S]*?\nclass H/m, 'outcome = "ok from the zip"\nclass H').replace(
          "import json, time, boto3, botocore.config",
          "import json, time",
        ),
      },
    ]);
    await clients.s3.send(new PutObjectCommand({ Bucket: "vpc-code", Key: "agent.zip", Body: zip }));
    const iam = new IAMClient(config);
    try {
      await iam.send(
        new CreateRoleCommand({
          RoleName: "CodeRole",
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
          RoleName: "CodeRole",
          PolicyName: "code",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::vpc-code/*" }],
          }),
        }),
      );
    } finally {
      iam.destroy();
    }
  });
  afterAll(async () => {
    for (const client of Object.values(clients ?? {})) client.destroy();
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function invokeOnce(name: string, subnets: string[], group: string, code = false): Promise<string> {
    const created = await clients.control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: name,
        agentRuntimeArtifact: code
          ? {
              codeConfiguration: {
                code: { s3: { bucket: "vpc-code", prefix: "agent.zip" } },
                runtime: "PYTHON_3_12",
                entryPoint: ["main.py"],
              },
            }
          : { containerConfiguration: { containerUri: `${REGISTRY}/s3-reader:latest` } },
        roleArn: code
          ? "arn:aws:iam::123456789012:role/CodeRole"
          : "arn:aws:iam::123456789012:role/AgentRuntimeRole",
        networkConfiguration: { networkMode: "VPC", networkModeConfig: { subnets, securityGroups: [group] } },
      }),
    );
    for (;;) {
      const got = await clients.control.send(
        new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId }),
      );
      if (!got.status?.endsWith("ING")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const answer = await clients.data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: created.agentRuntimeArn,
        runtimeSessionId: `${name}-session-${"0".repeat(30)}`,
        contentType: "application/json",
        payload: new TextEncoder().encode("{}"),
      }),
    );
    return (JSON.parse(await answer.response!.transformToString()) as { s3: string }).s3;
  }

  it.skipIf(!boto3)(
    `reaches S3 through a gateway endpoint on the subnet's route table, and not without one${boto3 ? "" : " (skipped: python3 has no boto3 for the agent)"}`,
    async () => {
      const net = await createAgentNetwork(clients.ec2, "10.61", ["use1-az1"]);
      expect(await invokeOnce("no_route", net.subnets, net.group)).toBe("failed ConnectTimeoutError");
      const tables = await clients.ec2.send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [net.vpcId] }] }),
      );
      const endpoint = await clients.ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: net.vpcId,
          VpcEndpointType: "Gateway",
          ServiceName: "com.amazonaws.us-east-1.s3",
          RouteTableIds: tables.RouteTables!.map((t) => t.RouteTableId!),
        }),
      );
      try {
        expect(await invokeOnce("via_gateway", net.subnets, net.group)).toBe("ok from s3");
      } finally {
        await clients.ec2.send(
          new DeleteVpcEndpointsCommand({ VpcEndpointIds: [endpoint.VpcEndpoint!.VpcEndpointId!] }),
        );
      }
    },
  );

  it("fetches a VPC code runtime's zip only through the VPC's own path to S3 (a gateway endpoint)", async () => {
    const net = await createAgentNetwork(clients.ec2, "10.62", ["use1-az1"]);
    const refused = await invokeOnce("code_no_route", net.subnets, net.group, true).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.name).toBe("RuntimeClientError");
    expect(refused?.message).toBe("Runtime initialization time exceeded.");
    const tables = await clients.ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [net.vpcId] }] }),
    );
    await clients.ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: net.vpcId,
        VpcEndpointType: "Gateway",
        ServiceName: "com.amazonaws.us-east-1.s3",
        RouteTableIds: tables.RouteTables!.map((t) => t.RouteTableId!),
      }),
    );
    expect(await invokeOnce("code_via_gateway", net.subnets, net.group, true)).toBe("ok from the zip");
  });
});
