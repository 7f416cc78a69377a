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
    return {"apps": apps, "starts": starts, "otherServer": other}

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
