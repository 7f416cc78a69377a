import { lstat, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  analyzeCodeZip,
  type CodeZipTarget,
  checkCodeZip,
  readCodeZip,
  readCodeZipBuffer,
  unpackCodeZip,
} from "../../src/codezip/index.js";
import { readPythonWithAst } from "../../src/codezip/python-ast.js";
import { pythonImports } from "../../src/codezip/python-imports.js";
import type { Finding, FindingId } from "../../src/findings/index.js";
import {
  dosZip,
  EM_AARCH64,
  EM_X86_64,
  elfHeader,
  type FixtureEntry,
  hostElf,
  hostElfMachine,
  unixZip,
} from "../helpers/zips.js";

const PY312: CodeZipTarget = { runtime: "PYTHON_3_12", entryPoint: ["main.py"], origin: "test" };
const OTEL: CodeZipTarget = { ...PY312, entryPoint: ["opentelemetry-instrument", "main.py"] };

async function analyze(buffer: Buffer, target: CodeZipTarget = PY312, limits = {}) {
  const zip = await readCodeZipBuffer(buffer, { kind: "zip", path: "/tmp/agent.zip" });
  return analyzeCodeZip(zip, target, { limits });
}

const ids = (a: { findings: Finding[] }) => a.findings.map((f) => f.id);
const finding = (a: { findings: Finding[] }, id: FindingId) => a.findings.find((f) => f.id === id);
const facts = (a: { findings: Finding[] }, id: FindingId) =>
  (finding(a, id)?.evidence ?? []).map((e) => e.fact).join("\n");

/** A vendored pure-Python distribution, installed as pip --target does. */
function distribution(
  name: string,
  module: string,
  tag = "py3-none-any",
  files: FixtureEntry[] = [],
): FixtureEntry[] {
  const info = `${name}-1.0.dist-info`;
  const record = [`${module}/__init__.py,,`, ...files.map((f) => `${f.path},,`), `${info}/WHEEL,,`].join(
    "\n",
  );
  return [
    { path: `${module}/__init__.py`, data: "import json\n" },
    ...files,
    { path: `${info}/WHEEL`, data: `Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: ${tag}\n` },
    { path: `${info}/RECORD`, data: record },
    { path: `${info}/top_level.txt`, data: `${module}\n` },
  ];
}

const HEALTHY: FixtureEntry[] = [
  {
    path: "main.py",
    data: [
      "import os, json",
      "from agent import tools",
      "from bedrock_agentcore import BedrockAgentCoreApp",
      "try:",
      "    import ujson",
      "except ImportError:",
      "    ujson = None",
      "if TYPE_CHECKING:",
      "    import mypy_extensions",
      "def handler():",
      "    import lazily_installed",
      "app = BedrockAgentCoreApp()",
      'if __name__ == "__main__":',
      "    app.run()",
    ].join("\n"),
  },
  { path: "agent/", directory: true },
  { path: "agent/__init__.py", data: "" },
  { path: "agent/tools.py", data: "from . import helpers\nimport pydantic_core\n" },
  { path: "agent/helpers.py", data: "import logging\n" },
  ...distribution("bedrock_agentcore", "bedrock_agentcore"),
  ...distribution("pydantic_core", "pydantic_core", "cp312-cp312-manylinux_2_17_aarch64", [
    { path: "pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so", data: elfHeader(EM_AARCH64) },
  ]),
  ...distribution("opentelemetry_instrumentation", "opentelemetry"),
  {
    path: "bin/opentelemetry-instrument",
    mode: 0o755,
    data: "#!/usr/bin/env python3\nfrom opentelemetry.instrumentation.auto_instrumentation import run\nrun()\n",
  },
];

const without = (entries: FixtureEntry[], path: string) => entries.filter((e) => e.path !== path);
const replace = (entries: FixtureEntry[], entry: FixtureEntry) => [...without(entries, entry.path), entry];

