import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diagnoseError } from "../../src/diagnose/error-messages.js";
import { diagnoseExitCode, RENDERERS } from "../../src/diagnose/render.js";
import { type DiagnoseReport, diagnoseReportSchema } from "../../src/diagnose/report-schema.js";
import { readSavedReport } from "../../src/diagnose/saved-report.js";
import { runCli } from "../helpers/cli.js";

// The seed incident's own HTML report in Chromium is in test/scenario/seed-incident.test.ts (one run of it).

/** A small report as diagnose would build it: a VPC runtime whose STS path stops at a route table. */
function blockedReport(): DiagnoseReport {
  const source = { kind: "api" as const, service: "ec2", operation: "DescribeRouteTables" };
  return diagnoseReportSchema.parse({
    schemaVersion: 1,
    tool: { name: "agentcore-doctor", version: "test" },
    command: "diagnose",
    runtime: {
      id: "agent-abc",
      arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-abc",
      name: "agent",
      version: "1",
      status: "READY",
      networkMode: "VPC",
      protocol: "HTTP",
      endpoint: { name: "DEFAULT", status: "READY", liveVersion: "1" },
    },
    verdict: {
      rootCause: "VPC_ENDPOINT_MISSING",
      verdict: "confirmed",
      role: "cause",
      title: "no way to STS",
    },
    knownFacts: [{ topic: "Network", facts: [{ fact: 'a "quoted" <b>fact</b>', source }] }],
    findings: [],
    hypotheses: [],
    paths: [
      {
        service: "sts",
        need: "the agent calls it (startup, app.py:3)",
        status: "blocked",
        subnetId: "subnet-1",
        hops: [
          { kind: "interface", label: "subnet-1", state: "ok" },
          { kind: "dns", label: "VPC resolver", state: "ok" },
          { kind: "security-group", label: "security groups", state: "ok" },
          { kind: "route-table", label: "rtb-0a1b2c3d", state: "broken" },
          { kind: "endpoint", label: "endpoint or NAT", state: "unreached" },
          { kind: "service", label: "sts", state: "unreached" },
        ],
        brokenBy: {
          rule: "route table rtb-0a1b2c3d of subnet-1 has no active 0.0.0.0/0 route",
          source: "ec2:DescribeRouteTables RouteTables[].Routes",
        },
        observed: ["the agent's connection to sts.us-east-1.amazonaws.com (10.0.0.5:443) was dropped"],
      },
      {
        service: "logs",
        need: "telemetry export",
        status: "reachable",
        subnetId: "subnet-1",
        hops: [
          { kind: "interface", label: "subnet-1", state: "ok" },
          { kind: "endpoint", label: "vpce-1", state: "ok" },
          { kind: "service", label: "logs", state: "ok" },
        ],
        observed: [],
      },
    ],
    nextSteps: [{ why: "fix: add the endpoint", command: "aws ec2 create-vpc-endpoint --vpc-id vpc-1" }],
    supportCase: "Runtime agent-abc fails its health check.",
    timeline: [],
    gaps: [],
    notCollected: [],
    apiCalls: { ec2: 7 },
    elapsedMs: 1200,
  });
}

