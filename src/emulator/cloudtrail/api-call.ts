import type { AwsError } from "../protocol/errors.js";
import type { Operation, ServiceModel } from "../protocol/service-model.js";
import { isReadOnly, resourceTypeOf, type TrailRecord, type UserIdentity } from "./model.js";
import { forTrail } from "./redact.js";

/** One API call as CloudTrail records it: the service, the operation, who, from where, what went in and came out. */
export interface ApiCall {
  model: ServiceModel;
  operation: Operation;
  eventSource: string;
  account: string;
  /** The region the event is delivered in (IAM's: us-east-1). */
  awsRegion: string;
  identity: UserIdentity;
  /** The caller's address, or the service that made the call on the account's behalf. */
  sourceIPAddress: string;
  userAgent: string;
  requestId: string;
  time: Date;
  input: unknown;
  output?: Record<string, unknown>;
  error?: AwsError;
  /** EC2's CloudTrail error codes say who was at fault: `Client.InvalidSubnetID.NotFound`, `Server.InternalError`. */
  faultPrefixedErrors?: boolean;
  /** CloudTrail's Resources when the caller knows them; default: the ARNs the input and output name. */
  resources?: { type: string; ARN: string }[];
}

/** ARNs the call names at its top level (agentRuntimeArn, roleArn, ...): CloudTrail's Resources. */
function arnsIn(...values: unknown[]): string[] {
  const arns = new Set<string>();
  for (const value of values) {
    if (!value || typeof value !== "object") continue;
    for (const [name, member] of Object.entries(value)) {
      if (/Arn$/i.test(name) && typeof member === "string" && member.startsWith("arn:")) arns.add(member);
    }
  }
  return [...arns];
}

/**
 * The one builder of CloudTrail's AwsApiCall records, for calls that came
 * over the wire and calls a service made in process alike: parameters and
 * elements rendered from the model (sensitive members hidden, named as the
 * service's patch says CloudTrail names them), no elements for reads.
 */
export function apiCallRecord(
  call: ApiCall,
): Omit<
  TrailRecord,
  "eventID" | "eventVersion" | "eventCategory" | "managementEvent" | "recipientAccountId"
> {
  const { model, operation, error, output } = call;
  const readOnly = isReadOnly(operation.name);
  return {
    userIdentity: call.identity,
    eventTime: call.time.toISOString(),
    eventSource: call.eventSource,
    eventName: operation.name,
    awsRegion: call.awsRegion,
    sourceIPAddress: call.sourceIPAddress,
    userAgent: call.userAgent,
    ...(error
      ? {
          errorCode: call.faultPrefixedErrors
            ? `${(error.status ?? 400) >= 500 ? "Server" : "Client"}.${error.code}`
            : error.code,
          errorMessage: error.message,
        }
      : {}),
    requestParameters: operation.input ? (forTrail(model, operation.input, call.input) ?? null) : null,
    responseElements:
      readOnly || !output || !operation.output ? null : (forTrail(model, operation.output, output) ?? null),
    requestID: call.requestId,
    readOnly,
    resources: (
      call.resources ?? arnsIn(call.input, output).map((arn) => ({ type: resourceTypeOf(arn), ARN: arn }))
    ).map((r) => ({ accountId: call.account, ...r })),
    eventType: "AwsApiCall",
  };
}