describe("a healthy Python code zip", () => {
  it("has no findings, with and without the OpenTelemetry wrapper", async () => {
    const zip = await unixZip(HEALTHY);
    for (const target of [PY312, OTEL]) {
      const analysis = await analyze(zip, target);
      expect(analysis.findings, JSON.stringify(analysis.findings, null, 1)).toEqual([]);
      expect(analysis.madeBy).toEqual(["Unix"]);
    }
  });

  it("reads modes and sizes right from a zip64 archive", async () => {
    const buffer = await unixZip(HEALTHY, { zip64: true });
    const zip = await readCodeZipBuffer(buffer, { kind: "zip", path: "/tmp/agent.zip" });
    expect(zip.entries.find((e) => e.path === "bin/opentelemetry-instrument")?.mode).toBe(0o755);
    expect(zip.entries.find((e) => e.path === "agent")?.type).toBe("directory");
    expect(analyzeCodeZip(zip, OTEL).findings).toEqual([]);
  });
});

describe("CODE_ZIP_DEPS_MISSING", () => {
  it("names a start-up import that is neither in the zip nor in the standard library, through own modules", async () => {
    const analysis = await analyze(
      await unixZip(replace(HEALTHY, { path: "agent/helpers.py", data: "import logging\nimport strands\n" })),
    );
    expect(ids(analysis)).toEqual(["CODE_ZIP_DEPS_MISSING"]);
    const f = finding(analysis, "CODE_ZIP_DEPS_MISSING")!;
    expect(f.evidence[0]).toMatchObject({
      source: { kind: "file", path: "agent.zip!/agent/helpers.py", line: 2 },
    });
    expect(f.evidence[0]!.fact).toContain("strands is imported at start-up");
    expect(f.evidence[0]!.fact).toContain("main.py:2 → agent/tools.py:1");
    expect(f.fix).toContain("--python-version 3.12 --python-platform aarch64-manylinux2014");
  });

  it("stays silent on imports in functions, under TYPE_CHECKING, and in try/except ImportError", async () => {
    expect(ids(await analyze(await unixZip(HEALTHY)))).not.toContain("CODE_ZIP_DEPS_MISSING");
  });

  it("judges the fallback of a try/except ImportError when the first choice is missing too", async () => {
    const main =
      "try:\n    import orjson as json_lib\nexcept ImportError:\n    import simplejson as json_lib\n";
    const analysis = await analyze(await unixZip([{ path: "main.py", data: main }]));
    expect(facts(analysis, "CODE_ZIP_DEPS_MISSING")).toContain("simplejson");
    expect(facts(analysis, "CODE_ZIP_DEPS_MISSING")).not.toContain("orjson");
  });

  it("knows the runtime's version: distutils is gone in 3.12, tomllib is there from 3.11, winreg never on Linux", async () => {
    const zip = await unixZip([
      { path: "main.py", data: "import distutils\nimport tomllib\nimport winreg\n" },
    ]);
    const on312 = facts(await analyze(zip), "CODE_ZIP_DEPS_MISSING");
    expect(on312).toContain("distutils");
    expect(on312).not.toContain("tomllib");
    expect(on312).toContain("winreg is a standard module of Windows and macOS builds only");
    const on310 = facts(await analyze(zip, { ...PY312, runtime: "PYTHON_3_10" }), "CODE_ZIP_DEPS_MISSING");
    expect(on310).not.toContain("distutils");
    expect(on310).toContain("tomllib");
  });

  it("reads the command of a two-item entry point as Python when it is a console script", async () => {
    const analysis = await analyze(
      await unixZip(HEALTHY.filter((e) => !e.path.startsWith("opentelemetry"))),
      OTEL,
    );
    expect(facts(analysis, "CODE_ZIP_DEPS_MISSING")).toContain("opentelemetry is imported at start-up");
  });

  it("for Node: a dependency of package.json not vendored, and a start-up import not in node_modules", async () => {
    const zip = await unixZip([
      {
        path: "main.js",
        data: 'const fs = require("node:fs");\nimport express from "express";\nimport { x } from "./lib/x.js";\n',
      },
      { path: "lib/x.js", data: 'const ws = require("ws");\nfunction later() { require("lazy-only"); }\n' },
      { path: "package.json", data: JSON.stringify({ dependencies: { express: "^4", zod: "^3" } }) },
      { path: "node_modules/express/package.json", data: "{}" },
    ]);
    const analysis = await analyze(zip, { runtime: "NODE_22", entryPoint: ["main.js"], origin: "test" });
    const text = facts(analysis, "CODE_ZIP_DEPS_MISSING");
    expect(text).toContain("ws is loaded at start-up");
    expect(text).toContain("package.json depends on zod");
    expect(text).not.toContain("express");
    expect(text).not.toContain("lazy-only");
    expect(text).not.toContain("node:fs");
  });
});

