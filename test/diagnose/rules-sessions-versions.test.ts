import { describe, expect, it } from "vitest";
import type { DiagnoseEvidence } from "../../src/diagnose/analysis-input.js";
import type { RuntimeEvidence } from "../../src/diagnose/collect/runtime.js";
import type { VersionConfig } from "../../src/diagnose/collect/versions.js";
import { derive } from "../../src/diagnose/derive.js";
import { diagnoseError } from "../../src/diagnose/error-messages.js";
import { confirmingObservations } from "../../src/diagnose/evidence.js";
import {
  clientReadTimeout,
  endpointPinned,
  headerNotAllowlisted,
  lostConfiguration,
  mcpSessionEnded,
  mmdsNotEnabled,
  sessionIdTooShort,
  updateLostConfig,
} from "../../src/diagnose/rules/sessions-versions.js";
import { verdictOf } from "../../src/diagnose/verdict.js";

const api = (operation: string) => ({
  kind: "api" as const,
  service: "bedrock-agentcore-control",
  operation,
});

function config(overrides: Partial<VersionConfig> = {}): VersionConfig {
  return {
    version: "2",
    environmentVariableNames: [],
    jwtAuthorizer: false,
    networkMode: "PUBLIC",
    idleTimeoutSeconds: 900,
    maxLifetimeSeconds: 28_800,
    ...overrides,
  };
}

function evidence(
  overrides: Partial<RuntimeEvidence> = {},
  more: Partial<DiagnoseEvidence> = {},
): DiagnoseEvidence {
  return {
    runtime: {
      source: api("GetAgentRuntime"),
      value: {
        runtimeId: "agent-AbCdE12345",
        runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-AbCdE12345",
        name: "agent",
        version: "2",
        status: "READY",
        networkMode: "PUBLIC",
        subnets: [],
        securityGroups: [],
        protocol: "HTTP",
        roleArn: "arn:aws:iam::123456789012:role/AgentRole",
        environmentVariableNames: [],
        versions: [],
        createdAt: new Date("2026-11-01T00:00:00Z"),
        configuration: config(),
        endpoint: { name: "DEFAULT", status: "READY", liveVersion: "2" },
        ...overrides,
      },
    },
    gaps: [],
    ...more,
  };
}

const ids = (rule: typeof mmdsNotEnabled, e: DiagnoseEvidence) => rule(e, derive(e)).map((f) => f.id);

