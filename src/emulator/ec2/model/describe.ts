import type { Filter, Tag } from "@aws-sdk/client-ec2";
import type { AwsError } from "../../protocol/errors.js";
import { applyFilters, type FilterTable } from "../filters.js";
import { type Ec2Call, type Kind, list, notFound } from "./common.js";

/** What one EC2 Describe call lists: its records, their ids, how each is shown, and the filters it answers. */
export interface Describable<Record, View> {
  /** The operation's name, for the refusal of a filter it does not answer. */
  operation: string;
  kind: Kind;
  idOf: (record: Record) => string;
  view: (call: Ec2Call, record: Record) => View;
  filters: FilterTable<View>;
  tagsOf: (view: View) => readonly Tag[] | undefined;
  /** The records the call can see; default: every stored one of `kind`. */
  records?: (call: Ec2Call) => Record[];
  /** The error for an id asked for and not seen; default: the kind's NotFound. */
  missing?: (id: string) => AwsError;
}

/**
 * The one Describe skeleton: every id asked for must be seen (the first
 * missing one is named), the records in the order stored, shown, then
 * filtered with AWS's semantics (an unknown filter refused). Paging is the
 * wire layer's (botocore's paginators), over the whole list this returns.
 */
export function describe<Record, View>(
  call: Ec2Call,
  spec: Describable<Record, View>,
  ids: readonly string[] | undefined,
  filters: readonly Filter[] | undefined,
): View[] {
  const all = spec.records ? spec.records(call) : list<Record>(call, spec.kind);
  for (const id of ids ?? []) {
    if (!all.some((record) => spec.idOf(record) === id))
      throw (spec.missing ?? ((i) => notFound(spec.kind, i)))(id);
  }
  const chosen = ids?.length ? all.filter((record) => ids.includes(spec.idOf(record))) : all;
  return applyFilters(
    chosen.map((record) => spec.view(call, record)),
    filters,
    spec.filters,
    (view) => spec.tagsOf(view) ?? [],
    spec.operation,
  );
}
