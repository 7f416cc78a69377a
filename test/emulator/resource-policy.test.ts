import { resolve } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  DeleteResourcePolicyCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "../helpers/emulator.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const FOREIGN_ACCOUNT = "210987654321";
const FOREIGN_KEY = "AKIDFOREIGNCALLER";

type SdkError = Error & { $metadata: { httpStatusCode?: number } };

function allowPolicy(resource: string, principal = `arn:aws:iam::${FOREIGN_ACCOUNT}:root`): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PartnerInvoke",
        Effect: "Allow",
        Principal: { AWS: principal },
        Action: "bedrock-agentcore:InvokeAgentRuntime",
        Resource: resource,
      },
    ],
  });
}

describe("resource-based policies and cross-account callers", () => {
  let emulator: RunningEmulator;
  let control: BedrockAgentCoreControlClient;
  let own: BedrockAgentCoreClient;
  let foreign: BedrockAgentCoreClient;
  let arn: string;
  const sessionId = `policy-session-${"b".repeat(30)}`;
  const payload = new TextEncoder().encode('{"prompt":"hi"}');

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      images: { [`${REGISTRY}/py-healthy`]: resolve(agents, "py-healthy") },
      driver: "process",
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 5_000,
      accessKeyAccounts: { [FOREIGN_KEY]: FOREIGN_ACCOUNT },
    });
    control = new BedrockAgentCoreControlClient(sdkConfig(emulator));
    own = new BedrockAgentCoreClient(sdkConfig(emulator));
    foreign = new BedrockAgentCoreClient({
      ...sdkConfig(emulator),
      credentials: { accessKeyId: FOREIGN_KEY, secretAccessKey: "secret" },
    });
    arn = (
      await control.send(
        new CreateAgentRuntimeCommand({
          agentRuntimeName: "shared_agent",
          agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/py-healthy:1` } },
          roleArn: "arn:aws:iam::123456789012:role/AgentRuntimeRole",
          networkConfiguration: { networkMode: "PUBLIC" },
        }),
      )
    ).agentRuntimeArn!;
  });
  afterAll(async () => {
    control?.destroy();
    own?.destroy();
    foreign?.destroy();
    await emulator?.stop();
    expect(await leftoverAgentProcesses()).toEqual([]);
  });

  const invoke = (client: BedrockAgentCoreClient) =>
    client
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          runtimeSessionId: sessionId,
          payload,
          accept: "application/json",
        }),
      )
      .then(async (answer) => ({
        statusCode: answer.statusCode,
        body: await answer.response!.transformToString(),
      }));

  it("has no policy until one is put; refuses a malformed one and an unknown resource", async () => {
    const none = (await control
      .send(new GetResourcePolicyCommand({ resourceArn: arn }))
      .catch((e: SdkError) => e)) as SdkError;
    expect(none.name).toBe("ResourceNotFoundException");
    const malformed = (await control
      .send(new PutResourcePolicyCommand({ resourceArn: arn, policy: '{"Statement": "nope"' }))
      .catch((e: SdkError) => e)) as SdkError;
    expect(malformed.name).toBe("ValidationException");
    const noPrincipal = (await control
      .send(
        new PutResourcePolicyCommand({
          resourceArn: arn,
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "bedrock-agentcore:InvokeAgentRuntime", Resource: "*" }],
          }),
        }),
      )
      .catch((e: SdkError) => e)) as SdkError;
    expect(noPrincipal.name).toBe("ValidationException");
    const unknown = (await control
      .send(
        new PutResourcePolicyCommand({
          resourceArn: `${arn.slice(0, -10)}XXXXXXXXXX`,
          policy: allowPolicy("*"),
        }),
      )
      .catch((e: SdkError) => e)) as SdkError;
    expect(unknown.name).toBe("ResourceNotFoundException");
  });

  it("refuses a cross-account caller because no resource-based policy allows InvokeAgentRuntime", async () => {
    const error = (await invoke(foreign).catch((e: SdkError) => e)) as SdkError;
    expect(error.name).toBe("AccessDeniedException");
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: arn:aws:iam::${FOREIGN_ACCOUNT}:user/agentcore-doctor is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime on resource: ${arn} because no resource-based policy allows the bedrock-agentcore:InvokeAgentRuntime action`,
    );
    // The owner's own callers are not affected.
    expect((await invoke(own)).statusCode).toBe(200);
  });

  it("lets the caller in once the runtime's policy allows its account, and again when only the endpoint's does", async () => {
    const put = await control.send(
      new PutResourcePolicyCommand({ resourceArn: arn, policy: allowPolicy(arn) }),
    );
    expect(JSON.parse(put.policy!).Statement[0].Sid).toBe("PartnerInvoke");
    expect((await control.send(new GetResourcePolicyCommand({ resourceArn: arn }))).policy).toBe(put.policy);
    expect((await invoke(foreign)).statusCode).toBe(200);

    await control.send(new DeleteResourcePolicyCommand({ resourceArn: arn }));
    expect(((await invoke(foreign).catch((e: SdkError) => e)) as SdkError).name).toBe(
      "AccessDeniedException",
    );

    const endpointArn = `${arn}/runtime-endpoint/DEFAULT`;
    await control.send(
      new PutResourcePolicyCommand({ resourceArn: endpointArn, policy: allowPolicy(`${arn}*`) }),
    );
    expect((await invoke(foreign)).statusCode).toBe(200);
    await control.send(new DeleteResourcePolicyCommand({ resourceArn: endpointArn }));
  });

  it("refuses when the policy names another account, and records the policy calls in CloudTrail", async () => {
    await control.send(
      new PutResourcePolicyCommand({
        resourceArn: arn,
        policy: allowPolicy(arn, "arn:aws:iam::111111111111:root"),
      }),
    );
    expect(((await invoke(foreign).catch((e: SdkError) => e)) as SdkError).message).toMatch(
      /because no resource-based policy allows/,
    );
    const trail = new CloudTrailClient(sdkConfig(emulator));
    const events = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [
          { AttributeKey: "EventSource", AttributeValue: "bedrock-agentcore.amazonaws.com" },
        ],
      }),
    );
    trail.destroy();
    const names = (events.Events ?? []).map(
      (e) => JSON.parse(e.CloudTrailEvent!) as { eventName: string; errorCode?: string },
    );
    expect(
      names.filter((e) => e.eventName === "PutResourcePolicy" && !e.errorCode).length,
    ).toBeGreaterThanOrEqual(3);
    expect(
      names.some((e) => e.eventName === "PutResourcePolicy" && e.errorCode === "ValidationException"),
    ).toBe(true);
    expect(names.some((e) => e.eventName === "DeleteResourcePolicy")).toBe(true);
  });
});
