import type { ServiceModel } from "./service-model.js";

/**
 * An error AWS would return. Models throw it; the protocol layer renders it
 * in the wire envelope of the service, with the HTTP status the service
 * model gives the error shape (or `status` when the model has no such shape).
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly status?: number,
  ) {
    super(message);
    this.name = code;
  }
}

/** An error the shared layers throw, as the service answers it instead (models/patches: `errorCodes`). */
export function asServiceAnswers(model: ServiceModel, error: AwsError): AwsError {
  const codes = model.patches?.errorCodes;
  const renamed = codes && Object.hasOwn(codes, error.code) ? codes[error.code] : undefined;
  if (!renamed) return error;
  const [code, status, message] = renamed;
  return new AwsError(code, message ?? error.message, error.extra, status);
}

export function validationError(message: string, fieldList?: { name: string; message: string }[]): AwsError {
  return new AwsError("ValidationException", message, {
    reason: "FieldValidationFailed",
    ...(fieldList ? { fieldList } : {}),
  });
}

export function notFound(message: string): AwsError {
  return new AwsError("ResourceNotFoundException", message);
}

export function conflict(message: string): AwsError {
  return new AwsError("ConflictException", message);
}
