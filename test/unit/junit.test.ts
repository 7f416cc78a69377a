import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { ScenarioSummary } from "../../src/scenario/accuracy.js";
import { junitReport } from "../../src/scenario/junit.js";

/** Parsed by Python's ElementTree, a real XML parser: the counts and each case's outcome. */
function parse(xml: string): {
  suite: Record<string, string>;
  cases: { name: string; outcome: string; message: string }[];
} {
  const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
suite = root.find("testsuite")
cases = []
for c in suite.findall("testcase"):
    f = c.find("failure"); e = c.find("error")
    outcome = "failure" if f is not None else "error" if e is not None else "pass"
    node = f if f is not None else e
    cases.append({"name": c.get("name"), "outcome": outcome, "message": node.get("message") if node is not None else ""})
print(json.dumps({"suite": dict(suite.attrib), "cases": cases}))
`;
  return JSON.parse(execFileSync("python3", ["-c", script], { input: xml, encoding: "utf8" }));
}

const row = (over: Partial<ScenarioSummary>): ScenarioSummary => ({
  name: "s",
  expected: "BIND_LOOPBACK",
  diagnosed: "BIND_LOOPBACK",
  top1: true,
  top3: true,
  missingFindings: [],
  unwantedFindings: [],
  confirmedWrong: [],
  seconds: 1.5,
  ...over,
});

describe("junitReport", () => {
  it("one case per scenario: a pass, a wrong cause as a failure, a missing finding as a failure, a crash as an error", () => {
    const xml = junitReport([
      row({ name: "ok" }),
      row({ name: "wrong", diagnosed: "STARTUP_TIMEOUT", top1: false }),
      row({ name: "missing", missingFindings: ["VPC_ENDPOINT_MISSING"] }),
      row({ name: "unwanted", unwantedFindings: ["STARTUP_TIMEOUT"] }),
      row({ name: "broke", diagnosed: "error: boom", top1: false, top3: false, error: "boom", seconds: 0 }),
    ]);
    const parsed = parse(xml);
    expect(parsed.suite).toMatchObject({ tests: "5", failures: "3", errors: "1" });
    expect(parsed.cases.map((c) => [c.name, c.outcome])).toEqual([
      ["ok", "pass"],
      ["wrong", "failure"],
      ["missing", "failure"],
      ["unwanted", "failure"],
      ["broke", "error"],
    ]);
    expect(parsed.cases[1]!.message).toContain("expected BIND_LOOPBACK, diagnosed STARTUP_TIMEOUT");
    expect(parsed.cases[2]!.message).toContain("VPC_ENDPOINT_MISSING");
  });

  it("stays parseable whatever a name or message holds: markup, quotes, control characters, astral characters", () => {
    const nasty = `a<b>&"c'\u0001\u0008\u001b[31m\uFFFE 😀 ]]>`;
    const parsed = parse(
      junitReport([row({ name: nasty, diagnosed: nasty, top1: false }), row({ error: nasty })]),
    );
    // What XML cannot carry is written as U+FFFD (src/util/markup.ts), as in the emulator's answers.
    expect(parsed.cases[0]!.name).toBe(`a<b>&"c'\uFFFD\uFFFD\uFFFD[31m\uFFFD 😀 ]]>`);
    expect(parsed.cases[1]!.outcome).toBe("error");
  });
});
