import type { ServiceModel, Shape, ShapeRef, TimestampFormat } from "./service-model.js";

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

  /** JSON as sent → the typed input the SDK's Command promised: Dates for timestamps, bytes for blobs. */
  fromJson(ref: ShapeRef, value: unknown): unknown {
    if (value === null || value === undefined) return value;
    const shape = this.shape(ref.shape);
    switch (shape.type) {
      case "structure": {
        if (typeof value !== "object" || Array.isArray(value)) return value;
        const out: Record<string, unknown> = {};
        for (const [name, member] of Object.entries(shape.members)) {
          const key = member.locationName ?? name;
          const raw = (value as Record<string, unknown>)[key];
          if (raw !== undefined) out[name] = this.fromJson(member, raw);
        }
        return out;
      }
      case "list":
        return Array.isArray(value) ? value.map((item) => this.fromJson(shape.member, item)) : value;
      case "map":
        if (typeof value !== "object") return value;
        return Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([k, v]) => [
            k,
            this.fromJson(shape.value, v),
          ]),
        );
      case "timestamp":
        return parseTimestamp(value);
      case "blob":
        return typeof value === "string" ? Buffer.from(value, "base64") : value;
      default:
        return value;
    }
  }

  /** A model value → JSON, picking members by name from the shape: what the model lacks is not sent. */
  toJson(ref: ShapeRef, value: unknown): unknown {
    if (value === null || value === undefined) return undefined;
    const shape = this.shape(ref.shape);
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
