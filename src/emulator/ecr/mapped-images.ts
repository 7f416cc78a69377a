import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import {
  builtPlatform,
  hostPlatform,
  type Platform,
  readImageSourceSync,
} from "../../agent/image-platform.js";
import { parseEcrImageUri } from "../../image/ecr-uri.js";
import { buildxManifests, type StoredManifest } from "./manifests.js";

/** One manifest a mapped directory stands for, with the tags pointing at it. */
export interface MappedImage {
  digest: string;
  tags: string[];
  manifest: StoredManifest;
  pushedAt: Date;
}

export interface MappedRepository {
  name: string;
  createdAt: Date;
  /** Tagged indexes first, then the manifests they list (untagged, as a buildx push leaves them). */
  images: MappedImage[];
  /** The directory each of its images (index and the manifests it lists) stands for, by digest. */
  directories: Map<string, string>;
}

/** What the build context hashes to, how big it is, when it last changed. */
export interface BuildContext {
  digest: string;
  bytes: number;
  modifiedAt: Date;
}

// Directories a build context rarely means to ship and that can be huge; hashing them would make every call slow.
const SKIPPED_DIRS = new Set([
  ".git",
  "node_modules",
  ".venv",
  "venv",
  "__pycache__",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
]);
const MAX_FILES = 10_000;
// Bigger files are identified by size and mtime: a content change still changes the digest in practice.
const MAX_HASHED_FILE_BYTES = 8 * 1024 * 1024;

/**
 * A stable digest of an agent directory: relative paths, symlink targets and
 * file contents, in sorted order. Same files, same digest, on any machine.
 */
export function scanBuildContext(root: string): BuildContext | undefined {
  if (!existsSync(root) || !statSync(root).isDirectory()) return undefined;
  const hash = createHash("sha256");
  let bytes = 0;
  let files = 0;
  let newest = statSync(root).mtimeMs;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (files >= MAX_FILES) return;
      const path = join(dir, name);
      const rel = relative(root, path).split(sep).join("/");
      const stat = lstatSync(path);
      newest = Math.max(newest, stat.mtimeMs);
      if (stat.isSymbolicLink()) {
        hash.update(`link ${rel}\0${readlinkSync(path)}\0`);
      } else if (stat.isDirectory()) {
        if (!SKIPPED_DIRS.has(name)) walk(path);
      } else if (stat.isFile()) {
        files++;
        bytes += stat.size;
        hash.update(`file ${rel}\0${stat.size}\0`);
        hash.update(stat.size <= MAX_HASHED_FILE_BYTES ? readFileSync(path) : `${stat.mtimeMs}`);
      }
    }
  };
  walk(root);
  return { digest: `sha256:${hash.digest("hex")}`, bytes, modifiedAt: new Date(Math.floor(newest)) };
}

/**
 * ECR as the `images` map describes it: every mapped URI of an account and
 * region is a repository holding the image that directory would build.
 * Read from disk on every call, so an edited agent is a new image, as a
 * rebuild and push would make it. A URI without a tag is `:latest`, as
 * `docker push` tags it.
 */
export class MappedImages {
  constructor(
    private readonly images: Readonly<Record<string, string>>,
    /** When repositories whose directory is missing (nothing pushed yet) were created. */
    private readonly startedAt: Date,
    private readonly buildMachine: Platform = hostPlatform(),
  ) {}

  /** The platform and content of the image `dir` builds into; undefined when `dir` is not a directory. */
  private build(
    dir: string,
  ): { manifests: ReturnType<typeof buildxManifests>; modifiedAt: Date } | undefined {
    const context = scanBuildContext(dir);
    if (!context) return undefined;
    const { image, config } = readImageSourceSync(dir);
    const { platform } = builtPlatform(image, config, this.buildMachine);
    const manifests = buildxManifests({
      contextDigest: context.digest,
      contextBytes: context.bytes,
      platform,
    });
    return { manifests, modifiedAt: context.modifiedAt };
  }

  /** Whether any mapped URI names this repository: the map, not a push, made it, so it cannot be deleted. */
  maps(account: string, region: string, repositoryName: string): boolean {
    return Object.keys(this.images).some((uri) => {
      const ref = parseEcrImageUri(uri);
      return ref?.account === account && ref.region === region && ref.repositoryName === repositoryName;
    });
  }

  /**
   * The mapped repositories of an account and region. A URI whose tag
   * `pushed` says a push holds is left out: the push moved the tag.
   */
  repositories(
    account: string,
    region: string,
    pushed: (repositoryName: string, tag: string) => boolean = () => false,
  ): Map<string, MappedRepository> {
    const built = new Map<string, ReturnType<MappedImages["build"]>>();
    const byName = new Map<string, Map<string, MappedImage>>();
    const directories = new Map<string, Map<string, string>>();
    for (const [uri, dir] of Object.entries(this.images)) {
      const ref = parseEcrImageUri(uri);
      if (!ref || ref.account !== account || ref.region !== region) continue;
      const images = byName.get(ref.repositoryName) ?? new Map<string, MappedImage>();
      byName.set(ref.repositoryName, images);
      const dirs = directories.get(ref.repositoryName) ?? new Map<string, string>();
      directories.set(ref.repositoryName, dirs);
      const tag = ref.tag ?? (ref.digest ? undefined : "latest");
      if (tag && pushed(ref.repositoryName, tag)) continue;
      if (!built.has(dir)) built.set(dir, this.build(dir));
      const image = built.get(dir);
      if (!image) continue;
      const { index, image: platformManifest, attestation } = image.manifests;
      // A URI pinned to a digest names the image by it: the emulator cannot rebuild those exact bytes.
      const indexDigest = ref.digest ?? index.digest;
      const add = (digest: string, manifest: StoredManifest, newTag?: string) => {
        dirs.set(digest, dir);
        const existing = images.get(digest) ?? { digest, tags: [], manifest, pushedAt: image.modifiedAt };
        // A tag points at one image: the last URI mapping it wins, as the last push would.
        if (newTag) {
          for (const other of images.values()) other.tags = other.tags.filter((t) => t !== newTag);
          existing.tags.push(newTag);
        }
        images.set(digest, existing);
      };
      add(indexDigest, index, tag);
      add(platformManifest.digest, platformManifest);
      add(attestation.digest, attestation);
    }
    const repositories = new Map<string, MappedRepository>();
    for (const name of [...byName.keys()].sort()) {
      const images = [...byName.get(name)!.values()].sort(
        (a, b) => Number(b.tags.length > 0) - Number(a.tags.length > 0),
      );
      for (const image of images) image.tags.sort();
      const pushTimes = images.map((i) => i.pushedAt.getTime());
      const createdAt = pushTimes.length > 0 ? new Date(Math.min(...pushTimes)) : this.startedAt;
      repositories.set(name, { name, createdAt, images, directories: directories.get(name)! });
    }
    return repositories;
  }
}