describe("CODE_ZIP_NATIVE_ARCH", () => {
  it("reads the ELF machine, the extension's ABI tag and the wheel tags", async () => {
    const x86 = hostElfMachine() === EM_X86_64 ? hostElf() : elfHeader(EM_X86_64);
    const zip = await unixZip([
      { path: "main.py", data: "import pydantic_core\nimport numpy\nimport grpc\n" },
      ...distribution("pydantic_core", "pydantic_core", "cp311-cp311-manylinux_2_17_x86_64", [
        { path: "pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu.so", data: x86 },
      ]),
      ...distribution("numpy", "numpy", "cp312-cp312-musllinux_1_2_aarch64"),
      { path: "orjson/orjson.cpython-311-aarch64-linux-gnu.so", data: elfHeader(EM_AARCH64) },
      ...distribution("grpcio", "grpc", "cp312-cp312-manylinux_2_39_aarch64"),
    ]);
    const text = facts(await analyze(zip), "CODE_ZIP_NATIVE_ARCH");
    expect(text).toContain("is an ELF 64-bit binary for x86-64");
    expect(text).toContain("built for CPython 3.11, not 3.12");
    expect(text).toContain("x86_64, not aarch64");
    expect(text).toContain("musl libc");
    expect(text).toContain("glibc 2.39, newer than the runtime's 2.34");
  });

  it("stays silent on aarch64 ELF files, abi3 wheels and pure-Python wheels", async () => {
    const zip = await unixZip([
      { path: "main.py", data: "import cryptography\n" },
      ...distribution("cryptography", "cryptography", "cp39-abi3-manylinux_2_28_aarch64", [
        { path: "cryptography/hazmat/_rust.abi3.so", data: elfHeader(EM_AARCH64) },
      ]),
    ]);
    expect(ids(await analyze(zip))).toEqual([]);
  });

  it("for Node: a .node addon built for x86-64 and a package whose package.json says cpu x64", async () => {
    const zip = await unixZip([
      { path: "main.js", data: 'require("sharp");\n' },
      { path: "node_modules/sharp/package.json", data: "{}" },
      { path: "node_modules/sharp/build/sharp.node", data: elfHeader(EM_X86_64) },
      {
        path: "node_modules/@esbuild/linux-x64/package.json",
        data: JSON.stringify({ os: ["linux"], cpu: ["x64"] }),
      },
    ]);
    const text = facts(
      await analyze(zip, { runtime: "NODE_22", entryPoint: ["main.js"], origin: "t" }),
      "CODE_ZIP_NATIVE_ARCH",
    );
    expect(text).toContain("sharp.node is an ELF 64-bit binary for x86-64");
    expect(text).toContain('@esbuild/linux-x64 declares cpu ["x64"]');
  });
});

