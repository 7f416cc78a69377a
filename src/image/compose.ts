import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository's scripts/build-test-images.sh. */
const BUILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), "../../scripts/build-test-images.sh");

/**
 * The small real base images (Debian's python3 and nodejs, root and
 * bedrock_agentcore in /etc/passwd; tags base-amd64 and base-arm64) that
 * scripts/build-test-images.sh builds from Debian's packages and caches:
 * the layout's directory.
 */
export async function baseImages(): Promise<string> {
  const { stdout } = await run("sh", [BUILD_SCRIPT], { maxBuffer: 1 << 20, timeout: 900_000 });
  return stdout.trim();
}

export interface ComposedImage {
  /** linux/arm64 (what AgentCore runs) or linux/amd64. */
  architecture: "arm64" | "amd64";
  /** A directory copied to `/app` as one layer, as a Dockerfile's `COPY . /app` would (symlinks followed). */
  appDir: string;
  cmd: string[];
  user?: string;
  env?: string[];
  workdir?: string;
}

/**
 * Builds an agent image on a base image into a new OCI layout at `dir`
 * (tag `image`) with umoci: the base's blobs hard-linked (content-addressed,
 * never rewritten), one layer of `appDir` at /app, the config's Cmd, User,
 * Env, WorkingDir and port 8080 exposed. What a user's `docker build` of
 * `FROM debian` + `COPY . /app` gives, without a network or an engine.
 */
export async function composeImage(
  image: ComposedImage,
  dir: string,
): Promise<{ layout: string; tag: string }> {
  const base = await baseImages();
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(base, "index.json"), join(dir, "index.json"));
  copyFileSync(join(base, "oci-layout"), join(dir, "oci-layout"));
  await run("cp", ["-al", join(base, "blobs"), join(dir, "blobs")]);
  const tar = join(dir, ".app-layer.tar");
  // Links are followed: this repository's agents share files by symlinks that point outside their directory.
  await run("tar", [
    "--dereference",
    "--owner=0",
    "--group=0",
    "--transform",
    "s,^\\.,app,",
    "-C",
    image.appDir,
    "-cf",
    tar,
    ".",
  ]);
  const tag = "image";
  await run("umoci", ["raw", "add-layer", "--image", `${dir}:base-${image.architecture}`, "--tag", tag, tar]);
  await run("rm", ["-f", tar]);
  const config = ["config", "--image", `${dir}:${tag}`, "--tag", tag, "--clear=config.cmd"];
  for (const part of image.cmd) config.push("--config.cmd", part);
  if (image.user) config.push("--config.user", image.user);
  config.push("--config.workingdir", image.workdir ?? "/app");
  for (const env of image.env ?? []) config.push("--config.env", env);
  config.push("--config.exposedports", "8080/tcp");
  await run("umoci", config);
  return { layout: dir, tag };
}
