import { describe, expect, it } from "vitest";
import type { DiagnoseEvidence } from "../../src/diagnose/analysis-input.js";
import { rankHypotheses } from "../../src/diagnose/hypotheses.js";
import { replayOverrules, withoutOverruled } from "../../src/diagnose/overrule.js";
import { type Finding, makeFinding } from "../../src/findings/index.js";

type Obs = Extract<NonNullable<DiagnoseEvidence["replay"]>, { ran: true }>["observations"][number];

const staticLoopback = makeFinding(
  "BIND_LOOPBACK",
  [
    {
      fact: "the server is given HOST, which is 127.0.0.1 unless the environment sets HOST",
      source: { kind: "file", path: "app.py", line: 9 },
    },
  ],
  { port: 8080 },
);

function evidence(observations: Obs[] | undefined, sourceFindings: Finding[]): DiagnoseEvidence {
  return {
    runtime: {
      source: { kind: "api", service: "bedrock-agentcore-control", operation: "GetAgentRuntime" },
      value: {
        runtimeId: "a-AbCdE12345",
        runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-AbCdE12345",
        name: "a",
        version: "1",
        status: "READY",
        networkMode: "PUBLIC",
        subnets: [],
        securityGroups: [],
        protocol: "HTTP",
        roleArn: "arn:aws:iam::123456789012:role/R",
        environmentVariableNames: [],
        versions: [],
        endpoint: { name: "DEFAULT", status: "READY" },
      },
    },
    sourceFindings,
    ...(observations
      ? {
          replay: {
            ran: true as const,
            artifact: "agent",
            network: "public" as const,
            envLacked: [],
            startedAt: 0,
            endedAt: 1,
            observations,
          },
        }
      : {}),
    gaps: [],
  };
}

describe("a replay observation outranks the static reading", () => {
  it("a socket on 0.0.0.0:8080 overrules a loopback host read from the source, and rules the cause out", () => {
    const e = evidence([{ kind: "listening", address: "0.0.0.0", port: 8080, at: 5 }], [staticLoopback]);
    const seen = replayOverrules("BIND_LOOPBACK", e);
    expect(seen).toMatchObject({ source: { kind: "replay", observation: "listening", at: 5 } });
    expect(seen!.fact).toBe(
      "in the replay the agent listened on 0.0.0.0:8080, where the health check arrives: what ran overrules the source's reading (the server is given HOST, which is 127.0.0.1 unless the environment sets HOST, app.py:9)",
    );
    const findings = withoutOverruled([staticLoopback], e);
    expect(findings).toEqual([]);
    const loopback = rankHypotheses(e, findings).find((h) => h.cause === "BIND_LOOPBACK")!;
    expect(loopback.verdict).toBe("ruled-out");
    expect(loopback.against).toEqual([seen]);
  });

  it("a healthy /ping overrules it too; a loopback-only socket, no replay, or an observed finding do not", () => {
    const healthy: Obs = { kind: "ping", status: 200, body: '{"status":"Healthy"}', at: 3 };
    expect(replayOverrules("BIND_LOOPBACK", evidence([healthy], [staticLoopback]))?.source).toMatchObject({
      observation: "ping",
    });
    const loopbackOnly = evidence(
      [{ kind: "listening", address: "127.0.0.1", port: 8080, at: 1 }],
      [staticLoopback],
    );
    expect(replayOverrules("BIND_LOOPBACK", loopbackOnly)).toBeUndefined();
    expect(withoutOverruled([staticLoopback], loopbackOnly)).toEqual([staticLoopback]);
    expect(replayOverrules("BIND_LOOPBACK", evidence(undefined, [staticLoopback]))).toBeUndefined();
    // Another port's socket says nothing about the health check's.
    expect(
      replayOverrules(
        "BIND_LOOPBACK",
        evidence([{ kind: "listening", address: "0.0.0.0", port: 9000, at: 1 }], [staticLoopback]),
      ),
    ).toBeUndefined();
    // The deployed runtime's own log line is an observation: left for the ranking, never dropped here.
    const logged = makeFinding("BIND_LOOPBACK", [
      {
        fact: "Uvicorn running on http://127.0.0.1:8080",
        source: { kind: "log", group: "/aws/bedrock-agentcore/runtimes/a" },
      },
    ]);
    const e = evidence([{ kind: "listening", address: "0.0.0.0", port: 8080, at: 5 }], [staticLoopback]);
    expect(withoutOverruled([logged], e)).toEqual([logged]);
  });
});
