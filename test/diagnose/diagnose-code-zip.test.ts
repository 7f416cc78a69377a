import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDiagnosis } from "../../src/diagnose/render.js";
import { diagnose } from "../../src/diagnose/run.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import {
  TEST_CREDENTIALS as credentials,
  runtimeRequest,
  sdkConfig,
  seedRuntimes,
} from "../helpers/emulator.js";
import { unixZip } from "../helpers/zips.js";

let emulator: RunningEmulator;

const code = (prefix: string, entryPoint = ["main.py"]) => ({
  agentRuntimeArtifact: {
    codeConfiguration: {
      code: { s3: { bucket: "agent-code", prefix } },
      runtime: "PYTHON_3_12" as const,
      entryPoint,
    },
  },
});

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 0 }, cloudTrailLookupsPerSecond: 50 });
  const s3 = new S3Client({ ...sdkConfig(emulator), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: "agent-code" }));
  await s3.send(
    new PutObjectCommand({
      Bucket: "agent-code",
      Key: "missing-dep/agent.zip",
      Body: await unixZip([
        { path: "main.py", data: "import json\nfrom agent import tools\n" },
        { path: "agent/__init__.py", data: "" },
        { path: "agent/tools.py", data: "import strands\n" },
      ]),
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: "agent-code",
      Key: "node/agent.zip",
      Body: await unixZip([
        {
          path: "index.js",
          data: 'const express = require("express");\nconst sts = "https://sts.us-east-1.amazonaws.com/";\nfetch(sts);\nexpress().listen(8080, "0.0.0.0");\n',
        },
        { path: "package.json", data: '{"name":"a","dependencies":{"express":"^5.1.0"}}' },
      ]),
    }),
  );
  s3.destroy();
  await seedRuntimes(
    emulator,
    runtimeRequest("zip_node", {
      agentRuntimeArtifact: {
        codeConfiguration: {
          code: { s3: { bucket: "agent-code", prefix: "node/agent.zip" } },
          runtime: "NODE_22",
          entryPoint: ["index.js"],
        },
      },
    }),
  );
  await seedRuntimes(
    emulator,
    runtimeRequest("zip_missing_dep", code("missing-dep/agent.zip")),
    runtimeRequest("zip_not_there", code("nowhere/agent.zip")),
  );
});
afterAll(async () => {
  await emulator?.stop();
});

const run = (runtime: string) =>
  diagnose({ runtime, endpointUrl: emulator.url, region: "us-east-1", credentials, allowInvoke: false });

describe("diagnose of a code runtime, end to end against the emulator", () => {
  it("names the zip's missing dependency from the zip itself, with no logs delivered", async () => {
    const result = await run("zip_missing_dep");
    expect(result.evidence.runtime.value.code).toMatchObject({
      bucket: "agent-code",
      prefix: "missing-dep/agent.zip",
      runtime: "PYTHON_3_12",
      entryPoint: ["main.py"],
    });
    expect(result.evidence.logs?.value.lines ?? []).toEqual([]);
    const finding = result.findings.find((f) => f.id === "CODE_ZIP_DEPS_MISSING");
    expect(finding, JSON.stringify(result.gaps)).toBeDefined();
    const facts = finding!.evidence.map((e) => e.fact).join("\n");
    expect(facts).toContain("strands is imported at start-up");
    expect(finding!.evidence).toContainEqual(
      expect.objectContaining({
        source: { kind: "file", path: "s3://agent-code/missing-dep/agent.zip!/agent/tools.py", line: 1 },
      }),
    );
    expect(finding!.evidence[0]!.source).toMatchObject({
      kind: "api",
      service: "s3",
      operation: "GetObject",
    });
    expect(result.hypotheses[0]).toMatchObject({ cause: "CODE_ZIP_DEPS_MISSING" });
    // A code runtime has no image: the image causes are not hypotheses at all.
    expect(result.hypotheses.map((h) => h.cause)).not.toContain("IMAGE_NOT_ARM64");
    expect(result.apiCalls.S3).toBe(1);
  });

  it("judges a NODE_22 zip alike, and reads the AWS services its own code calls from the zip", async () => {
    const result = await run("zip_node");
    const facts = (result.findings.find((f) => f.id === "CODE_ZIP_DEPS_MISSING")?.evidence ?? [])
      .map((e) => e.fact)
      .join("\n");
    expect(facts).toContain("express");
    expect(result.evidence.awsServices).toContainEqual(
      expect.objectContaining({
        service: "sts",
        phase: "startup",
        file: "s3://agent-code/node/agent.zip!/index.js",
      }),
    );
  });

  it("records a zip it cannot read as a gap naming s3:GetObject, and goes on", async () => {
    const result = await run("zip_not_there");
    expect(result.gaps).toContainEqual(
      expect.objectContaining({
        collector: "code-zip",
        service: "s3",
        operation: "GetObject",
        errorCode: "NoSuchKey",
      }),
    );
    expect(result.findings.map((f) => f.id)).not.toContain("CODE_ZIP_DEPS_MISSING");
    expect(result.hypotheses.find((h) => h.cause === "CODE_ZIP_DEPS_MISSING")?.verdict).toBe("unknown");
  });

  it("with --source of the zip's own files, a collector that cannot read them is reported, not an abort", async () => {
    // The unpacked zip: main.py with no BedrockAgentCoreApp and no Dockerfile, which the source's
    // launch plan cannot start (it throws), as a user would pass a code runtime's directory.
    const dir = await mkdtemp(join(tmpdir(), "acd-zip-source-"));
    try {
      await writeFile(join(dir, "main.py"), "import json\nfrom agent import tools\n");
      const result = await diagnose({
        runtime: "zip_missing_dep",
        endpointUrl: emulator.url,
        region: "us-east-1",
        credentials,
        allowInvoke: false,
        sourceDir: dir,
        noReplay: true,
      });
      const failed = result.gaps.filter((g) => g.errorCode === "CollectorFailed");
      expect(failed.map((g) => g.collector)).toContain("static-checks");
      expect(failed[0]!.whatToDo).toContain("entry point (main.py)");
      // The zip's own evidence still stands.
      expect(result.hypotheses[0]).toMatchObject({ cause: "CODE_ZIP_DEPS_MISSING" });
      const text = renderDiagnosis(result, "text", false);
      expect(text).toContain("inconclusive: collector static-checks (source) failed: No Dockerfile");
      const json = JSON.parse(renderDiagnosis(result, "json", false));
      expect(json.gaps).toContainEqual(
        expect.objectContaining({ collector: "static-checks", errorCode: "CollectorFailed" }),
      );
      expect(renderDiagnosis(result, "markdown", false)).toContain("inconclusive: collector static-checks");
      expect(renderDiagnosis(result, "html", false)).toContain("inconclusive: collector static-checks");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
