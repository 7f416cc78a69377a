import { execFile } from "node:child_process";

/**
 * Python read with Python's own parser: a small script, run as
 * `python3 -c`, parses each file with `ast` and prints what the static
 * checks ask of it as JSON (the AgentCore SDK apps a module makes, the calls
 * that start them and whether they pass a host, other servers started). A
 * file Python cannot parse, or a machine without python3, gives `undefined`
 * for it: the caller then falls back to its text reading and says nothing
 * it could not see.
 */

export interface PythonStartCall {
  /** `app.run`, `serve_a2a`, `serve_ag_ui`. */
  callee: string;
  line: number;
  /** The arguments as written (source segment), `""` for none. */
  args: string;
  /** A host is passed: keyword `host=`, `**kwargs`, or `run`'s second positional argument. */
  passesHost: boolean;
}

export interface PythonReading {
  /** `name = BedrockAgentCoreApp(...)` / `AGUIApp(...)` assignments, 1-based lines. */
  apps: { name: string; line: number }[];
  /** Calls that start an SDK server: `<app>.run(...)` on an app above, `serve_a2a(...)`, `serve_ag_ui(...)`. */
  starts: PythonStartCall[];
  /** Another server is started (uvicorn.run, web.run_app, serve_forever, serve_a2a). */
  otherServer: boolean;
  /**
   * The incoming request headers the module reads by name (src/agent/header-usage.ts):
   * `<x>.headers` / `request_headers` read with `.get("…")`, `["…"]` or `"…" in`, Django's
   * `META["HTTP_…"]`, FastAPI `Header()` parameters (alias, or the name with `_` as `-`);
   * a module-level string constant stands for its value.
   */
  headers?: { name: string; line: number }[];
}

