import { describe, expect, it } from "vitest";
import { parseProjectConfigText } from "../../src/agent/project-config.js";

const YAML = `default_agent: triage
agents:
  triage:
    name: triage
    entrypoint: agent.py
    platform: linux/arm64
    aws:
      region: us-east-1
      account: "123456789012"
      network_configuration:
        network_mode: VPC
        network_mode_config:
          subnets: [subnet-0a1b2c3d4e5f60718]
          security_groups: [sg-0123456789abcdef0]
      protocol_configuration:
        server_protocol: MCP
      observability:
        enabled: true
    bedrock_agentcore:
      agent_id: triage-AbCdE12345
`;

describe("parseProjectConfigText", () => {
  it("reads the starter toolkit's .bedrock_agentcore.yaml with lines", () => {
    const config = parseProjectConfigText("/p/.bedrock_agentcore.yaml", YAML);
    expect(config.problems).toEqual([]);
    expect(config).toMatchObject({
      kind: "bedrock-agentcore-yaml",
      agentName: "triage",
      entrypoint: { value: "agent.py", line: 5 },
      protocol: { value: "MCP", line: 16 },
      networkMode: { value: "VPC" },
      subnets: ["subnet-0a1b2c3d4e5f60718"],
      observability: { value: true, line: 18 },
      region: "us-east-1",
      account: "123456789012",
      runtimeId: "triage-AbCdE12345",
    });
  });

  it("reports invalid values with their line, and malformed YAML without throwing", () => {
    const bad = parseProjectConfigText(
      "/p/.bedrock_agentcore.yaml",
      YAML.replace("server_protocol: MCP", "server_protocol: GRPC").replace(
        "sg-0123456789abcdef0",
        "default",
      ),
    );
    expect(bad.problems.map((p) => p.line).sort()).toEqual([14, 16]);
    expect(bad.problems.map((p) => p.value).join("\n")).toMatch(
      /security_groups\.0: must be a security group id/,
    );
    const broken = parseProjectConfigText("/p/.bedrock_agentcore.yaml", "agents: [unclosed\n");
    expect(broken.problems.length).toBeGreaterThan(0);
  });

  it("reads the AgentCore CLI's agentcore.json, choosing the runtime whose code is checked", () => {
    const json = JSON.stringify(
      {
        name: "proj",
        version: 1,
        runtimes: [
          { name: "first", build: "CodeZip", entrypoint: "main.py", codeLocation: "app/first" },
          {
            name: "second",
            build: "Container",
            entrypoint: "main.py:handler",
            codeLocation: "app/second",
            protocol: "A2A",
            networkMode: "VPC",
            envVars: [{ name: "MODE", value: "x" }],
          },
        ],
      },
      null,
      2,
    );
    const config = parseProjectConfigText("/p/agentcore/agentcore.json", json, "/p/app/second");
    expect(config).toMatchObject({
      kind: "agentcore-json",
      root: "/p",
      agentName: "second",
      codeLocation: "app/second",
      build: "Container",
      protocol: { value: "A2A" },
    });
    expect(config.observability?.value).toBe(true);
    expect(config.environment).toEqual({ MODE: "x" });
    expect(config.problems.map((p) => p.value)).toEqual([
      "runtimes.1.networkConfig is required when networkMode is VPC",
    ]);
  });
});
