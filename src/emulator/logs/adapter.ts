import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { LogsCall } from "./common.js";
import { filterLogEvents, getLogEvents, putLogEvents } from "./events.js";
import { createLogGroup, deleteLogGroup, describeLogGroups, putRetentionPolicy } from "./groups.js";
import type { Logs } from "./model.js";
import { createLogStream, deleteLogStream, describeLogStreams } from "./streams.js";

/** CloudWatch Logs' operations over its model; each model function takes the SDK's `…CommandInput`. */
export function logsAdapter(logs: Logs): Adapter {
  const op =
    <I>(run: (call: LogsCall, input: I) => Record<string, unknown>) =>
    (input: I, ctx: RequestContext) =>
      run(logs.call({ account: ctx.account, region: ctx.region }, ctx.now), input);
  return {
    CreateLogGroup: op(createLogGroup),
    DeleteLogGroup: op(deleteLogGroup),
    DescribeLogGroups: op(describeLogGroups),
    PutRetentionPolicy: op(putRetentionPolicy),
    CreateLogStream: op(createLogStream),
    DeleteLogStream: op(deleteLogStream),
    DescribeLogStreams: op(describeLogStreams),
    PutLogEvents: op(putLogEvents),
    GetLogEvents: op(getLogEvents),
    FilterLogEvents: op(filterLogEvents),
  };
}