describe("the report's path pictures", () => {
  it("Markdown carries one Mermaid flowchart, the broken hop marked and labelled with its rule", () => {
    const markdown = RENDERERS.markdown(blockedReport());
    const mermaid = markdown.slice(
      markdown.indexOf("```mermaid"),
      markdown.indexOf("```", markdown.indexOf("```mermaid") + 3),
    );
    expect(mermaid).toContain("flowchart TB");
    expect(mermaid).toMatch(/subgraph path0 \["sts: broken at the route table"\]/);
    expect(mermaid).toMatch(
      /path0hop3\["✗ route table: rtb-0a1b2c3d<br\/>route table rtb-0a1b2c3d of subnet-1 has no active 0\.0\.0\.0\/0 route"\]:::broken/,
    );
    expect(mermaid).toMatch(/path0hop3 -\.-> path0hop4/);
    expect(mermaid).toMatch(/subgraph path1 \["logs: reachable"\]/);
    expect(markdown).toContain("  - replay: the agent's connection to sts.us-east-1.amazonaws.com");
  });

  it("HTML is one self-contained page: no script, nothing loaded, text escaped", () => {
    const html = RENDERERS.html(blockedReport());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<script|<link|<img|src=/i);
    expect(html).toContain("a &quot;quoted&quot; &lt;b&gt;fact&lt;/b&gt;");
    expect(html).toMatch(/data-service="sts" data-status="blocked"/);
  });

  it("HTML carries the --error section the text and markdown reports have: the message, its shapes, its causes ranked", () => {
    const error = diagnoseError(
      'An error occurred (AccessDeniedException) when calling the InvokeAgentRuntime operation: Authorization method mismatch <"SigV4">',
    );
    const report = diagnoseReportSchema.parse({ ...blockedReport(), error });
    const html = RENDERERS.html(report);
    const text = RENDERERS.text(report, { color: false });
    expect(html).toContain("<h2>The error you saw</h2>");
    expect(html).toContain("Authorization method mismatch &lt;&quot;SigV4&quot;&gt;");
    expect(html).toMatch(/data-testid="error-shape" data-id="auth-method-mismatch"/);
    expect(html).toMatch(
      /data-testid="error-cause" data-cause="INBOUND_AUTH_METHOD_MISMATCH" data-status="possible"/,
    );
    for (const c of error.causes) expect(text).toContain(c.cause);
    // Before the findings, as in the text report.
    expect(html.indexOf("The error you saw")).toBeLessThan(html.indexOf("<h2>Findings</h2>"));
    const unknown = RENDERERS.html(
      diagnoseReportSchema.parse({ ...blockedReport(), error: diagnoseError("boom") }),
    );
    expect(unknown).toContain('data-testid="error-unmatched"');
    expect(RENDERERS.html(blockedReport())).not.toContain("The error you saw");
  });

  it("a PUBLIC runtime says why there is no path to draw", () => {
    const report = { ...blockedReport(), paths: [] };
    report.runtime = { ...report.runtime, networkMode: "PUBLIC" };
    expect(RENDERERS.markdown(report)).toContain("PUBLIC mode: the runtime reaches AWS");
    expect(RENDERERS.html(report)).toContain("PUBLIC mode: the runtime reaches AWS");
  });
});

describe("diagnose --from-report: a saved JSON report rendered again, nothing collected", () => {
  const dir = mkdtempSync(join(tmpdir(), "acd-from-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("renders the same Markdown and HTML the run would have, and exits as the run did", async () => {
    const report = blockedReport();
    const saved = join(dir, "report.json");
    writeFileSync(saved, RENDERERS.json(report));
    for (const format of ["markdown", "html"] as const) {
      const out = join(dir, `report.${format}`);
      const cli = await runCli(["diagnose", "--from-report", saved, "--format", format, "--out", out]);
      expect(cli.code, cli.stderr).toBe(diagnoseExitCode(report));
      expect(readFileSync(out, "utf8")).toBe(RENDERERS[format](report));
    }
  });

  it("refuses what is not a diagnose report of this schema, saying what it is", async () => {
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    await expect(readSavedReport(write("not.json", "<html>"))).rejects.toThrow(/is not JSON/);
    await expect(readSavedReport(write("check.json", JSON.stringify({ command: "check" })))).rejects.toThrow(
      /not a diagnose report \(its command is "check"\)/,
    );
    await expect(
      readSavedReport(write("v2.json", JSON.stringify({ ...blockedReport(), schemaVersion: 2 }))),
    ).rejects.toThrow(/schema version 2; this version reads version 1/);
    await expect(
      readSavedReport(write("extra.json", JSON.stringify({ ...blockedReport(), extra: 1 }))),
    ).rejects.toThrow(/does not match the diagnose report schema/);
    await expect(readSavedReport(join(dir, "absent.json"))).rejects.toThrow(/cannot read .*ENOENT/);
    const cli = await runCli(["diagnose", "agent-abc", "--from-report", join(dir, "v2.json")]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/takes no runtime/);
  });
});
