import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkReportSchema } from "../../src/check/report.js";
import { runCli } from "../helpers/cli.js";

const fixture = (name: string) => `test/fixtures/agents/${name}`;

describe("agentcore-doctor check (CLI)", () => {
  it("exits 0 on a healthy agent and says so", async () => {
    const result = await runCli(["check", fixture("py-healthy")]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^HEALTHY/);
  });

  it("exits 1 with a schema-valid JSON report on a defect", async () => {
    const result = await runCli(["check", fixture("py-sdk-default-host"), "--format", "json"]);
    expect(result.code, result.stderr).toBe(1);
    const report = checkReportSchema.parse(JSON.parse(result.stdout));
    expect(report.findings.map((f) => f.id)).toEqual(
      expect.arrayContaining(["BIND_LOOPBACK", "PYTHON_SDK_LOOPBACK_DEFAULT"]),
    );
  });

  it("renders markdown", async () => {
    const result = await runCli(["check", fixture("py-no-ping"), "--format", "markdown"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("### ERROR `PING_NOT_FOUND`");
  });

  it("exits 2 with a message and no stack on bad usage", async () => {
    for (const args of [
      ["check", fixture("py-healthy"), "--protocol", "grpc"],
      ["check", fixture("py-healthy"), "--startup-timeout", "soon"],
      ["check", "test/fixtures/agents/does-not-exist"],
      ["check", "--no-such-flag"],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr.length).toBeGreaterThan(0);
    }
  });

  it.skipIf(process.getuid?.() !== 0 || !existsSync("/.dockerenv"))(
    "says so when it cannot hide /.dockerenv (run as an unprivileged user)",
    async () => {
      const result = await runCli(["check", fixture("py-sdk-default-host"), "--format", "json"], {
        prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"],
        env: { HOME: "/tmp" },
      });
      const report = checkReportSchema.parse(JSON.parse(result.stdout));
      expect(report.environment.dockerenv).toBe("visible");
      const ids = report.findings.map((f) => f.id);
      expect(ids).toContain("PROBE_DOCKERENV_VISIBLE");
      // With /.dockerenv visible the SDK binds 0.0.0.0: exactly the local pass that fails in AgentCore.
      expect(ids).not.toContain("BIND_LOOPBACK");
      expect(ids).toContain("PYTHON_SDK_LOOPBACK_DEFAULT");
    },
  );
});