/** The script `python3 -c` runs: files as arguments, one JSON object per file on stdout. */
export const PYTHON_READER = `
import ast, json, sys

SDK_APPS = {"BedrockAgentCoreApp", "AGUIApp"}
SERVES = {"serve_a2a", "serve_ag_ui"}

def name_of(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None

def passes_host(call, positional_host):
    for kw in call.keywords:
        if kw.arg == "host":
            return True
        if kw.arg is None:
            # **{"port": 8080} passes no host; **options may.
            if not (isinstance(kw.value, ast.Dict) and all(isinstance(k, ast.Constant) for k in kw.value.keys)):
                return True
            if any(k.value == "host" for k in kw.value.keys):
                return True
    if positional_host is not None:
        plain = [a for a in call.args if not isinstance(a, ast.Starred)]
        if len(plain) > positional_host or any(isinstance(a, ast.Starred) for a in call.args):
            return True
    return False

def args_text(source, call):
    parts = [ast.get_source_segment(source, a) or "" for a in call.args]
    for kw in call.keywords:
        value = ast.get_source_segment(source, kw.value) or ""
        parts.append(("**" + value) if kw.arg is None else (kw.arg + "=" + value))
    return ", ".join(parts)

def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        source = f.read()
    tree = ast.parse(source, filename=path)
    # from bedrock_agentcore import BedrockAgentCoreApp as App: App() makes one too.
    makers = set(SDK_APPS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in SDK_APPS and alias.asname:
                    makers.add(alias.asname)
    apps = []
    for node in ast.walk(tree):
        value = getattr(node, "value", None)
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(value, ast.Call) and name_of(value.func) in makers:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    apps.append({"name": t.id, "line": node.lineno})
    names = {a["name"] for a in apps}
    starts = []
    other = False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "run" and isinstance(f.value, ast.Name) and f.value.id in names:
            starts.append({"callee": f.value.id + ".run", "line": node.lineno, "args": args_text(source, node), "passesHost": passes_host(node, 1)})
        elif name_of(f) in SERVES:
            starts.append({"callee": name_of(f), "line": node.lineno, "args": args_text(source, node), "passesHost": passes_host(node, None)})
        if name_of(f) in ("run_app", "serve_forever", "serve_a2a") or (isinstance(f, ast.Attribute) and f.attr == "run" and isinstance(f.value, ast.Name) and f.value.id == "uvicorn"):
            other = True
    return {"apps": apps, "starts": starts, "otherServer": other, "headers": read_headers(tree)}

HEADER_GETS = {"get", "getlist", "get_all", "getheader", "get_header", "getone"}

def header_source(node):
    # <x>.headers, <x>.request_headers, or a variable named request_headers; a bare headers is most often an outgoing dict.
    if isinstance(node, ast.Attribute) and node.attr in ("headers", "request_headers"):
        return "headers"
    if isinstance(node, ast.Name) and node.id == "request_headers":
        return "headers"
    if isinstance(node, ast.Attribute) and node.attr == "META":
        return "meta"
    return None

def read_headers(tree):
    consts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    consts[t.id] = node.value.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            consts[node.target.id] = node.value.value
    def text(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return consts.get(node.id)
        return None
    header_makers = {"Header"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("fastapi", "starlette"):
            for alias in node.names:
                if alias.name == "Header" and alias.asname:
                    header_makers.add(alias.asname)
    out = []
    def add(kind, name, line):
        if not name:
            return
        if kind == "meta":
            if not name.startswith("HTTP_"):
                return
            name = "-".join(p.capitalize() for p in name[5:].split("_"))
        out.append({"name": name, "line": line})
    def header_param(arg, default):
        calls = []
        if isinstance(default, ast.Call):
            calls.append(default)
        ann = arg.annotation
        if isinstance(ann, ast.Subscript) and name_of(ann.value) == "Annotated":
            elts = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
            calls += [e for e in elts if isinstance(e, ast.Call)]
        for call in calls:
            f = call.func
            if not ((isinstance(f, ast.Name) and f.id in header_makers) or (isinstance(f, ast.Attribute) and f.attr == "Header")):
                continue
            alias = None
            convert = True
            for kw in call.keywords:
                if kw.arg == "alias":
                    alias = text(kw.value)
                if kw.arg == "convert_underscores" and isinstance(kw.value, ast.Constant) and kw.value.value is False:
                    convert = False
            out.append({"name": alias or (arg.arg.replace("_", "-") if convert else arg.arg), "line": arg.lineno})
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = a.posonlyargs + a.args
            defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
            for arg, default in list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults)):
                header_param(arg, default)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in HEADER_GETS and node.args:
            kind = header_source(node.func.value)
            if kind:
                add(kind, text(node.args[0]), node.lineno)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            kind = header_source(node.value)
            if kind:
                add(kind, text(node.slice), node.lineno)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            kind = header_source(node.comparators[0])
            if kind:
                add(kind, text(node.left), node.lineno)
    return out

for path in sys.argv[1:]:
    try:
        out = {"file": path, "reading": read(path)}
    except Exception as error:
        out = {"file": path, "error": type(error).__name__ + ": " + str(error)}
    print(json.dumps(out))
`;

/** Reads Python files with `ast`; a file absent from the map could not be read so (python3 missing, a syntax error). */
export function readPython(files: readonly string[]): Promise<Map<string, PythonReading>> {
  const readings = new Map<string, PythonReading>();
  if (files.length === 0) return Promise.resolve(readings);
  return new Promise((resolve) => {
    execFile(
      "python3",
      ["-I", "-c", PYTHON_READER, ...files],
      { timeout: 20_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error && !stdout) return resolve(readings);
        for (const line of stdout.split("\n")) {
          if (!line.trim()) continue;
          try {
            const parsed = JSON.parse(line) as { file: string; reading?: PythonReading };
            if (parsed.reading) readings.set(parsed.file, parsed.reading);
          } catch {
            // A line that is not ours: ignored, the file falls back to the text reading.
          }
        }
        resolve(readings);
      },
    );
  });
}
