import { describe, expect, it } from "vitest";
import type { DiagnoseEvidence } from "../../src/diagnose/analysis-input.js";
import type { RuntimeEvidence } from "../../src/diagnose/collect/runtime.js";
import { diagnoseError, matchErrorShapes } from "../../src/diagnose/error-messages.js";
import { applyRules } from "../../src/diagnose/rules/index.js";
import { verdictOf } from "../../src/diagnose/verdict.js";

const source = { kind: "api" as const, service: "bedrock-agentcore-control", operation: "GetAgentRuntime" };
const ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-AbCdE12345";

function evidence(
  overrides: Partial<RuntimeEvidence>,
  more: Partial<DiagnoseEvidence> = {},
): DiagnoseEvidence {
  return {
    runtime: {
      source,
      value: {
        runtimeId: "agent-AbCdE12345",
        runtimeArn: ARN,
        name: "agent",
        version: "1",
        status: "READY",
        networkMode: "PUBLIC",
        subnets: [],
        securityGroups: [],
        protocol: "HTTP",
        roleArn: "arn:aws:iam::123456789012:role/AgentRole",
        environmentVariableNames: [],
        versions: [{ version: "1", status: "READY" }],
        endpoint: { name: "DEFAULT", status: "READY", liveVersion: "1" },
        ...overrides,
      },
    },
    gaps: [],
    ...more,
  };
}
const pasted = (text: string) => ({
  reportedError: { value: text, source: { kind: "reported" as const, detail: "--error" } },
});
const JWT = {
  authorizer: {
    discoveryUrl:
      "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc/.well-known/openid-configuration",
    allowedClients: ["web-client"],
    allowedAudience: ["agents-api"],
  },
};

// The messages as AWS and the reports quoted in the facts file word them.
const MESSAGES = {
  mismatch:
    "An error occurred (AccessDeniedException) when calling the InvokeAgentRuntime operation: Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request. (OAuth or SigV4)",
  missing: '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Missing Authentication Token"},"id":"null"}',
  crossAccount:
    "AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/Admin/user is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime on resource: arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-AbCdE12345 because no resource-based policy allows the bedrock-agentcore:InvokeAgentRuntime action",
  audience: 'AgentCore API error (403): {"message":"*** missing required audience claim."}',
  healthCheck:
    "RuntimeClientError: Runtime health check failed or timed out. Please make sure that health check is implemented according to the requirements here - https://docs.aws.amazon.com/",
  initTime:
    "RuntimeClientError: Runtime initialization time exceeded. Please make sure that initialization completes in 120s.",
  bare424: "RuntimeClientError (424)",
};

