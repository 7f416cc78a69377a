import { mkdirSync } from "node:fs";
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
import { describe, expect, it } from "vitest";
import { loadScenario, runScenario } from "../../src/scenario/run.js";
import { chromiumSkipReason, launchChromium } from "../helpers/chromium.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");
const SCENARIOS = resolve(import.meta.dirname, "../../scenarios");
const skip = chromiumSkipReason ?? (await namespaceSkipReason());
if (skip) console.warn(`skipping the console during the seed incident: ${skip}`);

describe("the emulator console during a scenario", () => {
  it.skipIf(skip !== undefined)(
    "in Chromium: the seed incident's runtimes are listed, its ENI's STS path broken at the route table, and a session appears and ends",
    async () => {
      const result = await runScenario(await loadScenario(resolve(SCENARIOS, "seed-incident")), {
        keep: true,
        console: true,
      });
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
        await kept.stop();
      }
    },
    120_000,
  );
});
