import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveLaunchPlan } from "../../src/agent/plan.js";
import { describeSource, type Finding } from "../../src/findings/index.js";
import { runStaticChecks } from "../../src/static-checks/index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway agent project from a map of relative paths to contents. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "acd-static-"));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function staticFindings(files: Record<string, string>): Promise<Finding[]> {
  const { plan, protocol, config } = await resolveLaunchPlan(project(files));
  return runStaticChecks({
    dir: plan.dir,
    protocol,
    ...(plan.image ? { image: plan.image } : {}),
    ...(config ? { config } : {}),
  });
}

async function staticIds(files: Record<string, string>): Promise<string[]> {
  return (await staticFindings(files)).map((f) => f.id);
}

const SDK_APP =
  "from bedrock_agentcore.runtime import BedrockAgentCoreApp\napp = BedrockAgentCoreApp()\napp.run()\n";
const ARM = "FROM --platform=linux/arm64 python:3.11-slim\n";

describe("static checks", () => {
  it("PYTHON_SDK_LOOPBACK_DEFAULT fires without DOCKER_CONTAINER and stays silent with it", async () => {
    expect(await staticIds({ "app.py": SDK_APP, Dockerfile: `${ARM}CMD ["python3", "app.py"]\n` })).toContain(
      "PYTHON_SDK_LOOPBACK_DEFAULT",
    );
    expect(
      await staticIds({
        "app.py": SDK_APP,
        Dockerfile: `${ARM}ENV DOCKER_CONTAINER=1\nCMD ["python3", "app.py"]\n`,
      }),
    ).toEqual([]);
  });

  it("IMAGE_NOT_ARM64 fires for amd64 and $BUILDPLATFORM, not for arm64 or $TARGETPLATFORM", async () => {
    const cmd = 'ENV DOCKER_CONTAINER=1\nCMD ["python3", "app.py"]\n';
    expect(
      await staticIds({ "app.py": "", Dockerfile: `FROM --platform=linux/amd64 python\n${cmd}` }),
    ).toEqual(["IMAGE_NOT_ARM64"]);
    expect(
      await staticIds({ "app.py": "", Dockerfile: `FROM --platform=$BUILDPLATFORM python\n${cmd}` }),
    ).toEqual(["IMAGE_NOT_ARM64"]);
    expect(
      await staticIds({ "app.py": "", Dockerfile: `FROM --platform=$TARGETPLATFORM python\n${cmd}` }),
    ).toEqual([]);
    expect(await staticIds({ "app.py": "", Dockerfile: `${ARM}${cmd}` })).toEqual([]);
  });

  it("DOCKERFILE_EXPOSE_MISMATCH fires when EXPOSE misses the protocol port", async () => {
    const base = `${ARM}ENV DOCKER_CONTAINER=1\nCMD ["python3", "app.py"]\n`;
    expect(await staticIds({ "app.py": "", Dockerfile: `${base}EXPOSE 80\n` })).toEqual([
      "DOCKERFILE_EXPOSE_MISMATCH",
    ]);
    expect(await staticIds({ "app.py": "", Dockerfile: `${base}EXPOSE 8080 8000 9000\n` })).toEqual([]);
  });

  it("OTEL_NOT_INSTRUMENTED fires when observability is on but the entry is bare, silent when wrapped", async () => {
    const yaml = (enabled: boolean) =>
      `agents:\n  a:\n    entrypoint: app.py\n    aws:\n      observability:\n        enabled: ${enabled}\n`;
    const bare = `${ARM}ENV DOCKER_CONTAINER=1\nCMD ["python3", "app.py"]\n`;
    const wrapped = `${ARM}ENV DOCKER_CONTAINER=1\nCMD ["opentelemetry-instrument", "python3", "app.py"]\n`;
    expect(
      await staticIds({ "app.py": "", Dockerfile: bare, ".bedrock_agentcore.yaml": yaml(true) }),
    ).toEqual(["OTEL_NOT_INSTRUMENTED"]);
    expect(
      await staticIds({
        "app.py": "",
        Dockerfile: wrapped,
        "requirements.txt": "aws-opentelemetry-distro\n",
        ".bedrock_agentcore.yaml": yaml(true),
      }),
    ).toEqual([]);
    expect(
      await staticIds({ "app.py": "", Dockerfile: bare, ".bedrock_agentcore.yaml": yaml(false) }),
    ).toEqual([]);
  });

  it("PROJECT_CONFIG_INVALID fires on a config the tools reject, with file and line", async () => {
    const findings = await staticFindings({
      "app.py": "",
      Dockerfile: `${ARM}ENV DOCKER_CONTAINER=1\nCMD ["python3", "app.py"]\n`,
      ".bedrock_agentcore.yaml":
        "agents:\n  a:\n    entrypoint: app.py\n    aws:\n      network_configuration:\n        network_mode: VPC\n",
    });
    expect(findings.map((f) => f.id)).toEqual(["PROJECT_CONFIG_INVALID"]);
    expect(findings[0]!.evidence[0]).toMatchObject({
      source: { kind: "file", path: ".bedrock_agentcore.yaml", line: 6 },
    });
  });
});

