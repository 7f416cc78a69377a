import type { Filter, Tag } from "@aws-sdk/client-ec2";
import { AwsError } from "../protocol/errors.js";

type Scalar = string | number | boolean | null | undefined;

/** A resource's answer to one filter name: one value, several (any may match), or none. */
export type FilterValue = Scalar | readonly Scalar[];

/**
 * The filters a Describe call supports, by name, each answering for one
 * resource (moto's `get_filter_value`). `tag:<key>`, `tag-key` and
 * `tag-value` are answered for every resource from its tags.
 */
export type FilterTable<T> = Readonly<Record<string, (item: T) => FilterValue>>;

const patternCache = new Map<string, RegExp>();

/** EC2 filter values: `*` any run of characters, `?` one, a backslash escapes either; the rest is literal. */
function pattern(value: string): RegExp {
  let compiled = patternCache.get(value);
  if (!compiled) {
    let source = "";
    for (let i = 0; i < value.length; i++) {
      const c = value[i]!;
      if (c === "\\" && (value[i + 1] === "*" || value[i + 1] === "?" || value[i + 1] === "\\")) {
        source += `\\${value[++i]}`;
      } else if (c === "*") source += "[\\s\\S]*";
      else if (c === "?") source += "[\\s\\S]";
      else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    compiled = new RegExp(`^${source}$`);
    patternCache.set(value, compiled);
  }
  return compiled;
}

function answers(value: FilterValue, wanted: readonly string[]): boolean {
  const candidates = (Array.isArray(value) ? value : [value]) as readonly Scalar[];
  return candidates.some(
    (candidate) =>
      candidate !== undefined && candidate !== null && wanted.some((w) => pattern(w).test(String(candidate))),
  );
}

function getFilterValue<T>(table: FilterTable<T>, item: T, tags: readonly Tag[], name: string): FilterValue {
  if (name.startsWith("tag:")) {
    const key = name.slice(4);
    return tags.filter((t) => t.Key === key).map((t) => t.Value ?? "");
  }
  if (name === "tag-key") return tags.map((t) => t.Key);
  if (name === "tag-value") return tags.map((t) => t.Value ?? "");
  return table[name]!(item);
}

function knownFilters<T>(table: FilterTable<T>): string[] {
  return [...Object.keys(table), "tag:<key>", "tag-key", "tag-value"];
}

function isKnown<T>(table: FilterTable<T>, name: string): boolean {
  return name.startsWith("tag:") || name === "tag-key" || name === "tag-value" || Object.hasOwn(table, name);
}

/**
 * AWS's filter semantics: a resource matches when every filter matches
 * (AND), and a filter matches when any of its values matches any of the
 * resource's answers (OR). A filter this emulator does not know is refused,
 * never ignored: ignoring it would return resources AWS would not.
 */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly Filter[] | undefined,
  table: FilterTable<T>,
  tagsOf: (item: T) => readonly Tag[],
  operation: string,
): T[] {
  const active = filters ?? [];
  for (const filter of active) {
    if (!filter.Name)
      throw new AwsError("MissingParameter", "The request must contain the parameter Filter.Name");
    // AWS refuses a filter name it does not know with 400 InvalidParameterValue; one the emulator
    // does not answer is refused the same way, never ignored.
    if (!isKnown(table, filter.Name)) {
      throw new AwsError(
        "InvalidParameterValue",
        `The filter '${filter.Name}' is invalid (the emulator's ${operation} answers: ${knownFilters(table).join(", ")}).`,
      );
    }
  }
  return items.filter((item) =>
    active.every((f) => answers(getFilterValue(table, item, tagsOf(item), f.Name!), f.Values ?? [])),
  );
}
