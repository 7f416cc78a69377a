import { existsSync, readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { javaPattern } from "../../../src/emulator/protocol/java-regex.js";
import type {
  Operation,
  ServiceModel,
  Shape,
  ShapeRef,
} from "../../../src/emulator/protocol/service-model.js";

/**
 * A model-driven client for the fuzz suite: valid inputs generated from a
 * service model's shapes, and requests serialized as each protocol's clients
 * serialize them (restJson1, restXml, JSON 1.x, awsQuery, EC2 Query). Written from the
 * protocols' specs, apart from the emulator's codecs, so it checks them.
 */

export interface FuzzModel {
  name: string;
  model: ServiceModel;
}

/** Every model the emulator could serve: botocore's in models/aws first, ours in models/authored otherwise. */
export function allModels(): FuzzModel[] {
  const seen = new Map<string, FuzzModel>();
  for (const dir of ["../../../models/aws/", "../../../models/authored/"]) {
    const url = new URL(dir, import.meta.url);
    if (!existsSync(url)) continue;
    for (const file of readdirSync(url).sort()) {
      if (!file.endsWith(".json") || file.includes(".paginators.")) continue;
      const name = file.slice(0, -".json".length);
      if (seen.has(name)) continue;
      seen.set(name, { name, model: JSON.parse(readFileSync(new URL(file, url), "utf8")) as ServiceModel });
    }
  }
  return [...seen.values()];
}

export function signingName(model: ServiceModel): string {
  return model.metadata.signingName ?? model.metadata.endpointPrefix;
}

const MAX_DEPTH = 3;

/** A valid-looking value of a shape: constraints respected where the shape states them. */
export function arbitraryFor(model: ServiceModel, ref: ShapeRef, depth = 0): fc.Arbitrary<unknown> {
  const shape = model.shapes[ref.shape]!;
  switch (shape.type) {
    case "structure": {
      if ((shape as { document?: boolean }).document) return fc.constant({});
      const required = new Set(shape.required ?? []);
      const names = Object.keys(shape.members).filter((n) => {
        const m = shape.members[n]!;
        return m.location !== "headers" && !m.eventpayload;
      });
      if (shape.union) {
        if (names.length === 0 || depth > MAX_DEPTH) return fc.constant({});
        return fc
          .constantFrom(...names)
          .chain((n) => arbitraryFor(model, shape.members[n]!, depth + 1).map((v) => ({ [n]: v })));
      }
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const n of names) {
        if (!required.has(n) && depth > MAX_DEPTH) continue;
        record[n] = arbitraryFor(model, shape.members[n]!, depth + 1);
      }
      return fc.record(record, { requiredKeys: names.filter((n) => required.has(n) && record[n]) });
    }
    case "list": {
      const min = shape.min ?? 0;
      if (depth > MAX_DEPTH && min === 0) return fc.constant([]);
      return fc.array(arbitraryFor(model, shape.member, depth + 1), {
        minLength: min,
        maxLength: Math.max(min, Math.min(shape.max ?? 3, 3)),
      });
    }
    case "map": {
      const min = shape.min ?? 0;
      return fc
        .array(
          fc.tuple(arbitraryFor(model, shape.key, depth + 1), arbitraryFor(model, shape.value, depth + 1)),
          {
            minLength: min,
            maxLength: Math.max(min, 2),
          },
        )
        .map((entries) => Object.fromEntries(entries as [string, unknown][]));
    }
    case "string":
      return stringOf(shape);
    case "integer":
    case "long":
      return fc.integer({
        min: Math.max(shape.min ?? 0, -1_000_000),
        max: Math.min(shape.max ?? 1000, 2_000_000_000),
      });
    case "float":
    case "double":
      return fc.double({ min: shape.min ?? 0, max: shape.max ?? 1000, noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "timestamp":
      return fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2030-01-01T00:00:00Z") });
    case "blob":
      return fc.uint8Array({
        minLength: Math.max(shape.min ?? 0, 1),
        maxLength: Math.min(shape.max ?? 16, 16),
      });
    default:
      return fc.constant(undefined);
  }
}

function stringOf(shape: Extract<Shape, { type: "string" }>): fc.Arbitrary<string> {
  if (shape.enum && shape.enum.length > 0) return fc.constantFrom(...shape.enum);
  const min = shape.min ?? 0;
  const max = Math.max(min, Math.min(shape.max ?? 24, 24));
  const pattern = shape.pattern ? javaPattern(shape.pattern) : null;
  if (pattern) {
    try {
      // Patterns say nothing of length: most generated values fit; those that do not are one more bad input.
      return fc.stringMatching(new RegExp(pattern.source, pattern.flags.replace("g", "")));
    } catch {
      // A pattern fast-check cannot generate from: plain text, refused or not.
    }
  }
  return fc
    .string({ unit: "grapheme-ascii", minLength: min, maxLength: max })
    .map((s) => (s.length < min ? s.padEnd(min, "a") : s));
}

/** A request as bytes go on the wire. */
export interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** JSON as the JSON protocols' clients write a value of a shape: timestamps epoch seconds, blobs base64. */
function toJson(model: ServiceModel, ref: ShapeRef, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  const shape = model.shapes[ref.shape]!;
  if (shape.type === "timestamp" && value instanceof Date) return value.getTime() / 1000;
  if (shape.type === "blob" && value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (shape.type === "list" && Array.isArray(value)) return value.map((v) => toJson(model, shape.member, v));
  if (shape.type === "map" && typeof value === "object" && !Array.isArray(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(model, shape.value, v)]));
  if (
    shape.type === "structure" &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Date)
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const member = shape.members[k];
      out[member?.locationName ?? k] = member ? toJson(model, member, v) : v;
    }
    return out;
  }
  return value;
}

