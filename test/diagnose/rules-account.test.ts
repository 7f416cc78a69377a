import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DiagnoseEvidence } from "../../src/diagnose/analysis-input.js";
import { trustsService } from "../../src/diagnose/collect/iam.js";
import { parseEcrUri } from "../../src/diagnose/collect/image.js";
import { parseListenLine, readLines } from "../../src/diagnose/collect/logs.js";
import type { RuntimeEvidence } from "../../src/diagnose/collect/runtime.js";
import { applyRules } from "../../src/diagnose/rules/index.js";
import { mergeFindings } from "../../src/findings/index.js";

const api = (service: string, operation: string) => ({ kind: "api" as const, service, operation });

function runtime(overrides: Partial<RuntimeEvidence> = {}): DiagnoseEvidence["runtime"] {
  return {
    source: api("bedrock-agentcore-control", "GetAgentRuntime"),
    value: {
      runtimeId: "agent-AbCdE12345",
      runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-AbCdE12345",
      name: "agent",
      version: "1",
      status: "READY",
      networkMode: "VPC",
      subnets: ["subnet-0a1b2c3d4e5f60718"],
      securityGroups: ["sg-0123456789abcdef0"],
      protocol: "HTTP",
      containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1",
      roleArn: "arn:aws:iam::123456789012:role/AgentRole",
      environmentVariableNames: [],
      versions: [{ version: "1", status: "READY" }],
      endpoint: { name: "DEFAULT", status: "READY", liveVersion: "1" },
      ...overrides,
    },
  };
}

const TRUSTED = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
};
const allowedAll = [
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
  "ecr:GetAuthorizationToken",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
].map((action) => ({ action, resource: "*", decision: "allowed" }));

function evidence(overrides: Partial<DiagnoseEvidence> = {}): DiagnoseEvidence {
  return {
    runtime: runtime(),
    iam: {
      executionRole: {
        value: {
          roleName: "AgentRole",
          arn: "arn:aws:iam::123456789012:role/AgentRole",
          trustPolicy: TRUSTED,
          trustsAgentCore: true,
        },
        source: api("iam", "GetRole"),
      },
      serviceLinkedRole: { value: { exists: true }, source: api("iam", "GetRole") },
      permissions: { value: allowedAll, source: api("iam", "SimulatePrincipalPolicy") },
    },
    gaps: [],
    ...overrides,
  };
}

const ids = (e: DiagnoseEvidence) => applyRules(e).map((f) => f.id);
const logLine = (message: string, line: number) => ({
  time: new Date(0),
  message,
  source: {
    kind: "log" as const,
    group: "/aws/bedrock-agentcore/runtimes/agent-AbCdE12345-DEFAULT",
    stream: "s",
    line,
  },
});

