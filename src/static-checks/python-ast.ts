import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { resolve as absolute } from "node:path";
import { hostPython } from "../util/host-python.js";

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
   * The incoming request headers the module reads by name (src/static-checks/header-usage.ts):
   * `<x>.headers` / `request_headers` read with `.get("…")`, `["…"]` or `"…" in`, Django's
   * `META["HTTP_…"]`, FastAPI `Header()` parameters (alias, or the name with `_` as `-`);
   * a module-level string constant stands for its value.
   */
  headers?: { name: string; line: number }[];
  /** Loopback hosts given to a call that starts or binds a server, each traced to where its value is written. */
  binds?: PythonBind[];
  /** AWS SDK clients made (boto3, aioboto3, botocore and aiobotocore sessions), under any import alias. */
  awsClients?: PythonAwsClient[];
  /** String literals that are code (not docstrings), f-strings with `{...}` for their run-time parts. */
  strings?: PythonString[];
}

export interface PythonBind {
  /** The line of the server call. */
  line: number;
  /** `run`, `HTTPServer`, `bind`... */
  callee: string;
  host: string;
  /** The name (or `CONFIG["host"]`, `settings.host`) the host reaches the call through, when not a literal there. */
  via?: string;
  /** The environment variable whose default the host is, when it is one (os.environ.get, os.getenv, a BaseSettings field). */
  env?: string;
  /** An address tuple `(host, port)` rather than a host argument. */
  address: boolean;
  port?: number;
}

export interface PythonAwsClient {
  line: number;
  /** The client name as written (`sts`, `bedrock-runtime`). */
  service: string;
  /** `boto3.client("sts")`, `boto3.session.Session().client("s3")`, `session.create_client("s3")`. */
  how: string;
  /** The name the client is bound to (`x = ...`, `self.x = ...`, `with ... as x`). */
  assigned?: string;
  /** A method is called on the new client in the same expression. */
  chained: boolean;
}

export interface PythonString {
  line: number;
  text: string;
  /** The module-level name the string is assigned to, with the lines that name is read on. */
  constant?: { name: string; uses: number[] };
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

def is_loopback(value):
    parts = value.split(".")
    return value in ("localhost", "::1") or (len(parts) == 4 and parts[0] == "127" and all(p.isdigit() for p in parts))
SERVER_CALLS = {"run", "serve", "run_app", "start_server", "create_server", "make_server", "run_simple",
                "HTTPServer", "ThreadingHTTPServer", "TCPServer", "ThreadingTCPServer", "WSGIServer",
                "Config", "bind", "listen", "serve_a2a", "serve_ag_ui", "TCPSite"}
HOST_KEYWORDS = {"host", "hostname", "bind_host", "server_name"}

def module_statements(body):
    # Statements that run at import: the module's own, inside top-level if/try/with/for blocks too.
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from module_statements(getattr(node, field, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            yield from module_statements(handler.body)

def bindings_of(tree):
    names, classes = {}, {}
    for node in module_statements(tree.body):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names[t.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names[node.target.id] = node.value
        elif isinstance(node, ast.ClassDef):
            settings = any(name_of(b) in ("BaseSettings", "Settings") for b in node.bases)
            attrs = {}
            for item in node.body:
                if isinstance(item, ast.Assign):
                    for t in item.targets:
                        if isinstance(t, ast.Name):
                            attrs[t.id] = item.value
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value is not None:
                    attrs[item.target.id] = item.value
            classes[node.name] = (attrs, settings)
    return names, classes

def env_read(node):
    # os.environ.get("X", d) / os.getenv("X", d) / environ.get / getenv: (variable, default node)
    if isinstance(node, ast.Call) and name_of(node.func) in ("get", "getenv") and node.args:
        first = node.args[0]
        receiver = getattr(node.func, "value", None)
        from_env = name_of(node.func) == "getenv" or name_of(receiver) == "environ"
        if from_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            default = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "default"), None)
            return first.value, default
    return None

def host_of(node, names, classes, depth=0):
    # The loopback host a value is, traced through names, env defaults, dicts and class fields: (host, via, env).
    if node is None or depth > 8:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value, None, None) if is_loopback(node.value) else None
    if isinstance(node, ast.Name) and node.id in names:
        found = host_of(names[node.id], names, classes, depth + 1)
        return (found[0], found[1] or node.id, found[2]) if found else None
    read = env_read(node)
    if read:
        found = host_of(read[1], names, classes, depth + 1)
        return (found[0], found[1], read[0]) if found else None
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) >= 2:
        found = host_of(node.values[-1], names, classes, depth + 1)
        if found:
            env = next((r[0] for r in (env_read(v) for v in node.values[:-1]) if r), None)
            return (found[0], found[1], env or found[2])
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        key = node.slice
        table = names.get(node.value.id)
        if isinstance(table, ast.Dict) and isinstance(key, ast.Constant):
            for k, v in zip(table.keys, table.values):
                if isinstance(k, ast.Constant) and k.value == key.value:
                    found = host_of(v, names, classes, depth + 1)
                    return (found[0], ast.unparse(node), found[2]) if found else None
        return None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = node.value.id
        made = names.get(owner)
        cls = owner if owner in classes else (name_of(made.func) if isinstance(made, ast.Call) else None)
        if cls in classes:
            attrs, settings = classes[cls]
            found = host_of(attrs.get(node.attr), names, classes, depth + 1)
            if found:
                return (found[0], ast.unparse(node), found[2] or (node.attr.upper() if settings else None))
    return None

