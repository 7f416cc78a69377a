import { spawnSync } from "node:child_process";
import { hostPython } from "../util/host-python.js";
import type { ImportGuard, PythonImport } from "./python-imports.js";

/**
 * Python's own reading of a code zip's modules: a small script run by the
 * host's `python3` parses each file with `ast` and reports every import with
 * the guard that decides whether it runs at start-up (the same guards as the
 * built-in reader in python-imports.ts, which stays the fallback where no
 * Python is on the host or a file does not parse on the host's version).
 * The same process reports its version and `sys.stdlib_module_names`.
 */
const SCRIPT = `
import ast, json, sys

RANK = {"required": 0, "main": 1, "fallback": 2, "optional": 3, "conditional": 4, "type-checking": 5, "deferred": 6}
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}

def names_of(node):
    if node is None:
        return None
    if isinstance(node, ast.Tuple):
        out = set()
        for e in node.elts:
            out |= names_of(e) or set()
        return out
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    return set()

def catches_import(handler):
    types = names_of(handler.type)
    return types is None or bool(types & IMPORT_ERRORS)

def is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")

def is_main(test):
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    name = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    const = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return name and const

def worse(a, b):
    return b if RANK[b[0]] > RANK[a[0]] else a

def visit(body, guard, out):
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append({"module": alias.name, "level": 0, "names": [], "line": node.lineno, "guard": guard[0], **({"tryLine": guard[1]} if guard[1] else {})})
        elif isinstance(node, ast.ImportFrom):
            out.append({"module": node.module or "", "level": node.level or 0, "names": [a.name for a in node.names], "line": node.lineno, "guard": guard[0], **({"tryLine": guard[1]} if guard[1] else {})})
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            visit(node.body, ("deferred", None), out)
        elif isinstance(node, ast.ClassDef):
            visit(node.body, guard, out)
        elif isinstance(node, ast.If):
            if is_type_checking(node.test):
                g = worse(guard, ("type-checking", None))
                visit(node.body, g, out)
                visit(node.orelse, worse(guard, ("conditional", None)), out)
            elif is_main(node.test):
                visit(node.body, worse(guard, ("main", None)), out)
                visit(node.orelse, worse(guard, ("conditional", None)), out)
            else:
                visit(node.body, worse(guard, ("conditional", None)), out)
                visit(node.orelse, worse(guard, ("conditional", None)), out)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            catches = any(catches_import(h) for h in node.handlers)
            visit(node.body, worse(guard, ("optional", None)) if catches else guard, out)
            for h in node.handlers:
                visit(h.body, worse(guard, ("fallback", node.lineno)) if catches_import(h) else worse(guard, ("conditional", None)), out)
            visit(node.orelse, guard, out)
            visit(node.finalbody, guard, out)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            visit(node.body, guard, out)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            visit(node.body, guard, out)
            visit(node.orelse, guard, out)
        elif hasattr(ast, "Match") and isinstance(node, ast.Match):
            for case in node.cases:
                visit(case.body, worse(guard, ("conditional", None)), out)

request = json.load(sys.stdin)
result = {"version": "%d.%d.%d" % sys.version_info[:3], "stdlib": sorted(getattr(sys, "stdlib_module_names", [])), "files": {}}
for path, text in request.items():
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as e:
        result["files"][path] = {"error": "%s: %s" % (type(e).__name__, getattr(e, "msg", str(e))), "line": getattr(e, "lineno", None)}
        continue
    out = []
    visit(tree.body, ("required", None), out)
    result["files"][path] = {"imports": out}
json.dump(result, sys.stdout)
`;

export interface PythonAstReading {
  /** The host interpreter that read the files: `python3` and its version. */
  interpreter: string;
  version: string;
  /** Its `sys.stdlib_module_names` (empty before 3.10). */
  stdlib: string[];
  /** The imports of each file it parsed. */
  imports: Map<string, PythonImport[]>;
  /** Files it could not parse (its version's grammar), with why. */
  errors: Map<string, string>;
}

const GUARDS = new Set<ImportGuard>([
  "required",
  "main",
  "fallback",
  "optional",
  "conditional",
  "type-checking",
  "deferred",
]);

/**
 * Reads `files` (path → source) with the host's `python3 -c` and `ast`.
 * Undefined when there is no python3 on the host or it failed; the reason
 * goes in `why`.
 */
export function readPythonWithAst(files: ReadonlyMap<string, string>): PythonAstReading | { why: string } {
  const python = hostPython();
  if ("why" in python) return python;
  const interpreter = python.path;
  const run = spawnSync(interpreter, ["-I", "-c", SCRIPT], {
    input: JSON.stringify(Object.fromEntries(files)),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30_000,
  });
  if (run.error)
    return {
      why: `${interpreter} could not be run (${(run.error as NodeJS.ErrnoException).code ?? run.error.message})`,
    };
  if (run.status !== 0)
    return {
      why: `${interpreter} failed reading the modules: ${run.stderr.trim().split("\n").at(-1) ?? `exit ${run.status}`}`,
    };
  const parsed = JSON.parse(run.stdout) as {
    version: string;
    stdlib: string[];
    files: Record<string, { imports?: PythonImport[]; error?: string; line?: number | null }>;
  };
  const imports = new Map<string, PythonImport[]>();
  const errors = new Map<string, string>();
  for (const [path, r] of Object.entries(parsed.files)) {
    if (r.imports)
      imports.set(
        path,
        r.imports.filter((i) => GUARDS.has(i.guard)),
      );
    else errors.set(path, `${r.error}${r.line ? ` (line ${r.line})` : ""}`);
  }
  return { interpreter, version: parsed.version, stdlib: parsed.stdlib, imports, errors };
}
