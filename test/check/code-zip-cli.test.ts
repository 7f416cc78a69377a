import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkReportSchema } from "../../src/check/report.js";
import { runCli } from "../helpers/cli.js";
import { EM_X86_64, elfHeader, unixZip } from "../helpers/zips.js";

let dir: string;
let zip: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "acd-codezip-cli-"));
  zip = join(dir, "agent.zip");
  await writeFile(
    zip,
    await unixZip([
      { path: "main.py", data: "import orjson\nfrom bedrock_agentcore import BedrockAgentCoreApp\n" },
      { path: "orjson/__init__.py", data: "" },
      { path: "orjson/orjson.cpython-312-x86_64-linux-gnu.so", data: elfHeader(EM_X86_64) },
    ]),
  );
});

/** `check` of the fixture zip as a Python 3.12 runtime with main.py as its entry point. */
const checkZip = (...extra: string[]) =>
  runCli(["check", zip, "--runtime", "PYTHON_3_12", "--entry-point", "main.py", ...extra]);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("check of a code zip file", () => {
  it("reads the zip without running it (--no-run), reports the findings as JSON and exits 1", async () => {
    const result = await checkZip("--format", "json", "--no-run");
    expect(result.code, result.stderr).toBe(1);
    const report = checkReportSchema.parse(JSON.parse(result.stdout));
    expect(report.startup.outcome).toBe("not-run");
    expect(report.codeZip).toMatchObject({ source: "zip", runtime: "PYTHON_3_12", entryPoint: ["main.py"] });
    expect(report.findings.map((f) => f.id).sort()).toEqual([
      "CODE_ZIP_DEPS_MISSING",
      "CODE_ZIP_NATIVE_ARCH",
    ]);
    expect(report.environment.notes.join(" ")).toContain("the zip was read, not run");
  });

  it("starts the agent from the unpacked zip, names the interpreter that ran it, and sees the missing module fail", async () => {
    const result = await checkZip("--format", "json", "--startup-timeout", "10");
    const report = checkReportSchema.parse(JSON.parse(result.stdout));
    expect(result.code, result.stderr).toBe(1);
    expect(report.startup.outcome).toBe("exited");
    const notes = report.environment.notes.join("\n");
    expect(notes).toMatch(/started from the unpacked zip with \S*python\S* \(Python 3\.\d+\.\d+\)/);
    expect(notes).toContain("site-packages were not used");
    const ids = report.findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(["CODE_ZIP_DEPS_MISSING", "STARTUP_CRASH"]));
    expect(ids).not.toContain("HOST_MODULE_NOT_INSTALLED");
    // The unpacked tree is named inside the zip, not by a temporary path.
    expect(result.stdout).not.toContain("acd-zip-run-");
  });

  it("takes the runtime and entry point from the AgentCore CLI project the zip sits in", async () => {
    const project = join(dir, "project");
    await mkdir(join(project, "agentcore"), { recursive: true });
    await writeFile(
      join(project, "agentcore", "agentcore.json"),
      JSON.stringify({
        name: "p",
        version: 1,
        runtimes: [
          {
            name: "p",
            build: "CodeZip",
            entrypoint: "main.py:app",
            codeLocation: "app",
            runtimeVersion: "PYTHON_3_13",
          },
        ],
      }),
    );
    const inProject = join(project, "agentcore", "p.zip");
    await writeFile(inProject, await unixZip([{ path: "main.py", data: "import json\n" }]));
    const result = await runCli(["check", inProject, "--format", "json"]);
    const report = checkReportSchema.parse(JSON.parse(result.stdout));
    // enableOtel defaults to true in agentcore.json: the CLI wraps the entry point, and this zip has no such command.
    expect(report.codeZip).toMatchObject({
      runtime: "PYTHON_3_13",
      entryPoint: ["opentelemetry-instrument", "main.py"],
    });
    expect(report.findings.map((f) => f.id)).toEqual(["CODE_ZIP_ENTRY_POINT_MISSING"]);
    expect(result.code).toBe(1);
  });

  it("says what to pass when the runtime is unknown or not one AgentCore runs", async () => {
    const none = await runCli(["check", zip]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      "--runtime (one of PYTHON_3_10, PYTHON_3_11, PYTHON_3_12, PYTHON_3_13, PYTHON_3_14, NODE_22)",
    );
    const node18 = await runCli(["check", zip, "--runtime", "NODE_18", "--entry-point", "main.js"]);
    expect(node18.code).toBe(2);
    expect(node18.stderr).toContain("--runtime must be one of");
    const half = await runCli(["check", zip, "--runtime", "PYTHON_3_12"]);
    expect(half.stderr).toContain("--runtime needs the entry point too");
  });

  it("prints the zip in the text report", async () => {
    const result = await checkZip("--max-zip-mb", "0.0001", "--no-run");
    expect(result.stdout).toContain("not run: the code zip was read, not started");
    expect(result.stdout).toContain("CODE_ZIP_TOO_LARGE");
  });
});