function text(value: unknown): string {
  if (value instanceof Date) return iso(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Query form pairs for a value: awsQuery (`Name.member.N`, maps `entry.N.key`) or EC2 (`Name.N`). */
function formPairs(
  model: ServiceModel,
  ref: ShapeRef,
  value: unknown,
  prefix: string,
  ec2: boolean,
  out: [string, string][],
): void {
  if (value === undefined || value === null) return;
  const shape = model.shapes[ref.shape]! as Shape & { flattened?: boolean };
  if (
    shape.type === "structure" &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Date)
  ) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const member = shape.members[k] as (ShapeRef & { queryName?: string }) | undefined;
      const key = !member
        ? k
        : ec2
          ? (member.queryName ??
            (member.locationName ? member.locationName[0]!.toUpperCase() + member.locationName.slice(1) : k))
          : (member.locationName ?? k);
      const path = prefix ? `${prefix}.${key}` : key;
      if (member) formPairs(model, member, v, path, ec2, out);
      else out.push([path, text(v)]);
    }
    return;
  }
  if (shape.type === "list" && Array.isArray(value)) {
    if (value.length === 0 && !ec2) out.push([prefix, ""]);
    const flattened = ec2 || shape.flattened || (ref as { flattened?: boolean }).flattened;
    value.forEach((item, i) => {
      const path = flattened
        ? `${prefix}.${i + 1}`
        : `${prefix}.${shape.member.locationName ?? "member"}.${i + 1}`;
      formPairs(model, shape.member, item, path, ec2, out);
    });
    return;
  }
  if (shape.type === "map" && typeof value === "object" && !Array.isArray(value)) {
    Object.entries(value as Record<string, unknown>).forEach(([k, v], i) => {
      const entry = shape.flattened ? `${prefix}.${i + 1}` : `${prefix}.entry.${i + 1}`;
      out.push([`${entry}.${shape.key.locationName ?? "key"}`, k]);
      formPairs(model, shape.value, v, `${entry}.${shape.value.locationName ?? "value"}`, ec2, out);
    });
    return;
  }
  out.push([prefix, text(value)]);
}

function escapeXmlText(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** XML as the restXml clients write a value of a shape: lists wrapped in `member` unless flattened, timestamps ISO 8601. */
function toXml(model: ServiceModel, ref: ShapeRef, value: unknown, name: string, namespace = ""): string {
  if (value === undefined || value === null) return "";
  const shape = model.shapes[ref.shape]! as Shape & { flattened?: boolean };
  const open = `<${name}${namespace ? ` xmlns="${namespace}"` : ""}>`;
  if (
    shape.type === "structure" &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Date)
  ) {
    let inner = "";
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const member = shape.members[k] as (ShapeRef & { xmlAttribute?: boolean }) | undefined;
      if (!member) inner += `<${k}>${escapeXmlText(text(v))}</${k}>`;
      else if (!member.xmlAttribute) inner += toXml(model, member, v, member.locationName ?? k);
    }
    return `${open}${inner}</${name}>`;
  }
  if (shape.type === "list" && Array.isArray(value)) {
    const flattened = shape.flattened || (ref as { flattened?: boolean }).flattened;
    const items = value.map((item) =>
      toXml(model, shape.member, item, flattened ? name : (shape.member.locationName ?? "member")),
    );
    return flattened ? items.join("") : `${open}${items.join("")}</${name}>`;
  }
  if (shape.type === "map" && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) =>
        `<entry><${shape.key.locationName ?? "key"}>${escapeXmlText(k)}</${shape.key.locationName ?? "key"}>${toXml(model, shape.value, v, shape.value.locationName ?? "value")}</entry>`,
    );
    return `${open}${entries.join("")}</${name}>`;
  }
  return `${open}${escapeXmlText(text(value))}</${name}>`;
}

