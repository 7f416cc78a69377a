import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { goStringConstants, goTokens } from "../agent/go-tokens.js";
import { listSources } from "../agent/plan.js";
import { isNode, type Node, parseProgram } from "./js-startup.js";
import { readPython } from "./python-ast.js";

/**
 * The request headers an agent's source reads by name, read from its structure:
 * Python with Python's own `ast` (src/static-checks/python-ast.ts: `request.headers.get(…)`,
 * `context.request_headers[…]`, Django's `META["HTTP_…"]`, FastAPI `Header()` parameters),
 * JavaScript and TypeScript from @babel/parser's tree, Go from its tokens
 * (`r.Header.Get(…)`, gin's `c.GetHeader(…)`); the line-by-line text reading only for a
 * file its parser cannot read. Only a caller's
 * headers count (X-… and Authorization): HTTP's own and the platform's
 * session, request and trace ids are never a question of the allow-list.
 */
export interface HeaderRead {
  /** As written in the source. */
  name: string;
  file: string;
  line: number;
}

const SOURCE_EXTENSIONS = [".py", ".go", ".js", ".cjs", ".mjs", ".ts", ".cts", ".mts"];
const MAX_FILES = 400;
/**
 * The fallback text reading, for a file its parser could not read (no python3, a syntax
 * error): a read of an incoming request's header: `<object>.headers` (or
 * `request_headers`, bare or as an attribute) then `.get("…")` or `["…"]`,
 * or `getHeader("…")`. A bare `headers` is left out: it is most often a dict
 * the agent builds for its own outgoing calls, as is any `…["…"] = value`.
 */
