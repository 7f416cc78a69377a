import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "../../src/check/run-check.js";
import type { Namespace } from "../../src/net/netns.js";
import { namespaceSkipReason, namespaceWithBlackhole } from "../helpers/netns.js";

const fixture = resolve(import.meta.dirname, "../fixtures/agents/py-startup-hangs-on-network");
const BLACKHOLE_PORT = 9;
const skipReason = await namespaceSkipReason();
if (skipReason) console.warn(`skipping network-namespace check tests: ${skipReason}`);

describe.skipIf(skipReason !== undefined)("check in a network namespace", () => {
  let ns: Namespace;
  beforeAll(async () => {
    ns = await namespaceWithBlackhole(BLACKHOLE_PORT);
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  it("names STARTUP_BLOCKED_ON_NETWORK when start-up hangs on a connection that gets no answer", async () => {
    const report = await runCheck({
      dir: fixture,
      startupTimeoutMs: 2_000,
      netns: { name: ns.name, address: ns.address },
      env: { AGENT_STARTUP_DEPENDENCY: `127.0.0.1:${BLACKHOLE_PORT}` },
    });
    const finding = report.findings.find((f) => f.id === "STARTUP_BLOCKED_ON_NETWORK");
    expect(finding, JSON.stringify(report, null, 1)).toBeDefined();
    expect(finding!.evidence[0]!.fact).toMatch(/127\.0\.0\.1:9 stuck in SYN_SENT/);
    expect(report.startup.stuckConnections[0]).toMatchObject({ address: "127.0.0.1", port: 9 });
    expect(report.findings.map((f) => f.id)).not.toContain("NOT_LISTENING");
  });

  it("reaches a healthy agent on the namespace's interface, not loopback", async () => {
    const report = await runCheck({
      dir: resolve(import.meta.dirname, "../fixtures/agents/py-healthy"),
      netns: { name: ns.name, address: ns.address },
    });
    expect(report.findings).toEqual([]);
    expect(report.probes[0]!.request).toContain(ns.address);
  });

  it("fails a loopback-only agent there, as AgentCore's health check does", async () => {
    const report = await runCheck({
      dir: resolve(import.meta.dirname, "../fixtures/agents/py-bind-loopback"),
      startupTimeoutMs: 1_500,
      netns: { name: ns.name, address: ns.address },
    });
    expect(report.startup.outcome).not.toBe("healthy");
    expect(report.findings.map((f) => f.id)).toContain("BIND_LOOPBACK");
  });
});
