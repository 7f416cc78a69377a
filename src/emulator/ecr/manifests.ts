import { createHash } from "node:crypto";
import type { Platform } from "../../agent/image-platform.js";

/** The OCI media types a BuildKit push stores in ECR. */
export const MEDIA_TYPE = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
  inToto: "application/vnd.in-toto+json",
} as const;

export function sha256Digest(content: string | Buffer): string {
  return `sha256:${createHash("sha256").update(content).digest("hex")}`;
}

/** A manifest as the registry stores it: the exact bytes, their digest, what they are. */
export interface StoredManifest {
  digest: string;
  /** The JSON text, byte for byte what BatchGetImage returns and what `digest` hashes. */
  json: string;
  mediaType: string;
  /** The media type of its config blob (DescribeImages' artifactMediaType); none for an index. */
  artifactMediaType?: string;
  /** Config and layers: what DescribeImages reports as the image's size. */
  sizeInBytes: number;
}

/** What an image built from an agent directory is made of, as far as its manifests tell. */
export interface BuiltContent {
  /** sha256 over the build context: stands in for the one layer's digest. */
  contextDigest: string;
  contextBytes: number;
  platform: Platform;
}

function descriptor(mediaType: string, json: string): { mediaType: string; digest: string; size: number } {
  return { mediaType, digest: sha256Digest(json), size: Buffer.byteLength(json) };
}

function stored(mediaType: string, body: object, artifactMediaType?: string): StoredManifest {
  const json = JSON.stringify(body);
  const blobs = body as { config?: { size: number }; layers?: { size: number }[] };
  const sizeInBytes = (blobs.config?.size ?? 0) + (blobs.layers ?? []).reduce((sum, l) => sum + l.size, 0);
  return {
    digest: sha256Digest(json),
    json,
    mediaType,
    ...(artifactMediaType ? { artifactMediaType } : {}),
    sizeInBytes,
  };
}

/**
 * The manifests `docker buildx build --platform <p> --push` leaves in ECR:
 * an OCI index (the tagged image) listing the platform's image manifest and
 * BuildKit's default provenance attestation, whose platform is
 * unknown/unknown. The index is what BatchGetImage returns for the tag and
 * where a reader finds the image's architecture without pulling blobs.
 */
export function buildxManifests(content: BuiltContent): {
  index: StoredManifest;
  image: StoredManifest;
  attestation: StoredManifest;
} {
  const { platform } = content;
  const config = JSON.stringify({
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    rootfs: { type: "layers", diff_ids: [content.contextDigest] },
  });
  const image = stored(
    MEDIA_TYPE.manifest,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.manifest,
      config: descriptor(MEDIA_TYPE.config, config),
      layers: [{ mediaType: MEDIA_TYPE.layer, digest: content.contextDigest, size: content.contextBytes }],
    },
    MEDIA_TYPE.config,
  );
  const statement = JSON.stringify({
    _type: "https://in-toto.io/Statement/v0.1",
    predicateType: "https://slsa.dev/provenance/v0.2",
    subject: [{ name: "_", digest: { sha256: image.digest.slice("sha256:".length) } }],
    predicate: { buildType: "https://mobyproject.org/buildkit@v1" },
  });
  const attestation = stored(
    MEDIA_TYPE.manifest,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.manifest,
      config: descriptor(MEDIA_TYPE.config, "{}"),
      layers: [
        {
          ...descriptor(MEDIA_TYPE.inToto, statement),
          annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
        },
      ],
    },
    MEDIA_TYPE.config,
  );
  const index = stored(MEDIA_TYPE.index, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.index,
    manifests: [
      {
        mediaType: MEDIA_TYPE.manifest,
        digest: image.digest,
        size: Buffer.byteLength(image.json),
        platform: {
          architecture: platform.architecture,
          os: platform.os,
          ...(platform.variant ? { variant: platform.variant } : {}),
        },
      },
      {
        mediaType: MEDIA_TYPE.manifest,
        digest: attestation.digest,
        size: Buffer.byteLength(attestation.json),
        annotations: {
          "vnd.docker.reference.digest": image.digest,
          "vnd.docker.reference.type": "attestation-manifest",
        },
        platform: { architecture: "unknown", os: "unknown" },
      },
    ],
  });
  // ECR reports a manifest list's size as the largest image it lists.
  return {
    index: { ...index, sizeInBytes: Math.max(image.sizeInBytes, attestation.sizeInBytes) },
    image,
    attestation,
  };
}
