import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImageCheck } from "../../src/check/image-check.js";
import { checkExitCode } from "../../src/check/report.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { addAgentImage, addIndex, HTTP_AGENT, testImages, workLayout } from "../helpers/agent-images.js";
import { createRepository, registryLogin } from "../helpers/registry.js";

const run = promisify(execFile);
const { layout: base, reason } = testImages();
if (!base) console.log(`check-image.test: skipped (${reason})`);

const work = mkdtempSync(join(tmpdir(), "acd-check-image-"));
let layout = "";
const agent = { files: { "app/agent.py": HTTP_AGENT }, cmd: ["python3", "/app/agent.py"], workdir: "/app" };

beforeAll(() => {
  if (!base) return;
  layout = workLayout(base, join(work, "layout"));
  addAgentImage(layout, "base-arm64", "agent-arm64", { ...agent, user: "bedrock_agentcore" });
  addAgentImage(layout, "base-amd64", "agent-amd64", { ...agent, user: "bedrock_agentcore" });
  addAgentImage(layout, "base-arm64", "loopback-arm64", { ...agent, env: ["BIND=127.0.0.1"] });
  addAgentImage(layout, "base-arm64", "nouser-arm64", { ...agent, user: "agent" });
  addIndex(layout, "amd64-only", [{ tag: "agent-amd64", architecture: "amd64" }], true);
  addIndex(
    layout,
    "multi",
    [
      { tag: "agent-amd64", architecture: "amd64" },
      { tag: "agent-arm64", architecture: "arm64" },
    ],
    true,
  );
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const check = (image: string, extra: Partial<Parameters<typeof runImageCheck>[0]> = {}) =>
  runImageCheck({ image, startupTimeoutMs: 30_000, ...extra });

describe.skipIf(!base)("check --image", () => {
  it("on a machine without runc: the image is read, not run, and the report says this machine could not (exit 3)", async () => {
    // runc lives in /usr/sbin here; a PATH without the sbin directories lacks it, as a machine without runc would.
    const path = (process.env.PATH ?? "")
      .split(":")
      .filter((d) => !d.endsWith("/sbin"))
      .join(":");
    const saved = process.env.PATH;
    process.env.PATH = path;
    try {
      const found = await run("sh", ["-c", "command -v runc"]).then(
        () => true,
        () => false,
      );
      if (found) return;
      const report = await check(`${layout}:agent-arm64`);
      expect(report.findings.map((f) => f.id)).toEqual(["HOST_CANNOT_RUN_IMAGE"]);
      expect(report.findings[0]!.fix).toMatch(/runc is not installed/);
      expect(report.startup.outcome).toBe("not-run");
      expect(checkExitCode(report)).toBe(3);
    } finally {
      process.env.PATH = saved;
    }
  }, 120_000);

  it("runs a linux/arm64 image under runc, emulated by qemu-user, as its USER, and finds it healthy", async () => {
    const report = await check(`${layout}:agent-arm64`, { region: "eu-west-1" });
    expect(report.verdict, JSON.stringify(report, null, 1)).toBe("healthy");
    expect(report.startup.outcome).toBe("healthy");
    expect(report.image).toMatchObject({
      platform: "linux/arm64",
      entryArchitecture: "arm64",
      user: "bedrock_agentcore",
    });
    if (process.arch === "x64") {
      expect(report.image?.emulated).toMatch(/qemu-user/);
      expect(report.environment.notes.join("\n")).toMatch(/ran emulated .* by qemu-user/);
    }
    const invocation = report.probes.find(
      (p) => p.request.includes("/invocations") && p.status === 200 && p.bodyExcerpt?.startsWith("{"),
    );
    expect(JSON.parse(invocation?.bodyExcerpt ?? "{}")).toMatchObject({
      uid: 1000,
      region: "eu-west-1",
      dockerenv: false,
    });
    expect(report.environment.network).toMatch(/network namespace acd-check-/);
  }, 120_000);

  it("does not run an amd64 image and confirms IMAGE_NOT_ARM64 from its config and its entry program's ELF", async () => {
    const report = await check(`${layout}:agent-amd64`);
    expect(report.startup.outcome).toBe("not-run");
    const finding = report.findings.find((f) => f.id === "IMAGE_NOT_ARM64");
    const facts = finding?.evidence.map((e) => e.fact).join("\n");
    expect(facts).toMatch(/image config says linux\/amd64/);
    expect(facts).toMatch(/\/usr\/bin\/python3\.11 is an ELF for amd64 .*exec format error/);
    expect(checkExitCode(report)).toBe(1);
  }, 120_000);

  it("an index without linux/arm64: the pull AgentCore makes finds nothing; its attestation entry is a warning", async () => {
    const report = await check(`${layout}:amd64-only`);
    expect(report.startup.outcome).toBe("not-run");
    expect(report.findings.find((f) => f.id === "IMAGE_NOT_ARM64")?.evidence[0]?.fact).toMatch(
      /lists linux\/amd64 and no linux\/arm64 entry/,
    );
    expect(report.findings.find((f) => f.id === "IMAGE_INDEX_ATTESTATION")?.severity).toBe("warning");
  }, 120_000);

  it("from a docker archive, a loopback-only server is BIND_LOOPBACK, seen on the namespace's sockets", async () => {
    const archive = join(work, "loopback.tar");
    await run("skopeo", ["copy", "--quiet", `oci:${layout}:loopback-arm64`, `docker-archive:${archive}`]);
    const report = await check(archive);
    expect(report.image?.source).toMatch(/docker archive/);
    expect(report.startup.outcome).toBe("unreachable");
    expect(report.findings.map((f) => f.id)).toContain("BIND_LOOPBACK");
    expect(report.startup.listening).toEqual([{ address: "127.0.0.1", port: 8080, family: 4 }]);
  }, 120_000);

  it("a USER the image's /etc/passwd lacks cannot start, as the runtime refuses it", async () => {
    const report = await check(`${layout}:nouser-arm64`);
    const crash = report.findings.find((f) => f.id === "STARTUP_CRASH");
    expect(crash?.evidence[0]?.fact).toMatch(/unable to find user agent/);
  }, 120_000);

  describe("from the emulator's ECR", () => {
    let emulator: RunningEmulator;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    beforeAll(async () => {
      emulator = await startEmulator({ port: 0 });
      // The user's AWS credentials, as for any AWS call to the emulator (it checks the signature's key id only).
      process.env.AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
      process.env.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    });
    afterAll(async () => {
      await emulator?.stop();
      for (const [key, value] of [
        ["AWS_ACCESS_KEY_ID", saved.id],
        ["AWS_SECRET_ACCESS_KEY", saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    it("pulls a multi-platform index pushed with skopeo, logs in through GetAuthorizationToken, runs its arm64 entry", async () => {
      await createRepository(emulator, "agents/multi");
      const { password } = await registryLogin(emulator);
      const registry = `127.0.0.1:${emulator.port}`;
      const push = await run("skopeo", [
        "copy",
        "--quiet",
        "--all",
        "--dest-tls-verify=false",
        "--dest-creds",
        `AWS:${password}`,
        `oci:${layout}:multi`,
        `docker://${registry}/agents/multi:v1`,
      ]);
      expect(push.stderr).toBe("");
      const report = await check(`${registry}/agents/multi:v1`, {
        endpointUrl: emulator.url,
        region: "us-east-1",
      });
      expect(report.image?.source).toMatch(/registry .*GetAuthorizationToken/);
      expect(report.image?.index?.map((e) => e.platform)).toEqual([
        "linux/amd64",
        "linux/arm64",
        "unknown/unknown",
      ]);
      expect(report.image?.platform).toBe("linux/arm64");
      expect(report.startup.outcome).toBe("healthy");
      expect(report.findings.map((f) => f.id)).toEqual(["IMAGE_INDEX_ATTESTATION"]);
      expect(report.verdict).toBe("healthy");
    }, 180_000);
  });
});
