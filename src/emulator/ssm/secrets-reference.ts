import type { GetSecretValueResponse } from "@aws-sdk/client-secrets-manager";
import type { Parameter } from "@aws-sdk/client-ssm";
import type { RequestContext } from "../context.js";
import { AwsError } from "../protocol/errors.js";

/**
 * Parameter Store's window onto Secrets Manager: GetParameter and
 * GetParameters read `/aws/reference/secretsmanager/<secret id>` (with
 * `:<version id or stage>` after it) by calling Secrets Manager for the
 * caller, so the caller's permissions, the secret's versions and CloudTrail
 * are Secrets Manager's own. No other operation sees these names.
 */
export const SECRETS_REFERENCE_PREFIX = "/aws/reference/secretsmanager/";

/** A Secrets Manager operation called on the caller's behalf (the one in-process dispatch). */
export type SecretsManagerCall = (
  operation: "GetSecretValue" | "DescribeSecret",
  input: Record<string, unknown>,
  ctx: RequestContext,
) => Record<string, unknown>;

export const isSecretsReference = (name: string) => name.startsWith(SECRETS_REFERENCE_PREFIX);

/** Secrets Manager's version ids are UUIDs when it makes them; anything else after the colon is a stage label. */
const VERSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The secret id and the version asked for; a secret's name has no colon, so a colon starts the version unless the id is an ARN. */
function referenceOf(name: string): {
  secretId: string;
  version?: Record<string, string>;
  selector?: string;
} {
  const rest = name.slice(SECRETS_REFERENCE_PREFIX.length);
  if (rest.startsWith("arn:")) return { secretId: rest };
  const colon = rest.lastIndexOf(":");
  if (colon <= 0) return { secretId: rest };
  const selector = rest.slice(colon + 1);
  return {
    secretId: rest.slice(0, colon),
    version: VERSION_ID.test(selector) ? { VersionId: selector } : { VersionStage: selector },
    selector: `:${selector}`,
  };
}

/** Dates as the service's JSON carries them (epoch seconds), so SourceResult reads as Secrets Manager's answer does. */
function asServiceJson(value: Record<string, unknown>): string {
  const seconds = (v: Date | string) => new Date(v).getTime() / 1000;
  return JSON.stringify(
    value,
    (key, v) => (v instanceof Date || (key.endsWith("Date") && typeof v === "string") ? seconds(v) : v),
    2,
  );
}

/**
 * One referenced secret as a Parameter: a SecureString of version 0 whose
 * value is the secret's, its ARN the secret's, and SourceResult the secret's
 * description. Without WithDecryption the call is refused as AWS refuses it;
 * a secret Secrets Manager does not have is ParameterNotFound, any other
 * refusal (access denied, a deleted secret) is Secrets Manager's own.
 */
export function readSecretsReference(
  secretsManager: SecretsManagerCall,
  ctx: RequestContext,
  name: string,
  withDecryption: boolean,
): Parameter {
  if (!withDecryption) {
    throw new AwsError(
      "ValidationException",
      "WithDecryption flag must be True for retrieving a Secret Manager secret.",
    );
  }
  const { secretId, version, selector } = referenceOf(name);
  let value: GetSecretValueResponse;
  let described: Record<string, unknown>;
  try {
    value = secretsManager(
      "GetSecretValue",
      { SecretId: secretId, ...version },
      ctx,
    ) as GetSecretValueResponse;
    described = secretsManager("DescribeSecret", { SecretId: secretId }, ctx);
  } catch (error) {
    if (error instanceof AwsError && error.code === "ResourceNotFoundException") {
      throw new AwsError(
        "ParameterNotFound",
        `An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret ${name} not found.`,
      );
    }
    throw error;
  }
  return {
    Name: name,
    Type: "SecureString",
    Value: value.SecretString ?? Buffer.from(value.SecretBinary ?? new Uint8Array()).toString("base64"),
    Version: 0,
    ...(selector ? { Selector: selector } : {}),
    SourceResult: asServiceJson(described),
    ...(value.CreatedDate ? { LastModifiedDate: new Date(value.CreatedDate) } : {}),
    ARN: value.ARN!,
    DataType: "text",
  };
}
