import type { Environment } from "../context.js";
import type { Scope, Store } from "../store/store.js";
import { KIND, type LogsCall } from "./common.js";
import { appendEvents } from "./events.js";
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
}
