import { ARN_PARTITION, partitionOf } from "../../util/arn.js";
import { AwsError } from "../protocol/errors.js";
import { decodePageToken as decodeToken, encodePageToken as encodeToken } from "../protocol/page-token.js";
import type { Scope, Store } from "../store/store.js";

/** What every CloudWatch Logs model function works in: the state, the account and region, the time. */
export interface LogsCall {
  store: Store;
  scope: Scope;
  now: Date;
}

export interface StoredGroup {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  logGroupClass: string;
  /** CreateLogGroup's kmsKeyId, kept as given (the emulator serves no KMS to check it against). */
  kmsKeyId?: string;
  /** The next event's sequence number: orders events that share a timestamp, and makes event ids unique in the group. */
  nextSequence: number;
}

export interface StoredStream {
  name: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  /** Ignored by PutLogEvents since 2023, still shown: the last ingested event's key. */
  uploadSequenceToken?: string;
}

export interface StoredEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  sequence: number;
}

/**
 * Store kinds. Streams are kept per group and events per stream, so a
 * stream's events are one indexed read, not a scan of the region. Group
 * names cannot hold ':', so the kinds cannot collide.
 */
export const KIND = {
  group: "logs.log-group",
  streams: (group: string) => `logs.log-stream:${group}`,
  events: (group: string, stream: string) => `logs.log-event:${group}:${stream}`,
};

export function groupArn(call: LogsCall, group: string): string {
  return `arn:${partitionOf(call.scope.region)}:logs:${call.scope.region}:${call.scope.account}:log-group:${group}`;
}

export function invalidParameter(message: string): AwsError {
  return new AwsError("InvalidParameterException", message);
}

export function groupNotFound(): AwsError {
  return new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
}

export function streamNotFound(): AwsError {
  return new AwsError("ResourceNotFoundException", "The specified log stream does not exist.");
}

export function mustGroup(call: LogsCall, name: string): StoredGroup {
  const group = call.store.get<StoredGroup>(KIND.group, call.scope, name);
  if (!group) throw groupNotFound();
  return group;
}

export function mustStream(call: LogsCall, group: string, name: string): StoredStream {
  mustGroup(call, group);
  const stream = call.store.get<StoredStream>(KIND.streams(group), call.scope, name);
  if (!stream) throw streamNotFound();
  return stream;
}

/**
 * The group a read names, by `logGroupName` or `logGroupIdentifier` (a
 * name or an ARN, with or without the trailing `:*`): exactly one of them.
 * A group of another account or region is one this caller cannot see.
 */
export function groupNameOf(
  call: LogsCall,
  input: { logGroupName?: string; logGroupIdentifier?: string },
): string {
  const { logGroupName, logGroupIdentifier } = input;
  if ((logGroupName === undefined) === (logGroupIdentifier === undefined)) {
    throw invalidParameter("Exactly one of logGroupName or logGroupIdentifier must be specified.");
  }
  if (logGroupName !== undefined) return logGroupName;
  const arn = new RegExp(`^arn:${ARN_PARTITION}:logs:([^:]*):(\\d{12}):log-group:([^:]+)(?::\\*)?$`).exec(
    logGroupIdentifier!,
  );
  if (!arn) return logGroupIdentifier!;
  if (arn[1] !== call.scope.region || arn[2] !== call.scope.account) throw groupNotFound();
  return arn[3]!;
}

/** Logs' paging tokens: the shared codec, refused as Logs refuses a token it did not hand out. */
export function encodePageToken(position: unknown): string {
  return encodeToken(position);
}

export function decodePageToken<T>(token: string, valid: (value: unknown) => value is T): T {
  return decodeToken(token, valid, () => invalidParameter("The specified nextToken is invalid."));
}
