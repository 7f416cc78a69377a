import { AwsError } from "./errors.js";
import { decodePageToken, encodePageToken, isOffsetToken } from "./page-token.js";
import type { ErrorSpec, ServiceModel } from "./service-model.js";

/** An AWS error written as data (a patch file's), `{token}` in its message standing for the value refused. */
export function errorOf(spec: ErrorSpec, token = ""): AwsError {
  return new AwsError(spec.code, spec.message.replaceAll("{token}", token), spec.extra ?? {});
}

const isAfterToken = (value: unknown): value is { after: string } =>
  typeof (value as { after?: unknown } | null | undefined)?.after === "string";

const single = (key: string | string[] | undefined): string | undefined =>
  typeof key === "string" ? key : undefined;

/**
 * The one paginator. For an operation botocore's paginators name (its
 * `input_token`, `limit_key`, `output_token`, `result_key`, `more_results`),
 * in a service whose patch file declares its paging, the handler answers the
 * whole list under `result_key` and this cuts the page the input asks for:
 * `limit_key` items (the patch's default when unset, the whole list when it
 * has none) from where the input token points, then the token of the next
 * page while there is one (and `more_results`, IAM's IsTruncated). A token is
 * an offset into the list, or with the patch's `afterMember` the last item's
 * value of that member (for lists ordered by it). A token this paginator did
 * not hand out is refused with the service's own error. Other operations'
 * outputs pass unchanged.
 */
export function pageOutput(
  model: ServiceModel,
  operation: string,
  input: Record<string, unknown>,
  output: Record<string, unknown>,
): Record<string, unknown> {
  const paging = model.patches?.paging;
  const spec = Object.hasOwn(model.pagination ?? {}, operation) ? model.pagination![operation] : undefined;
  if (!paging || !spec || paging.handledByService?.includes(operation)) return output;
  const resultKey = single(spec.result_key);
  const inputToken = single(spec.input_token);
  const outputToken = single(spec.output_token);
  const items = resultKey ? output[resultKey] : undefined;
  if (!resultKey || !inputToken || !outputToken || !Array.isArray(items)) return output;
  const own = Object.hasOwn(paging.operations ?? {}, operation) ? paging.operations![operation] : undefined;
  const limitValue = spec.limit_key ? input[spec.limit_key] : undefined;
  const limit = typeof limitValue === "number" ? limitValue : (own?.defaultLimit ?? paging.defaultLimit);
  const token = input[inputToken];
  const refused = () => errorOf(paging.invalidToken, String(token));
  let start = 0;
  let after = "";
  if (typeof token === "string" && token !== "") {
    if (own?.afterMember) {
      after = decodePageToken(token, isAfterToken, refused).after;
      const member = own.afterMember;
      start = items.findIndex((item) => String((item as Record<string, unknown>)[member]) > after);
      if (start < 0) start = items.length;
    } else {
      start = decodePageToken(token, isOffsetToken, refused).offset;
      if (start > items.length) throw refused();
    }
  }
  const end = limit === undefined ? items.length : start + limit;
  const page = items.slice(start, end);
  const more = end < items.length;
  const paged: Record<string, unknown> = { ...output, [resultKey]: page };
  delete paged[outputToken];
  if (more) {
    const last = page.at(-1) as Record<string, unknown> | undefined;
    paged[outputToken] = encodePageToken(
      own?.afterMember ? { after: last ? String(last[own.afterMember]) : after } : { offset: end },
    );
  }
  if (spec.more_results) paged[spec.more_results] = more;
  return paged;
}
