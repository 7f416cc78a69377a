import { describe, expect, it } from "vitest";
import { CATALOG } from "../../src/findings/catalog.js";
import { makeFinding } from "../../src/findings/make.js";
import { renderSarif } from "../../src/findings/sarif.js";
import { runCli } from "../helpers/cli.js";
import { SARIF_SCHEMA_PATH, sarifSchemaErrors } from "../helpers/sarif-schema.js";

const fixture = (name: string) => `test/fixtures/agents/${name}`;

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  locations: {
    physicalLocation?: {
      artifactLocation: { uri: string; uriBaseId?: string };
      region?: { startLine: number };
    };
  }[];
}
interface SarifLog {
  runs: {
    tool: { driver: { name: string; rules: { id: string; helpUri: string; help: { text: string } }[] } };
    invocations: { exitCode: number }[];
    results: SarifResult[];
  }[];
}

describe.skipIf(!SARIF_SCHEMA_PATH)("check --format sarif", () => {
  it("is a valid SARIF 2.1.0 log for a defect fixture, with file and line locations and the catalog as rules", async () => {
    const result = await runCli(["check", fixture("py-sdk-default-host"), "--format", "sarif"]);
    expect(result.code, result.stderr).toBe(1);
    const log = JSON.parse(result.stdout) as SarifLog;
    expect(sarifSchemaErrors(log)).toEqual([]);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe("agentcore-doctor");
    expect(run.invocations[0]!.exitCode).toBe(1);
    const ids = run.results.map((r) => r.ruleId);
    expect(ids).toEqual(expect.arrayContaining(["BIND_LOOPBACK", "PYTHON_SDK_LOOPBACK_DEFAULT"]));
    for (const r of run.results) {
      const rule = run.tool.driver.rules[r.ruleIndex]!;
      expect(rule.id).toBe(r.ruleId);
      expect(rule.helpUri).toBe(CATALOG[r.ruleId as keyof typeof CATALOG].docs);
    }
    // The static finding points at the line of the agent that makes it.
    const sdk = run.results.find((r) => r.ruleId === "PYTHON_SDK_LOOPBACK_DEFAULT")!;
    const place = sdk.locations[0]!.physicalLocation!;
    expect(place.artifactLocation.uriBaseId).toBe("AGENT_ROOT");
    expect(place.artifactLocation.uri).toMatch(/\.py$/);
    expect(place.region?.startLine).toBeGreaterThan(0);
  });

  it("a healthy agent gives a valid log with no results and exit code 0", async () => {
    const result = await runCli(["check", fixture("py-healthy"), "--format", "sarif"]);
    expect(result.code, result.stderr).toBe(0);
    const log = JSON.parse(result.stdout) as SarifLog;
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.runs[0]!.results).toEqual([]);
  });

  it("stays valid for every catalog entry and for evidence of every source kind, paths with spaces and absolute paths included", () => {
    const findings = (Object.keys(CATALOG) as (keyof typeof CATALOG)[]).map((id, i) =>
      makeFinding(id, [
        {
          fact: `fact ${i}`,
          source: { kind: "file", path: i % 2 ? "src/my agent.py" : "/elsewhere/x.ts", line: i + 1 },
        },
        { fact: "a socket", source: { kind: "socket", table: "/proc/net/tcp" } },
        { fact: "an api state", source: { kind: "api", service: "ec2", operation: "DescribeVpcs" } },
        { fact: "seen in the twin", source: { kind: "replay", observation: "dns" } },
      ]),
    );
    const log = JSON.parse(
      renderSarif({
        command: "diagnose",
        findings,
        target: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x-abc",
        sourceRoot: "/work/agent dir",
        exitCode: 1,
        verdict: "unhealthy",
      }),
    ) as SarifLog;
    expect(sarifSchemaErrors(log)).toEqual([]);
    const uris = log.runs[0]!.results.map((r) => r.locations[0]?.physicalLocation?.artifactLocation.uri);
    expect(uris).toContain("src/my%20agent.py");
    expect(uris).toContain("file:///elsewhere/x.ts");
  });
});
