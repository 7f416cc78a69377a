import type {
  CreateLogStreamCommandInput,
  DeleteLogStreamCommandInput,
  DescribeLogStreamsCommandInput,
  LogStream,
} from "@aws-sdk/client-cloudwatch-logs";
import { AwsError } from "../protocol/errors.js";
import {
  groupArn,
  groupNameOf,
  invalidParameter,
  KIND,
  type LogsCall,
  mustGroup,
  mustStream,
  type StoredStream,
} from "./common.js";
import { deleteStreamEvents } from "./events.js";

/** Writes a new stream in an existing group; the caller has checked that the name is free. */
export function putNewStream(call: LogsCall, group: string, name: string): StoredStream {
  const stream: StoredStream = { name, creationTime: call.now.getTime() };
  call.store.put(KIND.streams(group), call.scope, name, stream);
  return stream;
}

export function createLogStream(call: LogsCall, input: CreateLogStreamCommandInput) {
  const group = mustGroup(call, input.logGroupName!);
  if (call.store.get(KIND.streams(group.name), call.scope, input.logStreamName!)) {
    throw new AwsError("ResourceAlreadyExistsException", "The specified log stream already exists");
  }
  putNewStream(call, group.name, input.logStreamName!);
  return {};
}

export function deleteLogStream(call: LogsCall, input: DeleteLogStreamCommandInput) {
  const stream = mustStream(call, input.logGroupName!, input.logStreamName!);
  deleteStreamEvents(call, input.logGroupName!, stream.name);
  call.store.delete(KIND.streams(input.logGroupName!), call.scope, stream.name);
  return {};
}

function streamView(call: LogsCall, group: string, stream: StoredStream): LogStream {
  return {
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    ...(stream.firstEventTimestamp !== undefined ? { firstEventTimestamp: stream.firstEventTimestamp } : {}),
    ...(stream.lastEventTimestamp !== undefined ? { lastEventTimestamp: stream.lastEventTimestamp } : {}),
    ...(stream.lastIngestionTime !== undefined ? { lastIngestionTime: stream.lastIngestionTime } : {}),
    ...(stream.uploadSequenceToken ? { uploadSequenceToken: stream.uploadSequenceToken } : {}),
    arn: `${groupArn(call, group)}:log-stream:${stream.name}`,
    // AWS reports zero for streams since 2019; groups carry the bytes.
    storedBytes: 0,
  };
}

/**
 * DescribeLogStreams: by name (default) or by last event time, ascending
 * unless `descending`; a name prefix only with name order, as AWS allows.
 * Streams without events order by last event time as if it were 0.
 */
export function describeLogStreams(call: LogsCall, input: DescribeLogStreamsCommandInput) {
  const group = mustGroup(call, groupNameOf(call, input));
  const prefix = input.logStreamNamePrefix;
  const byTime = input.orderBy === "LastEventTime";
  if (byTime && prefix !== undefined) {
    throw invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  const byName = (a: StoredStream, b: StoredStream) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const ordered = call.store
    .list<StoredStream>(KIND.streams(group.name), call.scope)
    .filter((s) => prefix === undefined || s.name.startsWith(prefix))
    .sort(
      byTime ? (a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) || byName(a, b) : byName,
    );
  if (input.descending) ordered.reverse();
  return { logStreams: ordered.map((s) => streamView(call, group.name, s)) };
}
