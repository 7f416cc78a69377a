import type { WireRequest } from "./codec.js";

/**
 * What the two Query protocols (awsQuery for IAM and STS, EC2 Query) share on
 * the way in and out: form parameters read as a tree, and XML-escaped text.
 */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * Characters XML 1.0 cannot carry, not even escaped: C0 controls but tab, LF
 * and CR; lone surrogates; U+FFFE and U+FFFF.
 */
const NOT_XML_SOURCE =
  "[\\0-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const NOT_XML = new RegExp(NOT_XML_SOURCE);
const NOT_XML_ALL = new RegExp(NOT_XML_SOURCE, "g");

/** The first character of `text` XML cannot carry, or undefined. */
export function notXmlCharacter(text: string): string | undefined {
  return NOT_XML.exec(text)?.[0];
}

/** `text` with each character XML cannot carry written as `\uXXXX`: safe to echo in a message. */
export function showNotXml(text: string): string {
  return text.replace(
    NOT_XML_ALL,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`,
  );
}

/**
 * Text and attribute values escaped for XML. Input that XML cannot carry is
 * refused where it comes in; should any reach a document anyway, it is
 * written as U+FFFD so the document still parses.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!).replace(NOT_XML_ALL, "\uFFFD");
}

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
