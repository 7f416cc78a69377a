import { describe, expect, it } from "vitest";
import type { DiagnoseClients } from "../../src/diagnose/clients.js";
import { type Collector, collectContext, runCollectors } from "../../src/diagnose/collect/index.js";
import type { RuntimeEvidence } from "../../src/diagnose/collect/runtime.js";
import { COLLECTOR_FAILED, describeGap, type EvidenceGap } from "../../src/diagnose/evidence.js";

const runtime: RuntimeEvidence = {
  runtimeId: "agent-abc",
  runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/agent-abc",
  name: "agent",
  version: "1",
  status: "READY",
  networkMode: "PUBLIC",
  subnets: [],
  securityGroups: [],
  protocol: "HTTP",
  roleArn: "arn:aws:iam::111122223333:role/r",
  environmentVariableNames: [],
  versions: [],
  endpoint: { name: "DEFAULT", status: "READY" },
};

const context = (gaps: EvidenceGap[]) =>
  collectContext(
    {} as DiagnoseClients,
    {},
    { value: runtime, source: { kind: "tool", detail: "test" } },
    gaps,
  );

describe("runCollectors with a collector that throws", () => {
  it("reports the failure as an inconclusive gap with what to do, and the others still run", async () => {
    const gaps: EvidenceGap[] = [];
    const collectors: Collector[] = [
      {
        name: "breaks",
        label: "a collector that breaks",
        collect: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'entryPoint')");
        },
        ifFails: () => "pass the agent's directory",
      },
      {
        name: "after-it",
        label: "one that waits for it",
        after: ["breaks"],
        collect: async (_ctx, earlier) => ({
          reportedError: {
            value: `saw ${Object.keys(earlier).length} fields`,
            source: { kind: "tool", detail: "t" },
          },
        }),
      },
      {
        name: "throws-a-string",
        label: "one that throws no Error",
        collect: () => Promise.reject("plain text"),
      },
    ];
    const evidence = await runCollectors(context(gaps), collectors);
    expect(evidence.reportedError?.value).toBe("saw 0 fields");
    expect(evidence.gaps).toBe(gaps);
    expect(gaps).toEqual([
      {
        collector: "breaks",
        service: "agentcore-doctor",
        operation: "a collector that breaks",
        errorCode: COLLECTOR_FAILED,
        message: "Cannot read properties of undefined (reading 'entryPoint')",
        whatToDo: "pass the agent's directory",
      },
      expect.objectContaining({
        collector: "throws-a-string",
        errorCode: COLLECTOR_FAILED,
        message: "plain text",
      }),
    ]);
    // Without a collector's own advice, the default says the report stands and how to report it.
    expect(gaps[1]!.whatToDo).toMatch(/run diagnose again/);
    expect(describeGap(gaps[0]!)).toBe(
      "inconclusive: collector breaks (a collector that breaks) failed: Cannot read properties of undefined (reading 'entryPoint'); the evidence it reads is missing from this report. What to do: pass the agent's directory",
    );
  });

  it("words an AWS read that failed as before", () => {
    expect(
      describeGap({
        collector: "logs",
        service: "logs",
        operation: "FilterLogEvents",
        errorCode: "AccessDeniedException",
        message: "denied",
        action: "logs:FilterLogEvents",
      }),
    ).toBe("could not read logs:FilterLogEvents: AccessDeniedException (grant logs:FilterLogEvents)");
  });
});