describe("diagnose --error: the message table", () => {
  it.each([
    ["mismatch", "auth-method-mismatch"],
    ["missing", "missing-authentication-token"],
    ["crossAccount", "cross-account-no-resource-policy"],
    ["audience", "token-refused"],
    ["healthCheck", "health-check-failed"],
    ["initTime", "initialization-time-exceeded"],
    ["bare424", "bare-424"],
  ] as const)("matches the %s message to %s", (message, shape) => {
    expect(matchErrorShapes(MESSAGES[message]).map((s) => s.id)).toEqual([shape]);
  });

  it("ranks every cause as possible without a runtime, and the health-check causes from the cause table", () => {
    const alone = diagnoseError(MESSAGES.healthCheck);
    expect(alone.causes.length).toBeGreaterThan(10);
    expect(alone.causes.every((c) => c.status === "possible")).toBe(true);
    expect(alone.causes.map((c) => c.cause)).toContain("PYTHON_SDK_LOOPBACK_DEFAULT");
    expect(diagnoseError("something nobody wrote").matched).toEqual([]);
  });

  it("confirms the mismatch on a JWT runtime from the pasted message, and names what the runtime takes", () => {
    const findings = applyRules(evidence(JWT, pasted(MESSAGES.mismatch)));
    expect(findings.map((f) => f.id)).toEqual(["INBOUND_AUTH_METHOD_MISMATCH"]);
    expect(findings[0]!.title).toBe(
      "The runtime takes OAuth bearer tokens (a JWT authorizer); the caller sent a SigV4 signature",
    );
    expect(findings[0]!.fix).toContain("Authorization: Bearer");
    const ranked = diagnoseError(MESSAGES.mismatch, { findings, hypotheses: [] });
    expect(ranked.causes[0]).toMatchObject({ cause: "INBOUND_AUTH_METHOD_MISMATCH", status: "confirmed" });
    // On an IAM runtime the same message means a bearer token was sent.
    const iam = applyRules(evidence({}, pasted(MESSAGES.mismatch)));
    expect(iam[0]!.title).toContain("the caller sent a bearer token");
  });

  it("names the refused check of a token, and says nothing of a token on a runtime without an authorizer", () => {
    const findings = applyRules(evidence(JWT, pasted(MESSAGES.audience)));
    expect(findings.map((f) => f.id)).toEqual(["INBOUND_TOKEN_REJECTED"]);
    expect(findings[0]!.title).toContain("audience (aud) not in allowedAudience");
    expect(findings[0]!.fix).toContain("agents-api");
    expect(applyRules(evidence({}, pasted(MESSAGES.audience)))).toEqual([]);
  });

  it("reads the cross-account refusal: caller account, no policy, the put-resource-policy command", () => {
    const findings = applyRules(
      evidence(
        {},
        {
          ...pasted(MESSAGES.crossAccount),
          resourcePolicies: {
            value: { runtime: null, endpoint: null, endpointArn: `${ARN}/runtime-endpoint/DEFAULT` },
            source: { kind: "api", service: "bedrock-agentcore-control", operation: "GetResourcePolicy" },
          },
        },
      ),
    );
    expect(findings.map((f) => f.id)).toEqual(["CROSS_ACCOUNT_NOT_ALLOWED"]);
    expect(findings[0]!.title).toContain("Account 111122223333");
    expect(findings[0]!.evidence.map((e) => e.fact)).toContain(
      "neither the runtime nor its endpoint DEFAULT has a resource-based policy",
    );
    expect(findings[0]!.fix).toContain("arn:aws:iam::111122223333:role/Admin");
  });

  it("confirms a cause only by an observation: the pasted answer is one, a reading of the source is not", () => {
    const text = "Invalid length for parameter runtimeSessionId, value: 20, valid min length: 33";
    // The API's answer as the caller received it, and nothing else: observed, so confirmed.
    const findings = applyRules(evidence({}, pasted(text)));
    expect(findings.map((f) => f.id)).toEqual(["SESSION_ID_TOO_SHORT"]);
    expect(findings[0]!.evidence[0]!.source.kind).toBe("reported");
    const seen = diagnoseError(text, { findings, hypotheses: [] }).causes[0]!;
    expect(seen).toMatchObject({ cause: "SESSION_ID_TOO_SHORT", status: "confirmed" });
    expect(seen.restsOn?.[0]).toContain("reported by you: --error");
    // The same finding resting on a file read and an API fact marked partial (one side of the claim): likely.
    const read = [
      {
        ...findings[0]!,
        evidence: [
          {
            fact: "the client builds session ids of 20 characters",
            source: { kind: "file" as const, path: "c.py" },
          },
          { fact: "the runtime is READY", source, partial: true as const },
        ],
      },
    ];
    const only = diagnoseError(text, { findings: read, hypotheses: [] }).causes[0]!;
    expect(only).toMatchObject({ cause: "SESSION_ID_TOO_SHORT", status: "likely" });
    expect(only.restsOn).toBeUndefined();
    expect(only.because[0]).toContain("no observation shows it");
    expect(verdictOf([], read, diagnoseError(text, { findings: read, hypotheses: [] }))).toMatchObject({
      rootCause: "SESSION_ID_TOO_SHORT",
      verdict: "likely",
    });
  });

  it("stays silent without a message, and on a missing-token message diagnose's own SigV4 call could not give", () => {
    expect(applyRules(evidence(JWT))).toEqual([]);
    expect(applyRules(evidence(JWT, pasted(MESSAGES.missing))).map((f) => f.id)).toEqual([
      "INBOUND_TOKEN_MISSING",
    ]);
  });
});

describe("diagnose --invoke on a JWT runtime", () => {
  it("does not probe it with SigV4 and says why, as a gap", async () => {
    const { COLLECTORS } = await import("../../src/diagnose/collect/index.js");
    const invoke = COLLECTORS.find((c) => c.name === "invoke")!;
    const gaps: DiagnoseEvidence["gaps"] = [];
    const found = await invoke.collect(
      {
        clients: {} as never,
        options: { invoke: true },
        runtime: evidence(JWT).runtime,
        region: "us-east-1",
        account: "123456789012",
        qualifier: "DEFAULT",
        since: new Date(0),
        gaps,
      },
      {},
    );
    expect(found).toEqual({});
    expect(gaps.map((g) => g.errorCode)).toEqual(["InvokeNotPossible"]);
    expect(gaps[0]!.message).toContain("Authorization method mismatch");
  });
});

describe("diagnose --error without a runtime", () => {
  it("points at the runtime the message names, and renders JSON for machines", async () => {
    const { renderErrorOnly } = await import("../../src/diagnose/render-error.js");
    const text = renderErrorOnly(diagnoseError(MESSAGES.crossAccount), "text", false);
    expect(text).toContain("agentcore-doctor diagnose agent-AbCdE12345 --region us-east-1 --error");
    const json = JSON.parse(renderErrorOnly(diagnoseError(MESSAGES.mismatch), "json", false));
    expect(json.error.matched[0].id).toBe("auth-method-mismatch");
    expect(json.error.causes[0]).toMatchObject({ cause: "INBOUND_AUTH_METHOD_MISMATCH", status: "possible" });
  });
});

describe("the error section of a markdown report", () => {
  it("lists the matched shape and the ranked causes as a table", async () => {
    const { errorMarkdownLines } = await import("../../src/diagnose/render-error.js");
    const lines = errorMarkdownLines(diagnoseError(MESSAGES.audience));
    expect(lines[0]).toBe("## The error you saw");
    expect(lines.some((l) => l.startsWith("| possible | `INBOUND_TOKEN_REJECTED`"))).toBe(true);
  });
});
