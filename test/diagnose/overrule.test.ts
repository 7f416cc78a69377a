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

describe("a start-up seen healthy in the VPC's twin outranks the prediction that it hangs there", () => {
  // Made as the network rule makes it: the symptom (an API state), the start-up call read from the
  // source, and the path the VPC's model finds blocked. Nothing in it saw the start-up hang.
  const predicted = makeFinding(
    "STARTUP_BLOCKED_ON_NETWORK",
    [
      {
        fact: "InvokeAgentRuntime on a new session failed: RuntimeClientError: health check timed out",
        source: { kind: "api", service: "bedrock-agentcore", operation: "InvokeAgentRuntime" },
      },
      {
        fact: "boto3.client('sts') is called at import",
        source: { kind: "file", path: "agent.py", line: 4 },
      },
      {
        fact: "no route from subnet-1 to sts.us-east-1.amazonaws.com",
        source: { kind: "api", service: "ec2", operation: "DescribeRouteTables" },
      },
    ],
    { destinations: "sts.us-east-1.amazonaws.com:443" },
  );
  const inVpc = (observations: Obs[], network: "twin" | "public" = "twin"): DiagnoseEvidence => {
    const e = evidence(observations, []);
    e.runtime.value.networkMode = "VPC";
    if (e.replay?.ran) e.replay.network = network;
    return e;
  };
  const healthy: Obs = { kind: "ping", status: 200, body: '{"status":"Healthy"}', at: 7 };

  it("is dropped, and the cause is ruled out by the /ping the twin saw", () => {
    const e = inVpc([healthy]);
    expect(withoutOverruled([predicted], e)).toEqual([]);
    const seen = replayOverrules("STARTUP_BLOCKED_ON_NETWORK", e);
    expect(seen).toMatchObject({ source: { kind: "replay", observation: "ping", at: 7 } });
    expect(seen!.fact).toMatch(/did not hang on the network/);
  });

  it("stands without a replay, with an unhealthy one, in a replay outside the twin, or when the replay saw it", () => {
    expect(withoutOverruled([predicted], evidence(undefined, []))).toEqual([predicted]);
    const unhealthy: Obs = { kind: "ping", status: 503, body: "", at: 7 };
    expect(withoutOverruled([predicted], inVpc([unhealthy]))).toEqual([predicted]);
    expect(withoutOverruled([predicted], inVpc([healthy], "public"))).toEqual([predicted]);
    const seenDropped = makeFinding("STARTUP_BLOCKED_ON_NETWORK", [
      {
        fact: "the agent's connection to sts.us-east-1.amazonaws.com:443 was dropped in the twin's network",
        source: { kind: "replay", observation: "connection", at: 2 },
      },
    ]);
    expect(withoutOverruled([seenDropped], inVpc([healthy]))).toEqual([seenDropped]);
  });
});