const READ =
  /(?:\w\.headers|\brequest_headers)\??\.?(?:get\(\s*|\[\s*)(["'])([A-Za-z][A-Za-z0-9_-]{0,255})\1(?!\s*\]?\s*=[^=])|getHeader\(\s*(["'])([A-Za-z][A-Za-z0-9_-]{0,255})\3/g;

/**
 * Whether a header is one a caller would send for the agent to read, and so a
 * question of the allow-list: custom names (X-…) and Authorization. HTTP's own
 * headers (Transfer-Encoding, Accept-Encoding, Connection, …) come with every
 * request the platform makes, so an agent reading them says nothing; the
 * platform's own X- headers are left out by name.
 */
function mayBeCallers(name: string): boolean {
  const lower = name.toLowerCase();
  return (lower.startsWith("x-") || lower === "authorization") && !PLATFORM_HEADERS.has(lower);
}

/** The platform's own X- headers, sent on every invocation: never a question of the allow-list. */
const PLATFORM_HEADERS = new Set([
  "x-amzn-bedrock-agentcore-runtime-session-id",
  "x-amzn-bedrock-agentcore-runtime-request-id",
  "x-amzn-bedrock-agentcore-runtime-user-id",
  "x-amzn-trace-id",
]);

/** Header reads in Go, from its tokens: `<x>.Header.Get(…)` / `.Values(…)`, `<x>.Header[…]` read, gin's `GetHeader(…)`. */
export function goHeaderReads(text: string): { name: string; line: number }[] {
  const tokens = goTokens(text);
  const constants = goStringConstants(tokens);
  /** The header name an argument starting at i stands for: a literal, a constant, or http.CanonicalHeaderKey of one. */
  const nameAt = (i: number): string | undefined => {
    const t = tokens[i];
    if (t?.kind === "string") return t.text;
    if (t?.kind !== "ident") return undefined;
    if (t.text === "http" && tokens[i + 1]?.text === "." && tokens[i + 2]?.text === "CanonicalHeaderKey")
      return tokens[i + 3]?.text === "(" ? nameAt(i + 4) : undefined;
    return constants.get(t.text);
  };
  const reads: { name: string; line: number }[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== "ident" || tokens[i - 1]!.text !== ".") continue;
    let name: string | undefined;
    if (t.text === "Header" && tokens[i + 1]?.text === ".") {
      const method = tokens[i + 2]?.text;
      if ((method === "Get" || method === "Values") && tokens[i + 3]?.text === "(") name = nameAt(i + 4);
    } else if (t.text === "Header" && tokens[i + 1]?.text === "[") {
      // A read, not `r.Header["X"] = …` (a value set on a request being built).
      let j = i + 2;
      while (j < tokens.length && tokens[j]!.text !== "]") j++;
      const next = tokens[j + 1]?.text;
      if (next !== "=" && next !== "[") name = nameAt(i + 2);
    } else if (t.text === "GetHeader" && tokens[i + 1]?.text === "(") name = nameAt(i + 2);
    if (name) reads.push({ name, line: t.line });
  }
  return reads;
}

/**
 * Header reads in JavaScript or TypeScript, from its syntax tree: `<x>.headers.get("…")`
 * (fetch's Headers), `<x>.headers["…"]` or `?.["…"]` read, `<x>.header("…")` (Express,
 * Hono), `getHeader("…")`, `const { "x-…": v } = <x>.headers`; a top-level string
 * constant stands for its value. `undefined` when the file does not parse.
 */
export function jsHeaderReads(text: string): { name: string; line: number }[] | undefined {
  const program = parseProgram(text);
  if (!program) return undefined;
  const constants = new Map<string, string>();
  for (const statement of program.body as Node[]) {
    const declaration =
      statement.type === "ExportNamedDeclaration" ? (statement.declaration as Node) : statement;
    if (declaration?.type !== "VariableDeclaration" || declaration.kind !== "const") continue;
    for (const d of declaration.declarations as Node[]) {
      const id = d.id as Node;
      const init = d.init as Node | null;
      if (id.type === "Identifier" && init?.type === "StringLiteral")
        constants.set(id.name as string, init.value as string);
    }
  }
  const value = (node: unknown): string | undefined => {
    if (!isNode(node)) return undefined;
    if (node.type === "StringLiteral") return node.value as string;
    if (node.type === "TemplateLiteral" && (node.expressions as unknown[]).length === 0)
      return ((node.quasis as Node[])[0]?.value as { cooked?: string })?.cooked;
    if (node.type === "Identifier") return constants.get(node.name as string);
    return undefined;
  };
  const isMember = (n: Node) => n.type === "MemberExpression" || n.type === "OptionalMemberExpression";
  const propertyName = (n: Node) =>
    !n.computed && isNode(n.property) && n.property.type === "Identifier"
      ? (n.property.name as string)
      : undefined;
  const isHeaders = (n: unknown) => isNode(n) && isMember(n) && propertyName(n) === "headers";
  const reads: { name: string; line: number }[] = [];
  const add = (name: string | undefined, node: Node) => {
    if (name) reads.push({ name, line: node.loc?.start.line ?? 0 });
  };
  const walk = (node: Node, parent?: Node) => {
    if (node.type === "CallExpression" || node.type === "OptionalCallExpression") {
      const callee = node.callee as Node;
      const first = (node.arguments as Node[])[0];
      if (isMember(callee)) {
        const method = propertyName(callee);
        if (method === "get" && isHeaders(callee.object)) add(value(first), node);
        else if (method === "header" || method === "getHeader") add(value(first), node);
      } else if (callee.type === "Identifier" && callee.name === "getHeader") add(value(first), node);
    }
    if (isMember(node) && node.computed && isHeaders(node.object)) {
      const assigned = parent?.type === "AssignmentExpression" && parent.left === node;
      if (!assigned) add(value(node.property), node);
    }
    if (
      node.type === "VariableDeclarator" &&
      isHeaders(node.init) &&
      isNode(node.id) &&
      node.id.type === "ObjectPattern"
    ) {
      for (const p of node.id.properties as Node[])
        if (p.type === "ObjectProperty")
          add(
            p.computed
              ? value(p.key)
              : (((p.key as Node).value as string) ?? ((p.key as Node).name as string)),
            p,
          );
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === "loc" || key === "leadingComments" || key === "trailingComments" || key === "extra")
        continue;
      if (Array.isArray(child)) {
        for (const item of child) if (isNode(item)) walk(item, node);
      } else if (isNode(child)) walk(child, node);
    }
  };
  walk(program);
  return reads;
}

/** The text reading of one line: the fallback for a file its parser could not read. */
function lineReads(text: string): { name: string; line: number }[] {
  const reads: { name: string; line: number }[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (/^\s*(#|\/\/)/.test(line)) continue;
    for (const match of line.matchAll(READ)) reads.push({ name: match[2] ?? match[4]!, line: i + 1 });
  }
  return reads;
}

export async function scanHeaderReads(dir: string): Promise<HeaderRead[]> {
  const files = (await listSources(dir, SOURCE_EXTENSIONS, 6))
    .filter((f) => !f.endsWith(".d.ts") && !/[/\\](node_modules|\.venv|site-packages|vendor)[/\\]/.test(f))
    .slice(0, MAX_FILES);
  const python = await readPython(files.filter((f) => f.endsWith(".py")));
  const reads: HeaderRead[] = [];
  for (const file of files) {
    const text = await readFile(file, "utf8").catch(() => "");
    const found = file.endsWith(".py")
      ? (python.get(file)?.headers ?? lineReads(text))
      : file.endsWith(".go")
        ? goHeaderReads(text)
        : (jsHeaderReads(text) ?? lineReads(text));
    for (const read of found) {
      if (!mayBeCallers(read.name)) continue;
      reads.push({ name: read.name, file: relative(dir, file) || file, line: read.line });
    }
  }
  return reads;
}
