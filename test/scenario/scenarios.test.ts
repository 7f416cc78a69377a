import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { listScenarios, loadScenario, runScenario } from "../../src/scenario/run.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const ROOT = resolve(import.meta.dirname, "../../scenarios");
const skip = await namespaceSkipReason();
if (skip) console.log(`scenario tests that need the session network skip: ${skip}`);
/** A scenario that ships a real image builds it (mmdebstrap, umoci), pushes it (skopeo) and replays it (runc). */
const imageSkip =
  skip ??
  ["runc", "umoci", "mmdebstrap", "skopeo"]
    .filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
    .map((tool) => `${tool} missing (scripts/ensure-system-deps.sh installs it)`)[0];
if (imageSkip && !skip) console.log(`the scenario test of a pushed image skips: ${imageSkip}`);

/** The cases `diagnose` must get right end to end (its issue's bar), each a shipped scenario. */
const BAR = [
  "python-sdk-loopback",
  "ping-not-found",
  "crash-on-import",
  "vpc-loopback-no-logs",
  "unsupported-az",
  "full-subnet",
  "config-drift",
];

describe("shipped scenarios", () => {
  it("all load, and every finding diagnose can name is covered by one", async () => {
    const all = await listScenarios(ROOT);
    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const s of all) expect(s.scenario.story.length).toBeGreaterThan(80);
  });

  for (const name of BAR) {
    it.skipIf(skip !== undefined)(`${name}: diagnose ranks the expected root cause first`, async () => {
      const result = await runScenario(await loadScenario(resolve(ROOT, name)));
      expect(result.rootCause).toBe(result.expected);
      expect(result.missingFindings).toEqual([]);
    });
  }

  it("codezip-missing-dep: diagnose names the zip's missing module from the zip in S3, with no logs delivered", async () => {
    const result = await runScenario(await loadScenario(resolve(ROOT, "codezip-missing-dep")));
    expect(result.rootCause).toBe("CODE_ZIP_DEPS_MISSING");
    expect(result.diagnosis.evidence.logs?.value.lines ?? []).toEqual([]);
    const finding = result.diagnosis.findings.find((f) => f.id === "CODE_ZIP_DEPS_MISSING")!;
    expect(finding.evidence.map((e) => e.fact).join("\n")).toContain("strands is imported at start-up");
    expect(result.passed).toBe(true);
  });

  // Code-zip scenarios that start no session: diagnose judges the zip in S3 and the account alone.
  // (codezip-x86-native now invokes, a session on the arm64 base: npm run scenarios runs it, and
  // test/emulator/code-runtime-arm64.test.ts its session.)
  for (const name of [
    "codezip-permissions",
    "codezip-too-large",
    "codezip-entries-refused",
    "codezip-entry-point-nested",
    "codezip-otel-venv-shebang",
    "codezip-vpc-no-s3-route",
    "codezip-role-cannot-read",
  ]) {
    it(`${name}: diagnose ranks the expected root cause first, from the zip and the account`, async () => {
      const result = await runScenario(await loadScenario(resolve(ROOT, name)));
      expect(result.rootCause).toBe(result.expected);
      expect(result.missingFindings).toEqual([]);
      expect(result.passed).toBe(true);
    });
  }

  it("codezip-no-posix-modes: a Windows-made zip is healthy, with the modes it could not judge said", async () => {
    const result = await runScenario(await loadScenario(resolve(ROOT, "codezip-no-posix-modes")));
    expect(result.diagnosed).toBe("healthy");
    expect(result.diagnosis.findings.map((f) => f.id)).toContain("CODE_ZIP_NO_POSIX_MODES");
    expect(result.passed).toBe(true);
  });

  it.skipIf(skip !== undefined)(
    "reads-secret-and-parameter: seeded through Secrets Manager and SSM, read at start-up over VPC endpoints, healthy",
    async () => {
      const result = await runScenario(await loadScenario(resolve(ROOT, "reads-secret-and-parameter")));
      expect(result.diagnosed).toBe("healthy");
      expect(result.unwantedFindings).toEqual([]);
      expect(result.passed).toBe(true);
    },
  );

  it.skipIf(imageSkip !== undefined)(
    "seed-incident-pushed-image: the image pushed with skopeo, fetched through ECR and replayed in the VPC's twin, gives the seed's verdict from what the image did",
    async () => {
      const result = await runScenario(await loadScenario(resolve(ROOT, "seed-incident-pushed-image")));
      const replay = result.diagnosis.evidence.replay;
      expect(replay?.ran, JSON.stringify(replay)).toBe(true);
      if (!replay?.ran) return;
      expect(replay.artifact).toMatch(/support-agent:1\.4\.0 .*fetched through ECR/);
      expect(replay.network).toBe("twin");
      // The image resolved STS through the VPC's resolver (its container got the session's resolv.conf) and hung on connecting.
      expect(replay.observations).toContainEqual(
        expect.objectContaining({
          kind: "dns",
          name: "sts.us-east-1.amazonaws.com",
          resolver: "10.20.0.2",
          outcome: "answered",
        }),
      );
      expect(replay.observations).toContainEqual(
        expect.objectContaining({
          kind: "connection",
          name: "sts.us-east-1.amazonaws.com",
          port: 443,
          outcome: "dropped",
          droppedBy: expect.objectContaining({ hop: "route-table" }),
        }),
      );
      expect(result.rootCause).toBe("VPC_ENDPOINT_MISSING");
      const verdict = result.diagnosis.findings.find((f) => f.id === "VPC_ENDPOINT_MISSING")!;
      expect(verdict.evidence.map((e) => e.source.kind)).toContain("replay");
      expect(result.missingFindings).toEqual([]);
      expect(result.passed).toBe(true);
    },
    300_000,
  );
});
