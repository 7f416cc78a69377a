import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  ListAgentRuntimesCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDiagnosis } from "../../src/diagnose/render.js";
import { loadScenario, runScenario, type ScenarioResult } from "../../src/scenario/run.js";
import { chromiumSkipReason, launchChromium } from "../helpers/chromium.js";
import { namespaceSkipReason } from "../helpers/netns.js";

/**
 * The seed incident, run once for this file: observed as the engineer saw it,
 * diagnosed, and its emulator kept with the console on. Each test reads what
 * it checks from that one run (the verdict and what was seen, the HTML report
 * in Chromium, the live console in Chromium), as a user running
 * `scenario run scenarios/seed-incident --observe --keep --console` would.
 */
const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");
const SCENARIOS = resolve(import.meta.dirname, "../../scenarios");
const skip = await namespaceSkipReason();
if (skip) console.log(`the seed incident's tests skip: ${skip}`);
const browserSkip = skip ?? chromiumSkipReason;
if (browserSkip && !skip) console.warn(`the seed incident's Chromium tests skip: ${browserSkip}`);

describe.skipIf(skip !== undefined)("the seed incident, run once", () => {
  let result: ScenarioResult;
  beforeAll(async () => {
    result = await runScenario(await loadScenario(resolve(SCENARIOS, "seed-incident")), {
      observe: true,
      keep: true,
      console: true,
    });
  }, 120_000);
  afterAll(async () => {
    await result?.kept?.stop();
  });

  it("READY, the health-check error, the ENI by tag not by description, the SLR's CreateNetworkInterface, then the verdict naming STS", () => {
    const seen = result.observations!.map((o) => `${o.call} → ${o.saw}`).join("\n");
    expect(seen).toMatch(/GetAgentRuntime .* → status READY, network mode VPC/);
    expect(seen).toMatch(/InvokeAgentRuntime → RuntimeClientError: Runtime health check failed or timed out/);
    expect(seen).toMatch(/description=\*AgentCore\* → 0 interfaces/);
    expect(seen).toMatch(/tag:AmazonBedrockAgentCoreManaged=true → eni-\w+ in-use/);
    expect(seen).toMatch(/by AWSServiceRoleForBedrockAgentCoreNetwork → Client\.DryRunOperation/);
    expect(seen).toMatch(/by AWSServiceRoleForBedrockAgentCoreNetwork → created/);
    expect(result.rootCause).toBe("VPC_ENDPOINT_MISSING");
    const verdict = result.diagnosis.findings.find((f) => f.id === "VPC_ENDPOINT_MISSING")!;
    expect(verdict.fix).toMatch(/sts/);
    expect(result.missingFindings).toEqual([]);
    const rows = Object.fromEntries(result.diagnosis.comparison!.rows.map((r) => [r.field, r]));
    expect(rows["network mode"]).toMatchObject({ a: "VPC", b: "PUBLIC", differs: true });
    expect(rows.invocation!.b).toMatch(/^OK/);
    // PRODUCT.md's promise is a minute: this guards it under the suite's shared load (30.3 s was
    // seen against a 30 s bound with a load of 6 on two cores); bench/replay.ts measures alone.
    expect(result.elapsedMs).toBeLessThan(60_000);
  });

  it.skipIf(browserSkip !== undefined)(
    "its HTML report, in headless Chromium, shows the STS path broken at the route table",
    async () => {
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

  it.skipIf(browserSkip !== undefined)(
    "the emulator console in Chromium: its runtimes listed, its ENI's STS path broken at the route table, and a session appears and ends",
    async () => {
      const kept = result.kept!;
      const config = {
        endpoint: kept.url,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      };
      const control = new BedrockAgentCoreControlClient(config);
      const data = new BedrockAgentCoreClient(config);
      const browser = await launchChromium();
      try {
        const runtimes = (await control.send(new ListAgentRuntimesCommand({}))).agentRuntimes ?? [];
        expect(runtimes.map((r) => r.agentRuntimeName).sort()).toEqual(["public_agent", "vpc_agent"]);
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(kept.consoleUrl!);
        for (const r of runtimes)
          await page.locator(`[data-testid=runtime-row][data-runtime-id="${r.agentRuntimeId}"]`).waitFor();
        const sts = page.locator('[data-testid=interface] [data-testid=path][data-service="sts"]').first();
        await sts.waitFor();
        expect(await sts.getAttribute("data-status")).toBe("blocked");
        expect(await sts.locator('[data-testid=hop][data-state="broken"]').getAttribute("data-kind")).toBe(
          "route-table",
        );

        const publicArn = runtimes.find((r) => r.agentRuntimeName === "public_agent")!.agentRuntimeArn!;
        const sessionId = `console-scenario-${"c".repeat(30)}`;
        const answer = await data.send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: publicArn,
            runtimeSessionId: sessionId,
            contentType: "application/json",
            payload: new TextEncoder().encode(JSON.stringify({ prompt: "hello" })),
          }),
        );
        await answer.response?.transformToString();
        const row = page.locator(`[data-testid=session-row][data-session-id="${sessionId}"]`);
        await row.waitFor();
        await expect.poll(() => row.getAttribute("data-state")).not.toBe("ended");
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: resolve(ARTIFACTS, "console-seed-incident.png"), fullPage: true });
        await data.send(
          new StopRuntimeSessionCommand({ agentRuntimeArn: publicArn, runtimeSessionId: sessionId }),
        );
        await expect.poll(() => row.getAttribute("data-state"), { timeout: 10_000 }).toBe("ended");
      } finally {
        await browser.close();
        control.destroy();
        data.destroy();
      }
    },
    120_000,
  );
});
