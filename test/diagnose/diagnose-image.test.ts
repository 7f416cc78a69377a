import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ECRClient } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnosePolicy } from "../../src/diagnose/allow-list.js";
import { fetchDeployedImage } from "../../src/diagnose/collect/image-fetch.js";
import type { EvidenceGap } from "../../src/diagnose/evidence.js";
import { diagnose } from "../../src/diagnose/run.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { netnsSupport } from "../../src/net/netns.js";
import { addAgentImage, HTTP_AGENT, testImages, workLayout } from "../helpers/agent-images.js";
import { TEST_CREDENTIALS as credentials, runtimeRequest, seedRuntimes } from "../helpers/emulator.js";
import { createRepository, registryLogin } from "../helpers/registry.js";

const run = promisify(execFile);
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

describe("the deployed image without ECR pull permissions", () => {
  it("is a gap naming ecr:BatchGetImage and ecr:GetDownloadUrlForLayer", async () => {
    const denied = Object.assign(new Error("User is not authorized to perform: ecr:BatchGetImage"), {
      name: "AccessDeniedException",
    });
    const ecr = { send: async () => Promise.reject(denied) } as unknown as ECRClient;
    const gaps: EvidenceGap[] = [];
    expect(await fetchDeployedImage(ecr, `${REGISTRY}/support-agent:1.4.0`, gaps)).toBeUndefined();
    expect(gaps).toEqual([
      expect.objectContaining({
        collector: "deployed-image",
        errorCode: "AccessDeniedException",
        action: "ecr:BatchGetImage, ecr:GetDownloadUrlForLayer",
      }),
    ]);
    expect(gaps[0]?.message).toMatch(
      /grant ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on arn:aws:ecr:us-east-1:123456789012:repository\/support-agent/,
    );
  });

  it("the generated IAM policy lets diagnose make those calls", () => {
    const actions = JSON.stringify(diagnosePolicy(false));
    expect(actions).toContain("ecr:BatchGetImage");
    expect(actions).toContain("ecr:GetDownloadUrlForLayer");
  });
});

const { layout: base, reason } = testImages();
const netns = await netnsSupport();
const skip = !base ? reason : !netns.ok ? netns.reason : undefined;
if (skip) console.log(`diagnose-image.test: the fetch-and-replay test skipped (${skip})`);

describe.skipIf(skip !== undefined)("diagnose fetches the deployed image through ECR and replays it", () => {
  const work = mkdtempSync(join(tmpdir(), "acd-diagnose-image-"));
  let emulator: RunningEmulator;
  beforeAll(async () => {
    const layout = workLayout(base!, join(work, "layout"));
    // The image deployed binds loopback: only a run of the image itself shows it (no --source is given).
    addAgentImage(layout, "base-arm64", "loopback", {
      files: { "app/agent.py": HTTP_AGENT },
      cmd: ["python3", "/app/agent.py"],
      env: ["BIND=127.0.0.1"],
      user: "bedrock_agentcore",
    });
    emulator = await startEmulator({ port: 0, timing: { readyAfterMs: 0 } });
    await createRepository(emulator, "support-agent");
    const { password } = await registryLogin(emulator);
    await run("skopeo", [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      "--dest-creds",
      `AWS:${password}`,
      `oci:${layout}:loopback`,
      `docker://127.0.0.1:${emulator.port}/support-agent:1.4.0`,
    ]);
    await seedRuntimes(
      emulator,
      runtimeRequest("image_agent", {
        agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/support-agent:1.4.0` } },
      }),
    );
  }, 180_000);
  afterAll(async () => {
    await emulator?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("pulls it with BatchGetImage and GetDownloadUrlForLayer, replays it under runc, and sees the loopback socket", async () => {
    const result = await diagnose({
      runtime: "image_agent",
      endpointUrl: emulator.url,
      region: "us-east-1",
      credentials,
      allowInvoke: false,
    });
    const fetched = result.evidence.deployedImage?.value;
    expect(fetched?.facts).toMatchObject({
      architecture: "arm64",
      os: "linux",
      config: { User: "bedrock_agentcore" },
    });
    expect(fetched?.via).toMatch(/GetDownloadUrlForLayer ×3/);
    expect(result.apiCalls.ECR).toBeGreaterThanOrEqual(4);
    const replay = result.evidence.replay;
    if (!replay?.ran || !replay.observations.some((o) => o.kind === "listening"))
      console.log("replay:", JSON.stringify(replay, null, 1));
    expect(replay?.ran, JSON.stringify(replay)).toBe(true);
    if (replay?.ran) {
      expect(replay.artifact).toMatch(/support-agent:1\.4\.0 .*fetched through ECR/);
      if (process.arch === "x64") expect(replay.emulated).toMatch(/qemu-user/);
      expect(replay.observations).toContainEqual(
        expect.objectContaining({ kind: "listening", address: "127.0.0.1", port: 8080 }),
      );
    }
    expect(result.hypotheses[0]).toMatchObject({ cause: "BIND_LOOPBACK", verdict: "confirmed" });
    expect(result.gaps.filter((g) => g.collector === "deployed-image")).toEqual([]);
  }, 180_000);
});
