import { describe, expect, it } from "vitest";
import { parseException, parseNodeStack, parsePythonTraceback } from "../../src/agent/crash.js";

describe("parsePythonTraceback", () => {
  it("names the exception and the agent's own line, not the interpreter's", () => {
    const lines = [
      "starting agent",
      "Traceback (most recent call last):",
      '  File "/app/app.py", line 3, in <module>',
      "    import strands",
      '  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module',
      "    return _bootstrap._gcd_import(name[level:], package, level)",
      "ModuleNotFoundError: No module named 'strands'",
    ];
    expect(parsePythonTraceback(lines)).toMatchObject({
      language: "python",
      type: "ModuleNotFoundError",
      message: "No module named 'strands'",
      location: { file: "/app/app.py", line: 3 },
    });
  });

  it("takes the last traceback when there are several", () => {
    const lines = [
      "Traceback (most recent call last):",
      '  File "a.py", line 1, in <module>',
      "ValueError: first",
      "Traceback (most recent call last):",
      '  File "b.py", line 9, in <module>',
      "KeyError: 'x'",
    ];
    expect(parsePythonTraceback(lines)).toMatchObject({
      type: "KeyError",
      location: { file: "b.py", line: 9 },
    });
  });

  it("returns nothing without a traceback", () => {
    expect(parseException(["all good"])).toBeUndefined();
  });
});

describe("parseNodeStack", () => {
  it("reads the error and the first frame outside node_modules", () => {
    const lines = [
      "node:internal/modules/esm/resolve:873",
      "  throw new ERR_MODULE_NOT_FOUND(packageName, fileURLToPath(base), null);",
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'openai' imported from /app/agent.mjs",
      "    at packageResolve (node:internal/modules/esm/resolve:873:9)",
      "    at file:///app/node_modules/x/index.js:3:1",
      "    at file:///app/agent.mjs:2:1",
    ];
    expect(parseNodeStack(lines)).toMatchObject({
      type: "Error [ERR_MODULE_NOT_FOUND]",
      message: "Cannot find package 'openai' imported from /app/agent.mjs",
      location: { file: "/app/agent.mjs", line: 2 },
    });
  });
});
