import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkReportSchema } from "../../src/check/report.js";
import { runCheck } from "../../src/check/run-check.js";
import { CATALOG, FINDING_IDS, type FindingId } from "../../src/findings/index.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");

interface Case {
  fixture: string;
  expect: FindingId[];
  /** Ids that must stay silent on this fixture. */
  silent?: FindingId[];
  startupTimeoutMs?: number;
  idleTimeoutMs?: number;
  env?: Record<string, string>;
}

/** One defect per fixture: the finding it must raise, and what must stay silent. */
const DEFECTS: Case[] = [
  { fixture: "py-sdk-default-host", expect: ["BIND_LOOPBACK", "PYTHON_SDK_LOOPBACK_DEFAULT"] },
  { fixture: "py-bind-loopback", expect: ["BIND_LOOPBACK"], silent: ["PYTHON_SDK_LOOPBACK_DEFAULT"] },
  { fixture: "py-bind-localhost", expect: ["BIND_LOOPBACK"] },
  { fixture: "py-bind-ipv6-loopback", expect: ["BIND_LOOPBACK"] },
  {
    fixture: "py-wrong-port",
    expect: ["BIND_WRONG_PORT", "DOCKERFILE_EXPOSE_MISMATCH"],
    silent: ["NOT_LISTENING"],
  },
  { fixture: "py-no-ping", expect: ["PING_NOT_FOUND"], silent: ["PING_BAD_RESPONSE"] },
  { fixture: "py-bad-ping-body", expect: ["PING_BAD_RESPONSE"], silent: ["PING_NOT_FOUND"] },
  { fixture: "py-ping-lowercase-healthy", expect: ["PING_BAD_RESPONSE"] },
  { fixture: "py-ping-no-timestamp", expect: ["PING_TIMESTAMP_MISSING"], silent: ["PING_BAD_RESPONSE"] },
  { fixture: "py-slow-ping", expect: ["PING_SLOW"] },
  // Busy is judged over the session idle timeout (shortened here), not a few seconds.
  { fixture: "py-ping-stuck-busy", expect: ["PING_STUCK_BUSY"], idleTimeoutMs: 3_000 },
  {
    fixture: "ts-sdk-async-task",
    expect: [],
    silent: ["PING_STUCK_BUSY"],
    idleTimeoutMs: 10_000,
    env: { AGENT_TASK_SECONDS: "3" },
  },
  { fixture: "mcp-stateful-session", expect: ["MCP_SESSION_ID_REJECTED"], silent: ["MCP_INITIALIZE_FAILED"] },
  { fixture: "mcp-strict-slash", expect: ["MCP_HEALTH_PROBE_REJECTED"], silent: ["MCP_INITIALIZE_FAILED"] },
  { fixture: "py-invocations-500", expect: ["INVOCATIONS_FAILED"] },
  { fixture: "py-invocations-text-plain", expect: ["INVOCATIONS_FAILED"] },
  { fixture: "py-crash-on-import", expect: ["STARTUP_CRASH"], silent: ["STARTUP_TIMEOUT", "NOT_LISTENING"] },
  {
    fixture: "py-slow-start",
    expect: ["STARTUP_TIMEOUT"],
    silent: ["NOT_LISTENING"],
    startupTimeoutMs: 2_000,
    env: { AGENT_STARTUP_DELAY_SECONDS: "4" },
  },
  {
    fixture: "py-not-listening",
    expect: ["NOT_LISTENING"],
    silent: ["STARTUP_TIMEOUT"],
    startupTimeoutMs: 1_000,
  },
  { fixture: "mcp-wrong-path", expect: ["MCP_INITIALIZE_FAILED"] },
  { fixture: "a2a-no-agent-card", expect: ["A2A_AGENT_CARD_MISSING"] },
  { fixture: "py-otel-not-instrumented", expect: ["OTEL_NOT_INSTRUMENTED"] },
  { fixture: "py-amd64-image", expect: ["IMAGE_NOT_ARM64"] },
  { fixture: "py-codezip-missing-dep", expect: ["CODE_ZIP_DEPS_MISSING", "STARTUP_CRASH"] },
];

const HEALTHY = [
  "ts-sdk-healthy",
  "py-healthy",
  "py-sdk-docker-container-env",
  "mcp-healthy",
  "a2a-healthy",
  "py-codezip-healthy",
];