describe("account rules (IAM, logs, image, invocation)", () => {
  it("stays silent when the roles, permissions, logs and image are right", () => {
    expect(ids(evidence())).toEqual([]);
  });

  it("EXECUTION_ROLE_TRUST_INVALID, _CANNOT_LOG and _CANNOT_PULL_IMAGE come from GetRole and IAM's own simulation", () => {
    const denied = allowedAll.map((a) =>
      a.action.startsWith("logs:") || a.action === "ecr:BatchGetImage"
        ? { ...a, decision: "implicitDeny" }
        : a,
    );
    const findings = applyRules(
      evidence({
        iam: {
          executionRole: {
            value: {
              roleName: "AgentRole",
              arn: "x",
              trustPolicy: { Statement: [] },
              trustsAgentCore: false,
            },
            source: api("iam", "GetRole"),
          },
          permissions: { value: denied, source: api("iam", "SimulatePrincipalPolicy") },
        },
      }),
    );
    expect(findings.map((f) => f.id).sort()).toEqual([
      "EXECUTION_ROLE_CANNOT_LOG",
      "EXECUTION_ROLE_CANNOT_PULL_IMAGE",
      "EXECUTION_ROLE_TRUST_INVALID",
    ]);
    const pull = findings.find((f) => f.id === "EXECUTION_ROLE_CANNOT_PULL_IMAGE")!;
    expect(pull.fix).toContain("arn:aws:ecr:us-east-1:123456789012:repository/agent");
    expect(findings.find((f) => f.id === "EXECUTION_ROLE_CANNOT_LOG")!.evidence[0]!.fact).toContain(
      "implicitDeny",
    );
  });

  it("SERVICE_LINKED_ROLE_MISSING only in VPC mode", () => {
    const missing = { value: { exists: false }, source: api("iam", "GetRole") };
    expect(ids(evidence({ iam: { serviceLinkedRole: missing } }))).toEqual(["SERVICE_LINKED_ROLE_MISSING"]);
    expect(
      ids(evidence({ runtime: runtime({ networkMode: "PUBLIC" }), iam: { serviceLinkedRole: missing } })),
    ).toEqual([]);
  });

  it("NO_RUNTIME_LOGS when the group is absent; STARTUP_CRASH quotes the traceback; BIND_LOOPBACK from the announced address", () => {
    const source = api("logs", "DescribeLogGroups");
    expect(
      ids(evidence({ logs: { value: { groups: [], streams: [], lines: [], pings: [] }, source } })),
    ).toEqual(["NO_RUNTIME_LOGS"]);
    const lines = [
      logLine("Traceback (most recent call last):", 1),
      logLine('  File "/app/agent.py", line 3, in <module>', 2),
      logLine("    import strands", 3),
      logLine("ModuleNotFoundError: No module named 'strands'", 4),
    ];
    const crashed = applyRules(
      evidence({
        logs: {
          value: { groups: ["g"], group: "g", streams: [{ name: "s" }], lines, ...readLines(lines) },
          source,
        },
      }),
    );
    expect(crashed.map((f) => f.id)).toEqual(["STARTUP_CRASH"]);
    expect(crashed[0]!.evidence[0]!.fact).toContain(
      "ModuleNotFoundError: No module named 'strands' at /app/agent.py:3",
    );
    expect(crashed[0]!.evidence[0]!.source).toMatchObject({ kind: "log", line: 1 });
    const loopback = [
      logLine("INFO:     Uvicorn running on http://127.0.0.1:8080 (Press CTRL+C to quit)", 1),
    ];
    expect(
      ids(
        evidence({
          logs: {
            value: {
              groups: ["g"],
              group: "g",
              streams: [{ name: "s" }],
              lines: loopback,
              ...readLines(loopback),
            },
            source,
          },
        }),
      ),
    ).toEqual(["BIND_LOOPBACK"]);
  });

  it("PING_NOT_FOUND and PING_BAD_RESPONSE from the health checks the server logged", () => {
    const source = api("logs", "DescribeLogStreams");
    const withLines = (messages: string[]) => {
      const lines = messages.map((m, i) => logLine(m, i + 1));
      return evidence({
        logs: {
          value: { groups: ["g"], group: "g", streams: [{ name: "s" }], lines, ...readLines(lines) },
          source,
        },
      });
    };
    expect(ids(withLines(['169.254.0.1 - "GET /ping HTTP/1.1" 404 -']))).toEqual(["PING_NOT_FOUND"]);
    expect(
      ids(withLines(['INFO:     169.254.0.1:4242 - "GET /ping HTTP/1.1" 500 Internal Server Error'])),
    ).toEqual(["PING_BAD_RESPONSE"]);
    expect(ids(withLines(['INFO:     169.254.0.1:4242 - "GET /ping HTTP/1.1" 200 OK']))).toEqual([]);
  });

  it("reads the SDK's JSON error lines and the common listen lines", () => {
    const json = [
      logLine(
        JSON.stringify({
          level: "ERROR",
          message: "boom",
          errorType: "ValueError",
          errorMessage: "bad config",
          stackTrace: ['  File "/app/a.py", line 9, in f'],
        }),
        1,
      ),
    ];
    expect(readLines(json).exception?.parsed).toMatchObject({ type: "ValueError", message: "bad config" });
    expect(parseListenLine("Server listening at http://0.0.0.0:8080")).toEqual({
      host: "0.0.0.0",
      port: 8080,
    });
    expect(parseListenLine("Uvicorn running on http://127.0.0.1:8080")).toEqual({
      host: "127.0.0.1",
      port: 8080,
    });
    expect(parseListenLine("nothing here")).toBeUndefined();
  });

  it("IMAGE_NOT_ARM64 from the manifest's platforms; silent when arm64 is among them or they are unknown", () => {
    const image = (platforms: string[]) => ({
      value: { uri: "u", platforms },
      source: api("ecr", "BatchGetImage"),
    });
    expect(ids(evidence({ image: image(["linux/amd64"]) }))).toEqual(["IMAGE_NOT_ARM64"]);
    expect(ids(evidence({ image: image(["linux/amd64", "linux/arm64"]) }))).toEqual([]);
    expect(ids(evidence({ image: image([]) }))).toEqual([]);
  });

  it("IMAGE_NOT_ARM64 seen: the container's own 'exec format error' (the kernel's ENOEXEC) joins the manifest's evidence", () => {
    const source = api("logs", "GetLogEvents");
    const logs = (messages: string[]) => {
      const lines = messages.map((m, i) => logLine(m, i + 1));
      return {
        value: { groups: ["g"], group: "g", streams: [{ name: "s" }], lines, ...readLines(lines) },
        source,
      };
    };
    const refused = applyRules(evidence({ logs: logs(["exec /usr/local/bin/python: exec format error"]) }));
    expect(refused.map((f) => f.id)).toEqual(["IMAGE_NOT_ARM64"]);
    expect(refused[0]!.evidence[0]!.source.kind).toBe("log");
    expect(refused[0]!.evidence[0]!.fact).toContain("exec /usr/local/bin/python: exec format error");
    // Beside the manifest's listing: one finding, both observations, as diagnose merges them.
    const both = mergeFindings(
      applyRules(
        evidence({
          image: { value: { uri: "u", platforms: ["linux/amd64"] }, source: api("ecr", "BatchGetImage") },
          logs: logs(["standard_init_linux.go:228: exec user process caused: exec format error"]),
        }),
      ),
    ).filter((f) => f.id === "IMAGE_NOT_ARM64");
    expect(both).toHaveLength(1);
    expect(both[0]!.evidence.map((e) => e.source.kind)).toEqual(["api", "log"]);
    expect(ids(evidence({ logs: logs(["listening on 0.0.0.0:8080"]) }))).toEqual([]);
  });

  it("HEALTH_CHECK_FAILING from --invoke's RuntimeClientError", () => {
    const invoke = {
      value: {
        sessionId: "s",
        ok: false,
        elapsedMs: 30_000,
        statusCode: 424,
        errorCode: "RuntimeClientError",
        errorMessage: "Runtime health check failed or timed out. Please make sure ...",
      },
      source: api("bedrock-agentcore", "InvokeAgentRuntime"),
    };
    expect(ids(evidence({ invoke }))).toEqual(["HEALTH_CHECK_FAILING"]);
    expect(
      ids(evidence({ invoke: { ...invoke, value: { sessionId: "s", ok: true, elapsedMs: 5 } } })),
    ).toEqual([]);
  });

  it("parses ECR URIs and trust policies", () => {
    expect(parseEcrUri("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/agent:v2")).toMatchObject({
      registryId: "123456789012",
      region: "eu-west-1",
      repositoryName: "team/agent",
      imageTag: "v2",
    });
    // The repository ARN is in the region's partition.
    expect(parseEcrUri("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/agent:1")?.repositoryArn).toBe(
      "arn:aws-cn:ecr:cn-north-1:123456789012:repository/agent",
    );
    expect(parseEcrUri("docker.io/library/python:3.12")).toBeUndefined();
    expect(trustsService(TRUSTED, "bedrock-agentcore.amazonaws.com")).toBe(true);
    expect(
      trustsService(
        {
          Statement: {
            Effect: "Allow",
            Principal: { Service: ["lambda.amazonaws.com"] },
            Action: "sts:AssumeRole",
          },
        },
        "bedrock-agentcore.amazonaws.com",
      ),
    ).toBe(false);
  });
});

