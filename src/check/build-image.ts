import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { UsageError } from "../util/errors.js";

const run = promisify(execFile);

export interface BuiltImage {
  /** An archive skopeo reads: oci-archive:PATH or docker-archive:PATH. */
  archive: string;
  builder: string;
  /** Removes the image from the builder's store. */
  remove(): Promise<void>;
}

async function answers(command: string, args: string[]): Promise<boolean> {
  return run(command, args).then(
    () => true,
    () => false,
  );
}

/** The builders tried, in order, and what each lacks here. */
async function findBuilder(): Promise<{ name: "buildah" | "podman" | "docker" } | { absent: string[] }> {
  const absent: string[] = [];
  if (await answers("buildah", ["--version"])) return { name: "buildah" };
  absent.push("buildah (not installed)");
  if (await answers("podman", ["--version"])) return { name: "podman" };
  absent.push("podman (not installed)");
  if (await answers("docker", ["info", "--format", "{{.ServerVersion}}"])) return { name: "docker" };
  absent.push(
    (await answers("docker", ["--version"]))
      ? "docker (the CLI is here, but no Docker engine answers)"
      : "docker (not installed)",
  );
  return { absent };
}

/**
 * `check DIR --build`: builds DIR's Dockerfile for linux/arm64 (what
 * AgentCore runs) with the first builder present (buildah, podman, a Docker
 * engine) and saves it as an archive in `work`. Throws a UsageError that
 * names each builder and why it cannot be used when none is present.
 */
export async function buildImage(
  dir: string,
  dockerfile: string | undefined,
  work: string,
): Promise<BuiltImage> {
  const file = dockerfile ?? join(dir, "Dockerfile");
  if (!existsSync(file))
    throw new UsageError(`check --build: ${file} does not exist: there is nothing to build`);
  const builder = await findBuilder();
  if ("absent" in builder)
    throw new UsageError(
      `check --build: no image builder is present here: ${builder.absent.join("; ")}. Install buildah or podman (Debian packages), or build the image yourself and pass it with --image.`,
    );
  const tag = `localhost/acd-build-${randomBytes(4).toString("hex")}:latest`;
  const name = builder.name;
  const fail = (step: string) => (error: unknown) => {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    throw new UsageError(`check --build: ${name} ${step} failed: ${stderr.split("\n").slice(-3).join(" ")}`);
  };
  const build =
    name === "buildah"
      ? ["bud", "--platform", "linux/arm64", "-f", file, "-t", tag, dir]
      : ["build", "--platform", "linux/arm64", "-f", file, "-t", tag, dir];
  await run(name, build, { maxBuffer: 1 << 26 }).catch(fail("build"));
  const archive = join(work, "built.tar");
  const save =
    name === "buildah"
      ? ["push", tag, `oci-archive:${archive}`]
      : name === "podman"
        ? ["save", "--format", "oci-archive", "-o", archive, tag]
        : ["save", "-o", archive, tag];
  await run(name, save, { maxBuffer: 1 << 26 }).catch(fail("save"));
  return {
    archive: `${name === "docker" ? "docker-archive" : "oci-archive"}:${archive}`,
    builder: name,
    remove: async () => {
      await run(name, ["rmi", tag]).catch(() => undefined);
    },
  };
}
