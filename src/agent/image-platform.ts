import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseDockerfileText } from "./dockerfile.js";
import { type ProjectConfig, parseProjectConfigText } from "./project-config.js";
import type { ImageSpec } from "./types.js";

/** An OCI platform, as an image index lists it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The platform an image gets when it is built, and what decided it. */
export interface BuiltPlatform {
  platform: Platform;
  /** "Dockerfile:1 FROM --platform=linux/amd64", "platform: linux/arm64 in .bedrock_agentcore.yaml", "the build machine (arm64)". */
  origin: string;
}

/** Docker's aliases for architectures, normalised as containerd does. */
const ARCHITECTURE_ALIASES: Readonly<Record<string, Omit<Platform, "os">>> = {
  aarch64: { architecture: "arm64" },
  arm64: { architecture: "arm64" },
  x86_64: { architecture: "amd64" },
  "x86-64": { architecture: "amd64" },
  amd64: { architecture: "amd64" },
  i386: { architecture: "386" },
  "386": { architecture: "386" },
  armhf: { architecture: "arm", variant: "v7" },
  armel: { architecture: "arm", variant: "v6" },
  arm: { architecture: "arm" },
  ppc64le: { architecture: "ppc64le" },
  s390x: { architecture: "s390x" },
  riscv64: { architecture: "riscv64" },
};

/**
 * A `--platform` value ("linux/arm64", "linux/arm64/v8", "linux/x86_64",
 * "arm64"), or undefined when it is not a concrete platform (an unexpanded
 * `$TARGETPLATFORM`, an empty string, an unknown architecture).
 */
export function parsePlatform(value: string): Platform | undefined {
  const parts = value.trim().toLowerCase().split("/");
  const [first, second, third] = parts;
  if (!first || parts.length > 3) return undefined;
  // A lone known architecture means this OS (Linux, for a container image).
  const bare = second === undefined && ARCHITECTURE_ALIASES[first] !== undefined;
  const os = bare ? "linux" : first;
  const arch = bare ? first : second;
  const known = arch ? ARCHITECTURE_ALIASES[arch] : undefined;
  if (!known || !/^[a-z0-9]+$/.test(os)) return undefined;
  const variant = third ?? known.variant;
  return { os, architecture: known.architecture, ...(variant ? { variant } : {}) };
}

/** What `docker build` without --platform targets: this machine's architecture. */
export function hostPlatform(arch: string = process.arch): Platform {
  const node: Record<string, string> = { x64: "amd64", ia32: "386", ppc64: "ppc64le" };
  return { os: "linux", architecture: node[arch] ?? arch };
}

/**
 * The platform `docker build` gives the image: the final stage's
 * `FROM --platform`, else the project config's platform (what the
 * deploy tools pass as `--platform`), else the build machine's. In the
 * final stage `$BUILDPLATFORM` is the build machine and `$TARGETPLATFORM`
 * is whatever `--platform` the build was given.
 */
export function builtPlatform(
  image: ImageSpec | undefined,
  config: ProjectConfig | undefined,
  host: Platform = hostPlatform(),
): BuiltPlatform {
  const fromHost: BuiltPlatform = { platform: host, origin: `the build machine (${host.architecture})` };
  const configured = config?.platform ? parsePlatform(config.platform.value) : undefined;
  const fromConfig: BuiltPlatform | undefined =
    configured && config?.platform
      ? { platform: configured, origin: `platform: ${config.platform.value} in ${config.path}` }
      : undefined;
  const declared = image?.platform;
  if (declared) {
    const at = `${image.path}:${declared.line} FROM --platform=${declared.value}`;
    // $BUILDPLATFORM in the final stage is the build machine, whatever --platform the build was given.
    if (/\$\{?BUILD(PLATFORM|OS|ARCH)\b/.test(declared.value)) {
      return { platform: host, origin: `${at}: the build machine (${host.architecture})` };
    }
    if (!/\$\{?TARGET(PLATFORM|OS|ARCH)\b/.test(declared.value)) {
      const platform = parsePlatform(declared.value);
      if (platform) {
        return { platform, origin: at };
      }
    }
  }
  return fromConfig ?? fromHost;
}

/** The project config of an agent directory, looked up as findProjectConfig does, without awaiting. */
function findProjectConfigSync(agentDir: string): ProjectConfig | undefined {
  let dir = resolve(agentDir);
  for (let level = 0; level < 4; level++) {
    for (const path of [join(dir, "agentcore", "agentcore.json"), join(dir, ".bedrock_agentcore.yaml")]) {
      if (existsSync(path)) return parseProjectConfigText(path, readFileSync(path, "utf8"), agentDir);
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * The Dockerfile and project config an image of `dir` is built from, found
 * as resolveLaunchPlan finds them (an AgentCore CLI project's codeLocation,
 * the config's dockerfile). Synchronous, for callers that answer inside a
 * store transaction (ECR describing the emulator's images).
 */
export function readImageSourceSync(dir: string): { image?: ImageSpec; config?: ProjectConfig } {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) return {};
  const config = findProjectConfigSync(root);
  const agentDir =
    config?.kind === "agentcore-json" && config.codeLocation && resolve(config.root) === root
      ? resolve(config.root, config.codeLocation)
      : root;
  const dockerfile = join(agentDir, config?.dockerfile ?? "Dockerfile");
  const image = existsSync(dockerfile)
    ? parseDockerfileText(readFileSync(dockerfile, "utf8"), dockerfile)
    : undefined;
  return { ...(image ? { image } : {}), ...(config ? { config } : {}) };
}
