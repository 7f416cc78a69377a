import type { ServiceModel, ShapeRef } from "../protocol/service-model.js";

export const HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS";

/**
 * A value as CloudTrail shows it in requestParameters and responseElements:
 * members the model marks sensitive are hidden, timestamps are ISO strings,
 * streams and bytes are left out.
 */
export function forTrail(model: ServiceModel, ref: ShapeRef, value: unknown): unknown {
  const naming = model.patches?.cloudTrail;
  return render(model, ref, value, {
    name: naming?.memberNames === "lowerFirst" ? (n) => n.charAt(0).toLowerCase() + n.slice(1) : (n) => n,
    list: naming?.lists === "items" ? (items) => ({ items }) : (items) => items,
  });
}

/** How a service's records name members and carry lists (models/patches: `cloudTrail`). */
interface Naming {
  name: (member: string) => string;
  list: (items: unknown[]) => unknown;
}

function render(model: ServiceModel, ref: ShapeRef, value: unknown, naming: Naming): unknown {
  if (value === undefined || value === null) return undefined;
  const shape = model.shapes[ref.shape];
  if (!shape) return undefined;
  if (shape.sensitive) return HIDDEN;
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members)) {
        if (member.location === "statusCode") continue;
        const rendered = render(model, member, (value as Record<string, unknown>)[name], naming);
        if (rendered !== undefined) out[naming.name(name)] = rendered;
      }
      return out;
    }
    case "list":
      return Array.isArray(value)
        ? naming.list(value.map((item) => render(model, shape.member, item, naming)))
        : undefined;
    case "map":
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          render(model, shape.value, v, naming),
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
