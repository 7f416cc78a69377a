import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  CreateAgentRuntimeEndpointCommand,
  DeleteAgentRuntimeCommand,
  GetAgentRuntimeCommand,
  GetAgentRuntimeEndpointCommand,
  ListAgentRuntimeEndpointsCommand,
  ListAgentRuntimesCommand,
  ListAgentRuntimeVersionsCommand,
  paginateListAgentRuntimes,
  UpdateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

const ROLE = "arn:aws:iam::123456789012:role/AgentRuntimeRole";
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/agents/echo:latest";
let clock = new Date("2026-11-25T10:00:00Z");
let emulator: RunningEmulator;
let client: BedrockAgentCoreControlClient;

const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    timing: { readyAfterMs: 10_000, deletingForMs: 5_000 },
    env: { clock: () => clock },
  });
  client = new BedrockAgentCoreControlClient({
    endpoint: emulator.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  });
});

afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

function create(name: string, extra: Record<string, unknown> = {}) {
  return client.send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: name,
      agentRuntimeArtifact: { containerConfiguration: { containerUri: IMAGE } },
      roleArn: ROLE,
      networkConfiguration: { networkMode: "PUBLIC" },
      ...extra,
    }),
  );
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number; raw: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return {
      name: e.name,
      message: e.message,
      status: e.$metadata?.httpStatusCode,
      raw: e as unknown as Record<string, unknown>,
    };
  }
  throw new Error("expected the call to fail");
}

