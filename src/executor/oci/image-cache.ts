import { execFile } from "node:child_process";
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { OciImage } from "../types.js";
import type { ImageRunConfig } from "./runtime-config.js";

const run = promisify(execFile);

/** Where unpacked images are kept, one read-only root filesystem per manifest digest. */
export const OCI_IMAGE_CACHE =
  process.env.ACD_OCI_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "agentcore-doctor", "oci-rootfs");

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const TAG_ANNOTATION = "org.opencontainers.image.ref.name";

/** An image unpacked once: its root filesystem (never written; instances get an overlay on it) and its config. */
export interface UnpackedImage {
  /** The image manifest's digest: the cache key. */
  digest: string;
  rootfs: string;
  config: ImageRunConfig;
  os: string;
  architecture: string;
  variant?: string;
  /** The image as a person names it: `DIR:TAG`, or the registry URI it was pulled by. */
  ref: string;
}

interface ManifestRef {
  digest: string;
  mediaType: string;
}

function blobPath(dir: string, digest: string): string {
  const [alg, hex] = digest.split(":");
  return join(dir, "blobs", alg as string, hex as string);
}

/** The manifest a tag names in an OCI image layout. */
export function layoutManifest(dir: string, tag: string): ManifestRef {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
    manifests: { digest: string; mediaType?: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.[TAG_ANNOTATION] === tag);
  if (!entry) throw new Error(`no tag ${tag} in the OCI layout ${dir}`);
  return { digest: entry.digest, mediaType: entry.mediaType ?? OCI_MANIFEST };
}

/**
 * An OCI image layout over blobs that are files already (the emulator's ECR
 * store): hard links where the file system allows, else symbolic links, so
 * nothing is copied; the manifest is tagged `image`.
 */
function layoutOverBlobs(image: Extract<OciImage, { source: "blobs" }>, dir: string): void {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(blobPath(dir, image.manifest.digest), image.manifest.text);
  for (const blob of image.blobs) {
    const target = blobPath(dir, blob.digest);
    if (existsSync(target)) continue;
    try {
      linkSync(blob.path, target);
    } catch {
      symlinkSync(blob.path, target);
    }
  }
  const size = Buffer.byteLength(image.manifest.text);
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: image.manifest.mediaType,
          digest: image.manifest.digest,
          size,
          annotations: { [TAG_ANNOTATION]: "image" },
        },
      ],
    }),
  );
}

/** The run config and platform of the image's config blob, read from a layout. */
function readConfig(dir: string, manifestDigest: string): Omit<UnpackedImage, "digest" | "rootfs" | "ref"> {
  const manifest = JSON.parse(readFileSync(blobPath(dir, manifestDigest), "utf8")) as {
    config: { digest: string };
  };
  const json = JSON.parse(readFileSync(blobPath(dir, manifest.config.digest), "utf8")) as {
    config?: ImageRunConfig;
    os?: string;
    architecture?: string;
    variant?: string;
  };
  return {
    config: json.config ?? {},
    os: json.os ?? "unknown",
    architecture: json.architecture ?? "unknown",
    ...(json.variant ? { variant: json.variant } : {}),
  };
}

/** The cache keeps the images used in the last hour, and at least the newest CACHE_KEPT of the others. */
const CACHE_KEPT = 8;
const CACHE_FRESH_MS = 3_600_000;

/** Removes unpacked images beyond the newest CACHE_KEPT that nobody used in the last hour (an instance may still run on a fresh one). */
function pruneCache(): void {
  if (!existsSync(OCI_IMAGE_CACHE)) return;
  // Unpacks a killed process left behind.
  for (const name of readdirSync(OCI_IMAGE_CACHE).filter((n) => n.startsWith(".unpack-"))) {
    const path = join(OCI_IMAGE_CACHE, name);
    if (Date.now() - statSync(path).mtimeMs > CACHE_FRESH_MS) rmSync(path, { recursive: true, force: true });
  }
  const entries = readdirSync(OCI_IMAGE_CACHE)
    .filter((name) => /^[0-9a-f]{64}$/.test(name))
    .flatMap((name) => {
      try {
        return [{ name, used: statSync(join(OCI_IMAGE_CACHE, name, "image.json")).mtimeMs }];
      } catch {
        return [{ name, used: 0 }];
      }
    })
    .sort((a, b) => b.used - a.used);
  for (const entry of entries.slice(CACHE_KEPT)) {
    if (Date.now() - entry.used < CACHE_FRESH_MS) continue;
    rmSync(join(OCI_IMAGE_CACHE, entry.name), { recursive: true, force: true });
  }
}

const inFlight = new Map<string, Promise<UnpackedImage>>();

function describeRef(image: OciImage): string {
  return image.source === "layout" ? `${image.dir}:${image.tag}` : image.ref;
}

/**
 * The image's layers applied by umoci (`raw unpack`: whiteouts, hard links
 * and ownership as the layers say) into a root filesystem kept under
 * OCI_IMAGE_CACHE by manifest digest, so the next instance of the same image
 * starts without unpacking. Concurrent calls for one digest share one unpack.
 */
export function unpackedImage(image: OciImage): Promise<UnpackedImage> {
  const manifest =
    image.source === "layout"
      ? layoutManifest(image.dir, image.tag)
      : { digest: image.manifest.digest, mediaType: image.manifest.mediaType };
  const pending = inFlight.get(manifest.digest);
  if (pending) return pending;
  const promise = unpack(image, manifest).finally(() => inFlight.delete(manifest.digest));
  inFlight.set(manifest.digest, promise);
  return promise;
}

async function unpack(image: OciImage, manifest: ManifestRef): Promise<UnpackedImage> {
  const hex = manifest.digest.replace(/^sha256:/, "");
  const home = join(OCI_IMAGE_CACHE, hex);
  const ref = describeRef(image);
  const done = join(home, "image.json");
  if (existsSync(done)) {
    const meta = JSON.parse(readFileSync(done, "utf8")) as Omit<UnpackedImage, "rootfs" | "ref">;
    const now = new Date();
    utimesSync(done, now, now);
    return { ...meta, rootfs: join(home, "rootfs"), ref };
  }
  pruneCache();
  mkdirSync(OCI_IMAGE_CACHE, { recursive: true });
  const work = mkdtempSync(join(OCI_IMAGE_CACHE, `.unpack-${hex.slice(0, 12)}-`));
  try {
    let layout: string;
    let tag: string;
    if (image.source === "layout") {
      layout = image.dir;
      tag = image.tag;
    } else {
      layout = join(work, "layout");
      tag = "image";
      layoutOverBlobs(image, layout);
    }
    const meta = { digest: manifest.digest, ...readConfig(layout, manifest.digest) };
    await run("umoci", ["raw", "unpack", "--image", `${layout}:${tag}`, join(work, "rootfs")], {
      maxBuffer: 1 << 24,
    });
    writeFileSync(join(work, "image.json"), JSON.stringify(meta));
    rmSync(join(work, "layout"), { recursive: true, force: true });
    try {
      renameSync(work, home);
    } catch (error) {
      // Another process unpacked the same image first: use its copy.
      if (!existsSync(done)) throw error;
      rmSync(work, { recursive: true, force: true });
    }
    return { ...meta, rootfs: join(home, "rootfs"), ref };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`could not unpack the image ${ref}: ${stderr || (error as Error).message}`);
  }
}
