import type {
  FilteredLogEvent,
  FilterLogEventsCommandInput,
  GetLogEventsCommandInput,
  OutputLogEvent,
  PutLogEventsCommandInput,
  RejectedLogEventsInfo,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  decodePageToken,
  encodePageToken,
  groupNameOf,
  invalidParameter,
  KIND,
  type LogsCall,
  mustGroup,
  mustStream,
  type StoredEvent,
  type StoredGroup,
  type StoredStream,
} from "./common.js";
import { eventKey, keyDigits, parseStreamToken, streamToken } from "./event-keys.js";
import { parseFilterPattern } from "./filter-pattern.js";

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** PutLogEvents' bounds: 2 hours ahead, 14 days back, 24 hours per batch, 1 MiB counting 26 bytes per event. */
const MAX_FUTURE_MS = 2 * HOUR_MS;
const MAX_AGE_MS = 14 * DAY_MS;
const MAX_BATCH_SPAN_MS = DAY_MS;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
/** A page of GetLogEvents or FilterLogEvents: up to 10,000 events and 1 MB. */
const MAX_PAGE_EVENTS = 10_000;
const MAX_PAGE_BYTES = 1_048_576;

function eventBytes(message: string): number {
  return Buffer.byteLength(message, "utf8") + EVENT_OVERHEAD_BYTES;
}

/** A stream's events in order (timestamp, then ingestion), those past the group's retention gone. */
export function storedEvents(call: LogsCall, group: StoredGroup, stream: string): StoredEvent[] {
  const oldest = group.retentionInDays ? call.now.getTime() - group.retentionInDays * DAY_MS : -Infinity;
  return call.store
    .list<StoredEvent>(KIND.events(group.name, stream), call.scope)
    .filter((e) => e.timestamp >= oldest)
    .sort((a, b) => a.timestamp - b.timestamp || a.sequence - b.sequence);
}

/** What a group holds: the bytes of its events' messages. */
export function storedBytes(call: LogsCall, group: StoredGroup): number {
  let total = 0;
  for (const stream of call.store.list<StoredStream>(KIND.streams(group.name), call.scope)) {
    for (const event of storedEvents(call, group, stream.name)) total += Buffer.byteLength(event.message);
  }
  return total;
}

/** Removes every event of a stream (DeleteLogStream, DeleteLogGroup). */
export function deleteStreamEvents(call: LogsCall, group: string, stream: string): void {
  const kind = KIND.events(group, stream);
  for (const event of call.store.list<StoredEvent>(kind, call.scope)) {
    call.store.delete(kind, call.scope, String(event.sequence));
  }
}

/** The sequence token PutLogEvents returns and DescribeLogStreams shows: the last ingested event's key. */
export function sequenceTokenOf(lastKey: bigint | undefined): string | undefined {
  return lastKey === undefined ? undefined : keyDigits(lastKey);
}

/**
 * Stores events, in the order given, in a stream that exists; updates the
 * stream's first/last event and ingestion times. Returns the new sequence
 * token. The caller has checked the batch.
 */
export function appendEvents(
  call: LogsCall,
  groupName: string,
  streamName: string,
  events: readonly { timestamp: number; message: string }[],
): string | undefined {
  const group = mustGroup(call, groupName);
  const stream = mustStream(call, groupName, streamName);
  const ingestionTime = call.now.getTime();
  let sequence = group.nextSequence;
  let lastKey: bigint | undefined;
  for (const event of events) {
    const stored: StoredEvent = {
      timestamp: event.timestamp,
      message: event.message,
      ingestionTime,
      sequence,
    };
    call.store.put(KIND.events(groupName, streamName), call.scope, String(sequence), stored);
    lastKey = eventKey(stored);
    sequence++;
  }
  if (events.length === 0) return stream.uploadSequenceToken;
  const timestamps = events.map((e) => e.timestamp);
  const updated: StoredStream = {
    ...stream,
    firstEventTimestamp: Math.min(stream.firstEventTimestamp ?? Infinity, ...timestamps),
    lastEventTimestamp: Math.max(stream.lastEventTimestamp ?? -Infinity, ...timestamps),
    lastIngestionTime: ingestionTime,
    uploadSequenceToken: sequenceTokenOf(lastKey)!,
  };
  call.store.put(KIND.streams(groupName), call.scope, streamName, updated);
  call.store.put(KIND.group, call.scope, groupName, { ...group, nextSequence: sequence });
  return updated.uploadSequenceToken;
}

