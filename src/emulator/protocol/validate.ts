import { AwsError } from "./errors.js";
import type { ServiceModel, Shape } from "./service-model.js";

export interface Violation {
  path: string;
  value: unknown;
  constraint: string;
}

/** How AWS quotes a rejected value in a validation message: sensitive values are never echoed. */
function quote(value: unknown, sensitive: boolean): string {
  if (value === undefined || value === null) return "null";
  if (sensitive) return "'***'";
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) return `'[${value.join(", ")}]'`;
  if (typeof value === "object") return "'{...}'";
  return `'${String(value)}'`;
}

const patternCache = new Map<string, RegExp | null>();

/** Smithy patterns are matched against the whole value, as AWS's Java services do. */
function compile(pattern: string): RegExp | null {
  if (!patternCache.has(pattern)) {
    try {
      patternCache.set(pattern, new RegExp(`^(?:${pattern})$`, "u"));
    } catch {
      // A pattern in a syntax JavaScript lacks is not ours to enforce.
      patternCache.set(pattern, null);
    }
  }
  return patternCache.get(pattern) ?? null;
}

function check(
  model: ServiceModel,
  shape: Shape,
  value: unknown,
  path: string,
  out: Violation[],
  sensitive: boolean,
): void {
  const secret = sensitive || shape.sensitive === true;
  const fail = (constraint: string) => out.push({ path, value: secret ? "***" : value, constraint });
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || value === null) return;
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        if (record[name] === undefined || record[name] === null) {
          out.push({
            path: path ? `${path}.${name}` : name,
            value: null,
            constraint: "Member must not be null",
          });
        }
      }
      for (const [name, ref] of Object.entries(shape.members)) {
        const member = record[name];
        if (member === undefined || member === null) continue;
        check(model, model.shapes[ref.shape]!, member, path ? `${path}.${name}` : name, out, secret);
      }
      return;
    }
    case "list": {
      if (!Array.isArray(value)) return;
      if (shape.min !== undefined && value.length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      for (const [i, item] of value.entries()) {
        check(model, model.shapes[shape.member.shape]!, item, `${path}.${i + 1}.member`, out, secret);
      }
      return;
    }
    case "map": {
      if (typeof value !== "object" || value === null) return;
      const entries = Object.entries(value as Record<string, unknown>);
      if (shape.min !== undefined && entries.length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      for (const [key, item] of entries) {
        check(model, model.shapes[shape.key.shape]!, key, `${path}.${key}.key`, out, secret);
        check(model, model.shapes[shape.value.shape]!, item, `${path}.${key}.value`, out, secret);
      }
      return;
    }
    case "string": {
      if (typeof value !== "string") return;
      // Lengths count code points, as Java's String length of a BMP string does.
      const length = [...value].length;
      if (shape.min !== undefined && length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      if (shape.enum && !shape.enum.includes(value))
        fail(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      if (shape.pattern && !compile(shape.pattern)?.test(value) && compile(shape.pattern)) {
        fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      return;
    }
    case "integer":
    case "long":
    case "float":
    case "double": {
      if (typeof value !== "number") return;
      if (shape.min !== undefined && value < shape.min)
        fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value > shape.max)
        fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    default:
      return;
  }
}

/** Every constraint the model puts on `input` (required, length, range, enum, pattern), AWS-worded. */
export function findViolations(model: ServiceModel, shapeName: string, input: unknown): Violation[] {
  const out: Violation[] = [];
  check(model, model.shapes[shapeName]!, input, "", out, false);
  return out;
}

/** Throws AWS's ValidationException naming each violated field, or returns when the input is valid. */
export function validateInput(model: ServiceModel, shapeName: string, input: unknown): void {
  const violations = findViolations(model, shapeName, input);
  if (violations.length === 0) return;
  const count = violations.length;
  const details = violations.map(
    (v) =>
      `Value ${quote(v.value, v.value === "***")} at '${v.path}' failed to satisfy constraint: ${v.constraint}`,
  );
  throw new AwsError(
    "ValidationException",
    `${count} validation error${count > 1 ? "s" : ""} detected: ${details.join("; ")}`,
    {
      reason: "FieldValidationFailed",
      fieldList: violations.map((v, i) => ({ name: v.path, message: details[i]! })),
    },
  );
}
