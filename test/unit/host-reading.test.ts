import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveLaunchPlan } from "../../src/agent/plan.js";
import { makeFinding } from "../../src/findings/index.js";
import { runStaticChecks } from "../../src/static-checks/index.js";
import { blankPythonNonCode, findHostlessRuns } from "../../src/static-checks/python-host.js";

/** Real projects read right (issue 11 item 6): the call actually made, the artifact the deploy path makes. */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "acd-reading-"));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function loopbackFinding(files: Record<string, string>) {
  const { plan, protocol, config } = await resolveLaunchPlan(project(files));
  const findings = await runStaticChecks({
    dir: plan.dir,
    protocol,
    ...(plan.image ? { image: plan.image } : {}),
    ...(config ? { config } : {}),
  });
  return { plan, finding: findings.find((f) => f.id === "PYTHON_SDK_LOOPBACK_DEFAULT") };
}

const AG_UI = `from strands import Agent
from bedrock_agentcore.runtime.ag_ui import serve_ag_ui

agent = Agent()

if __name__ == "__main__":
    serve_ag_ui(agent, port=8080)
`;
const ARM = "FROM --platform=linux/arm64 python:3.12-slim\n";

describe("the SDK's host default, named by the call actually made", () => {
  it("flags serve_ag_ui(...) without host like serve_a2a and app.run(), and fixes that call", async () => {
    const scan = (source: string) => findHostlessRuns(blankPythonNonCode(source), "main.py");
    expect(scan("serve_ag_ui(agent)")).toEqual([
      { file: "main.py", line: 1, call: "serve_ag_ui(agent)", fixed: 'serve_ag_ui(agent, host="0.0.0.0")' },
    ]);
    expect(scan('serve_ag_ui(agent, host="0.0.0.0")')).toEqual([]);
    const { finding } = await loopbackFinding({
      "main.py": AG_UI,
      Dockerfile: `${ARM}CMD ["python", "main.py"]\n`,
    });
    expect(finding!.title).toBe("serve_ag_ui(...) without host binds 127.0.0.1 in AgentCore");
    expect(finding!.fix).toBe(
      'Add `ENV DOCKER_CONTAINER=1` to the Dockerfile, or call `serve_ag_ui(agent, port=8080, host="0.0.0.0")` in main.py:7.',
    );
  });

  it("names app.run() and serve_a2a(...) in title and fix", async () => {
    const a2a = await loopbackFinding({
      "agent.py": "from bedrock_agentcore.runtime import serve_a2a\nserve_a2a(executor, port=9000)\n",
      Dockerfile: `${ARM}CMD ["python", "agent.py"]\n`,
    });
    expect(a2a.finding!.title).toBe("serve_a2a(...) without host binds 127.0.0.1 in AgentCore");
    expect(a2a.finding!.fix).toContain('`serve_a2a(executor, port=9000, host="0.0.0.0")`');
    // Without the values, the catalog's general title.
    expect(makeFinding("PYTHON_SDK_LOOPBACK_DEFAULT", []).title).toBe(
      "The AgentCore SDK's server started without host binds 127.0.0.1 in AgentCore",
    );
  });

  it("without a Dockerfile never says to edit one", async () => {
    const { finding } = await loopbackFinding({
      "app.py":
        "from bedrock_agentcore.runtime import BedrockAgentCoreApp\napp = BedrockAgentCoreApp()\napp.run()\n",
    });
    expect(finding!.fix).not.toMatch(/Dockerfile/);
    expect(finding!.fix).toBe(
      'Set `DOCKER_CONTAINER=1` in the environment of the image that runs it, or call `app.run(host="0.0.0.0")` in app.py:3.',
    );
  });

  it("a starter toolkit project without a Dockerfile is judged by the one `agentcore launch` generates (DOCKER_CONTAINER=1)", async () => {
    const { plan, finding } = await loopbackFinding({
      "agent.py":
        "from bedrock_agentcore.runtime import BedrockAgentCoreApp\napp = BedrockAgentCoreApp()\napp.run()\n",
      ".bedrock_agentcore.yaml": `default_agent: agent
agents:
  agent:
    name: agent
    entrypoint: agent.py
    platform: linux/arm64
    container_runtime: docker
    aws:
      region: us-west-2
      network_configuration:
        network_mode: PUBLIC
      protocol_configuration:
        server_protocol: HTTP
`,
    });
    expect(finding).toBeUndefined();
    expect(plan.env.DOCKER_CONTAINER).toBe("1");
  });
});

describe("a project the starter toolkit deploys, before `agentcore configure`", () => {
  it("declares the toolkit in requirements.txt, as the AgentCore samples do: judged by the Dockerfile it generates", async () => {
    const { plan, finding } = await loopbackFinding({
      "strands_claude.py":
        "from bedrock_agentcore.runtime import BedrockAgentCoreApp\napp = BedrockAgentCoreApp()\napp.run()\n",
      "requirements.txt": "strands-agents\nboto3\nbedrock-agentcore\nbedrock-agentcore-starter-toolkit\n",
    });
    expect(finding).toBeUndefined();
    expect(plan.env.DOCKER_CONTAINER).toBe("1");
    const { starterToolkit } = await resolveLaunchPlan(
      project({
        "app.py": "from bedrock_agentcore.runtime import BedrockAgentCoreApp\napp = BedrockAgentCoreApp()\n",
        "requirements.txt": "bedrock-agentcore-starter-toolkit-extras\n",
      }),
    );
    expect(starterToolkit).toBeUndefined();
  });
});

describe("entry files", () => {
  it("names every candidate and why the first was run", async () => {
    const app =
      "from bedrock_agentcore.runtime import BedrockAgentCoreApp\napp = BedrockAgentCoreApp()\napp.run()\n";
    const { plan } = await resolveLaunchPlan(project({ "main.py": app, "agent_v2.py": app }));
    expect(plan.argv).toEqual(["python3", "main.py"]);
    expect(plan.origin).toBe(
      'detected: Python BedrockAgentCoreApp in main.py (candidates: main.py, agent_v2.py; ran the first by name (main, app, agent, server, index) and depth; pass --cmd "python3 agent_v2.py" for another)',
    );
  });

  it("finds a FastMCP server and probes it as MCP, but not an HTTP agent that uses MCP tools", async () => {
    const server = await resolveLaunchPlan(
      project({
        "server.py": 'from mcp.server.fastmcp import FastMCP\nmcp = FastMCP(host="0.0.0.0")\nmcp.run()\n',
      }),
    );
    expect(server.protocol).toBe("MCP");
    expect(server.protocolOrigin).toBe("detected: an MCP SDK server in server.py");
    expect(server.plan.origin).toBe("detected: an MCP SDK server in server.py");
    const agui = await resolveLaunchPlan(project({ "main.py": AG_UI }));
    expect([agui.protocol, agui.plan.argv]).toEqual(["AGUI", ["python3", "main.py"]]);
    const a2a = await resolveLaunchPlan(
      project({
        "agent.py":
          "# serve_a2a(x) in a comment\nfrom bedrock_agentcore.runtime import serve_a2a\nserve_a2a(executor)\n",
      }),
    );
    expect(a2a.protocol).toBe("A2A");
    const client = await resolveLaunchPlan(
      project({
        "app.py":
          "from mcp.client.streamable_http import streamablehttp_client\nfrom bedrock_agentcore.runtime import BedrockAgentCoreApp\napp = BedrockAgentCoreApp()\napp.run()\n",
      }),
    );
    expect(client.protocol).toBe("HTTP");
  });
});
