import {
  BedrockAgentCoreControlClient,
  DeleteAgentRuntimeCommand,
  GetAgentRuntimeCommand,
  type GetAgentRuntimeCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  CreateNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { createAgentNetwork } from "../helpers/ec2.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let ec2: EC2Client;
let control: BedrockAgentCoreControlClient;
let trail: CloudTrailClient;
let iam: IAMClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 50, deletingForMs: 50 } });
  ec2 = new EC2Client(sdkConfig(emulator));
  control = new BedrockAgentCoreControlClient(sdkConfig(emulator));
  trail = new CloudTrailClient(sdkConfig(emulator));
  iam = new IAMClient(sdkConfig(emulator));
});
afterAll(async () => {
  for (const client of [ec2, control, trail, iam]) client?.destroy();
  await emulator?.stop();
});

const network = (cidr: string, azs: string[], subnetPrefix = 24) =>
  createAgentNetwork(ec2, cidr, azs, subnetPrefix);

async function settled(id: string): Promise<GetAgentRuntimeCommandOutput> {
  for (;;) {
    const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id }));
    if (!got.status?.endsWith("ING")) return got;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const vpcRequest = (name: string, subnets: string[], group: string) =>
  runtimeRequest(name, {
    networkConfiguration: {
      networkMode: "VPC",
      networkModeConfig: { subnets, securityGroups: [group] },
    },
  });

describe("a VPC runtime through the AWS SDK", () => {
  it("turns READY with AgentCore's ENI, found by tag and not by description, made by the service-linked role", async () => {
    const net = await network("10.40", ["use1-az1", "use1-az2"]);
    const [created] = await seedRuntimes(emulator, vpcRequest("vpc_agent", net.subnets, net.group));
    const runtime = await settled(created!.agentRuntimeId!);
    expect(runtime.status).toBe("READY");
    expect(runtime.failureReason).toBeUndefined();

    const byTag = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: "tag:AmazonBedrockAgentCoreManaged", Values: ["true"] },
          { Name: "subnet-id", Values: net.subnets },
        ],
      }),
    );
    expect(byTag.NetworkInterfaces).toHaveLength(2);
    for (const eni of byTag.NetworkInterfaces!) {
      expect(eni.Status).toBe("in-use");
      expect(eni.Description).toBe("");
      expect(eni.Attachment?.DeviceIndex).toBe(1);
      expect(eni.Attachment?.InstanceOwnerId).toBe("amazon-aws");
      expect(eni.Groups?.map((g) => g.GroupId)).toEqual([net.group]);
    }
    const byDescription = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "description", Values: ["*AgentCore*", "*agentcore*", "*bedrock*"] }],
      }),
    );
    expect(byDescription.NetworkInterfaces).toEqual([]);

    const role = await iam.send(new GetRoleCommand({ RoleName: "AWSServiceRoleForBedrockAgentCoreNetwork" }));
    expect(role.Role?.Path).toBe("/aws-service-role/network.bedrock-agentcore.amazonaws.com/");

    const events = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateNetworkInterface" }],
      }),
    );
    const records = (events.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!));
    expect(records.filter((r) => r.errorCode === "Client.DryRunOperation")).toHaveLength(2);
    const real = records.filter((r) => !r.errorCode);
    expect(real).toHaveLength(2);
    expect(real[0].userIdentity.type).toBe("AssumedRole");
    expect(real[0].userIdentity.sessionContext.sessionIssuer.userName).toBe(
      "AWSServiceRoleForBedrockAgentCoreNetwork",
    );
    expect(real[0].userIdentity.invokedBy).toBe("network.bedrock-agentcore.amazonaws.com");
    // Through the same dispatch as any caller's: named as CloudTrail names EC2's parameters.
    expect(real[0]).toMatchObject({
      sourceIPAddress: "network.bedrock-agentcore.amazonaws.com",
      requestParameters: { subnetId: expect.toBeOneOf(net.subnets), description: "" },
      responseElements: { networkInterface: { interfaceType: "agentic_ai" } },
    });
    expect(records.find((r) => r.errorCode)?.requestParameters).toMatchObject({ dryRun: true });
    const slr = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateServiceLinkedRole" }],
      }),
    );
    expect(slr.Events).toHaveLength(1);
    expect(JSON.parse(slr.Events![0]!.CloudTrailEvent!)).toMatchObject({
      awsRegion: "us-east-1",
      sourceIPAddress: "bedrock-agentcore.amazonaws.com",
      userIdentity: { invokedBy: "bedrock-agentcore.amazonaws.com" },
      requestParameters: { aWSServiceName: "network.bedrock-agentcore.amazonaws.com" },
    });

    // A second runtime with the same subnets and groups shares the interfaces.
    const [second] = await seedRuntimes(emulator, vpcRequest("vpc_agent_two", net.subnets, net.group));
    expect((await settled(second!.agentRuntimeId!)).status).toBe("READY");
    const after = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "tag:AmazonBedrockAgentCoreManaged", Values: ["true"] }],
      }),
    );
    expect(after.NetworkInterfaces?.map((e) => e.NetworkInterfaceId).sort()).toEqual(
      byTag.NetworkInterfaces!.map((e) => e.NetworkInterfaceId).sort(),
    );
    await control.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: second!.agentRuntimeId! }));
  });

  it("fails creation with AgentCore's message for a subnet in an unsupported zone", async () => {
    const net = await network("10.41", ["use1-az6"]);
    const [created] = await seedRuntimes(emulator, vpcRequest("unsupported_az", net.subnets, net.group));
    const runtime = await settled(created!.agentRuntimeId!);
    expect(runtime.status).toBe("CREATE_FAILED");
    // Zone names map to ids per account; the message gives both.
    expect(runtime.failureReason).toMatch(
      new RegExp(
        `^The following subnets are in unsupported availability zones in region us-east-1: ${net.subnets[0]} in us-east-1[a-f] \\(ID: use1-az6\\)\\. Supported availability zones are: use1-az1, use1-az2, use1-az4$`,
      ),
    );
  });

  it("fails creation when the subnet has no free address, with the failed call in CloudTrail", async () => {
    const net = await network("10.42", ["use1-az1"], 28);
    let error = "";
    while (!error) {
      error = await ec2
        .send(new CreateNetworkInterfaceCommand({ SubnetId: net.subnets[0]! }))
        .then(() => "")
        .catch((e: Error) => e.name);
    }
    expect(error).toBe("InsufficientFreeAddressesInSubnet");
    const [created] = await seedRuntimes(emulator, vpcRequest("full_subnet", net.subnets, net.group));
    const runtime = await settled(created!.agentRuntimeId!);
    expect(runtime.status).toBe("CREATE_FAILED");
    expect(runtime.failureReason).toMatch(/InsufficientFreeAddressesInSubnet|free/i);
    const events = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateNetworkInterface" }],
        MaxResults: 1,
      }),
    );
    expect(JSON.parse(events.Events![0]!.CloudTrailEvent!).errorCode).toBe(
      "Client.InsufficientFreeAddressesInSubnet",
    );
  });

  it("rejects a subnet that does not exist", async () => {
    const net = await network("10.43", ["use1-az1"]);
    const [created] = await seedRuntimes(
      emulator,
      vpcRequest("missing_subnet", ["subnet-0123456789abcdef0"], net.group),
    );
    const runtime = await settled(created!.agentRuntimeId!);
    expect(runtime.status).toBe("CREATE_FAILED");
    expect(runtime.failureReason).toMatch(/subnet-0123456789abcdef0/);
  });
});
