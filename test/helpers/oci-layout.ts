import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

export function blobOf(mediaType: string, bytes: Buffer | string): Blob {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return {
    mediaType,
    digest: `sha256:${createHash("sha256").update(buffer).digest("hex")}`,
    size: buffer.length,
    bytes: buffer,
  };
}

export const descriptorOf = ({ mediaType, digest, size }: Blob) => ({ mediaType, digest, size });

/** A gzipped tar of `files` (path → content), made with the system's tar, and its uncompressed digest (the config's diff_id). */
export function layerOf(files: Record<string, string>): { layer: Blob; diffId: string } {
  const root = mkdtempSync(join(tmpdir(), "acd-layer-"));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    const tar = execFileSync("tar", [
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--mtime=@0",
      "-C",
      root,
      "-cf",
      "-",
      ".",
    ]);
    return {
      layer: blobOf(OCI_LAYER, gzipSync(tar)),
      diffId: `sha256:${createHash("sha256").update(tar).digest("hex")}`,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface ImageBlobs {
  platform: { architecture: string; os: string };
  config: Blob;
  layers: Blob[];
  manifest: Blob;
}

/** A small real image for a platform: one layer per file set, an OCI config and manifest. */
export function imageOf(
  platform: { architecture: string; os: string },
  layerFiles: Record<string, string>[],
  cmd: string[] = ["/bin/sh"],
): ImageBlobs {
  const built = layerFiles.map(layerOf);
  const config = blobOf(
    OCI_CONFIG,
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      config: { Cmd: cmd, Env: ["PATH=/usr/bin:/bin"] },
      rootfs: { type: "layers", diff_ids: built.map((b) => b.diffId) },
    }),
  );
  const layers = built.map((b) => b.layer);
  const manifest = blobOf(
    OCI_MANIFEST,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptorOf(config),
      layers: layers.map(descriptorOf),
    }),
  );
  return { platform, config, layers, manifest };
}

/** An OCI index over images, each with its platform. */
export function indexOf(images: ImageBlobs[]): Blob {
  return blobOf(
    OCI_INDEX,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: images.map((i) => ({ ...descriptorOf(i.manifest), platform: i.platform })),
    }),
  );
}

/**
 * Writes an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/`)
 * holding `images` under `tag`: the image itself when there is one, an
 * index of them otherwise. What `skopeo copy oci:DIR:TAG` reads.
 */
export function writeOciLayout(dir: string, tag: string, images: ImageBlobs[]): { top: Blob } {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const write = (blob: Blob) => writeFileSync(join(dir, "blobs", "sha256", blob.digest.slice(7)), blob.bytes);
  for (const image of images) {
    write(image.config);
    image.layers.forEach(write);
    write(image.manifest);
  }
  const top = images.length === 1 ? images[0]!.manifest : indexOf(images);
  write(top);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ ...descriptorOf(top), annotations: { "org.opencontainers.image.ref.name": tag } }],
    }),
  );
  return { top };
}
