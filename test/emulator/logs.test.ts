import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  paginateGetLogEvents,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  logs = new CloudWatchLogsClient(sdkConfig(emulator));
});
afterAll(async () => {
  logs?.destroy();
  await emulator?.stop();
});

const GROUP = "/aws/bedrock-agentcore/runtimes/demo-abc123-DEFAULT";

describe("CloudWatch Logs through the AWS SDK", () => {
  it("creates groups and streams, stores events in order, reads them back and pages", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: "s1" }));
    const now = Date.now();
    const events = Array.from({ length: 30 }, (_, i) => ({
      timestamp: now - 30_000 + i * 1000,
      message: `line ${i}`,
    }));
    const put = await logs.send(
      new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", logEvents: events }),
    );
    expect(put.rejectedLogEventsInfo).toBeUndefined();

    const groups = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/bedrock-agentcore/" }),
    );
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual([GROUP]);
    expect(groups.logGroups?.[0]?.arn).toBe(`arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}:*`);

    const streams = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: "LastEventTime", descending: true }),
    );
    expect(streams.logStreams?.[0]?.logStreamName).toBe("s1");
    expect(streams.logStreams?.[0]?.lastEventTimestamp).toBe(events.at(-1)!.timestamp);

    const messages: string[] = [];
    for await (const page of paginateGetLogEvents(
      { client: logs, pageSize: 7 },
      { logGroupName: GROUP, logStreamName: "s1", startFromHead: true, limit: 7 },
    )) {
      messages.push(...(page.events ?? []).map((e) => e.message!));
      if ((page.events ?? []).length === 0) break;
    }
    expect(messages).toEqual(events.map((e) => e.message));

    const tail = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", limit: 3 }),
    );
    expect(tail.events?.map((e) => e.message)).toEqual(["line 27", "line 28", "line 29"]);

    const filtered = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: '"line 2"' }),
    );
    expect(filtered.events?.map((e) => e.message)).toContain("line 2");
    expect(filtered.events?.every((e) => e.message!.includes("line 2"))).toBe(true);
  });

  it("answers the errors AWS answers", async () => {
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }))).rejects.toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    const missing = await logs
      .send(new DescribeLogStreamsCommand({ logGroupName: "/nope" }))
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as Error).message).toBe("The specified log group does not exist.");
    const invalid = await logs
      .send(new CreateLogGroupCommand({ logGroupName: "bad name!" }))
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(InvalidParameterException);
    expect((invalid as Error).message).toMatch(/logGroupName/);
    // A group's ARN with its ':*' suffix is not an identifier; AWS names the member, not the value.
    const starred = await logs
      .send(
        new DescribeLogStreamsCommand({
          logGroupIdentifier: `arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}:*`,
        }),
      )
      .catch((error: unknown) => error);
    expect(starred).toBeInstanceOf(InvalidParameterException);
    expect((starred as Error).message).toBe(
      "1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*",
    );
    await logs.send(new DeleteLogGroupCommand({ logGroupName: GROUP }));
    const gone = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }));
    expect(gone.logGroups).toEqual([]);
  });
});