describe("the sessions and versions rules", () => {
  it("MMDSv2: an explicit false, a runtime from before the cutover, or AgentCore's refusal; silent when required or undocumented", () => {
    expect(ids(mmdsNotEnabled, evidence({ configuration: config({ requireMMDSV2: false }) }))).toEqual([
      "RUNTIME_MMDSV2_NOT_ENABLED",
    ]);
    expect(ids(mmdsNotEnabled, evidence({ createdAt: new Date("2026-03-01T00:00:00Z") }))).toEqual([
      "RUNTIME_MMDSV2_NOT_ENABLED",
    ]);
    const refused = {
      invoke: {
        value: {
          sessionId: "s",
          ok: false,
          elapsedMs: 10,
          statusCode: 400,
          errorCode: "ValidationException",
          errorMessage: "This runtime is not MMDSv2-enabled and can no longer be invoked. ...",
        },
        source: { kind: "api" as const, service: "bedrock-agentcore", operation: "InvokeAgentRuntime" },
      },
    };
    const finding = mmdsNotEnabled(evidence({}, refused), derive(evidence()))[0]!;
    expect(finding.id).toBe("RUNTIME_MMDSV2_NOT_ENABLED");
    expect(finding.fix).toContain("--metadata-configuration requireMMDSV2=true");
    expect(ids(mmdsNotEnabled, evidence())).toEqual([]);
    expect(
      ids(mmdsNotEnabled, evidence({ configuration: config({ requireMMDSV2: true }) }, refused)),
    ).toEqual([]);
  });

  it("a named endpoint behind the latest version is pinned; DEFAULT and an up-to-date endpoint are not", () => {
    const pinned = endpointPinned(
      evidence({ endpoint: { name: "prod", status: "READY", liveVersion: "1", targetVersion: "1" } }),
      derive(evidence()),
    );
    expect(pinned.map((f) => f.id)).toEqual(["ENDPOINT_PINNED_OLD_VERSION"]);
    expect(pinned[0]!.fix).toContain("--endpoint-name prod --agent-runtime-version 2");
    expect(
      ids(endpointPinned, evidence({ endpoint: { name: "prod", status: "READY", liveVersion: "2" } })),
    ).toEqual([]);
    expect(
      ids(endpointPinned, evidence({ endpoint: { name: "DEFAULT", status: "READY", liveVersion: "1" } })),
    ).toEqual([]);
  });

  it("an update that sent only the image lost protocol, lifecycle, variables, headers and MMDS; one that kept them lost nothing", () => {
    const before = config({
      version: "1",
      protocol: "MCP",
      idleTimeoutSeconds: 120,
      maxLifetimeSeconds: 3600,
      environmentVariableNames: ["MODEL_ID", "TABLE"],
      requestHeaderAllowlist: ["X-Api-Key"],
      requireMMDSV2: true,
    });
    expect(lostConfiguration(before, config())).toEqual([
      "protocolConfiguration.serverProtocol MCP",
      "lifecycleConfiguration (idleRuntimeSessionTimeout 120, maxLifetime 3600; now the defaults)",
      "environmentVariables MODEL_ID, TABLE",
      "requestHeaderConfiguration.requestHeaderAllowlist X-Api-Key",
      "metadataConfiguration.requireMMDSV2 true",
    ]);
    expect(lostConfiguration(before, { ...before, version: "2" })).toEqual([]);
    const e = evidence({}, { previousVersion: { value: before, source: api("GetAgentRuntime") } });
    const [finding] = updateLostConfig(e, derive(e));
    expect(finding?.id).toBe("UPDATE_LOST_CONFIG");
    expect(finding?.fix).toContain("--agent-runtime-version 1");
    expect(ids(updateLostConfig, evidence())).toEqual([]);
  });

  it("a header the source reads that the runtime does not allow-list is dropped; an allow-listed one is not", () => {
    const reads = { headerReads: [{ name: "X-Api-Key", file: "agent/app.py", line: 12 }] };
    const dropped = headerNotAllowlisted(evidence({}, reads), derive(evidence()));
    expect(dropped.map((f) => f.id)).toEqual(["HEADER_NOT_ALLOWLISTED"]);
    expect(dropped[0]!.evidence[0]!.source).toEqual({ kind: "file", path: "agent/app.py", line: 12 });
    expect(dropped[0]!.fix).toContain("requestHeaderAllowlist=X-Api-Key");
    // The allow-list is seen, the header read only read: nothing here confirms it by itself.
    expect(confirmingObservations(dropped[0]!.evidence)).toEqual([]);
    const listed = evidence({ configuration: config({ requestHeaderAllowlist: ["x-api-key"] }) }, reads);
    expect(ids(headerNotAllowlisted, listed)).toEqual([]);
    const refused = evidence(
      { configuration: config({ requestHeaderAllowlist: ["X-Amzn-Tenant"] }) },
      { headerReads: [{ name: "X-Amzn-Tenant", file: "app.py", line: 3 }] },
    );
    expect(headerNotAllowlisted(refused, derive(refused))[0]!.evidence[0]!.fact).toContain("x-amzn-");
  });

  const pasted = (text: string) => ({
    reportedError: {
      value: text,
      source: { kind: "tool" as const, detail: "the message passed with --error" },
    },
  });

  it("reads the messages users paste: short session id, read timeout, a dead MCP session, MMDSv2", () => {
    const short = evidence(
      {},
      pasted("Invalid length for parameter runtimeSessionId, value: 20, valid min length: 33"),
    );
    const [finding] = sessionIdTooShort(short, derive(short));
    expect(finding?.id).toBe("SESSION_ID_TOO_SHORT");
    expect(finding?.fix).toContain("it was 20 characters");
    const timeout = evidence(
      {},
      pasted(
        'Read timeout on endpoint URL: "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws/invocations?qualifier=DEFAULT"',
      ),
    );
    expect(ids(clientReadTimeout, timeout)).toEqual(["CLIENT_READ_TIMEOUT"]);
    const mcp = pasted("Error POSTing to endpoint (HTTP 404): Session not found");
    expect(ids(mcpSessionEnded, evidence({ protocol: "MCP" }, mcp))).toEqual(["MCP_SESSION_ENDED"]);
    expect(ids(mcpSessionEnded, evidence({ protocol: "HTTP" }, mcp))).toEqual([]);
    const mmds = evidence(
      {},
      pasted(
        "An error occurred (ValidationException) when calling the InvokeAgentRuntime operation: This runtime is not MMDSv2-enabled and can no longer be invoked.",
      ),
    );
    expect(ids(mmdsNotEnabled, mmds)).toEqual(["RUNTIME_MMDSV2_NOT_ENABLED"]);
    expect(ids(sessionIdTooShort, mmds)).toEqual([]);
  });

  it("diagnose --error alone names each message's cause", () => {
    const first = (text: string) => diagnoseError(text).causes[0]?.cause;
    expect(first("This runtime is not MMDSv2-enabled and can no longer be invoked.")).toBe(
      "RUNTIME_MMDSV2_NOT_ENABLED",
    );
    expect(first("Invalid length for parameter runtimeSessionId, value: 20, valid min length: 33")).toBe(
      "SESSION_ID_TOO_SHORT",
    );
    expect(first("Read timeout on endpoint URL: https://x/invocations?qualifier=DEFAULT")).toBe(
      "CLIENT_READ_TIMEOUT",
    );
    expect(first("Mcp session not found")).toBe("MCP_SESSION_ENDED");
  });

  it("with --error, a cause of the message that a finding confirms is the verdict, before a finding that does not explain it", () => {
    const text = 'Error POSTing to endpoint (HTTP 404): {"message":"Session not found"}';
    const e = evidence(
      { protocol: "MCP", idleTimeoutSeconds: 300 },
      { reportedError: { value: text, source: { kind: "reported", detail: "--error" } } },
    );
    // A drift that fires beside it (a warning too, listed first as in the report) explains no 404.
    const drift = {
      id: "CONFIG_DRIFT" as const,
      severity: "warning" as const,
      title: "drift",
      evidence: [],
      fix: "",
      docs: "",
    };
    const findings = [drift, ...mcpSessionEnded(e, derive(e))];
    const error = diagnoseError(text, { findings, hypotheses: [] });
    expect(verdictOf([], findings).rootCause).toBe("CONFIG_DRIFT");
    expect(verdictOf([], findings, error)).toMatchObject({
      rootCause: "MCP_SESSION_ENDED",
      verdict: "confirmed",
    });
    // A message whose causes no finding confirms leaves the verdict to the findings.
    expect(verdictOf([], findings, diagnoseError("boom", { findings, hypotheses: [] })).rootCause).toBe(
      "CONFIG_DRIFT",
    );
  });
});