afterAll(async () => {
  expect(await leftoverAgentProcesses()).toEqual([]);
});

describe("check on defect fixtures", () => {
  for (const c of DEFECTS) {
    it(`${c.fixture} → ${c.expect.join(", ")}`, async () => {
      const report = await runCheck({
        dir: resolve(agents, c.fixture),
        ...(c.startupTimeoutMs ? { startupTimeoutMs: c.startupTimeoutMs } : {}),
        ...(c.idleTimeoutMs ? { idleTimeoutMs: c.idleTimeoutMs } : {}),
        ...(c.env ? { env: c.env } : {}),
      });
      expect(() => checkReportSchema.parse(report)).not.toThrow();
      const ids = report.findings.map((f) => f.id);
      for (const id of c.expect) expect(ids, JSON.stringify(report.findings, null, 1)).toContain(id);
      for (const id of c.silent ?? []) expect(ids).not.toContain(id);
      expect(report.verdict).toBe(
        report.findings.some((f) => f.severity === "error") ? "unhealthy" : "healthy",
      );
    });
  }
});

describe("check on healthy fixtures", () => {
  for (const fixture of HEALTHY) {
    it(`${fixture} is healthy with no findings, fast`, async () => {
      const started = performance.now();
      const report = await runCheck({ dir: resolve(agents, fixture) });
      const seconds = (performance.now() - started) / 1000;
      expect(report.findings, JSON.stringify(report.findings, null, 1)).toEqual([]);
      expect(report.verdict).toBe("healthy");
      expect(report.startup.outcome).toBe("healthy");
      expect(seconds).toBeLessThan(3);
    });
  }
});

describe("coverage of the catalog by check tests", () => {
  it("every finding check can emit fires on some fixture or test", () => {
    const firedElsewhere = new Set<FindingId>([
      "STARTUP_BLOCKED_ON_NETWORK", // test/check/network.test.ts (needs a namespace)
      "PROBE_DOCKERENV_VISIBLE", // test/check/cli.test.ts (runs unprivileged)
      "PROJECT_CONFIG_INVALID", // test/unit/static-checks.test.ts
      // test/check/host-mode.test.ts: the public samples' styles, dependencies only in the image
      "HOST_MODULE_NOT_INSTALLED",
      "HOST_COMMAND_NOT_INSTALLED",
      "HOST_USER_MISSING",
      "HOST_PORT_IN_USE",
      // test/unit/code-zip.test.ts: each fired by a real zip, with a silent case beside it
      "CODE_ZIP_NATIVE_ARCH",
      "CODE_ZIP_PERMISSIONS",
      "CODE_ZIP_NO_POSIX_MODES",
      "CODE_ZIP_ENTRY_POINT_MISSING",
      "CODE_ZIP_TOO_LARGE",
      "CODE_ZIP_HOST_PATHS",
      "CODE_ZIP_ENTRIES_REFUSED",
      // test/check/check-image.test.ts: images AgentCore would pull, run under runc
      "IMAGE_INDEX_ATTESTATION",
      "HOST_CANNOT_RUN_IMAGE",
      // test/unit/image-limits.test.ts
      "IMAGE_LAYERS_WITH_NAMED_USER",
    ]);
    const fired = new Set([...DEFECTS.flatMap((c) => c.expect), ...firedElsewhere]);
    const emitted = FINDING_IDS.filter((id) =>
      (CATALOG[id].emittedBy as readonly string[]).includes("check"),
    );
    expect(emitted.filter((id) => !fired.has(id))).toEqual([]);
  });
});

describe("crash evidence", () => {
  it("quotes the traceback and points at the agent's own line", async () => {
    const report = await runCheck({ dir: resolve(agents, "py-crash-on-import") });
    const crash = report.findings.find((f) => f.id === "STARTUP_CRASH")!;
    expect(crash.evidence[0]!.fact).toMatch(/exited with code 1/);
    expect(crash.evidence[1]).toEqual({
      fact: "ModuleNotFoundError: No module named 'strands'",
      source: { kind: "file", path: "app.py", line: 3 },
    });
    expect(crash.evidence.map((e) => e.fact)).toContain("Traceback (most recent call last):");
    expect(report.startup.exit).toEqual({ code: 1, signal: null });
  });
});
