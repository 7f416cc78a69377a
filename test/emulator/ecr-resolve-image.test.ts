import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { imageOf, indexOf } from "../helpers/oci-layout.js";
import { createRepository, pushImage, pushManifest, registryLogin } from "../helpers/registry.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

let emulator: RunningEmulator;
let stateDir: string;
const amd64 = imageOf({ architecture: "amd64", os: "linux" }, [{ "app/main.py": "amd64\n" }]);
const arm64 = imageOf(
  { architecture: "arm64", os: "linux" },
  [{ "app/main.py": "arm64\n" }, { "etc/x": "x\n" }],
  ["python3", "app/main.py"],
);

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "acd-resolve-"));
  emulator = await startEmulator({
    port: 0,
    stateDir,
    images: {
      [`${REGISTRY}/mapped:v1`]: join(FIXTURES, "py-healthy"),
      [`${REGISTRY}/both`]: join(FIXTURES, "py-healthy"),
    },
  });
  const { basic } = await registryLogin(emulator);
  for (const name of ["multi", "amd-only", "single"]) await createRepository(emulator, name);
  for (const image of [amd64, arm64]) await pushImage(emulator, basic, "multi", undefined, image);
  await pushManifest(emulator, basic, "multi", "v1", indexOf([amd64, arm64]));
  await pushImage(emulator, basic, "amd-only", undefined, amd64);
  await pushManifest(emulator, basic, "amd-only", "v1", indexOf([amd64]));
  await pushImage(emulator, basic, "single", "v1", amd64);
  await pushImage(emulator, basic, "both", "pushed", arm64);
});
afterAll(async () => {
  await emulator?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("resolving a containerUri to what was pushed", () => {
  it("picks the index's linux/arm64 manifest, with its config and layer files in order", () => {
    const resolved = emulator.resolveImage(`${REGISTRY}/multi:v1`);
    expect(resolved.kind).toBe("pushed");
    if (resolved.kind !== "pushed") return;
    const { image } = resolved;
    expect(image.top.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(image.manifest.digest).toBe(arm64.manifest.digest);
    expect(image.platform).toEqual({ os: "linux", architecture: "arm64" });
    expect(image.platforms).toEqual([amd64.platform, arm64.platform].map((p) => ({ ...p })));
    expect((image.config.json.config as { Cmd: string[] }).Cmd).toEqual(["python3", "app/main.py"]);
    expect(image.layers.map((l) => l.digest)).toEqual(arm64.layers.map((l) => l.digest));
    for (const [i, layer] of image.layers.entries()) {
      expect(readFileSync(layer.path).equals(arm64.layers[i]!.bytes)).toBe(true);
    }
    const byDigest = emulator.resolveImage(`${REGISTRY}/multi@${image.top.digest}`, {
      os: "linux",
      architecture: "amd64",
    });
    expect(byDigest.kind === "pushed" && byDigest.image.manifest.digest).toBe(amd64.manifest.digest);
  });

  it("says an index without linux/arm64 has nothing to pull, naming what it has", () => {
    expect(emulator.resolveImage(`${REGISTRY}/amd-only:v1`)).toMatchObject({
      kind: "missing",
      reason: "PlatformNotFound",
      platforms: [{ os: "linux", architecture: "amd64" }],
    });
  });

  it("pulls a single manifest whatever its platform, and says which it is", () => {
    const resolved = emulator.resolveImage(`${REGISTRY}/single:v1`);
    expect(resolved.kind === "pushed" && resolved.image.platform).toEqual({
      os: "linux",
      architecture: "amd64",
    });
  });

  it("falls back to the image map's directory, and a pushed tag wins over a mapped one", () => {
    expect(emulator.resolveImage(`${REGISTRY}/mapped:v1`)).toEqual({
      kind: "directory",
      dir: join(FIXTURES, "py-healthy"),
    });
    expect(emulator.resolveImage(`${REGISTRY}/both:anything`)).toMatchObject({ kind: "directory" });
    expect(emulator.resolveImage(`${REGISTRY}/both:pushed`)).toMatchObject({ kind: "pushed" });
  });

  it("says which of repository and image is missing", () => {
    expect(emulator.resolveImage(`${REGISTRY}/nowhere:v1`)).toMatchObject({
      kind: "missing",
      reason: "RepositoryNotFound",
    });
    expect(emulator.resolveImage(`${REGISTRY}/multi:v9`)).toMatchObject({
      kind: "missing",
      reason: "ImageNotFound",
    });
    expect(emulator.resolveImage("docker.io/library/python:3")).toMatchObject({
      kind: "missing",
      reason: "NotAnEcrUri",
    });
  });

  it("mints no registry token in the account: the platform's own pull is not a login", () => {
    const db = new Database(join(stateDir, "emulator.sqlite"), { readonly: true, fileMustExist: true });
    const tokens = () =>
      JSON.stringify(
        db.prepare("SELECT id, value FROM resources WHERE kind = 'ecr-token' ORDER BY id").all(),
      );
    try {
      const before = tokens();
      expect(JSON.parse(before)).toHaveLength(1); // registryLogin's GetAuthorizationToken, above
      for (const uri of [`${REGISTRY}/multi:v1`, `${REGISTRY}/single:v1`, `${REGISTRY}/both:pushed`]) {
        expect(emulator.resolveImage(uri).kind).toBe("pushed");
      }
      expect(tokens()).toBe(before);
    } finally {
      db.close();
    }
  });
});
