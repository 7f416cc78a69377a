import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
  GetAgentRuntimeEndpointCommand,
  ListAgentRuntimesCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, describe, expect, it } from "vitest";
import { startEmulatorProcess as startProcess } from "../helpers/emulator-process.js";

const stateDir = mkdtempSync(join(tmpdir(), "acd-state-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(stateDir, { recursive: true, force: true });
});

async function startEmulatorProcess(): Promise<{
  child: ChildProcess;
  client: BedrockAgentCoreControlClient;
}> {
  const { child, url } = await startProcess(stateDir);
  children.push(child);
  return {
    child,
    client: new BedrockAgentCoreControlClient({
      endpoint: url,
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      maxAttempts: 1,
    }),
  };
}

const create = (client: BedrockAgentCoreControlClient, name: string) =>
  client.send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: name,
      agentRuntimeArtifact: {
        containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1" },
      },
      roleArn: "arn:aws:iam::123456789012:role/R",
      networkConfiguration: { networkMode: "PUBLIC" },
    }),
  );

describe("state directory", () => {
  it("keeps every acknowledged write across kill -9, mid-stream, and resumes after a restart", async () => {
    const first = await startEmulatorProcess();
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++)
      acknowledged.push((await create(first.client, `durable_${i}`)).agentRuntimeId!);
    // Keep writing while the process is killed: whatever was acknowledged must be there, nothing half-made.
    const inFlight = Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => create(first.client, `racing_${i}`)),
    );
    first.child.kill("SIGKILL");
    const raced = await inFlight;
    for (const result of raced)
      if (result.status === "fulfilled") acknowledged.push(result.value.agentRuntimeId!);
    first.client.destroy();

    const second = await startEmulatorProcess();
    const listed = [];
    let nextToken: string | undefined;
    do {
      const page = await second.client.send(
        new ListAgentRuntimesCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) }),
      );
      listed.push(...page.agentRuntimes!);
      nextToken = page.nextToken;
    } while (nextToken);
    const ids = listed.map((r) => r.agentRuntimeId);
    for (const id of acknowledged) expect(ids).toContain(id);
    // Every runtime that exists is whole: its version and DEFAULT endpoint came with it.
    for (const runtime of listed) {
      const got = await second.client.send(
        new GetAgentRuntimeCommand({ agentRuntimeId: runtime.agentRuntimeId! }),
      );
      expect(got.agentRuntimeVersion).toBe("1");
      const endpoint = await second.client.send(
        new GetAgentRuntimeEndpointCommand({
          agentRuntimeId: runtime.agentRuntimeId!,
          endpointName: "DEFAULT",
        }),
      );
      expect(endpoint.targetVersion).toBe("1");
    }
    second.client.destroy();
    second.child.kill("SIGTERM");
  });
});
