import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanHeaderReads } from "../../src/agent/header-usage.js";

describe("the request headers an agent reads", () => {
  it("names a caller's headers (X-…, Authorization), never HTTP's own or the platform's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acd-headers-"));
    writeFileSync(
      join(dir, "server.py"),
      [
        'chunked = "chunked" in self.headers.get("Transfer-Encoding", "")',
        'gzip = self.headers.get("Accept-Encoding")',
        'session = self.headers.get("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id")',
        'tenant = context.request_headers.get("X-Tenant-Id")',
        'token = request.headers["Authorization"]',
        // Headers of the agent's own outgoing calls: a dict it builds and writes.
        'headers = {"x-amz-date": amz_date}',
        'headers["x-amz-security-token"] = token',
        'outgoing.headers["X-Outbound"] = "1"',
        'value = headers.get("x-amz-target")',
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "agent.mjs"),
      'const key = req.headers["x-api-key"];\nconst c = req.getHeader("connection");\n',
    );
    const names = (await scanHeaderReads(dir)).map((r) => r.name).sort();
    expect(names).toEqual(["Authorization", "X-Tenant-Id", "x-api-key"]);
  });
});
