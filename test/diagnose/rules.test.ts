import { describe, expect, it } from "vitest";
import { parseProjectConfigText } from "../../src/agent/project-config.js";
import type { DiagnoseEvidence } from "../../src/diagnose/analysis-input.js";
import type { RuntimeEvidence } from "../../src/diagnose/collect/runtime.js";
import { applyRules } from "../../src/diagnose/rules/index.js";

const source = { kind: "api" as const, service: "bedrock-agentcore-control", operation: "GetAgentRuntime" };

function runtime(overrides: Partial<RuntimeEvidence> = {}): DiagnoseEvidence["runtime"] {
  return {
    source,
    value: {
      runtimeId: "vpc_agent-AbCdE12345",
      runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/vpc_agent-AbCdE12345",
      name: "vpc_agent",
      version: "1",
      status: "READY",
      networkMode: "VPC",
      subnets: ["subnet-0a1b2c3d4e5f60718"],
      securityGroups: ["sg-0123456789abcdef0"],
      protocol: "HTTP",
      roleArn: "arn:aws:iam::123456789012:role/AgentRole",
      environmentVariableNames: [],
      versions: [{ version: "1", status: "READY" }],
      endpoint: { name: "DEFAULT", status: "READY", liveVersion: "1" },
      ...overrides,
    },
  };
}

const ids = (evidence: DiagnoseEvidence) => applyRules(evidence).map((f) => f.id);

describe("rules", () => {
  it("RUNTIME_NOT_READY fires on a failed runtime or endpoint, with the failureReason, and stays silent when READY", () => {
    const failed = applyRules({
      runtime: runtime({ status: "CREATE_FAILED", failureReason: "Subnet has no free IP addresses" }),
      gaps: [],
    });
    expect(failed.map((f) => f.id)).toEqual(["RUNTIME_NOT_READY"]);
    expect(failed[0]!.evidence[0]!.fact).toContain("Subnet has no free IP addresses");
    expect(ids({ runtime: runtime(), gaps: [] })).toEqual([]);
  });

  it("CONFIG_DRIFT names each field that differs from .bedrock_agentcore.yaml, silent when they agree", () => {
    const yaml = (mode: string, subnet: string) =>
      `agents:\n  vpc_agent:\n    entrypoint: app.py\n    aws:\n      execution_role: arn:aws:iam::123456789012:role/AgentRole\n      network_configuration:\n        network_mode: ${mode}\n        network_mode_config:\n          subnets: [${subnet}]\n          security_groups: [sg-0123456789abcdef0]\n      protocol_configuration:\n        server_protocol: HTTP\n`;
    const drifted = applyRules({
      runtime: runtime(),
      config: parseProjectConfigText("/p/.bedrock_agentcore.yaml", yaml("VPC", "subnet-0f1e2d3c4b5a69788")),
      gaps: [],
    });
    expect(drifted.map((f) => f.id)).toEqual(["CONFIG_DRIFT"]);
    expect(drifted[0]!.fix).toContain("subnets (subnet-0f1e2d3c4b5a69788 → subnet-0a1b2c3d4e5f60718)");
    expect(
      ids({
        runtime: runtime(),
        config: parseProjectConfigText("/p/.bedrock_agentcore.yaml", yaml("VPC", "subnet-0a1b2c3d4e5f60718")),
        gaps: [],
      }),
    ).toEqual([]);
    const mode = applyRules({
      runtime: runtime({ networkMode: "PUBLIC", subnets: [], securityGroups: [] }),
      config: parseProjectConfigText("/p/.bedrock_agentcore.yaml", yaml("VPC", "subnet-0a1b2c3d4e5f60718")),
      gaps: [],
    });
    expect(mode[0]!.evidence.map((e) => e.fact)).toEqual([
      "network mode: the config says VPC",
      "network mode: the runtime has PUBLIC",
    ]);
  });
});
