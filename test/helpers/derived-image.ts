import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface DerivedImage {
  /** Added on top of the base: path inside the image → content. */
  files: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
  user?: string;
  workdir?: string;
  env?: string[];
  /** The added files' owner (uid = gid), as `COPY --chown` sets it; default root. */
  owner?: number;
}

/**
 * A new tag in a new OCI layout made from a cached base image (hard links to
 * its blobs; index.json copied so the base is never written) with one more
 * layer and a config changed as a Dockerfile's COPY/USER/WORKDIR/ENV/CMD
 * would, by umoci. Returns the layout directory.
 */
export function deriveImage(
  base: string,
  baseTag: string,
  tag: string,
  work: string,
  spec: DerivedImage,
): string {
  const dir = mkdtempSync(join(work, "layout-"));
  rmSync(dir, { recursive: true });
  execFileSync("cp", ["-al", base, dir]);
  rmSync(join(dir, "index.json"));
  copyFileSync(join(base, "index.json"), join(dir, "index.json"));
  rmSync(join(dir, ".complete"), { force: true });
  const files = mkdtempSync(join(work, "files-"));
  for (const [path, content] of Object.entries(spec.files)) {
    mkdirSync(dirname(join(files, path)), { recursive: true });
    writeFileSync(join(files, path), content);
  }
  const tar = join(work, `${tag}.tar`);
  // Deterministic bytes and configs: the same spec gives the same digests, so the unpacked image is cached across runs.
  execFileSync("tar", [
    "--sort=name",
    "--mtime=@0",
    `--owner=${spec.owner ?? 0}`,
    `--group=${spec.owner ?? 0}`,
    "-C",
    files,
    "-cf",
    tar,
    ".",
  ]);
  execFileSync("umoci", ["tag", "--image", `${dir}:${baseTag}`, tag]);
  execFileSync("umoci", ["raw", "add-layer", "--no-history", "--image", `${dir}:${tag}`, tar], {
    stdio: "ignore",
  });
  const args = ["config", "--no-history", "--created", "1970-01-01T00:00:00Z", "--image", `${dir}:${tag}`];
  if (spec.entrypoint)
    args.push("--clear=config.entrypoint", ...spec.entrypoint.flatMap((a) => ["--config.entrypoint", a]));
  if (spec.cmd) args.push("--clear=config.cmd", ...spec.cmd.flatMap((a) => ["--config.cmd", a]));
  if (spec.user) args.push("--config.user", spec.user);
  if (spec.workdir) args.push("--config.workingdir", spec.workdir);
  for (const env of spec.env ?? []) args.push("--config.env", env);
  execFileSync("umoci", args);
  rmSync(files, { recursive: true, force: true });
  rmSync(tar, { force: true });
  return dir;
}
