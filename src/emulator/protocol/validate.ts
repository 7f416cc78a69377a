import { AwsError } from "./errors.js";
import { javaPattern } from "./java-regex.js";
import type { ServiceModel, Shape } from "./service-model.js";

export interface Violation {
  /** Where, in the model's member names (`Filters.1.member.Key`). */
  path: string;
  /**
   * Where, as AWS's validation messages name it: each member lowerCamel
   * (`filters.1.member.key`, `names`, `roleName`), map keys as sent; the same
   * as `path` for camelCase models (Logs, ECR, AgentCore).
   */
  at: string;
  value: unknown;
  constraint: string;
  /** AWS names the member without its value (`Value at 'logGroupIdentifier' ...`): a shape patched `valueInMessage: false`. */
  unnamedValue?: boolean;
}

/** A value as text in an error message: strings as they are, anything else as JSON (never `[object Object]`). */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return `[${value.map(describeValue).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return "{...}";
    }
  }
  return String(value);
}

/** How AWS quotes a rejected value in a validation message: sensitive values are never echoed. */
export function quote(value: unknown, sensitive: boolean): string {
  if (value === undefined || value === null) return "null";
  if (sensitive) return "'***'";
  return `'${describeValue(value)}'`;
}

/** Whether a bound value has its shape's type: the check for values that did not come off the wire (a service-side call). */
function hasType(shape: Shape, value: unknown): boolean {
  switch (shape.type) {
    case "structure":
    case "map":
      return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
    case "list":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
    case "long":
      return typeof value === "number" && Number.isInteger(value);
    case "float":
    case "double":
      return typeof value === "number";
    case "timestamp":
      return value instanceof Date || typeof value === "string" || typeof value === "number";
    case "blob":
      return value instanceof Uint8Array || typeof value === "string";
    default:
      return true;
  }
}

const MAX_DEPTH = 64;

/** An enum the service does not hold callers to (its patches' `openEnums`): the handler answers any value. */
const openEnum = (model: ServiceModel, shape: Shape) =>
  (model.patches?.openEnums ?? []).some((name) => model.shapes[name] === shape);

/**
 * Lengths count code points, as Java's String length of a BMP string does. Counted in place:
 * spreading a 100 MB value (MaxLenString allows that) into an array took 15 s.
 */
export function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const high = text.charCodeAt(i);
    if (high < 0xd800 || high > 0xdbff) continue;
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) {
      length--;
      i++;
    }
  }
  return length;
}

const lowerFirst = (name: string) => (name.length > 0 ? name[0]!.toLowerCase() + name.slice(1) : name);
/** A step into `path` and `at`: a member (lowered in `at`), or an index or key (as it is). */
const join = (base: string, step: string) => (base ? `${base}.${step}` : step);

function check(
  model: ServiceModel,
  shape: Shape,
  value: unknown,
  path: string,
  at: string,
  out: Violation[],
  sensitive: boolean,
  depth: number,
): void {
  const secret = sensitive || shape.sensitive === true;
  // An empty sensitive value hides nothing: AWS quotes it as '' (SSM's PutParameter Value).
  const unnamedValue = (shape as { valueInMessage?: boolean }).valueInMessage === false;
  const fail = (constraint: string) =>
    out.push({
      path,
      at,
      value: secret && value !== "" ? "***" : value,
      constraint,
      ...(unnamedValue ? { unnamedValue } : {}),
    });
  if ((shape as { document?: boolean }).document) return;
  if (depth > MAX_DEPTH) {
    fail(`Member must not nest deeper than ${MAX_DEPTH} levels`);
    return;
  }
  if (!hasType(shape, value)) {
    fail(`Member must be of type ${shape.type}`);
    return;
  }
  switch (shape.type) {
    case "structure": {
      const record = value as Record<string, unknown>;
      const member = (name: string) => (Object.hasOwn(record, name) ? record[name] : undefined);
      for (const name of shape.required ?? []) {
        if (member(name) === undefined || member(name) === null) {
          out.push({
            path: join(path, name),
            at: join(at, lowerFirst(name)),
            value: null,
            constraint: "Member must not be null",
          });
        }
      }
      for (const [name, ref] of Object.entries(shape.members)) {
        const item = member(name);
        if (item === undefined || item === null) continue;
        check(
          model,
          model.shapes[ref.shape]!,
          item,
          join(path, name),
          join(at, lowerFirst(name)),
          out,
          secret,
          depth + 1,
        );
      }
      return;
    }
    case "list": {
      const items = value as unknown[];
      if (shape.min !== undefined && items.length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && items.length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      for (const [i, item] of items.entries()) {
        const itemPath = `${path}.${i + 1}.member`;
        const itemAt = `${at}.${i + 1}.member`;
        if (item === undefined || item === null) {
          out.push({ path: itemPath, at: itemAt, value: null, constraint: "Member must not be null" });
          continue;
        }
        check(model, model.shapes[shape.member.shape]!, item, itemPath, itemAt, out, secret, depth + 1);
      }
      return;
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>);
      if (shape.min !== undefined && entries.length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      for (const [key, item] of entries) {
        const [keyPath, keyAt] = [`${path}.${key}.key`, `${at}.${key}.key`];
        const [valuePath, valueAt] = [`${path}.${key}.value`, `${at}.${key}.value`];
        check(model, model.shapes[shape.key.shape]!, key, keyPath, keyAt, out, secret, depth + 1);
        if (item === undefined || item === null) {
          out.push({ path: valuePath, at: valueAt, value: null, constraint: "Member must not be null" });
          continue;
        }
        check(model, model.shapes[shape.value.shape]!, item, valuePath, valueAt, out, secret, depth + 1);
      }
      return;
    }
    case "string": {
      const text = value as string;
      const length = codePointLength(text);
      if (shape.min !== undefined && length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      if (shape.enum && !shape.enum.includes(text) && !openEnum(model, shape))
        fail(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      // Patterns are Java's (AWS's services run on the JVM): `\s` is ASCII whitespace, and so on.
      const pattern = shape.pattern ? javaPattern(shape.pattern) : null;
      if (pattern && !pattern.test(text))
        fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      return;
    }
    case "integer":
    case "long":
    case "float":
    case "double": {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min)
        fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max)
        fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    default:
      return;
  }
}

/** Every constraint the model puts on `input` (type, required, length, range, enum, pattern), AWS-worded. */
export function findViolations(model: ServiceModel, shapeName: string, input: unknown): Violation[] {
  const out: Violation[] = [];
  check(model, model.shapes[shapeName]!, input ?? {}, "", "", out, false, 0);
  return out;
}

/** Throws AWS's ValidationException naming each violated field, or returns when the input is valid. */
export function validateInput(model: ServiceModel, shapeName: string, input: unknown): void {
  const violations = findViolations(model, shapeName, input);
  if (violations.length === 0) return;
  const payload = (model.shapes[shapeName] as { payload?: string } | undefined)?.payload;
  const malformed = model.patches?.payloadViolation;
  if (
    malformed &&
    payload &&
    violations.some((v) => v.path === payload || v.path.startsWith(`${payload}.`))
  ) {
    throw new AwsError(malformed.code, malformed.message, malformed.extra ?? {}, malformed.status);
  }
  const own = model.patches?.validation;
  if (own) {
    const first = violations[0]!;
    let constraint = first.constraint;
    for (const [pattern, replacement] of own.constraintWording ?? []) {
      constraint = constraint.replace(new RegExp(pattern, "s"), replacement);
    }
    throw new AwsError(
      own.code,
      own.message.replaceAll("{path}", first.path).replaceAll("{constraint}", constraint),
    );
  }
  const count = violations.length;
  const details = violations.map(
    (v) =>
      `Value${v.unnamedValue ? "" : ` ${quote(v.value, v.value === "***")}`} at '${v.at}' failed to satisfy constraint: ${v.constraint}`,
  );
  throw new AwsError(
    "ValidationException",
    `${count} validation error${count > 1 ? "s" : ""} detected: ${details.join("; ")}`,
    {
      reason: "FieldValidationFailed",
      fieldList: violations.map((v, i) => ({ name: v.at, message: details[i]! })),
    },
  );
}
