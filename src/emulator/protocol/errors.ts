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
