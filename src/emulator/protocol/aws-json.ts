import type { MatchedOperation, ProtocolCodec, WireRequest, WireResponse } from "./codec.js";
import { AwsError, asServiceAnswers } from "./errors.js";
import { JsonValues, parseJsonObject } from "./json-values.js";
import type { Operation, ServiceModel, StructureShape } from "./service-model.js";

/**
 * AWS JSON 1.0/1.1 (CloudTrail, CloudWatch Logs, ECR): every call is
 * `POST /` with `X-Amz-Target: <targetPrefix>.<Operation>` and a JSON body;
 * errors carry their code in `__type`.
 */
export class AwsJsonCodec implements ProtocolCodec {
  private readonly json: JsonValues;
  private readonly contentType: string;

  constructor(readonly model: ServiceModel) {
    this.json = new JsonValues(model, "unixTimestamp");
    this.contentType = `application/x-amz-json-${model.metadata.jsonVersion ?? "1.1"}`;
  }

  /**
   * The operation named by X-Amz-Target. botocore (the AWS CLI) sends the
   * model's full targetPrefix ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101");
   * the v3 SDK sends the Smithy service name alone ("CloudTrail_20131101"): both are this service.
   */
  private target(request: WireRequest): string | undefined {
    const target = request.headers["x-amz-target"];
    if (!target) return undefined;
    const dot = target.lastIndexOf(".");
    const prefix = target.slice(0, dot);
    const full = this.model.metadata.targetPrefix ?? "";
    return prefix === full || full.endsWith(`.${prefix}`) || prefix === full.split(".").pop()
      ? target.slice(dot + 1)
      : undefined;
  }

  match(request: WireRequest): MatchedOperation | undefined {
    const name = this.target(request);
    const operation =
      name && Object.hasOwn(this.model.operations, name) ? this.model.operations[name] : undefined;
    return request.method === "POST" && operation
      ? { operation: { ...operation, name: name! }, labels: {} }
      : undefined;
  }

  claims(request: WireRequest): boolean {
    return this.target(request) !== undefined;
  }

  parseInput({ operation }: MatchedOperation, request: WireRequest): Record<string, unknown> {
    // Every JSON 1.x request body is one JSON object (an empty body is taken as `{}`, as AWS takes it).
    const body = request.body.length > 0 ? parseJsonObject(request.body) : {};
    if (!operation.input) return {};
    return (this.json.fromJson({ shape: operation.input.shape }, body) ?? {}) as Record<string, unknown>;
  }

  serializeOutput(operation: Operation, output: Record<string, unknown>): WireResponse {
    const body = operation.output ? this.json.toJson({ shape: operation.output.shape }, output) : {};
    return {
      status: 200,
      headers: { "content-type": this.contentType },
      body: Buffer.from(JSON.stringify(body ?? {})),
    };
  }

  /** JSON 1.x answers a target it does not know with 400 UnknownOperationException. */
  unknownOperation(_request: WireRequest): AwsError {
    return new AwsError("UnknownOperationException", "", {}, 400);
  }

  serializeError(thrown: AwsError): WireResponse {
    const error = asServiceAnswers(this.model, thrown);
    const shape = this.model.shapes[error.code] as StructureShape | undefined;
    const status = error.status ?? shape?.error?.httpStatusCode ?? 400;
    const body: Record<string, unknown> = { __type: error.code, message: error.message };
    for (const [name, value] of Object.entries(error.extra)) if (shape?.members?.[name]) body[name] = value;
    return {
      status,
      headers: { "content-type": this.contentType, "x-amzn-errortype": error.code },
      body: Buffer.from(JSON.stringify(body)),
    };
  }
}
