import { isNode, type Node, parseProgram, walk } from "./js-startup.js";
import type { PythonBind as LoopbackBind } from "./python-ast.js";

/**
 * Loopback hosts a JavaScript or TypeScript server is told to listen on, read
 * from the syntax tree (@babel/parser): a call that starts or binds a server
 * (`.listen(...)`, `serve(...)`, `Bun.serve(...)`, `createServer(...).listen`)
 * given a loopback host as an argument or as the `host`/`hostname` of an
 * options object, each value traced through the module's names (`const`,
 * destructuring from `process.env` with a default), `process.env.X || / ??`
 * defaults, and object properties (`config.host`). `undefined` when the file
 * does not parse (the caller falls back to its text reading).
 */

const SERVER_CALLS: ReadonlySet<string> = new Set(["listen", "serve", "start", "startServer"]);
const HOST_KEYS: ReadonlySet<string> = new Set(["host", "hostname"]);

const isLoopback = (value: string) => /^(?:127(?:\.\d{1,3}){3}|localhost|::1)$/.test(value);

type Found = { host: string; via?: string; env?: string };

const nameOf = (node: unknown): string | undefined =>
  isNode(node) && node.type === "Identifier" ? (node.name as string) : undefined;

/** `process.env.X` or `process.env["X"]`: X. */
function envRead(node: Node): string | undefined {
  if (node.type !== "MemberExpression" && node.type !== "OptionalMemberExpression") return undefined;
  const object = node.object as Node;
  const isEnv =
    (object.type === "MemberExpression" || object.type === "OptionalMemberExpression") &&
    nameOf(object.object) === "process" &&
    nameOf(object.property) === "env";
  if (!isEnv) return undefined;
  const property = node.property as Node;
  if (!node.computed) return nameOf(property);
  return property.type === "StringLiteral" ? (property.value as string) : undefined;
}

/** The key of an object property, when it is written plainly. */
function keyOf(property: Node): string | undefined {
  const key = property.key as Node | undefined;
  if (!key) return undefined;
  if (key.type === "Identifier" && !property.computed) return key.name as string;
  return key.type === "StringLiteral" ? (key.value as string) : undefined;
}

export function jsLoopbackBinds(text: string): LoopbackBind[] | undefined {
  const program = parseProgram(text);
  if (!program) return undefined;
  // Names bound once to a value; `const { HOST = "localhost" } = process.env` binds HOST to that env default.
  const values = new Map<string, Node>();
  const envDefaults = new Map<string, { env: string; value: Node }>();
  walk(program, (node) => {
    if (node.type !== "VariableDeclarator") return true;
    const id = node.id as Node;
    const init = node.init as Node | null;
    if (id.type === "Identifier" && init) values.set(id.name as string, init);
    if (
      id.type === "ObjectPattern" &&
      init &&
      nameOf(init.property) === "env" &&
      nameOf(init.object) === "process"
    ) {
      for (const p of (id.properties as Node[]) ?? []) {
        const value = p.value as Node | undefined;
        if (p.type === "ObjectProperty" && value?.type === "AssignmentPattern") {
          const local = nameOf(value.left);
          const env = keyOf(p);
          if (local && env) envDefaults.set(local, { env, value: value.right as Node });
        }
      }
    }
    return true;
  });

  const hostOf = (node: Node | undefined, depth = 0): Found | undefined => {
    if (!node || depth > 8) return undefined;
    if (
      node.type === "TSAsExpression" ||
      node.type === "TSNonNullExpression" ||
      node.type === "ParenthesizedExpression"
    )
      return hostOf(node.expression as Node, depth + 1);
    if (node.type === "StringLiteral")
      return isLoopback(node.value as string) ? { host: node.value as string } : undefined;
    if (node.type === "TemplateLiteral" && (node.expressions as Node[]).length === 0) {
      const raw = ((node.quasis as Node[])[0]?.value as { cooked?: string } | undefined)?.cooked ?? "";
      return isLoopback(raw) ? { host: raw } : undefined;
    }
    if (node.type === "Identifier") {
      const name = node.name as string;
      const fromEnv = envDefaults.get(name);
      if (fromEnv) {
        const found = hostOf(fromEnv.value, depth + 1);
        return found ? { ...found, via: name, env: fromEnv.env } : undefined;
      }
      const found = hostOf(values.get(name), depth + 1);
      return found ? { ...found, via: found.via ?? name } : undefined;
    }
    if (node.type === "LogicalExpression" && (node.operator === "||" || node.operator === "??")) {
      const found = hostOf(node.right as Node, depth + 1);
      if (!found) return undefined;
      const env = envRead(node.left as Node);
      return { ...found, ...(env ? { env } : {}) };
    }
    if ((node.type === "MemberExpression" || node.type === "OptionalMemberExpression") && !node.computed) {
      const owner = nameOf(node.object);
      const key = nameOf(node.property);
      const object = owner ? values.get(owner) : undefined;
      if (object?.type === "ObjectExpression" && key) {
        const property = (object.properties as Node[]).find(
          (p) => p.type === "ObjectProperty" && keyOf(p) === key,
        );
        const found = hostOf(property?.value as Node | undefined, depth + 1);
        return found ? { ...found, via: `${owner}.${key}` } : undefined;
      }
    }
    return undefined;
  };

  const portOf = (node: Node | undefined): number | undefined => {
    if (!node) return undefined;
    if (node.type === "NumericLiteral") return node.value as number;
    if (node.type === "Identifier") return portOf(values.get(node.name as string));
    if (node.type === "LogicalExpression") return portOf(node.right as Node);
    if (node.type === "CallExpression" && (node.arguments as Node[])[0])
      return portOf((node.arguments as Node[])[0]);
    return undefined;
  };

  const binds: LoopbackBind[] = [];
  walk(program, (node) => {
    if (node.type !== "CallExpression" && node.type !== "OptionalCallExpression") return true;
    const callee = node.callee as Node;
    const name =
      callee.type === "Identifier"
        ? (callee.name as string)
        : (callee.type === "MemberExpression" || callee.type === "OptionalMemberExpression") &&
            !callee.computed
          ? nameOf(callee.property)
          : undefined;
    if (!name || !SERVER_CALLS.has(name)) return true;
    const args = (node.arguments as Node[]) ?? [];
    let port = args.map(portOf).find((p) => p !== undefined);
    const given: { value: Node; via?: string }[] = [];
    for (const arg of args) {
      const options = arg.type === "Identifier" ? values.get(arg.name as string) : arg;
      if (options?.type === "ObjectExpression") {
        for (const p of options.properties as Node[]) {
          if (p.type !== "ObjectProperty") continue;
          const key = keyOf(p);
          if (key === "port") port ??= portOf(p.value as Node);
          if (key && HOST_KEYS.has(key))
            given.push({
              value: p.value as Node,
              ...(arg.type === "Identifier" ? { via: `${arg.name}.${key}` } : {}),
            });
        }
      } else given.push({ value: arg });
    }
    for (const g of given) {
      const found = hostOf(g.value);
      if (!found) continue;
      const via = found.via ?? g.via;
      binds.push({
        line: node.loc?.start.line ?? 0,
        callee: name,
        host: found.host,
        address: false,
        ...(via ? { via } : {}),
        ...(found.env ? { env: found.env } : {}),
        ...(port !== undefined ? { port } : {}),
      });
    }
    return true;
  });
  return binds;
}
