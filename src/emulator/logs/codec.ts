import { AwsJsonCodec } from "../protocol/aws-json.js";
import type { WireResponse } from "../protocol/codec.js";
import { AwsError } from "../protocol/errors.js";

/**
 * AWS JSON 1.1 as CloudWatch Logs speaks it: a request that breaks the
 * model's constraints is an InvalidParameterException, worded as the
 * validator words it ("1 validation error detected: Value '' at
 * 'nextToken' failed to satisfy constraint: ..."), not a ValidationException.
 */
export class LogsJsonCodec extends AwsJsonCodec {
  override serializeError(error: AwsError): WireResponse {
    return super.serializeError(
      error.code === "ValidationException"
        ? new AwsError("InvalidParameterException", error.message, {}, error.status)
        : error,
    );
  }
}
