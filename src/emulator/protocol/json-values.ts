import { AwsError } from "./errors.js";
import type { ServiceModel, Shape, ShapeRef, TimestampFormat } from "./service-model.js";

/** How deep a JSON request may nest, as AWS's deserializers bound it. */
export const MAX_DEPTH = 64;

type JsonKind = "object" | "list" | "string" | "number" | "true" | "false" | "null";

function kindOf(value: unknown): JsonKind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "object";
  if (typeof value === "boolean") return value ? "true" : "false";
  return typeof value === "number" ? "number" : "string";
}

export function serialization(message: string): AwsError {
  return new AwsError("SerializationException", message, {}, 400);
}

function article(type: string): string {
  const name = type[0]!.toUpperCase() + type.slice(1);
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

/** What AWS's JSON deserializers say when a value is not the kind its shape is. */
function mismatch(value: unknown, expected: string): AwsError {
  const kind = kindOf(value);
  if (kind === "object") return serialization("Start of structure or map found where not expected.");
  if (kind === "list") return serialization("Start of list found where not expected.");
  const token = { string: "STRING_VALUE", number: "NUMBER_VALUE", true: "TRUE_VALUE", false: "FALSE_VALUE" }[
    kind as "string" | "number" | "true" | "false"
  ];
  return serialization(`${token} can not be converted to ${article(expected)}`);
}

function nullMember(): AwsError {
  return serialization("Null values are not allowed in lists or maps.");
}

function tooDeep(): AwsError {
  return serialization(`The request nests deeper than ${MAX_DEPTH} levels.`);
}

/** Refuses JSON nested deeper than MAX_DEPTH below `depth`, without recursion (a hostile body may nest a million deep). */
export function checkDepth(value: unknown, depth = 0): void {
  const stack: [unknown, number][] = [[value, depth]];
  while (stack.length > 0) {
    const [item, level] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (level > MAX_DEPTH) throw tooDeep();
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, level + 1]);
  }
}

export function parseTimestamp(value: unknown): Date | unknown {
  if (typeof value === "number") return new Date(value * 1000);
  if (typeof value === "string") {
    const asNumber = Number(value);
    const date =
      Number.isFinite(asNumber) && value.trim() !== "" ? new Date(asNumber * 1000) : new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return value;
}

export function formatTimestamp(date: Date, format: TimestampFormat): string | number {
  if (format === "iso8601") return date.toISOString();
  if (format === "rfc822") return date.toUTCString();
  return date.getTime() / 1000;
}

/**
 * JSON values both ways for the JSON protocols (restJson1, awsJson1.0/1.1),
 * walking the model: Dates for timestamps, bytes for blobs, members by name.
 */
export class JsonValues {
  constructor(
    private readonly model: ServiceModel,
    private readonly defaultTimestampFormat: TimestampFormat,
  ) {}

  private shape(name: string): Shape {
    return this.model.shapes[name]!;
  }

  /**
   * JSON as sent → the typed input the SDK's Command promised: Dates for
   * timestamps, bytes for blobs. A value of another JSON kind than its shape
   * (a boolean for a string, a list for a structure, null inside a list) is
   * refused here, as AWS's JSON deserializers refuse it, before any handler.
   */
  fromJson(ref: ShapeRef, value: unknown, depth = 0): unknown {
    if (value === null || value === undefined) return value;
    if (depth > MAX_DEPTH) throw tooDeep();
    const shape = this.shape(ref.shape);
    if ((shape as { document?: boolean }).document) {
      checkDepth(value, depth);
      return value;
    }
    switch (shape.type) {
      case "structure": {
        if (kindOf(value) !== "object") throw mismatch(value, "Structure");
        const record = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [name, member] of Object.entries(shape.members)) {
          const key = member.locationName ?? name;
          if (!Object.hasOwn(record, key)) continue;
          const raw = record[key];
          if (raw !== undefined) out[name] = this.fromJson(member, raw, depth + 1);
        }
        return out;
      }
      case "list": {
        if (!Array.isArray(value)) throw mismatch(value, "List");
        return value.map((item) => {
          if (item === null) throw nullMember();
          return this.fromJson(shape.member, item, depth + 1);
        });
      }
      case "map": {
        if (kindOf(value) !== "object") throw mismatch(value, "Map");
        return Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([k, v]) => {
            if (v === null) throw nullMember();
            return [k, this.fromJson(shape.value, v, depth + 1)];
          }),
        );
      }
      case "string":
        if (typeof value !== "string") throw mismatch(value, "String");
        return value;
      case "boolean":
        if (typeof value !== "boolean") throw mismatch(value, "Boolean");
        return value;
      case "integer":
      case "long": {
        if (typeof value !== "number") throw mismatch(value, shape.type === "integer" ? "Integer" : "Long");
        const limit = shape.type === "integer" ? 2 ** 31 : 2 ** 63;
        if (!Number.isInteger(value) || value < -limit || value >= limit) {
          throw serialization(`NUMBER_VALUE ${value} can not be converted to ${article(shape.type)}`);
        }
        return value;
      }
      case "float":
      case "double":
        if (typeof value !== "number") throw mismatch(value, shape.type === "float" ? "Float" : "Double");
        return value;
      case "timestamp": {
        if (typeof value !== "number" && typeof value !== "string") throw mismatch(value, "Timestamp");
        const date = parseTimestamp(value);
        if (!(date instanceof Date))
          throw serialization(`The value ${JSON.stringify(value)} is not a timestamp.`);
        return date;
      }
      case "blob":
        if (typeof value !== "string") throw mismatch(value, "Blob");
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ""))) {
          throw serialization("Blob values must be base64-encoded.");
        }
        return Buffer.from(value, "base64");
      default:
        return value;
    }
  }

  /** A model value → JSON, picking members by name from the shape: what the model lacks is not sent. */
  toJson(ref: ShapeRef, value: unknown): unknown {
    if (value === null || value === undefined) return undefined;
    const shape = this.shape(ref.shape);
    // A document (GetAgentCard's agentCard) is free-form JSON: written as it is, as fromJson reads it.
    if ((shape as { document?: boolean }).document) return value;
    switch (shape.type) {
      case "structure": {
        const out: Record<string, unknown> = {};
        for (const [name, member] of Object.entries(shape.members)) {
          const rendered = this.toJson(member, (value as Record<string, unknown>)[name]);
          if (rendered !== undefined) out[member.locationName ?? name] = rendered;
        }
        return out;
      }
      case "list":
        return (value as unknown[]).map((item) => this.toJson(shape.member, item));
      case "map":
        return Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.toJson(shape.value, v)]),
        );
      case "timestamp":
        return formatTimestamp(
          value instanceof Date ? value : new Date(value as string),
          ref.timestampFormat ?? shape.timestampFormat ?? this.defaultTimestampFormat,
        );
      case "blob":
        return Buffer.from(value as Uint8Array).toString("base64");
      default:
        return value;
    }
  }
}

/** A JSON request body: parsed, and refused (SerializationException) when it is not JSON or nests too deep. */
export function parseJsonBody(body: Buffer): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw serialization("Could not parse the request body as JSON.");
  }
  checkDepth(parsed);
  return parsed;
}

/** A JSON body that must be an object (the input structure): anything else is AWS's SerializationException. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const parsed = parseJsonBody(body);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw Array.isArray(parsed)
      ? serialization("Start of list found where not expected.")
      : serialization("The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}