describe("resolveLaunchPlan", () => {
  it("runs the Dockerfile's command with its ENV, never the caller's DOCKER_CONTAINER", async () => {
    const dir = project({
      "app.py": "",
      Dockerfile: `${ARM}ENV MODE=prod PATH=/app/bin:$PATH\nUSER app\nCMD ["python3", "app.py"]\n`,
    });
    const { plan, protocol } = await resolveLaunchPlan(dir);
    expect(protocol).toBe("HTTP");
    expect(plan.argv).toEqual(["python3", "app.py"]);
    expect(plan.origin).toBe("Dockerfile:4 CMD (exec form)");
    expect(plan.env.MODE).toBe("prod");
    expect(plan.env.PATH?.startsWith("/app/bin:")).toBe(true);
    expect(plan.env.DOCKER_CONTAINER).toBeUndefined();
    expect(plan.user).toBe("app");
  });

  it("takes --cmd over the Dockerfile, splitting plain words and using sh -c for shell syntax", async () => {
    const dir = project({ Dockerfile: `${ARM}CMD ["x"]\n` });
    expect((await resolveLaunchPlan(dir, { cmd: "python3 -u app.py" })).plan.argv).toEqual([
      "python3",
      "-u",
      "app.py",
    ]);
    expect((await resolveLaunchPlan(dir, { cmd: "cd src && python3 app.py" })).plan.argv).toEqual([
      "/bin/sh",
      "-c",
      "cd src && python3 app.py",
    ]);
  });

  it("detects layouts without a Dockerfile", async () => {
    expect((await resolveLaunchPlan(project({ "util.py": "x = 1", "main.py": SDK_APP }))).plan.argv).toEqual([
      "python3",
      "main.py",
    ]);
    const ts = project({
      "package.json": "{}",
      "src/agent.js": 'import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";',
    });
    expect((await resolveLaunchPlan(ts)).plan).toMatchObject({
      argv: ["node", "src/agent.js"],
      origin: expect.stringContaining("TypeScript SDK"),
    });
    const cli = project({
      "agentcore/agentcore.json": JSON.stringify({
        name: "p",
        version: 1,
        runtimes: [
          { name: "a", build: "CodeZip", entrypoint: "main.py", codeLocation: "app/a", protocol: "MCP" },
        ],
      }),
      "app/a/main.py": SDK_APP,
    });
    const resolved = await resolveLaunchPlan(cli);
    expect(resolved.protocol).toBe("MCP");
    expect(resolved.plan).toMatchObject({ argv: ["python3", "main.py"], cwd: join(cli, "app/a") });
  });

  it("says what to do when it cannot find an entry or a directory", async () => {
    await expect(resolveLaunchPlan(project({ "README.md": "" }))).rejects.toThrow(/--cmd/);
    await expect(resolveLaunchPlan("/nonexistent/agent")).rejects.toThrow(/not a directory/);
  });
});

