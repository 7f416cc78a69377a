import { ARN_PARTITION } from "../../util/arn.js";
import type { RequestContext } from "../context.js";
import { AwsError, notFound } from "../protocol/errors.js";
import type { Store } from "../store/store.js";

const TAGS = "agentcore.tags";
/** AgentCore's limit on a resource's tags (TagsMap's max in the model). */
const MAX_TAGS = 50;

export type TagMap = Record<string, string>;

/** The resource an AgentCore ARN names, when it is one this emulator serves: a runtime or one of its endpoints. */
export function taggedResource(
  arn: string,
): { region: string; account: string; runtimeId: string; endpointName?: string } | undefined {
  const match = new RegExp(
    `^arn:${ARN_PARTITION}:bedrock-agentcore:([a-z0-9-]+):(\\d{12}):runtime/([^/]+)(?:/runtime-endpoint/([^/]+))?$`,
  ).exec(arn);
  if (!match) return undefined;
  return {
    region: match[1]!,
    account: match[2]!,
    runtimeId: match[3]!,
    ...(match[4] ? { endpointName: match[4] } : {}),
  };
}

/**
 * AgentCore's resource tags, kept by ARN beside the resources (CreateAgentRuntime's
 * and CreateAgentRuntimeEndpoint's `tags`, TagResource, UntagResource). Whether the
 * ARN names a live resource is the caller's to check.
 */
export class AgentCoreTags {
  constructor(private readonly store: Store) {}

  /** A resource made anew (a new runtime, an endpoint name used again): its tags are the ones it was made with. */
  setInitial(ctx: RequestContext, arn: string, tags: TagMap | undefined): void {
    const scope = { account: ctx.account, region: ctx.region };
    if (tags && Object.keys(tags).length > 0) this.store.put<TagMap>(TAGS, scope, arn, { ...tags });
    else this.store.delete(TAGS, scope, arn);
  }

  list(ctx: RequestContext, arn: string): TagMap {
    return this.store.get<TagMap>(TAGS, { account: ctx.account, region: ctx.region }, arn) ?? {};
  }

  /** Adds or overwrites; more than AgentCore's 50 in all is refused and nothing changes. */
  tag(ctx: RequestContext, arn: string, tags: TagMap): void {
    const merged = { ...this.list(ctx, arn), ...tags };
    if (Object.keys(merged).length > MAX_TAGS) {
      throw new AwsError(
        "ValidationException",
        `A resource can have at most ${MAX_TAGS} tags; ${arn} would have ${Object.keys(merged).length}.`,
        { reason: "FieldValidationFailed" },
      );
    }
    this.store.put<TagMap>(TAGS, { account: ctx.account, region: ctx.region }, arn, merged);
  }

  /** Keys the resource does not have are ignored, as AWS's UntagResource ignores them. */
  untag(ctx: RequestContext, arn: string, keys: readonly string[]): void {
    const kept = Object.fromEntries(
      Object.entries(this.list(ctx, arn)).filter(([key]) => !keys.includes(key)),
    );
    this.setInitial(ctx, arn, kept);
  }
}

/** AgentCore's answer for an ARN it cannot tag: no such resource (in this account and region). */
export function taggableNotFound(arn: string): AwsError {
  return notFound(`Resource not found: ${arn}`);
}
