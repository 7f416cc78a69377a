import { type CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { apiSource, type Sourced } from "../evidence.js";
import { pacer } from "../pace.js";

/** The events of a runtime's life that explain its network and start-up. */
export const TIMELINE_EVENT_NAMES = [
  "CreateAgentRuntime",
  "UpdateAgentRuntime",
  "DeleteAgentRuntime",
  "CreateServiceLinkedRole",
  "CreateNetworkInterface",
  "DeleteNetworkInterface",
] as const;

export interface TimelineEvent {
  eventId: string;
  time: Date;
  name: string;
  source: string;
  /** Who acted: a user or role ARN, or the service that acted for the account. */
  actor: string;
  actorType: string;
  invokedBy?: string;
  errorCode?: string;
  errorMessage?: string;
  /** A CreateNetworkInterface that only checked permissions (errorCode Client.DryRunOperation). */
  dryRun: boolean;
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown>;
}

export interface TimelineScope {
  runtimeId: string;
  runtimeName: string;
  subnets: readonly string[];
  since: Date;
}

interface RawRecord {
  eventID?: string;
  eventTime?: string;
  eventName?: string;
  eventSource?: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: {
    type?: string;
    arn?: string;
    invokedBy?: string;
    sessionContext?: { sessionIssuer?: { arn?: string } };
  };
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
}

function toEvent(raw: RawRecord, fallbackTime: Date | undefined): TimelineEvent {
  const identity = raw.userIdentity ?? {};
  return {
    eventId: raw.eventID ?? "",
    time: raw.eventTime ? new Date(raw.eventTime) : (fallbackTime ?? new Date(0)),
    name: raw.eventName ?? "",
    source: raw.eventSource ?? "",
    actor: identity.sessionContext?.sessionIssuer?.arn ?? identity.arn ?? identity.invokedBy ?? "unknown",
    actorType: identity.type ?? "unknown",
    ...(identity.invokedBy ? { invokedBy: identity.invokedBy } : {}),
    ...(raw.errorCode ? { errorCode: raw.errorCode } : {}),
    ...(raw.errorMessage ? { errorMessage: raw.errorMessage } : {}),
    dryRun: raw.errorCode === "Client.DryRunOperation" || raw.errorCode === "DryRunOperation",
    requestParameters: raw.requestParameters ?? {},
    responseElements: raw.responseElements ?? {},
  };
}

/** Whether an event belongs to this runtime: named for it, or an ENI in its subnets, or the network role's creation. */
function concerns(event: TimelineEvent, scope: TimelineScope): boolean {
  const text = JSON.stringify([event.requestParameters, event.responseElements]);
  if (text.includes(scope.runtimeId) || text.includes(`"${scope.runtimeName}"`)) return true;
  if (event.name === "CreateServiceLinkedRole") return text.includes("bedrock-agentcore");
  if (event.name.endsWith("NetworkInterface")) return scope.subnets.some((subnet) => text.includes(subnet));
  return false;
}

/**
 * The runtime's CloudTrail timeline: one LookupEvents query per event name
 * (CloudTrail takes one lookup attribute at a time), paged to the end,
 * paced at CloudTrail's 2 requests per second; the client's retry (six
 * attempts, see clients.ts) backs off when other callers share the limit.
 * Oldest first.
 */
export async function collectTimeline(
  cloudtrail: CloudTrailClient,
  scope: TimelineScope,
  perSecond = 2,
): Promise<Sourced<TimelineEvent[]>> {
  const paced = pacer(perSecond);
  const events: TimelineEvent[] = [];
  for (const name of TIMELINE_EVENT_NAMES) {
    let nextToken: string | undefined;
    do {
      const page = await paced(() =>
        cloudtrail.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: name }],
            StartTime: scope.since,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      for (const entry of page.Events ?? []) {
        const raw = entry.CloudTrailEvent
          ? (JSON.parse(entry.CloudTrailEvent) as RawRecord)
          : { eventName: entry.EventName, eventID: entry.EventId };
        const event = toEvent(raw, entry.EventTime);
        if (concerns(event, scope)) events.push(event);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  events.sort((a, b) => a.time.getTime() - b.time.getTime());
  return {
    value: events,
    source: apiSource("cloudtrail", "LookupEvents", {
      EventName: [...TIMELINE_EVENT_NAMES],
      StartTime: scope.since.toISOString(),
    }),
  };
}
