import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsoleState } from "../../src/emulator/console/state.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { chromiumSkipReason, launchChromium } from "../helpers/chromium.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const browserReason = chromiumSkipReason;
if (browserReason) console.warn(`skipping the console's browser test: ${browserReason}`);

describe("the emulator console", () => {
  let emulator: RunningEmulator;
  let control: BedrockAgentCoreControlClient;
  let data: BedrockAgentCoreClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      images: { [`${REGISTRY}/py-healthy`]: resolve(agents, "py-healthy") },
      driver: "process",
      console: true,
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 10_000,
    });
    const config = { endpoint: emulator.url, region: "us-east-1", credentials };
    control = new BedrockAgentCoreControlClient(config);
    data = new BedrockAgentCoreClient(config);
  });
  afterAll(async () => {
    control?.destroy();
    data?.destroy();
    await emulator?.stop();
    expect(await leftoverAgentProcesses()).toEqual([]);
  });

  async function state(): Promise<ConsoleState> {
    const response = await fetch(`${emulator.url}/_emulator/state`);
    expect(response.status).toBe(200);
    return (await response.json()) as ConsoleState;
  }

  async function createRuntime(name: string): Promise<string> {
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: name,
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/py-healthy:latest` } },
        roleArn: "arn:aws:iam::123456789012:role/AgentRuntimeRole",
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    return created.agentRuntimeArn!;
  }

  async function invoke(arn: string, sessionId: string): Promise<void> {
    const answer = await data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: arn,
        runtimeSessionId: sessionId,
        contentType: "application/json",
        payload: new TextEncoder().encode(JSON.stringify({ prompt: "hello" })),
      }),
    );
    await answer.response?.transformToString();
  }

  it("reads state without changing it: no default VPC made, no call recorded", async () => {
    const before = await state();
    expect(before.scopes).toEqual([]);
    expect(before.sessions).toEqual([]);
    const after = await state();
    expect(after.scopes).toEqual([]);
  });

  it("lists runtimes with versions and endpoints, sessions as they start and end, and the trail", async () => {
    const arn = await createRuntime("console_state");
    const sessionId = `console-state-${"a".repeat(30)}`;
    await invoke(arn, sessionId);
    const live = await state();
    const scope = live.scopes.find((s) => s.account === "123456789012" && s.region === "us-east-1");
    const runtime = scope?.runtimes.find((r) => r.agentRuntimeArn === arn);
    expect(runtime?.versions.map((v) => v.agentRuntimeVersion)).toEqual(["1"]);
    expect(runtime?.endpoints.map((e) => e.name)).toEqual(["DEFAULT"]);
    expect(live.sessions.find((s) => s.sessionId === sessionId)?.state).toBe("idle");
    // CloudTrail keeps management events; invocations are data events, not recorded by default.
    expect(scope?.trail.map((e) => e.eventName)).toContain("CreateAgentRuntime");
    await data.send(new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId: sessionId }));
    const ended = (await state()).sessions.find((s) => s.sessionId === sessionId);
    expect(ended).toMatchObject({ state: "ended", endReason: "StopRuntimeSession" });
  });

  it("is off unless asked for: the page answers 404 saying how to turn it on", async () => {
    const plain = await startEmulator({ port: 0, timing: { readyAfterMs: 0 } });
    try {
      const response = await fetch(`${plain.url}/_emulator/console`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { message: string }).message).toMatch(/--console/);
    } finally {
      await plain.stop();
    }
  });

  it.skipIf(browserReason !== undefined)(
    "in Chromium: the runtime is listed, a session appears when invoked and is shown ended when stopped",
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(emulator.consoleUrl!);
        const arn = await createRuntime("console_browser");
        const runtimeId = arn.split("/").pop()!;
        await page.locator(`[data-testid=runtime-row][data-runtime-id="${runtimeId}"]`).waitFor();
        const sessionId = `console-browser-${"b".repeat(30)}`;
        const row = page.locator(`[data-testid=session-row][data-session-id="${sessionId}"]`);
        expect(await row.count()).toBe(0);
        await invoke(arn, sessionId);
        await row.and(page.locator("[data-state=idle]")).waitFor();
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: resolve(ARTIFACTS, "console-session.png"), fullPage: true });
        await data.send(new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId: sessionId }));
        await row.and(page.locator("[data-state=ended]")).waitFor();
        expect(await page.locator("[data-testid=trail-row][data-event=CreateAgentRuntime]").count()).toBe(2);
        expect(await page.locator("[data-testid=error]").textContent()).toBe("");
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
