import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkExitCode, checkReportSchema } from "../../src/check/report.js";
import { runCheck } from "../../src/check/run-check.js";
import { netnsSupport } from "../../src/net/netns.js";
import { runCli } from "../helpers/cli.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";
import { scratchDir } from "../helpers/scratch.js";

/**
 * Host mode runs the Dockerfile's command with this machine's packages. These
 * fixtures are written as the public samples write them (Strands with the
 * starter toolkit's Dockerfile, LangGraph, a FastMCP server); their
 * dependencies are only in the image, and this machine has none of them.
 */
const agents = resolve(import.meta.dirname, "../fixtures/agents");
const fixture = (name: string) => resolve(agents, name);

function importable(module: string): boolean {
  try {
    execFileSync("python3", ["-c", `import ${module}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const sampleDepsHere = ["strands", "langgraph", "langchain_aws", "mcp"].filter(importable);
if (sampleDepsHere.length > 0)
  console.warn(`skipping the host-gap tests: this machine has ${sampleDepsHere.join(", ")} installed`);

afterAll(async () => {
  expect(await leftoverAgentProcesses()).toEqual([]);
});

describe.skipIf(sampleDepsHere.length > 0)(
  "check DIR where the image's dependencies are not on this machine",
  () => {
    it("Strands with the starter toolkit's Dockerfile: the OTel command is not installed here, inconclusive", async () => {
      const report = await runCheck({ dir: fixture("strands-image-deps") });
      checkReportSchema.parse(report);
      const ids = report.findings.map((f) => f.id);
      expect(ids).toContain("HOST_COMMAND_NOT_INSTALLED");
      expect(ids).not.toContain("STARTUP_CRASH");
      expect(report.verdict).toBe("inconclusive");
      expect(checkExitCode(report)).toBe(3);
      const gap = report.findings.find((f) => f.id === "HOST_COMMAND_NOT_INSTALLED")!;
      expect(gap.evidence.map((e) => e.fact)).toContain(
        "aws-opentelemetry-distro is installed by Dockerfile:16 RUN uv pip install aws-opentelemetry-distro>=0.10.1",
      );
      expect(gap.fix).toContain("pip install aws-opentelemetry-distro");
      // USER bedrock_agentcore exists only in the image: the tool's limitation, said once.
      expect(ids).toContain("HOST_USER_MISSING");
      expect(report.environment.notes.join("\n")).not.toMatch(/USER bedrock_agentcore/);
    });

    it("Strands run without the wrapper: strands-agents is declared, not installed here", async () => {
      const report = await runCheck({ dir: fixture("strands-image-deps"), cmd: "python3 -m agent" });
      const gap = report.findings.find((f) => f.id === "HOST_MODULE_NOT_INSTALLED");
      expect(gap, JSON.stringify(report.findings, null, 1)).toBeDefined();
      expect(gap!.evidence[0]).toMatchObject({
        fact: "ModuleNotFoundError: No module named 'strands'",
        source: { kind: "file", path: "agent.py", line: 4 },
      });
      expect(gap!.evidence[1]!.fact).toBe(
        "strands-agents is declared in requirements.txt, which Dockerfile:14 installs",
      );
      expect(report.verdict).toBe("inconclusive");
    });

    it("LangGraph: langchain-aws in requirements.txt, inconclusive", async () => {
      const report = await runCheck({ dir: fixture("langgraph-image-deps") });
      expect(report.findings.map((f) => f.id)).toEqual(["HOST_MODULE_NOT_INSTALLED"]);
      expect(report.findings[0]!.fix).toContain("pip install -r requirements.txt");
    });

    it("FastMCP server without a Dockerfile: found and probed as MCP, mcp declared in pyproject.toml", async () => {
      const report = await runCheck({ dir: fixture("fastmcp-server") });
      expect(report.target.protocol).toBe("MCP");
      expect(report.target.port).toBe(8000);
      expect(report.target.argv).toEqual(["python3", "server.py"]);
      expect(report.findings.map((f) => f.id)).toEqual(["HOST_MODULE_NOT_INSTALLED"]);
      expect(report.findings[0]!.evidence[1]).toMatchObject({
        fact: "mcp is declared in pyproject.toml",
        source: { path: "pyproject.toml", line: 7 },
      });
    });

    it("Strands A2A server (A2AServer on FastAPI) without a Dockerfile: found and probed as A2A, inconclusive", async () => {
      const report = await runCheck({ dir: fixture("strands-a2a-server") });
      expect([report.target.protocol, report.target.port]).toEqual(["A2A", 9000]);
      expect(report.target.origin).toBe("detected: an A2A server in a2a_server.py");
      expect(report.findings.map((f) => f.id)).toEqual(["HOST_MODULE_NOT_INSTALLED"]);
      expect(report.findings[0]!.evidence[1]!.fact).toBe("uvicorn is declared in requirements.txt");
    });

    it("a module declared nowhere is still the agent's crash", async () => {
      const report = await runCheck({ dir: fixture("py-crash-on-import") });
      expect(report.findings.map((f) => f.id)).toContain("STARTUP_CRASH");
      expect(report.verdict).toBe("unhealthy");
    });

    it("uses the project's .venv: with strands there, the same agent is judged, not stopped at the import", async () => {
      const dir = scratchDir("acd-venv-");
      cpSync(fixture("strands-image-deps"), dir, { recursive: true, dereference: true });
      execFileSync("python3", ["-m", "venv", "--without-pip", join(dir, ".venv")]);
      const site = execFileSync(join(dir, ".venv/bin/python3"), [
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
      ])
        .toString()
        .trim();
      // Stand-ins for the two packages the image installs, just enough to import.
      mkdirSync(join(site, "strands"));
      writeFileSync(
        join(site, "strands/__init__.py"),
        "class Agent:\n    def __init__(self, tools=None): pass\n",
      );
      mkdirSync(join(site, "strands_tools"));
      writeFileSync(join(site, "strands_tools/__init__.py"), "calculator = object()\n");
      const report = await runCheck({ dir, cmd: "python3 -m agent", startupTimeoutMs: 10_000 });
      expect(report.environment.notes).toContain(
        "the project's .venv is first on PATH: its packages stand in for the image's",
      );
      expect(report.startup.outcome, JSON.stringify(report.output)).toBe("healthy");
      expect(report.findings.map((f) => f.id)).not.toContain("HOST_MODULE_NOT_INSTALLED");
    });

    it("the CLI exits 3, says so, and prints nothing of its own helpers' stderr (no `id:` line)", async () => {
      const result = await runCli(["check", "test/fixtures/agents/strands-image-deps"]);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toMatch(/^INCONCLUSIVE ON THIS MACHINE/);
      expect(result.stderr).not.toMatch(/^id:|no such user/m);
      // Only progress lines ("[0.1s] stage: ...") on stderr.
      for (const line of result.stderr.split("\n").filter(Boolean))
        expect(line).toMatch(/^\[\d+\.\ds\] \w+:/);
    });
  },
);

describe("a port already taken on this machine", () => {
  let server: Server | undefined;
  const takePort = async (port: number) =>
    new Promise<boolean>((done) => {
      server = createServer();
      server.once("error", () => done(false));
      server.listen(port, "0.0.0.0", () => done(true));
    });
  afterAll(() => server?.close());

  it("is the tool's problem: as root the agent runs in its own network namespace; otherwise nothing is blamed on the agent", async () => {
    const mine = await takePort(8080);
    const support = await netnsSupport();
    if (support.ok) {
      const report = await runCheck({ dir: fixture("py-healthy") });
      expect(report.findings, JSON.stringify(report.findings)).toEqual([]);
      expect(report.environment.network).toMatch(/^network namespace acd-check-/);
      expect(report.environment.notes.join("\n")).toMatch(/port 8080 is taken on this machine \(pid \d+/);
      expect(report.verdict).toBe("healthy");
    }
    if (support.ok) {
      // That namespace has no route out: a start-up that dies reaching out is not the agent's crash either.
      const dir = mkdtempSync(join(tmpdir(), "acd-reach-out-"));
      writeFileSync(join(dir, "Dockerfile"), 'FROM python:3.12-slim\nCMD ["python3", "app.py"]\n');
      writeFileSync(
        join(dir, "app.py"),
        'import socket\nsocket.create_connection(("198.51.100.7", 443), timeout=3)\n',
      );
      const report = await runCheck({ dir });
      expect(report.findings.map((f) => f.id)).toEqual(["HOST_PORT_IN_USE"]);
      expect(report.findings[0]!.evidence.at(-1)!.fact).toMatch(/Network is unreachable/);
      expect(report.verdict).toBe("inconclusive");
    }
    if (process.getuid?.() === 0 && existsSync("/usr/bin/setpriv") && mine) {
      // Unprivileged, no namespace: not run, reported as this machine's problem, exit 3.
      const result = await runCli(["check", "test/fixtures/agents/py-healthy", "--format", "json"], {
        prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"],
        env: { HOME: "/tmp" },
      });
      expect(result.code, result.stderr).toBe(3);
      const report = checkReportSchema.parse(JSON.parse(result.stdout));
      expect(report.findings.map((f) => f.id)).toContain("HOST_PORT_IN_USE");
      expect(report.startup.outcome).toBe("not-run");
      // An unprivileged process cannot read root's file descriptors: the holder is "a process" then.
      expect(report.findings.find((f) => f.id === "HOST_PORT_IN_USE")!.evidence[0]!.fact).toMatch(
        /on 0\.0\.0\.0:8080 already listens on port 8080/,
      );
    }
  });

  it("taken between check's look and the agent's bind: run again in its own namespace, never the agent's crash", async (context) => {
    const support = await netnsSupport();
    if (!support.ok) return context.skip(`needs network namespaces: ${support.reason}`);
    server?.close();
    server = undefined;
    let taken: Promise<boolean> | undefined;
    const report = await runCheck({
      dir: fixture("py-healthy"),
      onProgress: (stage) => {
        // The port is free when check looks; another process takes it as the agent starts.
        if (stage === "launch" && !taken) taken = takePort(8080);
      },
    });
    expect(await taken).toBe(true);
    expect(report.findings, JSON.stringify(report.findings)).toEqual([]);
    expect(report.verdict).toBe("healthy");
    expect(report.environment.network).toMatch(/^network namespace acd-check-/);
    expect(report.environment.notes.join("\n")).toMatch(
      /a first run on this machine's network died on ".*(Address already in use|Errno 98)/,
    );
  });
});