/** Percent-encodes as the SDKs do for a URI label (greedy labels keep their slashes). */
function encodeLabel(value: string, greedy: boolean): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return greedy ? encoded.replace(/%2F/g, "/") : encoded;
}

/** The request a protocol's client sends for `input` (members possibly of the wrong kind: they go out as they are). */
export function serialize(model: ServiceModel, name: string, input: Record<string, unknown>): Request {
  const operation = model.operations[name]! as Operation;
  const protocol = model.metadata.protocol;
  const inputShape = operation.input ? model.shapes[operation.input.shape] : undefined;
  const members = inputShape?.type === "structure" ? inputShape.members : {};
  if (protocol === "json") {
    return {
      method: "POST",
      path: "/",
      headers: {
        "content-type": `application/x-amz-json-${model.metadata.jsonVersion ?? "1.1"}`,
        "x-amz-target": `${model.metadata.targetPrefix}.${name}`,
      },
      body: JSON.stringify(operation.input ? toJson(model, operation.input, input) : {}),
    };
  }
  if (protocol === "query" || protocol === "ec2") {
    const pairs: [string, string][] = [
      ["Action", name],
      ["Version", model.metadata.apiVersion],
    ];
    if (operation.input) formPairs(model, operation.input, input, "", protocol === "ec2", pairs);
    return {
      method: "POST",
      path: "/",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: new URLSearchParams(pairs).toString(),
    };
  }
  // restJson1 and restXml: labels, query string and headers alike; the body JSON or XML.
  const xml = protocol === "rest-xml";
  const [template = "/", fixedQuery] = operation.http.requestUri.split("?");
  const query = new URLSearchParams(fixedQuery ?? "");
  const headers: Record<string, string> = { "content-type": xml ? "application/xml" : "application/json" };
  const body: Record<string, unknown> = {};
  let payload: string | undefined;
  let path = template;
  for (const [memberName, ref] of Object.entries(members)) {
    const value = input[memberName];
    const key = ref.locationName ?? memberName;
    if (ref.location === "uri") {
      path = path.replace(new RegExp(`\\{${key}(\\+?)\\}`), (_m, greedy: string) =>
        encodeLabel(value === undefined ? "" : text(value), greedy === "+"),
      );
      continue;
    }
    if (value === undefined) continue;
    if (ref.location === "querystring") {
      if (Array.isArray(value)) for (const v of value) query.append(key, text(v));
      else query.append(key, text(value));
    } else if (ref.location === "header") {
      // Content-Length frames the message: a client computes it from the body it sends, never from input
      // (a made-up one splits the connection's bytes into another request, which no API answers).
      if (key.toLowerCase() === "content-length") continue;
      headers[key.toLowerCase()] = text(value);
    } else if (ref.location === "headers") continue;
    else if (inputShape?.type === "structure" && inputShape.payload === memberName) {
      const shape = model.shapes[ref.shape]!;
      const namespace = (ref as { xmlNamespace?: { uri?: string } }).xmlNamespace?.uri;
      payload =
        shape.type === "blob" && value instanceof Uint8Array
          ? Buffer.from(value).toString("utf8")
          : shape.type === "string"
            ? String(value)
            : xml
              ? toXml(model, ref, value, key, namespace)
              : JSON.stringify(toJson(model, ref, value));
    } else body[key] = toJson(model, ref, value);
  }
  const qs = query.toString();
  return {
    method: operation.http.method,
    path: `${path}${qs ? `?${qs}` : ""}`,
    headers,
    body:
      payload ??
      (xml
        ? ""
        : Object.keys(body).length > 0 || operation.http.method !== "GET"
          ? JSON.stringify(body)
          : ""),
  };
}
