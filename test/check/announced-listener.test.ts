import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheck } from "../../src/check/run-check.js";
import { scratchDir } from "../helpers/scratch.js";

describe("an agent that announces a listener it never opens", () => {
  it("is NOT_LISTENING from its socket tables, the announcement quoted for what it says, never as proof", async () => {
    const dir = scratchDir("acd-announced-");
    writeFileSync(join(dir, "Dockerfile"), 'FROM python:3.12-slim\nCMD ["python3", "app.py"]\n');
    // Announces first, then blocks on slow initialisation before it binds anything.
    writeFileSync(
      join(dir, "app.py"),
      'import time\nprint("Server running at http://0.0.0.0:8080/", flush=True)\ntime.sleep(30)\n',
    );
    const report = await runCheck({ dir, startupTimeoutMs: 1_000 });
    const finding = report.findings.find((f) => f.id === "NOT_LISTENING");
    expect(finding, JSON.stringify(report.findings)).toBeDefined();
    const facts = finding!.evidence.map((e) => e.fact);
    expect(facts).toContain(
      'the agent printed "Server running at http://0.0.0.0:8080/", yet no listening socket appeared in its socket tables',
    );
    expect(facts).not.toContain("Server running at http://0.0.0.0:8080/");
  }, 60_000);
});
