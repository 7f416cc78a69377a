import type { WireRequest } from "./codec.js";

/**
 * What the two Query protocols (awsQuery for IAM and STS, EC2 Query) share on
 * the way in: form parameters read as a tree (their XML text is
 * src/util/markup.ts's, as every document's).
 */

/** Parameters from the form body and the query string (Query services accept both; the SDKs POST). */
export function formParams(request: WireRequest): URLSearchParams {
  const params = new URLSearchParams(request.query);
  const type = request.headers["content-type"] ?? "";
  if (request.body.length > 0 && (type === "" || type.startsWith("application/x-www-form-urlencoded"))) {
    for (const [key, value] of new URLSearchParams(request.body.toString("utf8"))) params.append(key, value);
  }
  return params;
}

/** A form body as a tree: `Filter.1.Value.2=x` → Filter → 1 → Value → 2 = "x". */
export interface ParamNode {
  value?: string;
  children: Map<string, ParamNode>;
}

export function paramTree(params: URLSearchParams): ParamNode {
  const root: ParamNode = { children: new Map() };
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split(".")) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.value = value;
  }
  return root;
}

/** The children of a node that are list positions (`1`, `2`, ...) with their index, in index order whatever gaps the caller left. */
export function indexedEntries(node: ParamNode): [string, ParamNode][] {
  return [...node.children.keys()]
    .filter((k) => /^[1-9][0-9]*$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => [k, node.children.get(k)!]);
}

/** The children of a node that are list positions, in index order. */
export function indexedChildren(node: ParamNode): ParamNode[] {
  return indexedEntries(node).map(([, child]) => child);
}