describe("CODE_ZIP_PERMISSIONS and CODE_ZIP_NO_POSIX_MODES", () => {
  it("flags a file others cannot read, a directory they cannot enter, and an executable without x", async () => {
    let entries = replace(HEALTHY, { path: "main.py", data: HEALTHY[0]!.data, mode: 0o600 });
    entries = replace(entries, { path: "agent/", directory: true, mode: 0o700 });
    entries = replace(entries, {
      ...HEALTHY.find((e) => e.path === "bin/opentelemetry-instrument")!,
      mode: 0o644,
    });
    const text = facts(await analyze(await unixZip(entries), OTEL), "CODE_ZIP_PERMISSIONS");
    expect(text).toContain("main.py has mode 600: others cannot read it");
    expect(text).toContain("agent/ has mode 700: others cannot enter it");
    expect(text).toContain("bin/opentelemetry-instrument has mode 644 and the entry point executes it");
  });

  it("says plainly that a zip without POSIX modes (the CLI's, Windows') cannot be judged, as info", async () => {
    const analysis = await analyze(dosZip(HEALTHY), OTEL);
    expect(ids(analysis)).toEqual(["CODE_ZIP_NO_POSIX_MODES"]);
    const f = finding(analysis, "CODE_ZIP_NO_POSIX_MODES")!;
    expect(f.evidence[0]!.fact).toMatch(/entries carry no POSIX mode \(made by MS-DOS\/Windows/);
    expect(facts(analysis, "CODE_ZIP_NO_POSIX_MODES")).toContain("executes bin/opentelemetry-instrument");
    expect(analysis.findings.every((x) => x.severity === "info")).toBe(true);
  });
});

describe("CODE_ZIP_ENTRY_POINT_MISSING", () => {
  it("names a zip made from the directory above the code", async () => {
    const zip = await unixZip(HEALTHY.map((e) => ({ ...e, path: `package/${e.path}` })));
    const analysis = await analyze(zip);
    const text = facts(analysis, "CODE_ZIP_ENTRY_POINT_MISSING");
    expect(text).toContain("main.py is not in the zip");
    expect(text).toContain("the zip has package/main.py");
    expect(finding(analysis, "CODE_ZIP_ENTRY_POINT_MISSING")!.fix).toContain("top level holds package/");
  });

  it("flags a command that is not in bin/, and one whose interpreter is a build-machine path", async () => {
    const missing = await analyze(await unixZip(without(HEALTHY, "bin/opentelemetry-instrument")), OTEL);
    expect(facts(missing, "CODE_ZIP_ENTRY_POINT_MISSING")).toContain(
      "opentelemetry-instrument is neither a file",
    );
    const hostShebang = replace(HEALTHY, {
      path: "bin/opentelemetry-instrument",
      mode: 0o755,
      data: "#!/home/me/agent/.venv/bin/python3\nimport sys\n",
    });
    const broken = await analyze(await unixZip(hostShebang), OTEL);
    expect(facts(broken, "CODE_ZIP_ENTRY_POINT_MISSING")).toContain(
      "starts with /home/me/agent/.venv/bin/python3",
    );
  });
});

describe("CODE_ZIP_TOO_LARGE", () => {
  it("compares the zipped and unzipped sizes with the limits, which can be changed", async () => {
    const zip = await unixZip(HEALTHY);
    expect(ids(await analyze(zip))).not.toContain("CODE_ZIP_TOO_LARGE");
    const analysis = await analyze(zip, PY312, { zipBytes: 1000, unzippedBytes: 500 });
    expect(facts(analysis, "CODE_ZIP_TOO_LARGE")).toMatch(/the zip is .* KiB; the limit is 1\.0 KiB/);
    expect(facts(analysis, "CODE_ZIP_TOO_LARGE")).toContain("unzipped");
  });
});

describe("CODE_ZIP_HOST_PATHS", () => {
  it("finds build-machine shebangs in bin/, .pth path lines and editable direct_url.json", async () => {
    const zip = await unixZip([
      ...HEALTHY,
      { path: "bin/normalizer", mode: 0o755, data: "#!/Users/me/proj/.venv/bin/python\nimport sys\n" },
      { path: "__editable__.myagent-0.1.pth", data: "/home/me/myagent/src\n" },
      {
        path: "myagent-0.1.dist-info/direct_url.json",
        data: JSON.stringify({ url: "file:///home/me/myagent", dir_info: { editable: true } }),
      },
    ]);
    const analysis = await analyze(zip);
    const text = facts(analysis, "CODE_ZIP_HOST_PATHS");
    expect(text).toContain("bin/normalizer starts /Users/me/proj/.venv/bin/python");
    expect(text).toContain("adds /home/me/myagent/src to the import path");
    expect(text).toContain("an editable install");
    expect(ids(analysis)).not.toContain("CODE_ZIP_ENTRY_POINT_MISSING");
  });

  it("leaves portable shebangs alone", async () => {
    expect(ids(await analyze(await unixZip(HEALTHY)))).not.toContain("CODE_ZIP_HOST_PATHS");
  });
});

describe("CODE_ZIP_ENTRIES_REFUSED", () => {
  it("reports unsafe names instead of failing the read", async () => {
    const analysis = await analyze(dosZip([...HEALTHY, { path: "../outside.py", data: "x" }]));
    expect(facts(analysis, "CODE_ZIP_ENTRIES_REFUSED")).toContain("../outside.py: invalid relative path");
    expect(ids(await analyze(dosZip(HEALTHY)))).not.toContain("CODE_ZIP_ENTRIES_REFUSED");
  });
});

describe("reading start-up imports from Python source", () => {
  it("tells start-up imports from deferred, optional and conditional ones", () => {
    const source = [
      '"""import not_code"""',
      "import a, b.c as d",
      "from .rel import x",
      "x = 'import not_either'; import e",
      "class K:",
      "    import in_class",
      "    def m(self): import in_method",
      "if sys.platform == 'win32':",
      "    import only_there",
      "with ctx():",
      "    import in_with",
      "match = re.match('a', 'b')",
      "import after",
    ].join("\n");
    const got = pythonImports(source).map((i) => `${i.level}${i.module}:${i.guard}`);
    const ast = readPythonWithAst(new Map([["m.py", source]]));
    if ("why" in ast) console.log(`Python's ast not compared: ${ast.why}`);
    else expect(ast.imports.get("m.py")!.map((i) => `${i.level}${i.module}:${i.guard}`)).toEqual(got);
    expect(got).toEqual([
      "0a:required",
      "0b.c:required",
      "1rel:required",
      "0e:required",
      "0in_class:required",
      "0in_method:deferred",
      "0only_there:conditional",
      "0in_with:required",
      "0after:required",
    ]);
  });
});

describe("reading imports with Python's own ast", () => {
  const host = readPythonWithAst(new Map());
  const skip = "why" in host ? `no host Python (${host.why})` : undefined;
  if (skip) console.log(`skipped: ${skip}`);

  it.skipIf(skip !== undefined)(
    "agrees with the built-in reader on guards, and says which interpreter read them",
    async () => {
      const source = [
        "import os",
        "try:",
        "    import orjson",
        "except (ValueError, ModuleNotFoundError):",
        "    import simplejson",
        "if typing.TYPE_CHECKING:",
        "    import stubs_only",
        "if __name__ == '__main__':",
        "    import run_only",
        "async def f():",
        "    import later",
      ].join("\n");
      const ast = readPythonWithAst(new Map([["main.py", source]]));
      if ("why" in ast) throw new Error(ast.why);
      const mine = pythonImports(source).map((i) => [i.module, i.guard, i.tryLine]);
      expect(ast.imports.get("main.py")!.map((i) => [i.module, i.guard, i.tryLine])).toEqual(mine);
      const analysis = await analyze(
        await unixZip([{ path: "main.py", data: "import os\nimport strands\n" }]),
      );
      expect(facts(analysis, "CODE_ZIP_DEPS_MISSING")).toContain(`Python ${ast.version}'s ast`);
    },
  );

  it.skipIf(skip !== undefined)(
    "uses the host's sys.stdlib_module_names only for its own version, and says so otherwise",
    async () => {
      const ast = host as Exclude<typeof host, { why: string }>;
      const [, minor] = ast.version.split(".").map(Number);
      const zip = await unixZip([{ path: "main.py", data: "import strands\n" }]);
      const same = await analyze(zip, { ...PY312, runtime: `PYTHON_3_${minor}` as CodeZipTarget["runtime"] });
      expect(facts(same, "CODE_ZIP_DEPS_MISSING")).toContain("sys.stdlib_module_names of that interpreter");
      const otherMinor = minor === 12 ? 13 : 12;
      const other = await analyze(zip, {
        ...PY312,
        runtime: `PYTHON_3_${otherMinor}` as CodeZipTarget["runtime"],
      });
      expect(other.notes.join("\n")).toContain(`is Python ${ast.version}, not 3.${otherMinor}`);
    },
  );

  it.skipIf(skip !== undefined)(
    "falls back to the built-in reader for a file the host's grammar refuses",
    async () => {
      const zip = await unixZip([{ path: "main.py", data: "import strands\nprint(1 +)\n" }]);
      const analysis = await analyze(zip);
      expect(analysis.notes.join("\n")).toMatch(/ast could not parse main\.py \(SyntaxError/);
      expect(facts(analysis, "CODE_ZIP_DEPS_MISSING")).toContain("strands is imported at start-up");
    },
  );
});

describe("a directory, judged as the zip the AgentCore CLI makes of it", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  async function project(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "acd-codezip-"));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, ".."), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  }

  it("leaves out what the CLI leaves out and counts pyproject's dependencies as installed", async () => {
    const dir = await project({
      "main.py": "import strands\nimport yaml\nimport requests\n",
      "pyproject.toml": '[project]\nname = "a"\ndependencies = ["strands-agents>=1", "PyYAML"]\n',
      ".venv/lib/python3.12/site-packages/strands_agents-1.0.dist-info/top_level.txt": "strands\n",
      ".venv/lib/python3.12/site-packages/PyYAML-6.0.dist-info/top_level.txt": "yaml\n_yaml\n",
      ".env": "SECRET=1",
      ".git/config": "",
      "agentcore/agentcore.json": "{}",
    });
    const analysis = await checkCodeZip(dir, PY312);
    expect(analysis.source.kind).toBe("directory");
    const text = facts(analysis, "CODE_ZIP_DEPS_MISSING");
    expect(text).toContain("requests is imported at start-up");
    expect(text).not.toContain("strands");
    expect(text).not.toContain("yaml");
    expect(analysis.notes.join("\n")).toMatch(/left out as the AgentCore CLI leaves them out: .*\.env/);
    expect(analysis.entries).toBe(2); // main.py and pyproject.toml
    expect(ids(analysis)).not.toContain("CODE_ZIP_NO_POSIX_MODES");
  });

  it("says it cannot judge an import a declared dependency may provide when no .venv tells its modules", async () => {
    const dir = await project({
      "main.py": "import yaml\n",
      "pyproject.toml": '[project]\nname = "a"\ndependencies = ["PyYAML"]\n',
    });
    const analysis = await checkCodeZip(dir, PY312);
    expect(ids(analysis)).toEqual([]);
    expect(analysis.notes.join("\n")).toMatch(/yaml is imported at start-up .*\(PyYAML\).*: not judged/);
  });
});

