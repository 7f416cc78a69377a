import type { AwsError } from "./errors.js";

/** Opaque paging tokens: what the previous page ended on, as base64url JSON. */
export function encodePageToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString("base64url");
}

/** The position a token holds, or the service's own error for a token it did not hand out. */
export function decodePageToken<T>(
  token: string,
  valid: (value: unknown) => value is T,
  invalid: () => AwsError,
): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (!valid(value)) throw invalid();
  return value;
}

/** A token that holds a list offset: `{ offset: n }`, n a non-negative integer. */
export function isOffsetToken(value: unknown): value is { offset: number } {
  const offset = (value as { offset?: unknown } | null | undefined)?.offset;
  return typeof offset === "number" && Number.isInteger(offset) && offset >= 0;
}
