import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { accuracyTable, diagnosedText, expectedText, judge } from "../../src/scenario/accuracy.js";
import { listScenarios } from "../../src/scenario/run.js";
import { type ScenarioExpect, scenarioSchema } from "../../src/scenario/schema.js";

const base = {
  story: "A scenario written for the format's tests, long enough to pass the story check.",
  runtimes: {
    agent: {
      agent: "agent",
      request: {
        agentRuntimeArtifact: {
          containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1" },
        },
        roleArn: "arn:aws:iam::123456789012:role/R",
        networkConfiguration: { networkMode: "PUBLIC" },
      },
    },
  },
  diagnose: { runtime: "agent" },
};

function expectOf(expect: unknown): ScenarioExpect {
  return scenarioSchema.parse({ ...base, expect }).expect;
}

function errorsOf(value: unknown): string {
  const parsed = scenarioSchema.safeParse(value);
  return parsed.success ? "" : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}

describe("scenario format", () => {
  it("keeps the original form: one root cause and the findings it needs", () => {
    const e = expectOf({ rootCause: "BIND_WRONG_PORT", findings: ["HEALTH_CHECK_FAILING"] });
    expect(e).toMatchObject({
      rootCause: "BIND_WRONG_PORT",
      findings: ["HEALTH_CHECK_FAILING"],
      absentFindings: [],
    });
    expect(expectedText(e)).toBe("BIND_WRONG_PORT");
  });

  it("takes several acceptable root causes, healthy: true, and findings that must not appear", () => {
    expect(expectedText(expectOf({ rootCauses: ["VPC_DNS_DISABLED", "VPC_ENDPOINT_MISSING"] }))).toBe(
      "VPC_DNS_DISABLED or VPC_ENDPOINT_MISSING",
    );
    const healthy = expectOf({ healthy: true, absentFindings: ["TELEMETRY_EXPORT_BLOCKED"] });
    expect(healthy).toMatchObject({ healthy: true, absentFindings: ["TELEMETRY_EXPORT_BLOCKED"] });
    expect(expectedText(healthy)).toBe("healthy");
  });

  it("refuses an expectation that says none or more than one of rootCause, rootCauses, healthy", () => {
    for (const expect_ of [
      {},
      { findings: ["NO_RUNTIME_LOGS"] },
      { rootCause: "BIND_LOOPBACK", healthy: true },
      { rootCause: "BIND_LOOPBACK", rootCauses: ["BIND_LOOPBACK"] },
      { rootCauses: ["BIND_LOOPBACK"], healthy: true },
    ]) {
      expect(errorsOf({ ...base, expect: expect_ })).toMatch(
        /exactly one of rootCause, rootCauses or healthy/,
      );
    }
    expect(errorsOf({ ...base, expect: { rootCauses: [] } })).toMatch(/expect\.rootCauses/);
    expect(errorsOf({ ...base, expect: { healthy: false } })).toMatch(/expect\.healthy/);
    expect(errorsOf({ ...base, expect: { rootCause: "NO_SUCH_FINDING" } })).toMatch(/expect\.rootCause/);
    expect(errorsOf({ ...base, expect: { healthy: true, absentFindings: ["NOPE"] } })).toMatch(
      /expect\.absentFindings/,
    );
  });

  it("takes seed calls per service, and refuses unknown services, action names and reference names", () => {
    const seed = {
      ssm: [{ action: "PutParameter", input: { Name: "/app/model", Value: "m", Type: "String" } }],
      "secrets-manager": [
        { action: "CreateSecret", input: { Name: "db", SecretString: "{}" }, refs: { "secret:db": "ARN" } },
      ],
    };
    const parsed = scenarioSchema.parse({ ...base, seed, expect: { healthy: true } });
    expect(parsed.seed.ssm![0]).toMatchObject({ action: "PutParameter", refs: {} });
    expect(parsed.seed["secrets-manager"]![0]!.refs).toEqual({ "secret:db": "ARN" });
    expect(scenarioSchema.parse({ ...base, expect: { healthy: true } }).seed).toEqual({});
    expect(errorsOf({ ...base, seed: { dynamodb: [] }, expect: { healthy: true } })).toMatch(/seed/);
    expect(
      errorsOf({ ...base, seed: { ssm: [{ action: "put-parameter" }] }, expect: { healthy: true } }),
    ).toMatch(/seed\.ssm\.0\.action/);
    expect(
      errorsOf({
        ...base,
        seed: { ssm: [{ action: "PutParameter", refs: { Secret: "ARN" } }] },
        expect: { healthy: true },
      }),
    ).toMatch(/seed\.ssm\.0\.refs/);
  });

  it("every shipped and pending scenario still loads", async () => {
    for (const root of ["scenarios", "scenarios-pending"]) {
      const dir = resolve(import.meta.dirname, "../..", root);
      const all = await listScenarios(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return [];
        throw error;
      });
      for (const s of all) expect(expectedText(s.scenario.expect)).not.toBe("");
    }
  });
});

