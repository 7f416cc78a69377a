import { parse } from "@babel/parser";

/**
 * Which lines of a JavaScript or TypeScript module run while it loads,
 * read from its syntax tree (@babel/parser), not from brace depth: every
 * top-level statement, including the bodies of top-level `try`, `if`,
 * loops and blocks; immediately invoked functions and `new Promise`
 * executors there; and the bodies of functions called from those lines,
 * transitively (`async function main() {...}; main()`). A function passed
 * as a callback (a request handler, a `.then`, a timer) runs later, so
 * its body is not counted unless something at load time calls it by name.
 * `undefined` when the file does not parse.
 */
export function startupLines(text: string): Set<number> | undefined {
  const program = parseProgram(text);
  if (!program) return undefined;
  const functions = new Map<string, Node>();
  collectNamedFunctions(program, functions);
  const lines = new Set<number>();
  const done = new Set<Node>();
  const pending: Node[] = [];
  /** Marks the lines of a node that run when it runs, queueing the named functions it calls. */
  const run = (node: Node) => {
    walk(node, (child, parent) => {
      if (isFunction(child) && child !== node) {
        // A function runs where it is written only when invoked at once or handed to new Promise.
        const invoked =
          parent !== undefined &&
          (parent.type === "CallExpression" || parent.type === "NewExpression") &&
          (parent.callee === child ||
            (parent.type === "NewExpression" &&
              isIdentifier(parent.callee, "Promise") &&
              (parent.arguments as Node[])?.[0] === child));
        return invoked;
      }
      if (child.type === "FunctionDeclaration" || child.type === "ClassDeclaration") return false;
      if (child.loc) lines.add(child.loc.start.line);
      if (child.type === "CallExpression" || child.type === "NewExpression") {
        const name = calleeName(child.callee as Node);
        const target = name ? functions.get(name) : undefined;
        if (target && !done.has(target)) {
          done.add(target);
          pending.push(target);
        }
      }
      return true;
    });
  };
  run(program);
  while (pending.length > 0) {
    const fn = pending.pop()!;
    const body = fn.body as Node | undefined;
    if (body) run(body);
  }
  return lines;
}

/**
 * A JavaScript or TypeScript module's syntax tree, read as leniently as an agent's code needs
 * (TypeScript and JSX, top-level await and return, errors recovered): one parse for every
 * reader of agent code. `undefined` when it cannot be read at all.
 */
export function parseProgram(text: string): Node | undefined {
  try {
    return parse(text, {
      sourceType: "unambiguous",
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: true,
      errorRecovery: true,
      plugins: ["typescript", "jsx", "topLevelAwait"],
    }).program as unknown as Node;
  } catch {
    return undefined;
  }
}

export interface Node {
  type: string;
  loc?: { start: { line: number }; end: { line: number } };
  [key: string]: unknown;
}

export const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && typeof (value as Node).type === "string";

const isFunction = (node: Node) =>
  node.type === "FunctionDeclaration" ||
  node.type === "FunctionExpression" ||
  node.type === "ArrowFunctionExpression" ||
  node.type === "ObjectMethod" ||
  node.type === "ClassMethod" ||
  node.type === "ClassPrivateMethod";

const isIdentifier = (node: unknown, name: string) =>
  isNode(node) && node.type === "Identifier" && node.name === name;

/** `main`, `this.main`, `obj.main`: the name a call reaches a function by. */
function calleeName(callee: Node): string | undefined {
  if (callee.type === "Identifier") return callee.name as string;
  if ((callee.type === "MemberExpression" || callee.type === "OptionalMemberExpression") && !callee.computed)
    return isNode(callee.property) && callee.property.type === "Identifier"
      ? (callee.property.name as string)
      : undefined;
  return undefined;
}

/** Functions by the name they can be called by: declarations, `const f = () => ...`, methods. */
function collectNamedFunctions(root: Node, into: Map<string, Node>): void {
  walk(root, (node) => {
    if (node.type === "FunctionDeclaration" && isNode(node.id)) into.set(node.id.name as string, node);
    if (node.type === "VariableDeclarator" && isNode(node.id) && node.id.type === "Identifier") {
      const init = node.init;
      if (isNode(init) && isFunction(init)) into.set(node.id.name as string, init);
    }
    if ((node.type === "ObjectMethod" || node.type === "ClassMethod") && isNode(node.key)) {
      const key = node.key.name;
      if (typeof key === "string" && !into.has(key)) into.set(key, node);
    }
    return true;
  });
}

/** Depth-first over child nodes; `visit` returns false to skip a node's children. */
export function walk(
  node: Node,
  visit: (node: Node, parent: Node | undefined) => boolean,
  parent?: Node,
): void {
  if (!visit(node, parent)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === "loc" || key === "leadingComments" || key === "trailingComments" || key === "extra") continue;
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) walk(item, visit, node);
    } else if (isNode(value)) walk(value, visit, node);
  }
}