def dict_entries(node, names):
    # The literal dict a ** argument spreads: {...}, a module name bound to one, or dict(...).
    if isinstance(node, ast.Name):
        node = names.get(node.id)
    if isinstance(node, ast.Dict):
        return [(k.value, v) for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)]
    if isinstance(node, ast.Call) and name_of(node.func) == "dict":
        return [(k.arg, k.value) for k in node.keywords if k.arg]
    return []

def int_of(node, names):
    if isinstance(node, ast.Name):
        node = names.get(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    read = env_read(node)
    return int_of(read[1], names) if read else None

def binds_of(tree, source):
    names, classes = bindings_of(tree)
    # from uvicorn import run as start_server_now: the call is still run's.
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = imported.get(name_of(node.func), name_of(node.func))
        if callee not in SERVER_CALLS:
            continue
        port = next((int_of(k.value, names) for k in node.keywords if k.arg == "port"), None)
        given = [(k.value, False, None) for k in node.keywords if k.arg in HOST_KEYWORDS]
        for k in node.keywords:
            if k.arg is None:
                entries = dict_entries(k.value, names)
                spread = ast.unparse(k.value) if isinstance(k.value, ast.Name) else None
                given += [(v, False, spread and spread + '["' + key + '"]') for key, v in entries if key in HOST_KEYWORDS]
                port = port or next((int_of(v, names) for key, v in entries if key == "port"), None)
        for a in node.args:
            tup = names.get(a.id) if isinstance(a, ast.Name) and isinstance(names.get(a.id), ast.Tuple) else a
            if isinstance(tup, ast.Tuple) and len(tup.elts) == 2:
                p = int_of(tup.elts[1], names)
                if p == 0:
                    continue
                given.append((tup.elts[0], True, a.id if tup is not a else None))
                port = port or p
            else:
                given.append((a, False, None))
        for value, address, through in given:
            found = host_of(value, names, classes)
            if not found:
                continue
            bind = {"line": node.lineno, "callee": callee, "host": found[0], "address": address}
            if found[1] or through:
                bind["via"] = found[1] or through
            if found[2]:
                bind["env"] = found[2]
            if port:
                bind["port"] = port
            out.append(bind)
    return out

BOTO_MODULES = {"boto3", "aioboto3", "boto3.session", "aioboto3.session", "botocore.session", "aiobotocore.session"}
CLIENT_MAKERS = {"client", "resource", "create_client"}
SESSION_MAKERS = {"Session", "get_session", "AioSession"}

def aws_clients_of(tree, source):
    modules, makers, sessions = set(), {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in BOTO_MODULES:
                    modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = node.module + "." + alias.name
                local = alias.asname or alias.name
                if full in BOTO_MODULES:
                    modules.add(local)
                elif node.module in BOTO_MODULES and alias.name in CLIENT_MAKERS:
                    makers[local] = node.module + "." + alias.name
                elif node.module in BOTO_MODULES and alias.name in SESSION_MAKERS:
                    sessions.add(local)

    def is_module(expr):
        text = ast.unparse(expr)
        return text in modules or text in BOTO_MODULES or text.split(".")[0] in modules and text.split(".", 1)[-1] in ("session",)

    def makes_session(expr):
        if not isinstance(expr, ast.Call):
            return False
        f = expr.func
        if isinstance(f, ast.Name):
            return f.id in sessions
        return isinstance(f, ast.Attribute) and f.attr in SESSION_MAKERS and is_module(f.value)

    session_names = set()
    for _ in range(2):
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and makes_session(node.value):
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    if isinstance(t, (ast.Name, ast.Attribute)):
                        session_names.add(ast.unparse(t))

    def client_call(call):
        if not isinstance(call, ast.Call):
            return None
        f = call.func
        if isinstance(f, ast.Name) and f.id in makers:
            receiver = None
        elif isinstance(f, ast.Attribute) and f.attr in CLIENT_MAKERS:
            receiver = f.value
            if not (is_module(receiver) or makes_session(receiver) or ast.unparse(receiver) in session_names):
                return None
        else:
            return None
        service = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "service_name"), None)
        if not (isinstance(service, ast.Constant) and isinstance(service.value, str)):
            return None
        head = ast.get_source_segment(source, f) or ast.unparse(f)
        return service.value, head + '("' + service.value + '")'

    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    out = []
    for node in ast.walk(tree):
        made = client_call(node)
        if not made:
            continue
        up = parents.get(node)
        # await session.create_client(...) / async with ... as x: the client is what is awaited or entered.
        while isinstance(up, ast.Await):
            node, up = up, parents.get(up)
        chained = isinstance(up, ast.Attribute) and isinstance(parents.get(up), ast.Call) and parents[up].func is up
        assigned = None
        if isinstance(up, (ast.Assign, ast.AnnAssign)):
            targets = up.targets if isinstance(up, ast.Assign) else [up.target]
            t = targets[0]
            assigned = t.id if isinstance(t, ast.Name) else (t.attr if isinstance(t, ast.Attribute) else None)
        elif isinstance(up, ast.withitem) and isinstance(up.optional_vars, ast.Name):
            assigned = up.optional_vars.id
        entry = {"line": node.lineno, "service": made[0], "how": made[1], "chained": chained}
        if assigned:
            entry["assigned"] = assigned
        out.append(entry)
    return out