/**
 * PutLogEvents as CloudWatch takes a batch now: the sequence token is
 * accepted and ignored; events out of chronological order, a batch over
 * 1 MiB or one spanning more than 24 hours fail the call; events more than
 * 2 hours ahead, more than 14 days old or older than the group's retention
 * are left out and reported in rejectedLogEventsInfo, the rest stored.
 */
export function putLogEvents(call: LogsCall, input: PutLogEventsCommandInput) {
  const group = mustGroup(call, input.logGroupName!);
  mustStream(call, group.name, input.logStreamName!);
  const events = (input.logEvents ?? []).map((e) => ({ timestamp: e.timestamp!, message: e.message! }));
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.timestamp < events[i - 1]!.timestamp) {
      throw invalidParameter("Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  const bytes = events.reduce((sum, e) => sum + eventBytes(e.message), 0);
  if (bytes > MAX_BATCH_BYTES) {
    throw invalidParameter(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  }
  const now = call.now.getTime();
  const count = (predicate: (t: number) => boolean) => events.filter((e) => predicate(e.timestamp)).length;
  const tooOldEnd = count((t) => t < now - MAX_AGE_MS);
  const expiredEnd = group.retentionInDays ? count((t) => t < now - group.retentionInDays! * DAY_MS) : 0;
  const tooNewStart = events.findIndex((e) => e.timestamp > now + MAX_FUTURE_MS);
  const accepted = events.slice(
    Math.max(tooOldEnd, expiredEnd),
    tooNewStart < 0 ? events.length : tooNewStart,
  );
  if (accepted.length > 1 && accepted.at(-1)!.timestamp - accepted[0]!.timestamp > MAX_BATCH_SPAN_MS) {
    throw invalidParameter(
      "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
    );
  }
  const token = appendEvents(call, group.name, input.logStreamName!, accepted);
  const rejected: RejectedLogEventsInfo = {
    ...(tooNewStart >= 0 ? { tooNewLogEventStartIndex: tooNewStart } : {}),
    ...(tooOldEnd > 0 ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
    ...(expiredEnd > 0 ? { expiredLogEventEndIndex: expiredEnd } : {}),
  };
  return {
    ...(token ? { nextSequenceToken: token } : {}),
    ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
  };
}

/** The longest run from the start of `events` that fits a page of `limit` events and 1 MB. */
function pageLength(events: readonly { message: string }[], limit: number): number {
  let bytes = 0;
  let length = 0;
  for (const event of events) {
    if (length >= limit) break;
    bytes += eventBytes(event.message);
    if (length > 0 && bytes > MAX_PAGE_BYTES) break;
    length++;
  }
  return length;
}

function outputEvent(event: StoredEvent): OutputLogEvent {
  return { timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime };
}

/**
 * GetLogEvents: one stream, a time range [startTime, endTime), newest page
 * first unless startFromHead, then paging with `f/…` and `b/…` tokens. At
 * the end of the stream the token passed in comes back unchanged, so a
 * caller polling with nextForwardToken gets the same token until new
 * events arrive.
 */
export function getLogEvents(call: LogsCall, input: GetLogEventsCommandInput) {
  const group = mustGroup(call, groupNameOf(call, input));
  mustStream(call, group.name, input.logStreamName!);
  const start = input.startTime ?? -Infinity;
  const end = input.endTime ?? Infinity;
  const all = storedEvents(call, group, input.logStreamName!);
  const inRange = all.filter((e) => e.timestamp >= start && e.timestamp < end);
  const limit = input.limit ?? MAX_PAGE_EVENTS;
  const page = (events: StoredEvent[]) => {
    const first = events[0];
    const last = events.at(-1);
    return {
      events: events.map(outputEvent),
      nextForwardToken: streamToken("f", eventKey(last!)),
      nextBackwardToken: streamToken("b", eventKey(first!)),
    };
  };

  if (input.nextToken) {
    const { direction, key } = parseStreamToken(input.nextToken);
    if (direction === "f") {
      const after = inRange.filter((e) => eventKey(e) > key);
      const taken = after.slice(0, pageLength(after, limit));
      if (taken.length === 0) {
        return {
          events: [],
          nextForwardToken: input.nextToken,
          nextBackwardToken: streamToken("b", key + 1n),
        };
      }
      return page(taken);
    }
    const before = inRange.filter((e) => eventKey(e) < key).reverse();
    const taken = before.slice(0, pageLength(before, limit)).reverse();
    if (taken.length === 0) {
      return { events: [], nextForwardToken: streamToken("f", key - 1n), nextBackwardToken: input.nextToken };
    }
    return page(taken);
  }

  const ordered = input.startFromHead ? inRange : [...inRange].reverse();
  const taken = ordered.slice(0, pageLength(ordered, limit));
  if (taken.length === 0) {
    // Nothing to show: both tokens point after the stream's last event, where new ones will arrive.
    const lastKey = all.length > 0 ? eventKey(all.at(-1)!) : 0n;
    return {
      events: [],
      nextForwardToken: streamToken("f", lastKey),
      nextBackwardToken: streamToken("b", lastKey + 1n),
    };
  }
  return page(input.startFromHead ? taken : taken.reverse());
}

interface FilterPosition {
  /** The key (56 digits) of the last event returned. */
  after: string;
  /** The order the first request chose: ascending (startFromHead, the default) or descending. */
  ascending: boolean;
}

function isFilterPosition(value: unknown): value is FilterPosition {
  const v = value as FilterPosition;
  return typeof v === "object" && v !== null && /^\d{56}$/.test(v.after) && typeof v.ascending === "boolean";
}

/**
 * FilterLogEvents: the group's streams (all, by name or by prefix), a
 * time range [startTime, endTime], a filter pattern; events of every
 * stream interleaved by timestamp, oldest first unless startFromHead is
 * false; a nextToken while more events match.
 */
export function filterLogEvents(call: LogsCall, input: FilterLogEventsCommandInput) {
  const group = mustGroup(call, groupNameOf(call, input));
  if (input.logStreamNames && input.logStreamNamePrefix !== undefined) {
    throw invalidParameter("logStreamNames and logStreamNamePrefix cannot both be specified.");
  }
  const matches = parseFilterPattern(input.filterPattern);
  const position = input.nextToken ? decodePageToken(input.nextToken, isFilterPosition) : undefined;
  const ascending = position?.ascending ?? input.startFromHead ?? true;
  const start = input.startTime ?? -Infinity;
  const end = input.endTime ?? Infinity;
  const streams = call.store
    .list<StoredStream>(KIND.streams(group.name), call.scope)
    .filter((s) => !input.logStreamNames || input.logStreamNames.includes(s.name))
    .filter((s) => input.logStreamNamePrefix === undefined || s.name.startsWith(input.logStreamNamePrefix));
  const found: (StoredEvent & { stream: string; key: bigint })[] = [];
  for (const stream of streams) {
    for (const event of storedEvents(call, group, stream.name)) {
      if (event.timestamp < start || event.timestamp > end || !matches(event.message)) continue;
      found.push({ ...event, stream: stream.name, key: eventKey(event) });
    }
  }
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (!ascending) found.reverse();
  const after = position ? BigInt(position.after) : undefined;
  const remaining =
    after === undefined ? found : found.filter((e) => (ascending ? e.key > after : e.key < after));
  const taken = remaining.slice(0, pageLength(remaining, input.limit ?? MAX_PAGE_EVENTS));
  const events: FilteredLogEvent[] = taken.map((e) => ({
    logStreamName: e.stream,
    timestamp: e.timestamp,
    message: e.message,
    ingestionTime: e.ingestionTime,
    eventId: keyDigits(e.key),
  }));
  const more = taken.length < remaining.length;
  return {
    events,
    searchedLogStreams: [],
    ...(more ? { nextToken: encodePageToken({ after: keyDigits(taken.at(-1)!.key), ascending }) } : {}),
  };
}
