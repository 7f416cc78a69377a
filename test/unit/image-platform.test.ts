import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseDockerfileText } from "../../src/agent/dockerfile.js";
import {
  builtPlatform,
  hostPlatform,
  parsePlatform,
  readImageSourceSync,
} from "../../src/agent/image-platform.js";
import { parseProjectConfigText } from "../../src/agent/project-config.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/agents");
const ARM_MACHINE = { os: "linux", architecture: "arm64" };
const AMD_MACHINE = { os: "linux", architecture: "amd64" };

const dockerfile = (text: string) => parseDockerfileText(text, "Dockerfile");
const yamlConfig = (platform: string) =>
  parseProjectConfigText(
    "/p/.bedrock_agentcore.yaml",
    `agents:\n  a:\n    entrypoint: app.py\n    platform: ${platform}\n`,
  );

describe("parsePlatform", () => {
  it("reads os/arch[/variant], normalising Docker's aliases", () => {
    expect(parsePlatform("linux/arm64")).toEqual({ os: "linux", architecture: "arm64" });
    expect(parsePlatform("linux/arm64/v8")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(parsePlatform("linux/x86_64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(parsePlatform("Linux/AARCH64")).toEqual({ os: "linux", architecture: "arm64" });
    expect(parsePlatform("linux/armhf")).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(parsePlatform(" arm64 ")).toEqual({ os: "linux", architecture: "arm64" });
  });

  it("refuses what is not a concrete platform", () => {
    for (const value of [
      "",
      "linux",
      "$TARGETPLATFORM",
      "linux/sparc",
      "linux/arm64/v8/extra",
      "lin ux/arm64",
    ]) {
      expect(parsePlatform(value), value).toBeUndefined();
    }
  });
});

describe("hostPlatform", () => {
  it("names Node's architectures as OCI does", () => {
    expect(hostPlatform("x64")).toEqual(AMD_MACHINE);
    expect(hostPlatform("arm64")).toEqual(ARM_MACHINE);
    expect(hostPlatform("ia32")).toEqual({ os: "linux", architecture: "386" });
  });
});

describe("builtPlatform", () => {
  it("takes the final stage's FROM --platform over the config and the build machine", () => {
    const image = dockerfile(
      "FROM --platform=linux/arm64 python:3.12 AS deps\nFROM --platform=linux/amd64 python:3.12-slim\n",
    );
    expect(builtPlatform(image, yamlConfig("linux/arm64"), ARM_MACHINE)).toEqual({
      platform: AMD_MACHINE,
      origin: "Dockerfile:2 FROM --platform=linux/amd64",
    });
  });

  it("expands a global ARG in --platform", () => {
    const image = dockerfile("ARG ARCH=arm64\nFROM --platform=linux/${ARCH} python:3.12-slim\n");
    expect(builtPlatform(image, undefined, AMD_MACHINE).platform).toEqual(ARM_MACHINE);
  });

  it("follows the config's platform when FROM names $TARGETPLATFORM or nothing", () => {
    const target = dockerfile("FROM --platform=$TARGETPLATFORM python:3.12-slim\n");
    expect(builtPlatform(target, yamlConfig("linux/arm64"), AMD_MACHINE)).toEqual({
      platform: ARM_MACHINE,
      origin: "platform: linux/arm64 in /p/.bedrock_agentcore.yaml",
    });
    const plain = dockerfile("FROM python:3.12-slim\n");
    expect(builtPlatform(plain, yamlConfig("linux/arm64"), AMD_MACHINE).platform).toEqual(ARM_MACHINE);
  });

  it("is the build machine's with no platform anywhere, or with $BUILDPLATFORM in the final stage", () => {
    expect(builtPlatform(dockerfile("FROM python:3.12-slim\n"), undefined, AMD_MACHINE)).toEqual({
      platform: AMD_MACHINE,
      origin: "the build machine (amd64)",
    });
    expect(builtPlatform(undefined, undefined, ARM_MACHINE).platform).toEqual(ARM_MACHINE);
    const build = dockerfile("FROM --platform=$BUILDPLATFORM python:3.12-slim\n");
    expect(builtPlatform(build, yamlConfig("linux/arm64"), AMD_MACHINE)).toEqual({
      platform: AMD_MACHINE,
      origin: "Dockerfile:1 FROM --platform=$BUILDPLATFORM: the build machine (amd64)",
    });
  });

  it("ignores a platform it cannot read and falls back", () => {
    const image = dockerfile("FROM --platform=linux/sparc python:3.12-slim\n");
    expect(builtPlatform(image, undefined, ARM_MACHINE).origin).toBe("the build machine (arm64)");
  });
});

describe("readImageSourceSync", () => {
  let scratch: string | undefined;
  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it("reads a fixture's Dockerfile", () => {
    const { image } = readImageSourceSync(join(FIXTURES, "py-amd64-image"));
    expect(image?.platform?.value).toBe("linux/amd64");
    expect(builtPlatform(image, undefined, ARM_MACHINE).platform).toEqual(AMD_MACHINE);
  });

  it("reads the .bedrock_agentcore.yaml platform of a directory without FROM --platform", () => {
    scratch = mkdtempSync(join(tmpdir(), "image-platform-"));
    writeFileSync(join(scratch, "Dockerfile"), "FROM python:3.12-slim\n");
    writeFileSync(
      join(scratch, ".bedrock_agentcore.yaml"),
      "agents:\n  a:\n    entrypoint: app.py\n    platform: linux/arm64\n",
    );
    const { image, config } = readImageSourceSync(scratch);
    expect(builtPlatform(image, config, AMD_MACHINE).platform).toEqual(ARM_MACHINE);
  });

  it("builds an AgentCore CLI project from its runtime's codeLocation and dockerfile", () => {
    scratch = mkdtempSync(join(tmpdir(), "image-platform-"));
    mkdirSync(join(scratch, "agentcore"));
    mkdirSync(join(scratch, "app"));
    writeFileSync(
      join(scratch, "agentcore", "agentcore.json"),
      JSON.stringify({
        name: "p",
        version: 1,
        runtimes: [
          {
            name: "a",
            build: "Container",
            entrypoint: "main.py",
            codeLocation: "app",
            dockerfile: "Dockerfile.prod",
          },
        ],
      }),
    );
    writeFileSync(join(scratch, "app", "Dockerfile.prod"), "FROM --platform=linux/arm64 python:3.12-slim\n");
    const { image, config } = readImageSourceSync(scratch);
    expect(config?.kind).toBe("agentcore-json");
    expect(image?.path).toBe(join(scratch, "app", "Dockerfile.prod"));
    expect(builtPlatform(image, config, AMD_MACHINE).platform).toEqual(ARM_MACHINE);
  });

  it("is empty for a directory that does not exist", () => {
    expect(readImageSourceSync(join(FIXTURES, "no-such-directory"))).toEqual({});
  });
});
