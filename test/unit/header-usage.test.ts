import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { goHeaderReads, jsHeaderReads, scanHeaderReads } from "../../src/static-checks/header-usage.js";
import { scratchDir } from "../helpers/scratch.js";

describe("the request headers an agent reads", () => {
  it("names a caller's headers (X-…, Authorization), never HTTP's own or the platform's", async () => {
    const dir = scratchDir("acd-headers-");
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

  it("Python, read by its ast: FastAPI Header() parameters, Annotated, aliases, constants, Django META, `in`", async () => {
    const dir = scratchDir("acd-headers-");
    writeFileSync(
      join(dir, "main.py"),
      [
        "from typing import Annotated, Optional",
        "from fastapi import FastAPI, Header as H, Request",
        "TENANT = 'X-Tenant-Id'",
        "app = FastAPI()",
        '@app.post("/invocations")',
        "async def invoke(request: Request, x_tenant_id: Optional[str] = H(default=None),",
        '                 key: Annotated[str | None, H(alias="X-Api-Key")] = None,',
        "                 x_plain: str = H(None, convert_underscores=False)):", // an x_plain header: not X-…
        "    region = request.headers.get(",
        "        TENANT,",
        "    )",
        "    if 'X-Debug' in request.headers: pass",
        "    return {}",
        "def view(request):",
        '    return request.META.get("HTTP_X_REQUEST_SOURCE"), request.META["REMOTE_ADDR"]',
        "def build():",
        '    headers = {"X-Outbound": "1"}',
        '    return headers.get("X-Outbound")',
      ].join("\n"),
    );
    const reads = await scanHeaderReads(dir);
    expect(reads.map((r) => `${r.name}:${r.line}`).sort()).toEqual(
      ["X-Api-Key:7", "X-Debug:12", "X-Request-Source:15", "X-Tenant-Id:9", "x-tenant-id:6"].sort(),
    );
  });

  it("Go, read from its tokens: Header.Get and Values, Header[…] read, gin's GetHeader, constants, CanonicalHeaderKey", () => {
    const source = [
      "package main",
      'import "net/http"',
      "const (",
      '\ttenantHeader = "X-Tenant-Id"',
      "\tother string = `X-Other`",
      ")",
      "func handle(w http.ResponseWriter, r *http.Request) {",
      "\ttenant := r.Header.Get(tenantHeader)",
      '\tkeys := r.Header.Values(http.CanonicalHeaderKey("x-api-key"))',
      '\traw := r.Header["X-Raw"]',
      '\tw.Header().Set("X-Served-By", "me") // a response header: not a read',
      '\tout.Header["X-Outbound"] = []string{"1"}',
      '\t// r.Header.Get("X-Commented")',
      '\t_ = c.GetHeader("X-Gin")',
      "\t_ = r.Header.Get(other)",
      "}",
    ].join("\n");
    expect(goHeaderReads(source).map((r) => `${r.name}:${r.line}`)).toEqual([
      "X-Tenant-Id:8",
      "x-api-key:9",
      "X-Raw:10",
      "X-Gin:14",
      "X-Other:15",
    ]);
  });

  it("JavaScript and TypeScript, read from the syntax tree: fetch Headers, Express/Hono header(), destructuring, constants", () => {
    const source = [
      'const TENANT = "x-tenant-id";',
      "export default async function handler(req: Request, res: any) {",
      "  const tenant = req.headers.get(TENANT);",
      '  const { "x-api-key": key } = req.headers;',
      '  const user = c.req.header("X-User");',
      '  const trace = event.headers?.["x-trace"];',
      '  opts.headers["X-Outbound"] = "1";',
      "}",
    ].join("\n");
    expect(jsHeaderReads(source)?.map((r) => `${r.name}:${r.line}`)).toEqual([
      "x-tenant-id:3",
      "x-api-key:4",
      "X-User:5",
      "x-trace:6",
    ]);
  });
});
