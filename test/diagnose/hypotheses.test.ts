import { describe, expect, it } from "vitest";
import type { DiagnoseEvidence } from "../../src/diagnose/analysis-input.js";
import { rankHypotheses } from "../../src/diagnose/hypotheses.js";
import { makeFinding } from "../../src/findings/index.js";

function evidence(networkMode: "PUBLIC" | "VPC", sourceChecked: boolean): DiagnoseEvidence {
  return {
    runtime: {
      source: { kind: "api", service: "bedrock-agentcore-control", operation: "GetAgentRuntime" },
      value: {
        runtimeId: "a-AbCdE12345",
        runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-AbCdE12345",
        name: "a",
        version: "1",
        status: "READY",
        networkMode,
        subnets: [],
        securityGroups: [],
        protocol: "HTTP",
        roleArn: "arn:aws:iam::123456789012:role/R",
        environmentVariableNames: [],
        versions: [],
        endpoint: { name: "DEFAULT", status: "READY" },
      },
    },
    ...(sourceChecked ? { sourceFindings: [] } : {}),
    gaps: [],
  };
}

const fileEvidence = (fact: string) => ({ fact, source: { kind: "file" as const, path: "app.py", line: 3 } });

describe("rankHypotheses", () => {
  it("ranks a cause read from the source first as likely (a static reading confirms nothing) and rules out VPC causes for a PUBLIC runtime", () => {
    const findings = [
      makeFinding("PYTHON_SDK_LOOPBACK_DEFAULT", [
        fileEvidence("app.run() passes no host"),
        fileEvidence("no DOCKER_CONTAINER"),
      ]),
    ];
    const ranked = rankHypotheses(evidence("PUBLIC", true), findings);
    expect(ranked[0]).toMatchObject({
      cause: "PYTHON_SDK_LOOPBACK_DEFAULT",
      verdict: "likely",
      role: "cause",
    });
    expect(ranked[0]!.restsOn).toBeUndefined();
    expect(ranked.find((h) => h.cause === "VPC_ENDPOINT_MISSING")).toMatchObject({ verdict: "ruled-out" });
    // Static checks that found no /ping problem rule nothing out: unknown, with what would settle it.
    const ping = ranked.find((h) => h.cause === "PING_NOT_FOUND")!;
    expect(ping.verdict).toBe("unknown");
    expect(ping.checked[0]).toContain("rules nothing out");
    expect(ping.against).toEqual([]);
    expect(ranked.at(-1)!.verdict).toBe("ruled-out");
  });

  it("says unknown, with what would confirm it, when the evidence was not collected", () => {
    const ranked = rankHypotheses(evidence("VPC", false), []);
    const loopback = ranked.find((h) => h.cause === "BIND_LOOPBACK")!;
    expect(loopback.verdict).toBe("unknown");
    expect(loopback.toConfirm).toContain("agentcore-doctor check");
    expect(ranked.every((h) => h.verdict !== "ruled-out")).toBe(true);
  });
});