describe("hosts from environment defaults and constants", () => {
  const cases: [string, Record<string, string>][] = [
    [
      "Node: process.env.HOST || 'localhost' given to listen",
      {
        "server.js":
          "const http = require('http');\nconst HOST = process.env.HOST || 'localhost';\nhttp.createServer(() => {}).listen(8080, HOST);\n",
      },
    ],
    [
      "Node: a config object's host from process.env[...] ?? '127.0.0.1'",
      {
        "index.mjs":
          'const bind = process.env["BIND"] ?? "127.0.0.1";\nawait app.listen({ port: 8080, host: bind });\n',
      },
    ],
    [
      "Python: os.environ.get('LISTEN_HOST', '127.0.0.1') given to asyncio.start_server",
      {
        "agent.py":
          'import asyncio, os\nLISTEN_HOST = os.environ.get("LISTEN_HOST", "127.0.0.1")\nasync def main():\n    await asyncio.start_server(h, LISTEN_HOST, 8080)\n',
      },
    ],
    [
      "Python: os.getenv('HOST') or 'localhost' given to uvicorn.run",
      {
        "main.py":
          'import os, uvicorn\nhost = os.getenv("HOST") or "localhost"\nuvicorn.run(app, host=host, port=8080)\n',
      },
    ],
    [
      "Python: a constant given to HTTPServer",
      { "srv.py": 'BIND = "127.0.0.1"\nHTTPServer((BIND, 8080), Handler).serve_forever()\n' },
    ],
    // Styles the fixtures do not use, read with Python's ast.
    [
      "Python: a config dict spread into an aliased uvicorn.run",
      {
        "serve.py":
          'from uvicorn import run as launch\nSERVER = dict(host="localhost", port=8080)\nif __name__ == "__main__":\n    launch("api:app", **SERVER)\n',
      },
    ],
    [
      "Python: a pydantic BaseSettings field default",
      {
        "config.py":
          'from pydantic_settings import BaseSettings\nimport uvicorn\n\nclass Settings(BaseSettings):\n    host: str = "127.0.0.1"\n    port: int = 8080\n\nsettings = Settings()\n\ndef main():\n    uvicorn.run("app:app", host=settings.host, port=settings.port)\n',
      },
    ],
  ];
  it("Python's ast traces each host to where it is written, and names the variable that would change it", async () => {
    const facts = async (files: Record<string, string>) =>
      (
        (await staticFindings({ Dockerfile: 'FROM base\nCMD ["run"]\n', ...files })).find(
          (f) => f.id === "BIND_LOOPBACK",
        )?.evidence ?? []
      ).map((e) => `${describeSource(e.source)} ${e.fact}`);
    expect(await facts(cases[5]![1])).toEqual([
      'serve.py:4 the server is given SERVER["host"], the loopback host localhost',
    ]);
    expect(await facts(cases[6]![1])).toEqual([
      "config.py:11 the server is given settings.host, which is 127.0.0.1 unless the environment sets HOST (the Dockerfile does not)",
    ]);
    // JavaScript and TypeScript by their syntax tree: a destructured env default reaching serve() through a config object.
    expect(
      await facts({
        "server.ts":
          'import { serve } from "@hono/node-server";\nconst { HOST = "127.0.0.1", PORT = "8080" } = process.env;\nconst config = { host: HOST, port: Number(PORT) };\nserve({ fetch: app.fetch, hostname: config.host, port: config.port });\n',
      }),
    ).toEqual([
      "server.ts:4 the server is given config.host, which is 127.0.0.1 unless the environment sets HOST (the Dockerfile does not)",
    ]);
    expect(
      await facts({
        "client.mjs":
          'const cache = new Redis({ host: "localhost", port: 6379 });\nawait fetch("http://localhost:9000/health");\n// app.listen(8080, "127.0.0.1") was the old way\napp.listen({ port: 8080, host: "0.0.0.0" });\n',
      }),
    ).toEqual([]);
    // A loopback host that is not a bind (a client's, an ephemeral port, a docstring) is no finding.
    expect(
      await facts({
        "worker.py":
          '"""Listens on http://127.0.0.1:8080 in tests."""\nimport redis, socket\ncache = redis.Redis(host="localhost", port=6379)\ns = socket.socket()\ns.bind(("127.0.0.1", 0))\nuvicorn.run(app, host="0.0.0.0", port=8080)\n',
      }),
    ).toEqual([]);
  });

  for (const [name, files] of cases) {
    it(`${name}: BIND_LOOPBACK`, async () => {
      const findings = await staticFindings({ Dockerfile: 'FROM base\nCMD ["run"]\n', ...files });
      const bind = findings.find((f) => f.id === "BIND_LOOPBACK");
      expect(bind, JSON.stringify(findings.map((f) => f.id))).toBeDefined();
      expect(bind!.evidence.some((e) => /is given/.test(e.fact))).toBe(true);
    });
  }

  it("not when the Dockerfile sets the variable, nor when the name never reaches a server", async () => {
    expect(
      await staticIds({
        "server.js": "const HOST = process.env.HOST || 'localhost';\nserver.listen(8080, HOST);\n",
        Dockerfile: 'FROM node:20\nENV HOST=0.0.0.0\nCMD ["node", "server.js"]\n',
      }),
    ).not.toContain("BIND_LOOPBACK");
    expect(
      await staticIds({
        "client.py": 'import os\nREDIS = os.environ.get("REDIS_HOST", "localhost")\nconnect(REDIS)\n',
        Dockerfile: 'FROM python:3.12\nCMD ["python", "client.py"]\n',
      }),
    ).not.toContain("BIND_LOOPBACK");
  });
});
