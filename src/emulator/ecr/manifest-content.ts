import { MEDIA_TYPE } from "./manifests.js";

/** The manifest media types ECR stores as images: OCI 1.0/1.1 and Docker schema 2. */
export const DOCKER_MEDIA_TYPE = {
  manifest: "application/vnd.docker.distribution.manifest.v2+json",
  list: "application/vnd.docker.distribution.manifest.list.v2+json",
  config: "application/vnd.docker.container.image.v1+json",
  schema1: "application/vnd.docker.distribution.manifest.v1+json",
  schema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

const IMAGE_MANIFESTS: ReadonlySet<string> = new Set([MEDIA_TYPE.manifest, DOCKER_MEDIA_TYPE.manifest]);
const INDEXES: ReadonlySet<string> = new Set([MEDIA_TYPE.index, DOCKER_MEDIA_TYPE.list]);

/** Every manifest media type the registry accepts on push, in the order an Accept header would list them. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPE.index,
  DOCKER_MEDIA_TYPE.list,
  MEDIA_TYPE.manifest,
  DOCKER_MEDIA_TYPE.manifest,
];

/** Layers a registry never holds: their bytes live at the URLs the descriptor names (Windows base layers). */
const FOREIGN_LAYERS: ReadonlySet<string> = new Set([
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
]);

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
  artifactType?: string;
}

interface ContentBase {
  mediaType: string;
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** What a pushed manifest is made of: an image (config and layers) or an index (manifests). */
export type ManifestContent =
  | (ContentBase & { kind: "image"; config: Descriptor; layers: Descriptor[] })
  | (ContentBase & { kind: "index"; manifests: Descriptor[] });

/** Why a pushed manifest is not one the registry can store; `field` is the input member ECR's message names. */
export class InvalidManifest extends Error {
  constructor(
    message: string,
    readonly field: "imageManifest" | "imageManifestMediaType" = "imageManifest",
  ) {
    super(message);
  }
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (
    !d ||
    typeof d !== "object" ||
    typeof d.mediaType !== "string" ||
    typeof d.digest !== "string" ||
    !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(d.digest) ||
    typeof d.size !== "number" ||
    !Number.isSafeInteger(d.size) ||
    d.size < 0
  ) {
    throw new InvalidManifest(`${where} is not a descriptor with a mediaType, a digest and a size`);
  }
  return d as Descriptor;
}

/**
 * Reads a pushed manifest. `declared` is the media type the client sent
 * (Content-Type, or PutImage's imageManifestMediaType); the manifest's own
 * `mediaType` must agree with it when both are there.
 */
export function readManifest(text: string, declared: string | undefined): ManifestContent {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new InvalidManifest("Invalid JSON syntax");
  }
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new InvalidManifest("Invalid JSON syntax");
  const own = typeof body.mediaType === "string" ? body.mediaType : undefined;
  const declaredType = declared?.split(";")[0]?.trim() || undefined;
  if (own && declaredType && own !== declaredType) {
    throw new InvalidManifest(
      `the manifest's mediaType '${own}' does not match the declared media type '${declaredType}'`,
      "imageManifestMediaType",
    );
  }
  const mediaType = declaredType ?? own ?? (Array.isArray(body.manifests) ? MEDIA_TYPE.index : undefined);
  // No mediaType in the manifest nor the request (a Helm chart's or a bare OCI manifest): ECR
  // answers this as it answers unparseable JSON (aws-cli 8620, boto3 3295, containers/image 584).
  if (!mediaType) throw new InvalidManifest("Invalid JSON syntax");
  if (mediaType === DOCKER_MEDIA_TYPE.schema1 || mediaType === DOCKER_MEDIA_TYPE.schema1Signed) {
    throw new InvalidManifest(
      "Docker schema 1 manifests are not accepted by the emulator's registry; push with a client that writes schema 2 or OCI",
      "imageManifestMediaType",
    );
  }
  if (body.schemaVersion !== 2) throw new InvalidManifest("schemaVersion must be 2");
  const base: ContentBase = {
    mediaType,
    ...(body.subject ? { subject: descriptor(body.subject, "subject") } : {}),
    ...(typeof body.artifactType === "string" ? { artifactType: body.artifactType } : {}),
    ...(body.annotations && typeof body.annotations === "object"
      ? { annotations: body.annotations as Record<string, string> }
      : {}),
  };
  if (IMAGE_MANIFESTS.has(mediaType)) {
    if (!Array.isArray(body.layers)) throw new InvalidManifest("an image manifest needs a layers list");
    return {
      ...base,
      kind: "image",
      config: descriptor(body.config, "config"),
      layers: body.layers.map((layer, i) => descriptor(layer, `layers[${i}]`)),
    };
  }
  if (INDEXES.has(mediaType)) {
    if (!Array.isArray(body.manifests)) throw new InvalidManifest("an index needs a manifests list");
    return {
      ...base,
      kind: "index",
      manifests: body.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)),
    };
  }
  throw new InvalidManifest(
    `'${mediaType}' is not a manifest media type ECR stores (${MANIFEST_MEDIA_TYPES.join(", ")})`,
    "imageManifestMediaType",
  );
}

/** The blobs an image manifest needs in its repository: its config and every layer the registry holds the bytes of. */
export function requiredBlobs(content: ManifestContent): Descriptor[] {
  if (content.kind !== "image") return [];
  return [content.config, ...content.layers.filter((l) => !FOREIGN_LAYERS.has(l.mediaType))];
}

/** DescribeImages' imageSizeInBytes: config and layers of an image; for an index, the largest image it lists. */
export function sizeOfImage(content: ManifestContent, sizeOfChild: (digest: string) => number): number {
  if (content.kind === "image") {
    return content.config.size + content.layers.reduce((sum, layer) => sum + layer.size, 0);
  }
  return content.manifests.reduce((max, m) => Math.max(max, sizeOfChild(m.digest)), 0);
}
