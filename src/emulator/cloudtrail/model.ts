import { ARN_PARTITION } from "../../util/arn.js";
import type { UserIdentity } from "../caller.js";
import type { Environment, RequestContext } from "../context.js";
import { AwsError } from "../protocol/errors.js";
import type { Scope, Store } from "../store/store.js";

const EVENT = "cloudtrail.event";
const NINETY_DAYS_MS = 90 * 24 * 3600 * 1000;

export type { SessionAttributes, UserIdentity } from "../caller.js";

/** One CloudTrail record: the `CloudTrailEvent` JSON that LookupEvents returns as a string. */
export interface TrailRecord {
  eventVersion: "1.11";
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: unknown;
  responseElements: unknown;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources?: { accountId: string; type: string; ARN: string }[];
  eventType: "AwsApiCall" | "AwsServiceEvent";
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: "Management";
}

interface StoredEvent {
  record: TrailRecord;
  username?: string;
  accessKeyId?: string;
  resources: { type: string; name: string }[];
}

const READ_ONLY = /^(Get|List|Describe|Lookup|Simulate|BatchGet|BatchCheck|Filter|Search)/;

export function isReadOnly(operation: string): boolean {
  return READ_ONLY.test(operation);
}

/** The CloudFormation-style resource type of an ARN, as CloudTrail's Resources list names it. */
export function resourceTypeOf(arn: string): string {
  const match = new RegExp(`^arn:${ARN_PARTITION}:([^:]+):[^:]*:[^:]*:([^/:]+)`).exec(arn);
  if (!match) return "AWS::Unknown::Resource";
  const known: Record<string, string> = {
    "bedrock-agentcore:runtime": "AWS::BedrockAgentCore::Runtime",
    "iam:role": "AWS::IAM::Role",
    "ec2:network-interface": "AWS::EC2::NetworkInterface",
    "ec2:subnet": "AWS::EC2::Subnet",
    "ec2:security-group": "AWS::EC2::SecurityGroup",
    "ec2:vpc": "AWS::EC2::VPC",
    "logs:log-group": "AWS::Logs::LogGroup",
  };
  return known[`${match[1]}:${match[2]}`] ?? `AWS::${match[1]}::${match[2]}`;
}

export interface LookupInput {
  LookupAttributes?: { AttributeKey: string; AttributeValue: string }[];
  StartTime?: Date;
  EndTime?: Date;
  EventCategory?: string;
  MaxResults?: number;
  NextToken?: string;
}

/**
 * The event history of each account and region: every API call and every
 * action a service takes on the account's behalf is appended here, and
 * LookupEvents reads it newest first, as CloudTrail does.
 */
export class Trail {
  private lastLookup = new Map<string, number[]>();

  constructor(
    private readonly store: Store,
    private readonly env: Environment,
    /** CloudTrail allows 2 LookupEvents per second per account and region; undefined: no limit. */
    private readonly lookupsPerSecond?: number,
  ) {}

  /** Appends one record; the store keeps append order, which orders events that share a millisecond. */
  append(
    scope: Scope,
    record: Omit<
      TrailRecord,
      "eventID" | "eventVersion" | "eventCategory" | "managementEvent" | "recipientAccountId"
    >,
  ): void {
    const eventID = this.env.uuid();
    const full: TrailRecord = {
      eventVersion: "1.11",
      ...record,
      eventID,
      managementEvent: true,
      recipientAccountId: scope.account,
      eventCategory: "Management",
    };
    const identity = record.userIdentity;
    this.store.put<StoredEvent>(EVENT, scope, eventID, {
      record: full,
      ...(identity.type === "IAMUser"
        ? { username: identity.userName, accessKeyId: identity.accessKeyId }
        : {}),
      ...(identity.type === "AssumedRole"
        ? { username: identity.arn.split("/").pop()!, accessKeyId: identity.accessKeyId }
        : {}),
      resources: (record.resources ?? []).map((r) => ({ type: r.type, name: r.ARN })),
    });
  }

  /** The accounts and regions with recorded events (read-only, for the emulator's console). */
  scopes(): Scope[] {
    return this.store.listAll<StoredEvent>(EVENT).map((e) => e.scope);
  }

  /** The newest `limit` records of a scope, newest first, without LookupEvents' throttle. */
  recent(scope: Scope, limit: number): TrailRecord[] {
    return this.store
      .list<StoredEvent>(EVENT, scope)
      .slice(-limit)
      .reverse()
      .map((e) => e.record);
  }

  private throttle(ctx: RequestContext): void {
    if (!this.lookupsPerSecond) return;
    const key = `${ctx.account}/${ctx.region}`;
    const now = this.env.clock().getTime();
    const recent = (this.lastLookup.get(key) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= this.lookupsPerSecond) throw new AwsError("ThrottlingException", "Rate exceeded");
    recent.push(now);
    this.lastLookup.set(key, recent);
  }

  lookup(ctx: RequestContext, input: LookupInput) {
    this.throttle(ctx);
    const attributes = input.LookupAttributes ?? [];
    if (attributes.length > 1) {
      throw new AwsError("InvalidLookupAttributesException", "You can only specify one lookup attribute.");
    }
    const end = input.EndTime ?? ctx.now;
    const start = input.StartTime ?? new Date(end.getTime() - NINETY_DAYS_MS);
    if (start > end) throw new AwsError("InvalidTimeRangeException", "Start time must be before end time.");
    if (input.EventCategory) {
      throw new AwsError(
        "InvalidEventCategoryException",
        "The emulator records management events only, not Insights events.",
      );
    }
    const [attribute] = attributes;
    const matches = (e: StoredEvent): boolean => {
      if (!attribute) return true;
      const value = attribute.AttributeValue;
      switch (attribute.AttributeKey) {
        case "EventId":
          return e.record.eventID === value;
        case "EventName":
          return e.record.eventName === value;
        case "ReadOnly":
          return String(e.record.readOnly) === value;
        case "Username":
          return e.username === value;
        case "EventSource":
          return e.record.eventSource === value;
        case "AccessKeyId":
          return e.accessKeyId === value;
        case "ResourceType":
          return e.resources.some((r) => r.type === value);
        case "ResourceName":
          return e.resources.some((r) => r.name === value);
        default:
          throw new AwsError(
            "InvalidLookupAttributesException",
            `Unknown lookup attribute ${attribute.AttributeKey}.`,
          );
      }
    };
    const events = this.store
      .list<StoredEvent>(EVENT, { account: ctx.account, region: ctx.region })
      .filter((e) => {
        const time = new Date(e.record.eventTime);
        return time >= start && time <= end && matches(e);
      })
      .reverse();
    return {
      Events: events.map((e) => ({
        EventId: e.record.eventID,
        EventName: e.record.eventName,
        ReadOnly: String(e.record.readOnly),
        ...(e.accessKeyId ? { AccessKeyId: e.accessKeyId } : {}),
        EventTime: new Date(e.record.eventTime),
        EventSource: e.record.eventSource,
        ...(e.username ? { Username: e.username } : {}),
        Resources: e.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
        CloudTrailEvent: JSON.stringify(e.record),
      })),
    };
  }
}