describe("bedrock-agentcore-control through the AWS SDK", () => {
  it("creates a runtime: id, ARN, version 1, CREATING then READY by the clock, DEFAULT endpoint", async () => {
    const created = await create("echo_agent", { description: "test agent" });
    expect(created.agentRuntimeId).toMatch(/^echo_agent-[a-zA-Z0-9]{10}$/);
    expect(created.agentRuntimeArn).toBe(
      `arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/${created.agentRuntimeId}`,
    );
    expect(created).toMatchObject({ agentRuntimeVersion: "1", status: "CREATING" });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.$metadata.httpStatusCode).toBe(202);

    const got = await client.send(new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId }));
    expect(got).toMatchObject({
      status: "CREATING",
      agentRuntimeName: "echo_agent",
      roleArn: ROLE,
      description: "test agent",
      networkConfiguration: { networkMode: "PUBLIC" },
      lifecycleConfiguration: { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 },
      agentRuntimeArtifact: { containerConfiguration: { containerUri: IMAGE } },
    });
    advance(10_000);
    expect(
      (await client.send(new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId }))).status,
    ).toBe("READY");

    const endpoint = await client.send(
      new GetAgentRuntimeEndpointCommand({ agentRuntimeId: created.agentRuntimeId, endpointName: "DEFAULT" }),
    );
    expect(endpoint).toMatchObject({
      name: "DEFAULT",
      liveVersion: "1",
      targetVersion: "1",
      status: "READY",
    });
    expect(endpoint.agentRuntimeEndpointArn).toBe(`${created.agentRuntimeArn}/runtime-endpoint/DEFAULT`);
  });

  it("updates to version 2; DEFAULT keeps serving version 1 until 2 is READY", async () => {
    const { agentRuntimeId } = await create("versioned");
    advance(10_000);
    const updated = await client.send(
      new UpdateAgentRuntimeCommand({
        agentRuntimeId,
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${IMAGE}-v2` } },
        roleArn: ROLE,
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    expect(updated).toMatchObject({ agentRuntimeVersion: "2", status: "UPDATING" });
    let endpoint = await client.send(
      new GetAgentRuntimeEndpointCommand({ agentRuntimeId, endpointName: "DEFAULT" }),
    );
    expect(endpoint).toMatchObject({ liveVersion: "1", targetVersion: "2", status: "UPDATING" });
    advance(10_000);
    endpoint = await client.send(
      new GetAgentRuntimeEndpointCommand({ agentRuntimeId, endpointName: "DEFAULT" }),
    );
    expect(endpoint).toMatchObject({ liveVersion: "2", targetVersion: "2", status: "READY" });
    const versions = await client.send(new ListAgentRuntimeVersionsCommand({ agentRuntimeId }));
    expect(versions.agentRuntimes?.map((v) => v.agentRuntimeVersion)).toEqual(["2", "1"]);
    const v1 = await client.send(new GetAgentRuntimeCommand({ agentRuntimeId, agentRuntimeVersion: "1" }));
    expect(v1.agentRuntimeArtifact).toEqual({ containerConfiguration: { containerUri: IMAGE } });
  });

  it("creates, lists and pins named endpoints", async () => {
    const { agentRuntimeId } = await create("with_endpoints");
    advance(10_000);
    const created = await client.send(
      new CreateAgentRuntimeEndpointCommand({ agentRuntimeId, name: "prod", agentRuntimeVersion: "1" }),
    );
    expect(created).toMatchObject({ endpointName: "prod", targetVersion: "1" });
    const list = await client.send(new ListAgentRuntimeEndpointsCommand({ agentRuntimeId }));
    expect(list.runtimeEndpoints?.map((e) => e.name)).toEqual(["DEFAULT", "prod"]);
    const again = await errorOf(
      client.send(new CreateAgentRuntimeEndpointCommand({ agentRuntimeId, name: "prod" })),
    );
    expect(again).toMatchObject({ name: "ConflictException", status: 409 });
  });

  it("is idempotent on clientToken and rejects the same token with another request", async () => {
    const clientToken = "a".repeat(40);
    const first = await create("idempotent", { clientToken });
    const second = await create("idempotent", { clientToken });
    expect(second.agentRuntimeId).toBe(first.agentRuntimeId);
    const mismatch = await errorOf(create("idempotent", { clientToken, description: "other" }));
    expect(mismatch).toMatchObject({ name: "ValidationException", status: 400 });
    expect(mismatch.raw.reason).toBe("IdempotentParameterMismatchException");
  });

  it("rejects a duplicate name with ConflictException", async () => {
    await create("taken");
    expect(await errorOf(create("taken"))).toMatchObject({ name: "ConflictException", status: 409 });
  });

  it("validates every constrained field with AWS's message shape", async () => {
    const bad = await errorOf(
      create("my-agent", {
        networkConfiguration: {
          networkMode: "VPC",
          networkModeConfig: { subnets: ["subnet-1"], securityGroups: [] },
        },
        lifecycleConfiguration: { idleRuntimeSessionTimeout: 10 },
      }),
    );
    expect(bad).toMatchObject({ name: "ValidationException", status: 400 });
    expect(bad.message).toMatch(/^4 validation errors detected: /);
    expect(bad.message).toContain(
      "Value 'my-agent' at 'agentRuntimeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}",
    );
    expect(bad.message).toContain(
      "at 'networkConfiguration.networkModeConfig.subnets.1.member' failed to satisfy constraint",
    );
    expect(bad.message).toContain(
      "at 'networkConfiguration.networkModeConfig.securityGroups' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(bad.message).toContain(
      "Value '10' at 'lifecycleConfiguration.idleRuntimeSessionTimeout' failed to satisfy constraint: Member must have value greater than or equal to 60",
    );
    expect(bad.raw.reason).toBe("FieldValidationFailed");
    expect((bad.raw.fieldList as unknown[]).length).toBe(4);

    const missing = await errorOf(
      client.send(new CreateAgentRuntimeCommand({ agentRuntimeName: "x" } as never)),
    );
    expect(missing.message).toContain(
      "Value null at 'agentRuntimeArtifact' failed to satisfy constraint: Member must not be null",
    );
  });

  it("answers unknown runtimes with ResourceNotFoundException and deletes through DELETING", async () => {
    expect(
      await errorOf(client.send(new GetAgentRuntimeCommand({ agentRuntimeId: "nobody-0123456789" }))),
    ).toMatchObject({
      name: "ResourceNotFoundException",
      status: 404,
    });
    const { agentRuntimeId } = await create("short_lived");
    const deleted = await client.send(new DeleteAgentRuntimeCommand({ agentRuntimeId }));
    expect(deleted.status).toBe("DELETING");
    expect((await client.send(new GetAgentRuntimeCommand({ agentRuntimeId }))).status).toBe("DELETING");
    advance(5_000);
    expect(await errorOf(client.send(new GetAgentRuntimeCommand({ agentRuntimeId })))).toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("pages ListAgentRuntimes with the SDK paginator", async () => {
    for (let i = 0; i < 5; i++) await create(`paged_${i}`);
    const names: string[] = [];
    for await (const page of paginateListAgentRuntimes({ client, pageSize: 2 }, {})) {
      expect(page.agentRuntimes!.length).toBeLessThanOrEqual(2);
      names.push(...page.agentRuntimes!.map((r) => r.agentRuntimeName!));
    }
    expect(names.filter((n) => n.startsWith("paged_"))).toEqual([
      "paged_0",
      "paged_1",
      "paged_2",
      "paged_3",
      "paged_4",
    ]);
    const all = await client.send(new ListAgentRuntimesCommand({}));
    expect(all.agentRuntimes!.length).toBe(names.length);
  });
});
