import type { Environment } from "../context.js";
import type { Scope, Store } from "../store/store.js";
import { KIND, type LogsCall, type StoredGroup, type StoredStream } from "./common.js";
import { appendEvents, storedEvents } from "./events.js";
import { putNewGroup } from "./groups.js";
import { putNewStream } from "./streams.js";

/**
 * CloudWatch Logs as other models call it, in process: the same state and
 * rules as the API, no HTTP. Each method is meant to run inside the
 * caller's store transaction.
 */
export class Logs {
  constructor(
    readonly store: Store,
    readonly env: Environment,
  ) {}

  call(scope: Scope, now: Date = this.env.clock()): LogsCall {
    return { store: this.store, scope, now };
  }

  /**
   * Delivers container output as AgentCore's service side does: the group
   * and the stream are created when missing (a service may write under
   * `/aws/`), events are stored in timestamp order. What decides whether
   * the output may be delivered at all (the execution role) is the caller's.
   */
  deliver(
    scope: Scope,
    groupName: string,
    streamName: string,
    events: readonly { timestamp: number; message: string }[],
  ): void {
    const call = this.call(scope);
    if (!this.store.get(KIND.group, scope, groupName)) putNewGroup(call, groupName);
    if (!this.store.get(KIND.streams(groupName), scope, streamName))
      putNewStream(call, groupName, streamName);
    const ordered = [...events].sort((a, b) => a.timestamp - b.timestamp);
    appendEvents(call, groupName, streamName, ordered);
  }

  /** Groups and their streams with their newest events (read-only, for the emulator's console). */
  overview(scope: Scope, tail = 20): LogGroupOverview[] {
    const call = this.call(scope);
    return this.store.list<StoredGroup>(KIND.group, scope).map((group) => ({
      name: group.name,
      creationTime: group.creationTime,
      streams: this.store.list<StoredStream>(KIND.streams(group.name), scope).map((stream) => {
        const events = storedEvents(call, group, stream.name);
        return {
          name: stream.name,
          creationTime: stream.creationTime,
          ...(stream.lastEventTimestamp !== undefined
            ? { lastEventTimestamp: stream.lastEventTimestamp }
            : {}),
          eventCount: events.length,
          tail: events.slice(-tail).map((e) => ({ timestamp: e.timestamp, message: e.message })),
        };
      }),
    }));
  }
}

export interface LogGroupOverview {
  name: string;
  creationTime: number;
  streams: Array<{
    name: string;
    creationTime: number;
    lastEventTimestamp?: number;
    eventCount: number;
    tail: Array<{ timestamp: number; message: string }>;
  }>;
}
