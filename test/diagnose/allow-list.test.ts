import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  DeleteAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateNetworkInterfaceCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { ALLOWED_OPERATIONS, diagnosePolicy } from "../../src/diagnose/allow-list.js";
import { ForbiddenOperationError, guardClient } from "../../src/diagnose/guard.js";
import { startEmulator } from "../../src/emulator/index.js";

// Nothing listens on this port's peer: a refused call must fail before any connection is tried.
const config = {
  endpoint: "http://127.0.0.1:9",
  region: "us-east-1",
  credentials: { accessKeyId: "a", secretAccessKey: "b" },
  maxAttempts: 1,
};

describe("diagnose's read-only allow-list", () => {
  it("refuses a mutating call before it is sent", async () => {
    const ec2 = guardClient(new EC2Client(config), { allowInvoke: false });
    await expect(
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: "subnet-1" })),
    ).rejects.toBeInstanceOf(ForbiddenOperationError);
    const control = guardClient(new BedrockAgentCoreControlClient(config), { allowInvoke: false });
    await expect(
      control.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: "a-0123456789" })),
    ).rejects.toThrow(/not on its allow-list/);
  });

  it("allows InvokeAgentRuntime only with --invoke", async () => {
    const data = guardClient(new BedrockAgentCoreClient(config), { allowInvoke: false });
    await expect(
      data.send(new InvokeAgentRuntimeCommand({ agentRuntimeArn: "x", payload: new Uint8Array() })),
    ).rejects.toThrow(/--invoke/);
  });

  it("lets an allowed call through to the service", async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      const sts = guardClient(new STSClient({ ...config, endpoint: emulator.url }), { allowInvoke: false });
      // The emulator may not serve STS yet; what matters is that the guard did not refuse it.
      const result = await sts.send(new GetCallerIdentityCommand({})).catch((e: Error) => e);
      expect(result).not.toBeInstanceOf(ForbiddenOperationError);
      sts.destroy();
    } finally {
      await emulator.stop();
    }
  });

  it("generates the minimal IAM policy from the same list", () => {
    const policy = diagnosePolicy(false);
    const actions = (policy.Statement[0] as { Action: string[] }).Action;
    expect(actions).toContain("ec2:DescribeNetworkInterfaces");
    expect(actions).toContain("cloudtrail:LookupEvents");
    expect(actions).not.toContain("bedrock-agentcore:InvokeAgentRuntime");
    expect(
      actions.every((a) => /^[a-z0-9-]+:(Get|List|Describe|Lookup|Simulate|BatchGet|Filter)/.test(a)),
    ).toBe(true);
    expect((diagnosePolicy(true).Statement[0] as { Action: string[] }).Action).toContain(
      "bedrock-agentcore:InvokeAgentRuntime",
    );
    expect(new Set(ALLOWED_OPERATIONS.map((o) => `${o.client}:${o.operation}`)).size).toBe(
      ALLOWED_OPERATIONS.length,
    );
  });
});