def strings_of(tree):
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            docstrings.add(node.value)
    names, _ = bindings_of(tree)
    loads = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads.setdefault(node.id, []).append(node.lineno)
    constants = {id(v): k for k, v in names.items()}
    out = []
    inside_fstring = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for v in node.values:
                inside_fstring.add(v)
    for node in ast.walk(tree):
        if node in docstrings or node in inside_fstring:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{x}" for v in node.values)
        else:
            continue
        if "amazonaws.com" not in text and "api.aws" not in text:
            continue
        entry = {"line": node.lineno, "text": text}
        name = constants.get(id(node))
        if name:
            entry["constant"] = {"name": name, "uses": sorted(set(loads.get(name, [])))}
        out.append(entry)
    return out

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
    return {"apps": apps, "starts": starts, "otherServer": other, "headers": read_headers(tree),
            "binds": binds_of(tree, source), "awsClients": aws_clients_of(tree, source), "strings": strings_of(tree)}

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

/** A file's readings are kept while its size and modification time stay: the checks ask for the same files several times per run. */
const cache = new Map<string, { signature: string; reading: Promise<PythonReading | undefined> }>();

const signatureOf = async (file: string) =>
  stat(file).then(
    (s) => `${s.size}:${s.mtimeMs}`,
    () => undefined,
  );

/** Reads Python files with `ast`; a file absent from the map could not be read so (python3 missing, a syntax error). */
export async function readPython(files: readonly string[]): Promise<Map<string, PythonReading>> {
  const unique = [...new Set(files)];
  const signatures = await Promise.all(unique.map(signatureOf));
  const missing: { file: string; signature: string }[] = [];
  unique.forEach((file, i) => {
    const signature = signatures[i];
    if (signature === undefined) return;
    if (cache.get(absolute(file))?.signature !== signature) missing.push({ file, signature });
  });
  if (missing.length > 0) {
    // One interpreter for every file not read yet; each file's entry waits on it.
    const batch = readWithPython(missing.map((m) => m.file));
    for (const { file, signature } of missing)
      cache.set(absolute(file), { signature, reading: batch.then((readings) => readings.get(file)) });
  }
  const readings = new Map<string, PythonReading>();
  await Promise.all(
    unique.map(async (file) => {
      const reading = await cache.get(absolute(file))?.reading;
      if (reading) readings.set(file, reading);
    }),
  );
  return readings;
}

function readWithPython(files: readonly string[]): Promise<Map<string, PythonReading>> {
  const readings = new Map<string, PythonReading>();
  const python = hostPython();
  if ("why" in python) return Promise.resolve(readings);
  return new Promise((resolve) => {
    execFile(
      python.path,
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
