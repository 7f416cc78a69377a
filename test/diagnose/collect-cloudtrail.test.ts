import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BedrockAgentCoreControlClient,
  UpdateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClients, type DiagnoseClients } from "../../src/diagnose/clients.js";
import { collectTimeline, TIMELINE_EVENT_NAMES } from "../../src/diagnose/collect/cloudtrail.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";

const credentials = { accessKeyId: "a", secretAccessKey: "b" };

describe("the CloudTrail timeline collector against the emulator (2 TPS limit on)", () => {
  let emulator: RunningEmulator;
  let clients: DiagnoseClients;
  let runtimeId: string;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 0 }, cloudTrailLookupsPerSecond: 2 });
    const [created] = await seedRuntimes(
      emulator,
      runtimeRequest("timeline"),
      runtimeRequest("someone_else"),
    );
    runtimeId = created!.agentRuntimeId!;
    const admin = new BedrockAgentCoreControlClient(sdkConfig(emulator));
    const { agentRuntimeName: _name, ...spec } = runtimeRequest("timeline");
    await admin.send(new UpdateAgentRuntimeCommand({ agentRuntimeId: runtimeId, ...spec }));
    admin.destroy();
    clients = createClients({
      endpointUrl: emulator.url,
      region: "us-east-1",
      credentials,
      allowInvoke: false,
    });
  });
  afterAll(async () => {
    clients?.destroy();
    await emulator?.stop();
  });

  it("returns this runtime's events oldest first, paced under the limit", async () => {
    const started = Date.now();
    const { value } = await collectTimeline(clients.cloudtrail, {
      runtimeId,
      runtimeName: "timeline",
      subnets: [],
      since: new Date(Date.now() - 3_600_000),
    });
    expect(value.map((e) => e.name)).toEqual(["CreateAgentRuntime", "UpdateAgentRuntime"]);
    expect(value[0]).toMatchObject({
      actorType: "IAMUser",
      dryRun: false,
      source: "bedrock-agentcore.amazonaws.com",
    });
    // Six queries at two per second: never throttled, about 2.5 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_400);
  });
});

describe("the CloudTrail timeline collector against AWS-shaped answers", () => {
  // Responses shaped as CloudTrail sends them: JSON 1.1, epoch-second EventTime, CloudTrailEvent as a string,
  // a throttled answer, and a second page.
  const seen: string[] = [];
  let throttledOnce = false;
  const eni = (errorCode: string | undefined, time: string) =>
    JSON.stringify({
      eventVersion: "1.11",
      userIdentity: {
        type: "AssumedRole",
        arn: "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForBedrockAgentCoreNetwork/BedrockAgentCoreNetwork",
        invokedBy: "network.bedrock-agentcore.amazonaws.com",
        sessionContext: {
          sessionIssuer: {
            type: "Role",
            arn: "arn:aws:iam::111122223333:role/aws-service-role/network.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreNetwork",
          },
        },
      },
      eventTime: time,
      eventSource: "ec2.amazonaws.com",
      eventName: "CreateNetworkInterface",
      ...(errorCode
        ? { errorCode, errorMessage: "Request would have succeeded, but DryRun flag is set." }
        : {}),
      requestParameters: {
        subnetId: "subnet-0a1b2c3d4e5f60718",
        description: "",
        groupSet: { items: [{ groupId: "sg-0123456789abcdef0" }] },
      },
      responseElements: errorCode
        ? null
        : { networkInterface: { networkInterfaceId: "eni-0a1b2c3d4e5f60718", status: "pending" } },
    });
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const input = JSON.parse(body) as {
        LookupAttributes: { AttributeValue: string }[];
        NextToken?: string;
      };
      const name = input.LookupAttributes[0]!.AttributeValue;
      seen.push(`${name}${input.NextToken ? "+page2" : ""}`);
      res.setHeader("content-type", "application/x-amz-json-1.1");
      if (name === "CreateNetworkInterface" && !throttledOnce) {
        throttledOnce = true;
        res.writeHead(400);
        res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
        return;
      }
      if (name !== "CreateNetworkInterface") return res.end(JSON.stringify({ Events: [] }));
      if (!input.NextToken) {
        return res.end(
          JSON.stringify({
            Events: [
              {
                EventId: "2",
                EventName: name,
                EventTime: 1795572001,
                CloudTrailEvent: eni(undefined, "2026-11-25T01:00:01Z"),
              },
            ],
            NextToken: "page-2",
          }),
        );
      }
      res.end(
        JSON.stringify({
          Events: [
            {
              EventId: "1",
              EventName: name,
              EventTime: 1795572000,
              CloudTrailEvent: eni("Client.DryRunOperation", "2026-11-25T01:00:00Z"),
            },
          ],
        }),
      );
    });
  });
  let client: CloudTrailClient;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    client = new CloudTrailClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: "us-east-1",
      credentials,
    });
  });
  afterAll(() => {
    client?.destroy();
    server.close();
  });

  it("retries a throttled page, follows NextToken, and reads the DryRun then the real ENI creation by the service-linked role", async () => {
    const { value } = await collectTimeline(
      client,
      {
        runtimeId: "vpc_agent-AbCdE12345",
        runtimeName: "vpc_agent",
        subnets: ["subnet-0a1b2c3d4e5f60718"],
        since: new Date(0),
      },
      50,
    );
    expect(seen.filter((s) => s.startsWith("CreateNetworkInterface"))).toEqual([
      "CreateNetworkInterface",
      "CreateNetworkInterface",
      "CreateNetworkInterface+page2",
    ]);
    expect(seen.length).toBe(TIMELINE_EVENT_NAMES.length + 2);
    expect(value.map((e) => [e.name, e.dryRun, e.errorCode])).toEqual([
      ["CreateNetworkInterface", true, "Client.DryRunOperation"],
      ["CreateNetworkInterface", false, undefined],
    ]);
    expect(value[1]).toMatchObject({
      actorType: "AssumedRole",
      invokedBy: "network.bedrock-agentcore.amazonaws.com",
      actor: expect.stringContaining("AWSServiceRoleForBedrockAgentCoreNetwork"),
    });
  });
});