describe("reading and unpacking a zip file", () => {
  it("refuses something that is not a zip with a message saying what to pass", async () => {
    const dir = await mkdtemp(join(tmpdir(), "acd-codezip-"));
    try {
      await writeFile(join(dir, "agent.zip"), "not a zip");
      await expect(readCodeZip(join(dir, "agent.zip"))).rejects.toThrow(
        /is not a zip that can be read.*Pass the code zip/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("unpacks with the stored modes, defaults for mode-less entries, and refuses unsafe names", async () => {
    const dir = await mkdtemp(join(tmpdir(), "acd-codezip-"));
    try {
      const unix = await unpackCodeZip(await unixZip(HEALTHY), join(dir, "unix"));
      expect((await stat(join(unix.root, "bin/opentelemetry-instrument"))).mode & 0o777).toBe(0o755);
      expect((await stat(join(unix.root, "main.py"))).mode & 0o777).toBe(0o644);
      expect(await readFile(join(unix.root, "agent/tools.py"), "utf8")).toContain("pydantic_core");
      const dos = await unpackCodeZip(
        dosZip([...HEALTHY, { path: "../outside.py", data: "x" }]),
        join(dir, "dos"),
      );
      expect((await stat(join(dos.root, "bin/opentelemetry-instrument"))).mode & 0o777).toBe(0o644);
      expect(dos.refused.map((r) => r.path)).toEqual(["../outside.py"]);
      await expect(lstat(join(dir, "outside.py"))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
