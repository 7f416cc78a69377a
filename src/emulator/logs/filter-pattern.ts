import { AwsError } from "../protocol/errors.js";

/**
 * CloudWatch Logs filter patterns, as FilterLogEvents applies them to each
 * event's message. Supported:
 * - terms: `ERROR Exception` (all must appear, case-sensitive substrings),
 *   `"quoted phrase"`, `-term` (must not appear), `?term` alternatives:
 *   each `?` starts an alternative and the terms after it belong to it, so
 *   `?ERROR ?WARN` is either word and `?"ERROR" "MainThread" ?"WARN" "Deadlock"`
 *   either pair (how AWS CDK's anyTermGroup writes them);
 * - a standalone regular expression: `%Err(or)?%`;
 * - JSON patterns on messages that are JSON: `{ $.level = "ERROR" }`,
 *   selectors `$.a.b`, `$.list[0]`; `=`/`!=` with `*` wildcards, numbers and
 *   `%regex%`; `<`, `>`, `<=`, `>=` on numbers; `IS NULL`, `IS TRUE`,
 *   `IS FALSE`, `NOT EXISTS`; `&&`, `||` (&& binds tighter) and parentheses.
 * Not supported (rejected with InvalidParameterException rather than
 * answered wrongly): space-delimited patterns `[ip, user, ...]`, `$.*` and
 * other wildcard selectors, quoted-key selectors (`$.['a b']`).
 */
export type MessageMatcher = (message: string) => boolean;

function invalid(message = "Invalid filter pattern"): AwsError {
  return new AwsError("InvalidParameterException", message);
}

export function parseFilterPattern(pattern: string | undefined): MessageMatcher {
  const text = (pattern ?? "").trim();
  if (text === "") return () => true;
  if (text.startsWith("{")) {
    if (!text.endsWith("}")) throw invalid("If a filter pattern starts with '{' it must end with '}'");
    return parseJsonPattern(text.slice(1, -1));
  }
  if (text.startsWith("[")) {
    throw invalid("The emulator does not support space-delimited filter patterns ([field, ...]).");
  }
  if (text.length > 1 && text.startsWith("%") && text.endsWith("%")) {
    const regex = compileRegex(text.slice(1, -1));
    return (message) => regex.test(message);
  }
  return parseTermPattern(text);
}

function compileRegex(body: string): RegExp {
  try {
    return new RegExp(body);
  } catch {
    throw invalid();
  }
}

// ---- terms ----------------------------------------------------------------

interface Term {
  text: string;
  exclude: boolean;
}

/** One token of a term pattern: its prefix (`?`, `-`), its text, whether it was quoted. */
function termTokens(text: string): { prefix: string; value: string }[] {
  const tokens: { prefix: string; value: string }[] = [];
  let i = 0;
  let prefix = "";
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if ((c === "?" || c === "-") && prefix === "") {
      prefix = c;
      i++;
      continue;
    }
    if (c === '"') {
      let value = "";
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw invalid();
      i++;
      tokens.push({ prefix, value });
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      const value = text.slice(start, i);
      // Terms with characters other than letters, digits and _ must be quoted.
      if (!/^[\p{L}\p{N}_]+$/u.test(value)) throw invalid(`Invalid character(s) in term '${value}'`);
      tokens.push({ prefix, value });
    }
    prefix = "";
  }
  if (prefix !== "") throw invalid(`Invalid character(s) in term '${prefix}'`);
  return tokens;
}

function parseTermPattern(text: string): MessageMatcher {
  const alternatives: Term[][] = [];
  for (const { prefix, value } of termTokens(text)) {
    if (prefix === "?" || alternatives.length === 0) alternatives.push([]);
    alternatives.at(-1)!.push({ text: value, exclude: prefix === "-" });
  }
  return (message) =>
    alternatives.some((terms) => terms.every((term) => message.includes(term.text) !== term.exclude));
}

// ---- JSON -----------------------------------------------------------------

type Step = { key: string } | { index: number };

type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number; text: string }
  | { kind: "regex"; value: RegExp };

type JsonExpression =
  | { kind: "and" | "or"; left: JsonExpression; right: JsonExpression }
  | { kind: "compare"; path: Step[]; op: string; literal: Literal }
  | { kind: "test"; path: Step[]; test: "NULL" | "TRUE" | "FALSE" | "NOT EXISTS" };

const TOKEN =
  /\s*(?:(&&|\|\||<=|>=|!=|==|=|<|>|\(|\))|("(?:\\.|[^"\\])*")|(%(?:\\.|[^%\\])*%)|(\$[^\s=!<>()&|]*)|([^\s=!<>()&|"]+))/y;

function jsonTokens(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(text);
    if (!match) throw invalid();
    tokens.push(match.slice(1).find((group) => group !== undefined)!);
  }
  return tokens;
}