describe("log rules read any framework's start-up line", () => {
  const healthCheckFailed = {
    value: {
      sessionId: "s",
      ok: false,
      elapsedMs: 120_000,
      statusCode: 424,
      errorCode: "RuntimeClientError",
      errorMessage: "Runtime health check failed or timed out",
    },
    source: api("bedrock-agentcore", "InvokeAgentRuntime"),
  };
  const withOutput = (messages: string[], invoke = true) => {
    const lines = messages.map((m, i) => logLine(m, i + 1));
    return evidence({
      runtime: runtime({ networkMode: "PUBLIC" }),
      ...(invoke ? { invoke: healthCheckFailed } : {}),
      logs: {
        value: { groups: ["g"], group: "g", streams: [{ name: "s" }], lines, ...readLines(lines) },
        source: api("logs", "GetLogEvents"),
      },
    });
  };

  /** The rules' findings less the symptom (HEALTH_CHECK_FAILING), which the failed invocation always brings. */
  const causes = (e: DiagnoseEvidence) => applyRules(e).filter((f) => f.id !== "HEALTH_CHECK_FAILING");

  it("Python's http.server on 0.0.0.0:8000 is a wrong port, never a server that did not announce itself", () => {
    const findings = causes(withOutput(["Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ..."]));
    expect(findings.map((f) => f.id)).toEqual(["BIND_WRONG_PORT"]);
    expect(findings[0]!.evidence[0]!.fact).toContain("0.0.0.0:8000");
  });

  it.each([
    "Server running at http://localhost:8080/",
    "[2024-05-01 10:00:00 +0000] [1] [INFO] Listening at: http://127.0.0.1:8080 (1)",
    '{"level":30,"pid":1,"hostname":"ip-10-0-0-1","msg":"Server listening at http://[::1]:8080"}',
  ])("BIND_LOOPBACK from %s", (line) => {
    expect(causes(withOutput(["starting", line])).map((f) => f.id)).toEqual(["BIND_LOOPBACK"]);
  });

  it("Flask's loopback URL beside its interface URL is no loopback bind", () => {
    const flask = [
      " * Serving Flask app 'agent'",
      " * Running on all addresses (0.0.0.0)",
      " * Running on http://127.0.0.1:8080",
      " * Running on http://169.254.0.5:8080",
      "Press CTRL+C to quit",
    ];
    expect(causes(withOutput(flask)).map((f) => f.id)).toEqual([]);
    expect(causes(withOutput(flask.slice(0, 3))).map((f) => f.id)).toEqual([]);
  });

  it("a port without a host counts as announced: no STARTUP_TIMEOUT, and a wrong port is named", () => {
    expect(causes(withOutput(["Example app listening on port 8080"])).map((f) => f.id)).toEqual([]);
    expect(causes(withOutput(["Example app listening on port 3000"])).map((f) => f.id)).toEqual([
      "BIND_WRONG_PORT",
    ]);
  });

  it("STARTUP_TIMEOUT quotes a failed bind as what it is, not as silence", () => {
    const findings = applyRules(
      withOutput([
        "INFO:     Started server process [1]",
        "ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8080): address already in use",
      ]),
    );
    const fact = findings.find((f) => f.id === "STARTUP_TIMEOUT")?.evidence[0]?.fact;
    expect(fact).not.toContain("never announced");
    expect(fact).toContain("no line of it reads as a server listening");
  });

  it("a link the output prints (the SDK's version warning) is never quoted as a server listening", () => {
    const findings = causes(
      withOutput(["More information can be found at: https://a.co/c895JFp", "Fetching account id..."]),
    );
    expect(findings.map((f) => f.id)).not.toContain("BIND_WRONG_PORT");
    expect(findings.flatMap((f) => f.evidence).some((x) => x.fact.includes("announced a.co"))).toBe(false);
  });

  it("property: any '<words> http://<reachable host>:8080' line keeps STARTUP_TIMEOUT and BIND_LOOPBACK away", () => {
    const word = fc
      .stringMatching(/^[a-z]{1,8}$/)
      .filter((w) => !/^(?:to|from|via|error|errno|failed|fail|port)$/.test(w));
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 5 }),
        fc.constantFrom("0.0.0.0", "[::]", "169.254.0.5", "ip-10-0-0-1.ec2.internal"),
        (words, host) => {
          const ids = causes(withOutput([`${words.join(" ")} http://${host}:8080/`.trim()])).map((f) => f.id);
          expect(ids).not.toContain("STARTUP_TIMEOUT");
          expect(ids).not.toContain("BIND_LOOPBACK");
        },
      ),
    );
  });
});
