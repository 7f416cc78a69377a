import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  type CreateAgentRuntimeCommandInput,
  type CreateAgentRuntimeCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import type { RunningEmulator } from "../../src/emulator/index.js";

export const TEST_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

/** SDK client configuration for the emulator: its endpoint, static credentials, no retries to hide errors. */
export function sdkConfig(emulator: Pick<RunningEmulator, "url">) {
  return { endpoint: emulator.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 };
}

/** A valid CreateAgentRuntime request for a PUBLIC container runtime, with overrides. */
export function runtimeRequest(
  name: string,
  overrides: Partial<CreateAgentRuntimeCommandInput> = {},
): CreateAgentRuntimeCommandInput {
  return {
    agentRuntimeName: name,
    agentRuntimeArtifact: {
      containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1" },
    },
    roleArn: "arn:aws:iam::123456789012:role/AgentRole",
    networkConfiguration: { networkMode: "PUBLIC" },
    ...overrides,
  };
}

/** Creates runtimes through the SDK, as a user's deploy script would. */
export async function seedRuntimes(
  emulator: RunningEmulator,
  ...requests: CreateAgentRuntimeCommandInput[]
): Promise<CreateAgentRuntimeCommandOutput[]> {
  const client = new BedrockAgentCoreControlClient(sdkConfig(emulator));
  try {
    const created: CreateAgentRuntimeCommandOutput[] = [];
    for (const request of requests) created.push(await client.send(new CreateAgentRuntimeCommand(request)));
    return created;
  } finally {
    client.destroy();
  }
}
