import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ParsedException } from "../../src/agent/crash.js";
import { parseDockerfileText } from "../../src/agent/dockerfile.js";
import {
  commandGap,
  missingCommand,
  missingModule,
  moduleGap,
  projectPackages,
} from "../../src/check/host-deps.js";
import { scratchDir } from "../helpers/scratch.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");

const pyMissing = (name: string, file = "/app/agent.py"): ParsedException => ({
  language: "python",
  type: "ModuleNotFoundError",
  message: `No module named '${name}'`,
  location: { file, line: 3 },
  lines: [],
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = scratchDir("acd-host-deps-");
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe("what a project declares and its Dockerfile installs", () => {
  it("reads requirements.txt through the Dockerfile's RUN pip install -r, and the packages RUN names", async () => {
    const dir = resolve(agents, "strands-image-deps");
    const image = parseDockerfileText(
      `FROM ghcr.io/astral-sh/uv:python3.11-bookworm-slim
COPY requirements.txt requirements.txt
RUN uv pip install -r requirements.txt
RUN uv pip install aws-opentelemetry-distro>=0.10.1 && apt-get update && apt-get install -y --no-install-recommends curl
CMD ["opentelemetry-instrument", "python", "-m", "agent"]
`,
      join(dir, "Dockerfile"),
    );
    const packages = await projectPackages(dir, image);
    const names = packages.provided.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(["strands-agents", "bedrock-agentcore", "aws-opentelemetry-distro", "curl"]),
    );
    expect(names.filter((n) => n === "strands-agents")).toHaveLength(1);
    const strands = packages.provided.find((p) => p.name === "strands-agents")!;
    expect(strands.how).toBe("declared in requirements.txt, which Dockerfile:3 installs");
    expect(strands.source).toEqual({ kind: "file", path: "requirements.txt", line: 1 });
    expect(packages.provided.find((p) => p.name === "curl")!.ecosystem).toBe("system");
  });

  it("reads pyproject.toml, uv.lock (transitive packages too) and package.json", async () => {
    const dir = await project({
      "pyproject.toml": `[project]\nname = "mcp-server"\ndependencies = ["mcp>=1.10.0"]\n[dependency-groups]\ndev = ["pytest"]\n`,
      "uv.lock": `version = 1\n[[package]]\nname = "mcp"\nversion = "1.12.0"\n[[package]]\nname = "pydantic-core"\nversion = "2.33.2"\n`,
      "package.json": JSON.stringify({ dependencies: { "@aws-sdk/client-sts": "^3" } }),
    });
    const packages = await projectPackages(dir);
    expect(packages.provided.map((p) => `${p.ecosystem}:${p.name}`)).toEqual([
      "python:mcp",
      "python:pytest",
      "python:pydantic-core",
      "node:@aws-sdk/client-sts",
    ]);
    expect(packages.provided[0]!.source).toEqual({ kind: "file", path: "pyproject.toml", line: 3 });
  });
});

describe("a missing module: this machine's gap or the agent's crash", () => {
  it("names the top-level module of Python and Node errors, not relative imports", () => {
    expect(missingModule(pyMissing("strands.models"))).toEqual({ name: "strands", ecosystem: "python" });
    const node = (message: string): ParsedException => ({
      language: "node",
      type: "Error",
      message,
      lines: [],
    });
    expect(missingModule(node("Cannot find package '@aws-sdk/client-sts' imported from /app/a.mjs"))).toEqual(
      {
        name: "@aws-sdk/client-sts",
        ecosystem: "node",
      },
    );
    expect(missingModule(node("Cannot find module 'express'"))).toEqual({
      name: "express",
      ecosystem: "node",
    });
    expect(missingModule(node("Cannot find module './lib/tools.js'"))).toBeUndefined();
    expect(missingModule({ ...pyMissing("x"), type: "ImportError" })).toBeUndefined();
  });

  it("matches import names to the distributions that provide them", async () => {
    const dir = await project({
      "requirements.txt": "strands-agents\nlangchain-aws>=0.2\npython-dotenv\nPyYAML\n",
    });
    const packages = await projectPackages(dir);
    for (const module of ["strands", "langchain_aws", "dotenv", "yaml"]) {
      expect(moduleGap(pyMissing(module), packages, dir)?.kind, module).toBe("module");
    }
    // Declared nowhere: the image would lack it too, so it stays the agent's crash.
    expect(moduleGap(pyMissing("langgraph"), packages, dir)).toBeUndefined();
  });

  it("counts an import made inside an installed package when the project declares dependencies", async () => {
    const dir = await project({ "requirements.txt": "strands-agents\n" });
    const packages = await projectPackages(dir);
    const inside = pyMissing(
      "opentelemetry",
      "/usr/lib/python3.11/site-packages/strands/telemetry/tracer.py",
    );
    expect(moduleGap(inside, packages, dir)?.evidence[1]?.fact).toMatch(/imported by an installed package/);
    expect(moduleGap(inside, await projectPackages(await project({})), dir)).toBeUndefined();
  });
});

describe("a missing command", () => {
  it("is read from what the shell, setpriv or spawn printed", () => {
    const line = (text: string) => ({ stream: "stderr" as const, text, at: 0 });
    expect(missingCommand([line("/app: 1: exec: opentelemetry-instrument: not found")], ["x"])).toBe(
      "opentelemetry-instrument",
    );
    expect(missingCommand([line("/bin/sh: 1: uvicorn: not found")], ["/bin/sh"])).toBe("uvicorn");
    expect(missingCommand([line("setpriv: failed to execute gunicorn: No such file or directory")], [])).toBe(
      "gunicorn",
    );
    expect(missingCommand([], ["node"])).toBe("node");
  });

  it("is the image's when its build installs it or its base provides it; the agent's otherwise", () => {
    const image = (runs: string) =>
      parseDockerfileText(`FROM python:3.12-slim\n${runs}CMD ["x"]\n`, "/app/Dockerfile");
    const none = { provided: [], installs: [], dockerfile: "Dockerfile" };
    const otel = {
      ...none,
      provided: [
        {
          name: "aws-opentelemetry-distro",
          ecosystem: "python" as const,
          how: "installed by Dockerfile:2 RUN pip install aws-opentelemetry-distro",
          source: { kind: "file" as const, path: "Dockerfile", line: 2 },
        },
      ],
    };
    expect(commandGap("opentelemetry-instrument", otel, image(""))?.install).toContain(
      "pip install aws-opentelemetry-distro",
    );
    expect(commandGap("python", none, image(""))?.evidence[1]?.fact).toContain("python:3.12-slim");
    expect(commandGap("/app/.venv/bin/python", none, image(""))).toBeDefined();
    expect(
      commandGap("serve-agent", none, image("RUN ln -s /app/run.sh /usr/bin/serve-agent\n")),
    ).toBeDefined();
    expect(commandGap("opentelemetry-instrument", none, image(""))).toBeUndefined();
    expect(commandGap("uvicorn", none, undefined)).toBeUndefined();
  });
});
