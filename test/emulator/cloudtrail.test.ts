import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CloudTrailClient, LookupEventsCommand, paginateLookupEvents } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

let emulator: RunningEmulator;
let control: BedrockAgentCoreControlClient;
let trail: CloudTrailClient;
const credentials = { accessKeyId: "AKIDTRAILTEST", secretAccessKey: "secret" };

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 0 }, cloudTrailLookupsPerSecond: 2 });
  const config = { endpoint: emulator.url, region: "us-east-1", credentials, maxAttempts: 1 };
  control = new BedrockAgentCoreControlClient(config);
  trail = new CloudTrailClient(config);
});
afterAll(async () => {
  control?.destroy();
  trail?.destroy();
  await emulator?.stop();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("CloudTrail LookupEvents through the AWS SDK", () => {
  it("records every control-plane call, failed ones with their errorCode, newest first", async () => {
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "traced",
        agentRuntimeArtifact: {
          containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1" },
        },
        roleArn: "arn:aws:iam::123456789012:role/R",
        networkConfiguration: { networkMode: "PUBLIC" },
        environmentVariables: { SECRET: "value" },
      }),
    );
    await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: created.agentRuntimeId! }));
    await control
      .send(
        new CreateAgentRuntimeCommand({
          agentRuntimeName: "bad-name",
          agentRuntimeArtifact: { containerConfiguration: { containerUri: "x" } },
          roleArn: "r",
        } as never),
      )
      .catch(() => {});

    const creates = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAgentRuntime" }],
      }),
    );
    expect(creates.Events).toHaveLength(2);
    const [failed, succeeded] = creates.Events!.map((e) => JSON.parse(e.CloudTrailEvent!));
    expect(failed).toMatchObject({
      errorCode: "ValidationException",
      eventSource: "bedrock-agentcore.amazonaws.com",
      readOnly: false,
    });
    expect(succeeded).toMatchObject({
      eventName: "CreateAgentRuntime",
      awsRegion: "us-east-1",
      userIdentity: { type: "IAMUser", accessKeyId: "AKIDTRAILTEST", userName: "agentcore-doctor" },
      requestParameters: {
        agentRuntimeName: "traced",
        environmentVariables: "HIDDEN_DUE_TO_SECURITY_REASONS",
      },
      responseElements: { agentRuntimeId: created.agentRuntimeId, status: "CREATING" },
      recipientAccountId: "123456789012",
    });
    expect(succeeded.errorCode).toBeUndefined();
    expect(creates.Events![1]!.Resources).toContainEqual({
      ResourceType: "AWS::BedrockAgentCore::Runtime",
      ResourceName: created.agentRuntimeArn,
    });
    expect(creates.Events![1]!.EventTime).toBeInstanceOf(Date);

    await pause(1000);
    const byResource = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: created.agentRuntimeArn! }],
      }),
    );
    expect(byResource.Events!.map((e) => e.EventName)).toEqual(["GetAgentRuntime", "CreateAgentRuntime"]);
    const reads = await trail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "true" }] }),
    );
    expect(reads.Events!.map((e) => e.EventName)).toContain("GetAgentRuntime");
  });

  it("pages with NextToken, honours the time range, rejects two attributes, and throttles at 2 per second", async () => {
    await pause(1000);
    const names: string[] = [];
    for await (const page of paginateLookupEvents(
      { client: trail, pageSize: 1 },
      {
        LookupAttributes: [
          { AttributeKey: "EventSource", AttributeValue: "bedrock-agentcore.amazonaws.com" },
        ],
      },
    )) {
      names.push(...page.Events!.map((e) => e.EventName!));
      await pause(500);
    }
    expect(names).toEqual(["CreateAgentRuntime", "GetAgentRuntime", "CreateAgentRuntime"]);
    await pause(1000);
    const future = await trail.send(
      new LookupEventsCommand({
        StartTime: new Date(Date.now() + 3_600_000),
        EndTime: new Date(Date.now() + 7_200_000),
      }),
    );
    expect(future.Events).toEqual([]);
    const two = await trail
      .send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: "EventName", AttributeValue: "a" },
            { AttributeKey: "ReadOnly", AttributeValue: "true" },
          ],
        }),
      )
      .catch((e: Error) => e);
    expect((two as Error).name).toBe("InvalidLookupAttributesException");
    await pause(1000);
    const burst = await Promise.allSettled(
      [1, 2, 3].map(() => trail.send(new LookupEventsCommand({ MaxResults: 1 }))),
    );
    const throttled = burst
      .filter((r) => r.status === "rejected")
      .map((r) => (r as PromiseRejectedResult).reason as Error & { $metadata: { httpStatusCode: number } });
    expect(throttled).toHaveLength(1);
    expect(throttled[0]!.name).toBe("ThrottlingException");
    expect(throttled[0]!.$metadata.httpStatusCode).toBe(400);
  });
});
