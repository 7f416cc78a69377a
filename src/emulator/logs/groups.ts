import type {
  CreateLogGroupCommandInput,
  DeleteLogGroupCommandInput,
  DescribeLogGroupsCommandInput,
  LogGroup,
  PutRetentionPolicyCommandInput,
} from "@aws-sdk/client-cloudwatch-logs";
import { AwsError } from "../protocol/errors.js";
import {
  groupArn,
  invalidParameter,
  KIND,
  type LogsCall,
  mustGroup,
  type StoredGroup,
  type StoredStream,
} from "./common.js";
import { deleteStreamEvents, storedBytes } from "./events.js";

/** The retention periods CloudWatch Logs accepts, in days. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Writes a new group; the caller has checked that the name is free. */
export function putNewGroup(
  call: LogsCall,
  name: string,
  logGroupClass = "STANDARD",
  kmsKeyId?: string,
): StoredGroup {
  const group: StoredGroup = {
    name,
    creationTime: call.now.getTime(),
    logGroupClass,
    nextSequence: 1,
    ...(kmsKeyId ? { kmsKeyId } : {}),
  };
  call.store.put(KIND.group, call.scope, name, group);
  return group;
}

export function createLogGroup(call: LogsCall, input: CreateLogGroupCommandInput) {
  const name = input.logGroupName!;
  if (/^aws\//i.test(name)) throw invalidParameter("Log groups starting with AWS/ are reserved for AWS.");
  if (call.store.get(KIND.group, call.scope, name)) {
    throw new AwsError("ResourceAlreadyExistsException", "The specified log group already exists");
  }
  putNewGroup(call, name, input.logGroupClass, input.kmsKeyId);
  return {};
}

/** Deletes the group with its streams and their events, as DeleteLogGroup does. */
export function deleteLogGroup(call: LogsCall, input: DeleteLogGroupCommandInput) {
  const group = mustGroup(call, input.logGroupName!);
  for (const stream of call.store.list<StoredStream>(KIND.streams(group.name), call.scope)) {
    deleteStreamEvents(call, group.name, stream.name);
    call.store.delete(KIND.streams(group.name), call.scope, stream.name);
  }
  call.store.delete(KIND.group, call.scope, group.name);
  return {};
}

export function putRetentionPolicy(call: LogsCall, input: PutRetentionPolicyCommandInput) {
  const days = input.retentionInDays!;
  if (!(RETENTION_DAYS as readonly number[]).includes(days)) {
    throw invalidParameter(
      `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(", ")}]`,
    );
  }
  const group = mustGroup(call, input.logGroupName!);
  call.store.put(KIND.group, call.scope, group.name, { ...group, retentionInDays: days });
  return {};
}

export function groupView(call: LogsCall, group: StoredGroup): LogGroup {
  const arn = groupArn(call, group.name);
  return {
    logGroupName: group.name,
    creationTime: group.creationTime,
    ...(group.retentionInDays ? { retentionInDays: group.retentionInDays } : {}),
    metricFilterCount: 0,
    arn: `${arn}:*`,
    storedBytes: storedBytes(call, group),
    ...(group.kmsKeyId ? { kmsKeyId: group.kmsKeyId } : {}),
    logGroupClass: group.logGroupClass as LogGroup["logGroupClass"],
    logGroupArn: arn,
    deletionProtectionEnabled: false,
  };
}

/**
 * DescribeLogGroups: ASCII order by name, a prefix or a case-sensitive
 * substring (`logGroupNamePattern`, whose answer carries only the name,
 * ARN and creation time, as AWS's does), pages of `limit` (default 50).
 */
export function describeLogGroups(call: LogsCall, input: DescribeLogGroupsCommandInput) {
  const { logGroupNamePrefix: prefix, logGroupNamePattern: pattern } = input;
  if (prefix !== undefined && pattern !== undefined) {
    throw invalidParameter(
      "logGroupNamePrefix and logGroupNamePattern are mutually exclusive. Only one of these parameters can be passed.",
    );
  }
  const matching = call.store
    .list<StoredGroup>(KIND.group, call.scope)
    .filter((g) => prefix === undefined || g.name.startsWith(prefix))
    .filter((g) => pattern === undefined || g.name.includes(pattern))
    .filter((g) => input.logGroupClass === undefined || g.logGroupClass === input.logGroupClass)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const logGroups = matching.map((g) =>
    pattern === undefined
      ? groupView(call, g)
      : { logGroupName: g.name, creationTime: g.creationTime, arn: `${groupArn(call, g.name)}:*` },
  );
  return { logGroups };
}