const CAUSES = ["BIND_LOOPBACK", "VPC_DNS_DISABLED", "VPC_ENDPOINT_MISSING", "STARTUP_TIMEOUT"] as const;
const VERDICTS = ["confirmed", "likely", "possible", "unknown", "ruled-out"] as const;

describe("judging a diagnosis", () => {
  const diagnosis = (
    rootCause: string | null,
    verdict: "confirmed" | "likely" | "finding" | "healthy" | "undetermined",
    hypotheses: { cause: string; verdict: string; role?: string }[] = [],
    findings: string[] = [],
  ) => ({ verdict: { rootCause: rootCause as never, verdict }, hypotheses, findings });

  it("one root cause: top-1 only when the verdict names it", () => {
    const e = expectOf({ rootCause: "BIND_LOOPBACK" });
    expect(judge(e, diagnosis("BIND_LOOPBACK", "confirmed")).passed).toBe(true);
    expect(judge(e, diagnosis("STARTUP_TIMEOUT", "confirmed")).top1).toBe(false);
    expect(judge(e, diagnosis(null, "undetermined")).top1).toBe(false);
  });

  it("several root causes: any one of them is top-1, for every verdict and cause", () => {
    const e = expectOf({ rootCauses: ["VPC_DNS_DISABLED", "VPC_ENDPOINT_MISSING"] });
    for (const cause of CAUSES) {
      for (const verdict of ["confirmed", "likely", "finding"] as const) {
        const j = judge(e, diagnosis(cause, verdict));
        expect(j.top1).toBe(cause === "VPC_DNS_DISABLED" || cause === "VPC_ENDPOINT_MISSING");
        expect(j.passed).toBe(j.top1);
      }
    }
  });

  it("healthy: only the healthy verdict passes; any root cause or an undetermined failure does not", () => {
    const e = expectOf({ healthy: true });
    expect(judge(e, diagnosis(null, "healthy")).passed).toBe(true);
    expect(judge(e, diagnosis(null, "undetermined")).passed).toBe(false);
    for (const cause of CAUSES) {
      expect(judge(e, diagnosis(cause, "finding")).passed).toBe(false);
      expect(judge(e, diagnosis(cause, "confirmed")).passed).toBe(false);
    }
  });

  it("top-3 counts an accepted cause among the first three unless ruled out", () => {
    const e = expectOf({ rootCauses: ["VPC_DNS_DISABLED", "VPC_ENDPOINT_MISSING"] });
    for (const position of [0, 1, 2, 3]) {
      for (const verdict of VERDICTS) {
        const hypotheses = ["BIND_LOOPBACK", "STARTUP_TIMEOUT", "NOT_LISTENING", "PING_SLOW"].map(
          (cause) => ({
            cause,
            verdict: "possible",
          }),
        );
        hypotheses.splice(position, 0, { cause: "VPC_ENDPOINT_MISSING", verdict });
        const j = judge(e, diagnosis("BIND_LOOPBACK", "likely", hypotheses));
        expect(j.top3).toBe(position < 3 && verdict !== "ruled-out");
      }
    }
  });

  it("expected findings missing, unwanted findings present, and wrong causes confirmed are each reported", () => {
    const e = expectOf({
      rootCause: "VPC_DNS_DISABLED",
      findings: ["HEALTH_CHECK_FAILING", "NO_RUNTIME_LOGS"],
      absentFindings: ["STARTUP_CRASH", "TELEMETRY_EXPORT_BLOCKED"],
    });
    const j = judge(
      e,
      diagnosis(
        "VPC_DNS_DISABLED",
        "confirmed",
        [
          { cause: "VPC_DNS_DISABLED", verdict: "confirmed" },
          { cause: "STARTUP_CRASH", verdict: "confirmed" },
          { cause: "BIND_LOOPBACK", verdict: "likely" },
        ],
        ["VPC_DNS_DISABLED", "HEALTH_CHECK_FAILING", "STARTUP_CRASH"],
      ),
    );
    expect(j).toMatchObject({
      top1: true,
      missingFindings: ["NO_RUNTIME_LOGS"],
      unwantedFindings: ["STARTUP_CRASH"],
      confirmedWrong: ["STARTUP_CRASH"],
      passed: false,
    });
  });

  it("counts only causes as confirmed, not expected: an observed symptom beside the cause is no wrong confirmation", () => {
    const e = expectOf({ rootCause: "VPC_ENDPOINT_MISSING" });
    const j = judge(
      e,
      diagnosis("VPC_ENDPOINT_MISSING", "likely", [
        { cause: "VPC_ENDPOINT_MISSING", verdict: "likely", role: "cause" },
        { cause: "STARTUP_TIMEOUT", verdict: "confirmed", role: "symptom" },
        { cause: "STARTUP_BLOCKED_ON_NETWORK", verdict: "confirmed", role: "symptom" },
        { cause: "STARTUP_CRASH", verdict: "confirmed", role: "cause" },
      ]),
    );
    expect(j.confirmedWrong).toEqual(["STARTUP_CRASH"]);
  });

  it("names the verdict in a line and puts every measure in the accuracy table", () => {
    expect(diagnosedText({ rootCause: null, verdict: "healthy" })).toBe("healthy");
    expect(diagnosedText({ rootCause: null, verdict: "undetermined" })).toBe("(nothing certain)");
    expect(diagnosedText({ rootCause: "BIND_LOOPBACK", verdict: "likely" })).toBe("BIND_LOOPBACK");
    const table = accuracyTable(
      [
        {
          name: "two-causes",
          expected: "A or B",
          diagnosed: "STARTUP_CRASH",
          top1: false,
          top3: true,
          missingFindings: [],
          unwantedFindings: ["STARTUP_CRASH"],
          confirmedWrong: ["STARTUP_CRASH"],
          seconds: 9.5,
        },
        {
          name: "healthy-public",
          expected: "healthy",
          diagnosed: "healthy",
          top1: true,
          top3: true,
          missingFindings: [],
          unwantedFindings: [],
          confirmedWrong: [],
          seconds: 4,
        },
      ],
      new Date("2026-12-02T00:00:00Z"),
    );
    expect(table.text).toContain(
      "| two-causes | A or B | STARTUP_CRASH (unwanted STARTUP_CRASH) | no | yes | STARTUP_CRASH | 9.5 |",
    );
    expect(table.text).toContain("| healthy-public | healthy | healthy | yes | yes | - | 4 |");
    expect(table.text).toContain("Top-1 accuracy 50% (1/2), top-3 100% (2/2); 1 with a cause confirmed");
  });
});
