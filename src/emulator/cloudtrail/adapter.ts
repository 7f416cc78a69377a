import type { LookupEventsCommandInput } from "@aws-sdk/client-cloudtrail";
import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { LookupInput, Trail } from "./model.js";

export function cloudTrailAdapter(trail: Trail): Adapter {
  return {
    LookupEvents: (input: LookupEventsCommandInput, ctx: RequestContext) =>
      trail.lookup(ctx, input as LookupInput),
  };
}