function parseSelector(token: string): Step[] {
  if (!token.startsWith("$")) throw invalid();
  const steps: Step[] = [];
  const step = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/y;
  step.lastIndex = 1;
  while (step.lastIndex < token.length) {
    const match = step.exec(token);
    if (!match) throw invalid();
    steps.push(match[1] !== undefined ? { key: match[1] } : { index: Number(match[2]) });
  }
  if (steps.length === 0) throw invalid();
  return steps;
}

function parseLiteral(token: string | undefined): Literal {
  if (token === undefined || /^(&&|\|\||\(|\))$/.test(token)) throw invalid();
  if (token.startsWith('"')) return { kind: "string", value: token.slice(1, -1).replace(/\\(.)/g, "$1") };
  if (token.length > 1 && token.startsWith("%") && token.endsWith("%")) {
    return { kind: "regex", value: compileRegex(token.slice(1, -1)) };
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(token)) {
    return { kind: "number", value: Number(token), text: token };
  }
  return { kind: "string", value: token };
}

function parseJsonPattern(body: string): MessageMatcher {
  const tokens = jsonTokens(body);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];

  const comparison = (): JsonExpression => {
    if (peek() === "(") {
      next();
      const inner = or();
      if (next() !== ")") throw invalid();
      return inner;
    }
    const path = parseSelector(next() ?? "");
    const word = peek()?.toUpperCase();
    if (word === "IS") {
      next();
      const test = next()?.toUpperCase();
      if (test !== "NULL" && test !== "TRUE" && test !== "FALSE") throw invalid();
      return { kind: "test", path, test };
    }
    if (word === "NOT") {
      next();
      if (next()?.toUpperCase() !== "EXISTS") throw invalid();
      return { kind: "test", path, test: "NOT EXISTS" };
    }
    const op = next();
    if (!op || !/^(=|==|!=|<|>|<=|>=)$/.test(op)) throw invalid();
    const literal = parseLiteral(next());
    if (/^[<>]/.test(op) && literal.kind !== "number") throw invalid();
    return { kind: "compare", path, op: op === "==" ? "=" : op, literal };
  };
  const and = (): JsonExpression => {
    let left = comparison();
    while (peek() === "&&") {
      next();
      left = { kind: "and", left, right: comparison() };
    }
    return left;
  };
  const or = (): JsonExpression => {
    let left = and();
    while (peek() === "||") {
      next();
      left = { kind: "or", left, right: and() };
    }
    return left;
  };

  const expression = or();
  if (at !== tokens.length) throw invalid();
  return (message) => {
    let document: unknown;
    try {
      document = JSON.parse(message);
    } catch {
      return false;
    }
    return typeof document === "object" && document !== null && evaluate(expression, document);
  };
}

const ABSENT = Symbol("absent");

function select(document: unknown, path: Step[]): unknown {
  let current: unknown = document;
  for (const step of path) {
    if ("key" in step) {
      if (typeof current !== "object" || current === null || Array.isArray(current)) return ABSENT;
      if (!Object.hasOwn(current, step.key)) return ABSENT;
      current = (current as Record<string, unknown>)[step.key];
    } else {
      if (!Array.isArray(current) || step.index >= current.length) return ABSENT;
      current = current[step.index];
    }
  }
  return current;
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*");
  return new RegExp(`^${escaped}$`, "s");
}

function compare(value: unknown, op: string, literal: Literal): boolean {
  // Only value nodes compare: a missing field, an object or an array matches neither = nor !=.
  if (value === ABSENT || value === null || typeof value === "object") return false;
  if (literal.kind === "regex") {
    const matched = literal.value.test(String(value));
    return op === "!=" ? !matched : op === "=" && matched;
  }
  if (literal.kind === "number") {
    const number = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
    if (Number.isNaN(number) || (typeof value === "string" && value.trim() === "")) {
      return op === "!=" ? String(value) !== literal.text : false;
    }
    switch (op) {
      case "=":
        return number === literal.value;
      case "!=":
        return number !== literal.value;
      case "<":
        return number < literal.value;
      case ">":
        return number > literal.value;
      case "<=":
        return number <= literal.value;
      default:
        return number >= literal.value;
    }
  }
  const matched = wildcard(literal.value).test(String(value));
  return op === "!=" ? !matched : matched;
}

function evaluate(expression: JsonExpression, document: unknown): boolean {
  switch (expression.kind) {
    case "and":
      return evaluate(expression.left, document) && evaluate(expression.right, document);
    case "or":
      return evaluate(expression.left, document) || evaluate(expression.right, document);
    case "compare":
      return compare(select(document, expression.path), expression.op, expression.literal);
    case "test": {
      const value = select(document, expression.path);
      if (expression.test === "NOT EXISTS") return value === ABSENT;
      if (expression.test === "NULL") return value === null;
      return value === (expression.test === "TRUE");
    }
  }
}
