import type { ServiceModel, ShapeRef } from "../protocol/service-model.js";

export const HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS";

/**
 * A value as CloudTrail shows it in requestParameters and responseElements:
 * members the model marks sensitive are hidden, timestamps are ISO strings,
 * streams and bytes are left out.
 */
export function forTrail(model: ServiceModel, ref: ShapeRef, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  const shape = model.shapes[ref.shape];
  if (!shape) return undefined;
  if (shape.sensitive) return HIDDEN;
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members)) {
        if (member.location === "statusCode") continue;
        const rendered = forTrail(model, member, (value as Record<string, unknown>)[name]);
        if (rendered !== undefined) out[name] = rendered;
      }
      return out;
    }
    case "list":
      return Array.isArray(value) ? value.map((item) => forTrail(model, shape.member, item)) : undefined;
    case "map":
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          forTrail(model, shape.value, v),
        ]),
      );
    case "timestamp":
      return value instanceof Date ? value.toISOString() : value;
    case "blob":
      return undefined;
    default:
      return value;
  }
}
