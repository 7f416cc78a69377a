import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnoseError } from "../../src/diagnose/error-messages.js";
import { RENDERERS, renderDiagnosis } from "../../src/diagnose/render.js";
import { type DiagnoseReport, diagnoseReportSchema } from "../../src/diagnose/report-schema.js";
import { loadScenario, runScenario } from "../../src/scenario/run.js";
import { chromiumSkipReason, launchChromium } from "../helpers/chromium.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");
const SCENARIOS = resolve(import.meta.dirname, "../../scenarios");
const browserReason = chromiumSkipReason;
const namespaceReason = await namespaceSkipReason();
const seedReason = browserReason ?? namespaceReason;
if (seedReason) console.warn(`skipping the seed incident's HTML report in Chromium: ${seedReason}`);

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

  it.skipIf(seedReason !== undefined)(
    "the seed incident's HTML report, in headless Chromium, shows the STS path broken at the route table",
    async () => {
      const result = await runScenario(await loadScenario(resolve(SCENARIOS, "seed-incident")));
      expect(result.rootCause).toBe("VPC_ENDPOINT_MISSING");
      const html = renderDiagnosis(result.diagnosis, "html", false);
      mkdirSync(ARTIFACTS, { recursive: true });
      const file = resolve(ARTIFACTS, "seed-incident-report.html");
      writeFileSync(file, html);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const requested: string[] = [];
        page.on("request", (request) => requested.push(request.url()));
        await page.goto(`file://${file}`);
        await expect
          .poll(() => page.getByTestId("verdict").getAttribute("data-root-cause"))
          .toBe("VPC_ENDPOINT_MISSING");
        const sts = page.locator('[data-testid="path"][data-service="sts"]');
        expect(await sts.getAttribute("data-status")).toBe("blocked");
        const broken = sts.locator('[data-testid="hop"][data-state="broken"]');
        expect(await broken.count()).toBe(1);
        expect(await broken.getAttribute("data-kind")).toBe("route-table");
        expect(await broken.textContent()).toMatch(/^route table: rtb-/);
        expect(await sts.getByTestId("rule").textContent()).toMatch(/rtb-\w+ of subnet-\w+/);
        // The hops after the break are drawn as never reached.
        const after = await sts
          .locator('[data-testid="hop"]')
          .evaluateAll((hops) => hops.map((h) => h.getAttribute("data-state")));
        expect(after.slice(after.indexOf("broken") + 1).every((s) => s === "unreached")).toBe(true);
        await page.screenshot({ path: resolve(ARTIFACTS, "seed-incident-report.png"), fullPage: true });
        expect(requested).toEqual([`file://${file}`]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
