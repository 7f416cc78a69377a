import { createHash } from "node:crypto";
import { partitionOf } from "../../util/arn.js";
import type { Environment } from "../context.js";
import { AwsError } from "../protocol/errors.js";
import type { BlobStore } from "../store/blob-store.js";
import type { Scope, Store } from "../store/store.js";
import {
  imageAlreadyExists,
  imageDigestDoesNotMatch,
  imageTagAlreadyExists,
  invalidParameter,
  layersNotFound,
  referencedImagesNotFound,
  repositoryAlreadyExists,
  repositoryNotEmpty,
  repositoryNotFound,
} from "./errors.js";
import {
  InvalidManifest,
  type ManifestContent,
  readManifest,
  requiredBlobs,
  sizeOfImage,
} from "./manifest-content.js";
import { sha256Digest } from "./manifests.js";
import type { MappedImages } from "./mapped-images.js";

const KIND = {
  repository: "ecr-repository",
  image: "ecr-image",
  tag: "ecr-tag",
  layer: "ecr-layer",
  upload: "ecr-upload",
  token: "ecr-token",
} as const;

/** How long a registry login lasts, as ECR's tokens do. */
export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** How long a GetDownloadUrlForLayer URL works (ECR's are presigned S3 URLs of limited life; the emulator's last an hour). */
export const DOWNLOAD_URL_LIFETIME_MS = 60 * 60 * 1000;
/** ECR's limit on a repository's tags. */
const MAX_RESOURCE_TAGS = 50;
/** PutImage's limit on imageManifest, and the registry's on a manifest body. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** An image tag as ECR accepts it: up to 300 characters, Docker's alphabet. */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,299}$/;

/** A tag mutability exclusion filter: WILDCARD, `*` standing for any run of characters (`dev-*`). */
export interface TagMutabilityFilter {
  filterType: string;
  filter: string;
}

/** Whether a tag can be moved to another image under the repository's setting and exclusion filters. */
export function tagIsImmutable(repository: RepositoryRecord, tag: string): boolean {
  const setting = repository.imageTagMutability;
  const excluded = (repository.imageTagMutabilityExclusionFilters ?? []).some((f) =>
    new RegExp(`^${f.filter.replace(/[.]/g, "\\.").replaceAll("*", ".*")}$`).test(tag),
  );
  if (setting === "IMMUTABLE") return true;
  if (setting === "IMMUTABLE_WITH_EXCLUSION") return !excluded;
  if (setting === "MUTABLE_WITH_EXCLUSION") return excluded;
  return false;
}

/**
 * The account's AWS managed key for ECR (aws/ecr) in a region, which KMS
 * encryption without a key uses and DescribeRepositories then names: a key
 * ARN, its id stable per account and region.
 */
function awsManagedKey(scope: Scope): string {
  const hex = createHash("sha256").update(`aws/ecr\0${scope.account}\0${scope.region}`).digest("hex");
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `arn:${partitionOf(scope.region)}:kms:${scope.region}:${scope.account}:key/${id}`;
}

export interface RepositoryRecord {
  repositoryName: string;
  createdAt: string;
  imageTagMutability: string;
  /** With MUTABLE_WITH_EXCLUSION the tags these match are immutable, with IMMUTABLE_WITH_EXCLUSION mutable. */
  imageTagMutabilityExclusionFilters?: TagMutabilityFilter[];
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey?: string;
  tags?: { Key: string; Value: string }[];
  /** Made up from the image map (`--image URI=DIR`), not created: it has no record of its own. */
  mapped?: boolean;
}

/** A manifest pushed to a repository: the exact bytes, and what DescribeImages says of them. */
export interface ImageRecord {
  repositoryName: string;
  digest: string;
  mediaType: string;
  manifest: string;
  artifactMediaType?: string;
  sizeInBytes: number;
  pushedAt: string;
  /** The blobs (an image) or manifests (an index) it needs in its repository. */
  references: string[];
  subject?: string;
  lastRecordedPullTime?: string;
}

interface TagRecord {
  repositoryName: string;
  tag: string;
  digest: string;
}

/** A blob uploaded to a repository: ECR's layers are per repository, their bytes shared on disk. */
export interface LayerRecord {
  repositoryName: string;
  digest: string;
  size: number;
}

/** An upload in progress: `offset` bytes acknowledged so far. */
export interface UploadRecord {
  repositoryName: string;
  uuid: string;
  offset: number;
  startedAt: string;
}

interface TokenRecord {
  id: string;
  accessKeyId: string;
  expiresAt: string;
  /** A download URL's token: good for this one blob only. */
  only?: { repositoryName: string; digest: string };
}

/** An image as ECR describes it: pushed to the registry, or standing for a mapped directory. */
export interface EcrImage {
  repositoryName: string;
  digest: string;
  tags: string[];
  mediaType: string;
  manifest: string;
  artifactMediaType?: string;
  sizeInBytes: number;
  pushedAt: Date;
  subject?: string;
  lastRecordedPullTime?: Date;
  /** `directory`: made up from the image map; its manifests name blobs no one pushed. */
  source: { kind: "pushed" } | { kind: "directory"; dir: string };
}

export interface PutImageInput {
  repositoryName: string;
  manifest: string;
  mediaType?: string;
  tag?: string;
  digest?: string;
}

/** Who a registry password was issued to, and for which registry region. */
export interface TokenClaims {
  account: string;
  region: string;
  accessKeyId: string;
  expiresAt: Date;
  /** Set for a download URL (GetDownloadUrlForLayer): it reads this one blob and nothing else. */
  only?: { repositoryName: string; digest: string };
}

export type TokenCheck = { claims: TokenClaims } | { problem: "unknown" | "expired" };

/** The bytes after `AWS:` in ECR's authorization token: base64 of a JSON payload, as ECR's are. */
interface PasswordPayload {
  payload: string;
  version: string;
  type: string;
  expiration: number;
  account: string;
  region: string;
}

const imageKey = (repositoryName: string, digest: string) => `${repositoryName}@${digest}`;
const tagKey = (repositoryName: string, tag: string) => `${repositoryName}:${tag}`;
const hashOf = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * ECR's registry: repositories, the manifests pushed to them, their tags,
 * the layers uploaded to each, uploads in progress and registry logins.
 * Metadata is in the Store (one transaction per call, the caller's); blob
 * bytes in the BlobStore. Repositories the image map names exist too, with
 * the images their directories stand for. No HTTP here: the control API
 * (adapter.ts) and the registry API (distribution-api.ts) both call this.
 */
export class Ecr {
  constructor(
    private readonly store: Store,
    private readonly env: Environment,
    readonly blobs: BlobStore,
    private readonly mapped: MappedImages,
  ) {}

  /** Removes blobs and upload files no record names (a crash's leftovers) and uploads whose bytes were lost. */
  recover(): void {
    const uploads = this.store.listAll<UploadRecord>(KIND.upload);
    this.store.transaction(() => {
      for (const { scope, id, value } of uploads) {
        if (!this.blobs.holds(value.uuid, value.offset)) this.store.delete(KIND.upload, scope, id);
      }
    });
    const live = new Set(this.store.listAll<LayerRecord>(KIND.layer).map((l) => l.value.digest));
    const liveUploads = new Set(this.store.listAll<UploadRecord>(KIND.upload).map((u) => u.value.uuid));
    this.blobs.sweep(live, liveUploads);
  }

  // ---- repositories

  repositories(scope: Scope): RepositoryRecord[] {
    const created = this.store.list<RepositoryRecord>(KIND.repository, scope);
    const names = new Set(created.map((r) => r.repositoryName));
    const mapped = [...this.mapped.repositories(scope.account, scope.region).values()]
      .filter((r) => !names.has(r.name))
      .map((r) => this.mappedRepository(r.name, r.createdAt));
    return [...created, ...mapped].sort((a, b) => a.repositoryName.localeCompare(b.repositoryName));
  }

  repository(scope: Scope, name: string): RepositoryRecord | undefined {
    const created = this.store.get<RepositoryRecord>(KIND.repository, scope, name);
    if (created) return created;
    const mapped = this.mapped.repositories(scope.account, scope.region).get(name);
    return mapped ? this.mappedRepository(name, mapped.createdAt) : undefined;
  }

  mustRepository(scope: Scope, name: string): RepositoryRecord {
    const repository = this.repository(scope, name);
    if (!repository) throw repositoryNotFound(name, scope.account);
    return repository;
  }

  private mappedRepository(name: string, createdAt: Date): RepositoryRecord {
    return {
      repositoryName: name,
      createdAt: createdAt.toISOString(),
      imageTagMutability: "MUTABLE",
      scanOnPush: false,
      encryptionType: "AES256",
      mapped: true,
    };
  }

  createRepository(
    scope: Scope,
    input: {
      repositoryName: string;
      imageTagMutability?: string;
      imageTagMutabilityExclusionFilters?: TagMutabilityFilter[];
      scanOnPush?: boolean;
      encryptionType?: string;
      kmsKey?: string;
      tags?: { Key: string; Value: string }[];
    },
    now: Date,
  ): RepositoryRecord {
    if (this.repository(scope, input.repositoryName)) {
      throw repositoryAlreadyExists(input.repositoryName, scope.account);
    }
    const record: RepositoryRecord = {
      repositoryName: input.repositoryName,
      createdAt: now.toISOString(),
      imageTagMutability: input.imageTagMutability ?? "MUTABLE",
      ...(input.imageTagMutabilityExclusionFilters
        ? { imageTagMutabilityExclusionFilters: input.imageTagMutabilityExclusionFilters }
        : {}),
      scanOnPush: input.scanOnPush ?? false,
      encryptionType: input.encryptionType ?? "AES256",
      ...(input.kmsKey
        ? { kmsKey: input.kmsKey }
        : input.encryptionType === "KMS"
          ? { kmsKey: awsManagedKey(scope) }
          : {}),
      ...(input.tags && input.tags.length > 0 ? { tags: input.tags } : {}),
    };
    if ((input.tags?.length ?? 0) > MAX_RESOURCE_TAGS) {
      throw new AwsError("TooManyTagsException", `A repository can have at most ${MAX_RESOURCE_TAGS} tags`);
    }
    this.store.put(KIND.repository, scope, input.repositoryName, record);
    return record;
  }

  /**
   * Deletes a repository; with `force`, its images too. Blob bytes no other
   * repository holds are removed once the transaction has committed.
   */
  deleteRepository(scope: Scope, name: string, force: boolean): RepositoryRecord {
    const repository = this.mustRepository(scope, name);
    if (this.mapped.maps(scope.account, scope.region, name)) {
      throw invalidParameter(
        `The repository with name '${name}' stands for directories of the emulator's image map (--image or agentcore-emulator.yaml); remove it from the map to delete it`,
      );
    }
    const images = this.pushedImages(scope, name);
    if (images.length > 0 && !force) throw repositoryNotEmpty(name, scope.account);
    for (const image of images) this.store.delete(KIND.image, scope, imageKey(name, image.digest));
    for (const tag of this.tagsOf(scope, name)) this.store.delete(KIND.tag, scope, tagKey(name, tag.tag));
    for (const layer of this.layersOf(scope, name))
      this.store.delete(KIND.layer, scope, imageKey(name, layer.digest));
    const uploads = this.store
      .list<UploadRecord>(KIND.upload, scope)
      .filter((u) => u.repositoryName === name);
    for (const upload of uploads) this.store.delete(KIND.upload, scope, upload.uuid);
    this.store.delete(KIND.repository, scope, name);
    this.afterCommit(() => {
      for (const upload of uploads) this.blobs.discardUpload(upload.uuid);
      this.collectGarbage();
    });
    return repository;
  }

  /** A repository's resource tags (CreateRepository's, TagResource's). */
  repositoryTags(scope: Scope, name: string): { Key: string; Value: string }[] {
    return this.mustRepository(scope, name).tags ?? [];
  }

  /** Sets or replaces tags; a mapped repository gets a record of its own to hold them. */
  tagRepository(scope: Scope, name: string, tags: { Key: string; Value: string }[]): void {
    const repository = this.mustRepository(scope, name);
    const merged = new Map((repository.tags ?? []).map((t) => [t.Key, t.Value]));
    for (const tag of tags) merged.set(tag.Key, tag.Value);
    if (merged.size > MAX_RESOURCE_TAGS) {
      throw new AwsError("TooManyTagsException", `A repository can have at most ${MAX_RESOURCE_TAGS} tags`);
    }
    const { mapped: _, ...record } = repository;
    this.store.put(KIND.repository, scope, name, {
      ...record,
      tags: [...merged].map(([Key, Value]) => ({ Key, Value })),
    });
  }

  /** PutImageTagMutability: the new setting and its filters replace the old (a mapped repository gets a record). */
  setTagMutability(
    scope: Scope,
    name: string,
    mutability: string,
    filters: TagMutabilityFilter[] | undefined,
  ): RepositoryRecord {
    const {
      mapped: _,
      imageTagMutabilityExclusionFilters: _old,
      ...record
    } = this.mustRepository(scope, name);
    const updated: RepositoryRecord = {
      ...record,
      imageTagMutability: mutability,
      ...(filters ? { imageTagMutabilityExclusionFilters: filters } : {}),
    };
    this.store.put(KIND.repository, scope, name, updated);
    return updated;
  }

  untagRepository(scope: Scope, name: string, keys: string[]): void {
    const repository = this.mustRepository(scope, name);
    const { mapped: _, ...record } = repository;
    this.store.put(KIND.repository, scope, name, {
      ...record,
      tags: (repository.tags ?? []).filter((t) => !keys.includes(t.Key)),
    });
  }

  // ---- images

  private pushedImages(scope: Scope, repositoryName: string): ImageRecord[] {
    return this.store.list<ImageRecord>(KIND.image, scope).filter((i) => i.repositoryName === repositoryName);
  }

  private tagsOf(scope: Scope, repositoryName: string): TagRecord[] {
    return this.store.list<TagRecord>(KIND.tag, scope).filter((t) => t.repositoryName === repositoryName);
  }

  private layersOf(scope: Scope, repositoryName: string): LayerRecord[] {
    return this.store.list<LayerRecord>(KIND.layer, scope).filter((l) => l.repositoryName === repositoryName);
  }

  /** Every image of the repository: pushed ones in push order, then those of the image map. */
  images(scope: Scope, repositoryName: string): EcrImage[] {
    const tags = this.tagsOf(scope, repositoryName);
    const tagsByDigest = new Map<string, string[]>();
    for (const t of tags) tagsByDigest.set(t.digest, [...(tagsByDigest.get(t.digest) ?? []), t.tag]);
    const pushedTags = new Set(tags.map((t) => t.tag));
    const pushed = this.pushedImages(scope, repositoryName).map(
      (i): EcrImage => ({
        repositoryName,
        digest: i.digest,
        tags: (tagsByDigest.get(i.digest) ?? []).sort(),
        mediaType: i.mediaType,
        manifest: i.manifest,
        ...(i.artifactMediaType ? { artifactMediaType: i.artifactMediaType } : {}),
        sizeInBytes: i.sizeInBytes,
        pushedAt: new Date(i.pushedAt),
        ...(i.subject ? { subject: i.subject } : {}),
        ...(i.lastRecordedPullTime ? { lastRecordedPullTime: new Date(i.lastRecordedPullTime) } : {}),
        source: { kind: "pushed" },
      }),
    );
    const pushedDigests = new Set(pushed.map((i) => i.digest));
    const mapped = this.mapped
      .repositories(
        scope.account,
        scope.region,
        (repo, tag) => repo === repositoryName && pushedTags.has(tag),
      )
      .get(repositoryName);
    const fromMap = (mapped?.images ?? [])
      .filter((i) => !pushedDigests.has(i.digest))
      .map(
        (i): EcrImage => ({
          repositoryName,
          digest: i.digest,
          tags: i.tags,
          mediaType: i.manifest.mediaType,
          manifest: i.manifest.json,
          ...(i.manifest.artifactMediaType ? { artifactMediaType: i.manifest.artifactMediaType } : {}),
          sizeInBytes: i.manifest.sizeInBytes,
          pushedAt: i.pushedAt,
          source: { kind: "directory", dir: mapped!.directories.get(i.digest)! },
        }),
      );
    return [...pushed, ...fromMap];
  }

  /** The image a tag or digest names in the repository, pushed or mapped. */
  findImage(
    scope: Scope,
    repositoryName: string,
    reference: { tag?: string; digest?: string },
  ): EcrImage | undefined {
    const images = this.images(scope, repositoryName);
    if (reference.digest) {
      const image = images.find((i) => i.digest === reference.digest);
      return image && (!reference.tag || image.tags.includes(reference.tag)) ? image : undefined;
    }
    return reference.tag ? images.find((i) => i.tags.includes(reference.tag!)) : undefined;
  }

  /**
   * Stores a manifest, as PutImage and a registry manifest PUT do: its
   * digest checked, every blob (an image) or manifest (an index) it names
   * present in the repository, its tag moved to it unless the repository's
   * tags are immutable. `repush` (the registry API) accepts a manifest
   * already there under that tag; PutImage refuses it as ECR does.
   */
  putImage(
    scope: Scope,
    input: PutImageInput,
    now: Date,
    repush: boolean,
  ): { image: EcrImage; created: boolean } {
    const repository = this.mustRepository(scope, input.repositoryName);
    const name = input.repositoryName;
    if (Buffer.byteLength(input.manifest) > MAX_MANIFEST_BYTES) {
      throw invalidParameter(
        `Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Member must have length less than or equal to ${MAX_MANIFEST_BYTES}'`,
      );
    }
    if (input.tag !== undefined && !TAG.test(input.tag)) {
      throw invalidParameter(
        `Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '${TAG.source}''`,
      );
    }
    let content: ManifestContent;
    try {
      content = readManifest(input.manifest, input.mediaType);
    } catch (error) {
      if (!(error instanceof InvalidManifest)) throw error;
      throw invalidParameter(
        `Invalid parameter at '${error.field === "imageManifest" ? "ImageManifest" : "imageManifestMediaType"}' failed to satisfy constraint: '${error.message}'`,
      );
    }
    const digest = sha256Digest(input.manifest);
    if (input.digest !== undefined && input.digest !== digest)
      throw imageDigestDoesNotMatch(input.digest, digest);

    const existing = this.store.get<ImageRecord>(KIND.image, scope, imageKey(name, digest));
    const taggedTo = input.tag
      ? this.store.get<TagRecord>(KIND.tag, scope, tagKey(name, input.tag))
      : undefined;
    if (taggedTo && taggedTo.digest === digest && !repush) {
      throw imageAlreadyExists(digest, input.tag!, name, scope.account);
    }
    if (taggedTo && taggedTo.digest !== digest && tagIsImmutable(repository, input.tag!)) {
      throw imageTagAlreadyExists(input.tag!, name);
    }

    let created = false;
    if (!existing) {
      const references = this.checkReferences(scope, name, content);
      const record: ImageRecord = {
        repositoryName: name,
        digest,
        mediaType: content.mediaType,
        manifest: input.manifest,
        ...(content.kind === "image"
          ? { artifactMediaType: content.artifactType ?? content.config.mediaType }
          : content.artifactType
            ? { artifactMediaType: content.artifactType }
            : {}),
        sizeInBytes: sizeOfImage(
          content,
          (child) => this.store.get<ImageRecord>(KIND.image, scope, imageKey(name, child))?.sizeInBytes ?? 0,
        ),
        pushedAt: now.toISOString(),
        references,
        ...(content.subject ? { subject: content.subject.digest } : {}),
      };
      this.store.put(KIND.image, scope, imageKey(name, digest), record);
      created = true;
    }
    if (input.tag && taggedTo?.digest !== digest) {
      // The image the tag leaves stays, untagged, as ECR keeps it.
      this.store.put(KIND.tag, scope, tagKey(name, input.tag), {
        repositoryName: name,
        tag: input.tag,
        digest,
      });
    }
    const image = this.findImage(scope, name, { digest })!;
    return { image, created };
  }

  /** What an image needs in its repository, and the error ECR answers when some of it is missing. */
  private checkReferences(scope: Scope, repositoryName: string, content: ManifestContent): string[] {
    if (content.kind === "image") {
      const needed = [...new Set(requiredBlobs(content).map((d) => d.digest))];
      const missing = needed.filter((d) => !this.layer(scope, repositoryName, d));
      if (missing.length > 0) throw layersNotFound(missing, repositoryName, scope.account);
      return needed;
    }
    const needed = [...new Set(content.manifests.map((m) => m.digest))];
    const missing = needed.filter((d) => !this.store.get(KIND.image, scope, imageKey(repositoryName, d)));
    if (missing.length > 0) throw referencedImagesNotFound(missing, repositoryName);
    return needed;
  }

  /** The pushed indexes of the repository that list `digest`: it cannot be deleted while they do. */
  private referrersOf(scope: Scope, repositoryName: string, digest: string): string[] {
    return this.pushedImages(scope, repositoryName)
      .filter((i) => i.digest !== digest && this.isIndex(i) && i.references.includes(digest))
      .map((i) => i.digest);
  }

  private isIndex(image: ImageRecord): boolean {
    return image.mediaType.endsWith("index.v1+json") || image.mediaType.endsWith("list.v2+json");
  }

  /** Why a mapped image cannot be deleted, as an error. */
  private mappedImageError(repositoryName: string): AwsError {
    return invalidParameter(
      `The image stands for a directory of the emulator's image map in repository '${repositoryName}'; remove it from the map (--image or agentcore-emulator.yaml) instead`,
    );
  }

  /**
   * Deletes an image and all its tags (BatchDeleteImage by digest, a
   * registry DELETE). Returns the ids deleted, or ECR's failure code.
   */
  deleteImage(
    scope: Scope,
    repositoryName: string,
    digest: string,
  ):
    | { deleted: { imageDigest: string; imageTag?: string }[] }
    | { failureCode: string; failureReason: string } {
    const record = this.store.get<ImageRecord>(KIND.image, scope, imageKey(repositoryName, digest));
    if (!record) {
      if (this.findImage(scope, repositoryName, { digest })) throw this.mappedImageError(repositoryName);
      return { failureCode: "ImageNotFound", failureReason: "Requested image not found" };
    }
    const referrers = this.referrersOf(scope, repositoryName, digest);
    if (referrers.length > 0) {
      return {
        failureCode: "ImageReferencedByManifestList",
        failureReason: `Requested image referenced by manifest list: [${referrers.join(", ")}]`,
      };
    }
    const tags = this.tagsOf(scope, repositoryName).filter((t) => t.digest === digest);
    for (const tag of tags) this.store.delete(KIND.tag, scope, tagKey(repositoryName, tag.tag));
    this.store.delete(KIND.image, scope, imageKey(repositoryName, digest));
    return {
      deleted:
        tags.length > 0
          ? tags.map((t) => ({ imageDigest: digest, imageTag: t.tag }))
          : [{ imageDigest: digest }],
    };
  }

  /** Removes a tag (BatchDeleteImage by tag); an image left without tags is deleted, unless an index lists it. */
  untag(
    scope: Scope,
    repositoryName: string,
    tag: string,
  ):
    | { deleted: { imageDigest: string; imageTag: string }[] }
    | { failureCode: string; failureReason: string } {
    const record = this.store.get<TagRecord>(KIND.tag, scope, tagKey(repositoryName, tag));
    if (!record) {
      if (this.findImage(scope, repositoryName, { tag })) throw this.mappedImageError(repositoryName);
      return { failureCode: "ImageNotFound", failureReason: "Requested image not found" };
    }
    this.store.delete(KIND.tag, scope, tagKey(repositoryName, tag));
    const stillTagged = this.tagsOf(scope, repositoryName).some((t) => t.digest === record.digest);
    if (!stillTagged && this.referrersOf(scope, repositoryName, record.digest).length === 0) {
      this.store.delete(KIND.image, scope, imageKey(repositoryName, record.digest));
    }
    return { deleted: [{ imageDigest: record.digest, imageTag: tag }] };
  }

  /** A pull of the manifest: DescribeImages' lastRecordedPullTime. */
  recordPull(scope: Scope, repositoryName: string, digest: string, now: Date): void {
    const record = this.store.get<ImageRecord>(KIND.image, scope, imageKey(repositoryName, digest));
    if (record) {
      this.store.put(KIND.image, scope, imageKey(repositoryName, digest), {
        ...record,
        lastRecordedPullTime: now.toISOString(),
      });
    }
  }

  /** Pushed manifests of the repository whose subject is `digest` (the OCI referrers API). */
  referrers(scope: Scope, repositoryName: string, digest: string): ImageRecord[] {
    return this.pushedImages(scope, repositoryName).filter((i) => i.subject === digest);
  }

  // ---- layers and uploads

  layer(scope: Scope, repositoryName: string, digest: string): LayerRecord | undefined {
    const layer = this.store.get<LayerRecord>(KIND.layer, scope, imageKey(repositoryName, digest));
    return layer && this.blobs.pathOf(digest) ? layer : undefined;
  }

  /** The blob's file, when the repository holds it. */
  layerPath(scope: Scope, repositoryName: string, digest: string): string | undefined {
    return this.layer(scope, repositoryName, digest) ? this.blobs.pathOf(digest) : undefined;
  }

  startUpload(scope: Scope, repositoryName: string, now: Date): UploadRecord {
    this.mustRepository(scope, repositoryName);
    const uuid = this.env.uuid();
    this.blobs.startUpload(uuid);
    const record: UploadRecord = { repositoryName, uuid, offset: 0, startedAt: now.toISOString() };
    this.store.put(KIND.upload, scope, uuid, record);
    return record;
  }

  upload(scope: Scope, repositoryName: string, uuid: string): UploadRecord | undefined {
    const upload = this.store.get<UploadRecord>(KIND.upload, scope, uuid);
    return upload?.repositoryName === repositoryName ? upload : undefined;
  }

  /** Records bytes appended to the upload as acknowledged. */
  advanceUpload(scope: Scope, upload: UploadRecord, offset: number): UploadRecord {
    const next = { ...upload, offset };
    this.store.put(KIND.upload, scope, upload.uuid, next);
    return next;
  }

  /**
   * Ends an upload whose bytes hash to `digest` (checked by the caller):
   * the blob gets its name on disk, then joins the repository's layers.
   * Synchronous from rename to record, so no collection runs in between.
   */
  completeUpload(scope: Scope, upload: UploadRecord, digest: string): LayerRecord {
    this.blobs.promote(upload.uuid, upload.offset, digest);
    this.store.delete(KIND.upload, scope, upload.uuid);
    const layer: LayerRecord = { repositoryName: upload.repositoryName, digest, size: upload.offset };
    this.store.put(KIND.layer, scope, imageKey(upload.repositoryName, digest), layer);
    return layer;
  }

  cancelUpload(scope: Scope, upload: UploadRecord): void {
    this.store.delete(KIND.upload, scope, upload.uuid);
    this.afterCommit(() => this.blobs.discardUpload(upload.uuid));
  }

  /** Blob files no repository holds any more. */
  private collectGarbage(): void {
    const live = new Set(this.store.listAll<LayerRecord>(KIND.layer).map((l) => l.value.digest));
    const liveUploads = new Set(this.store.listAll<UploadRecord>(KIND.upload).map((u) => u.value.uuid));
    this.blobs.sweep(live, liveUploads);
  }

  /** File work that must wait for the caller's transaction to commit (it re-reads the records, so a rollback is harmless). */
  private afterCommit(work: () => void): void {
    setImmediate(() => {
      try {
        work();
      } catch {
        // Leftover files are swept on the next start.
      }
    });
  }

  // ---- registry logins

  /**
   * A password for `docker login -u AWS` to this account's registries in
   * `scope.region`, valid 12 hours; with `only`, a download URL's token for
   * one blob, valid an hour.
   */
  issueToken(
    scope: Scope,
    accessKeyId: string,
    now: Date,
    only?: { repositoryName: string; digest: string },
  ): { password: string; expiresAt: Date } {
    const expiresAt = new Date(now.getTime() + (only ? DOWNLOAD_URL_LIFETIME_MS : TOKEN_LIFETIME_MS));
    for (const token of this.store.list<TokenRecord>(KIND.token, scope)) {
      if (new Date(token.expiresAt) <= now) this.store.delete(KIND.token, scope, token.id);
    }
    const payload = this.env.randomAlphanumeric(96);
    this.store.put<TokenRecord>(KIND.token, scope, hashOf(payload), {
      id: hashOf(payload),
      accessKeyId,
      expiresAt: expiresAt.toISOString(),
      ...(only ? { only } : {}),
    });
    const password: PasswordPayload = {
      payload,
      version: "2",
      type: "DATA_KEY",
      expiration: Math.floor(expiresAt.getTime() / 1000),
      account: scope.account,
      region: scope.region,
    };
    return { password: Buffer.from(JSON.stringify(password)).toString("base64"), expiresAt };
  }

  /** Whether a registry password is one this emulator issued, and still valid at `now`. */
  checkToken(password: string, now: Date): TokenCheck {
    let parsed: Partial<PasswordPayload>;
    try {
      parsed = JSON.parse(Buffer.from(password, "base64").toString("utf8")) as Partial<PasswordPayload>;
    } catch {
      return { problem: "unknown" };
    }
    if (
      typeof parsed.payload !== "string" ||
      typeof parsed.account !== "string" ||
      typeof parsed.region !== "string"
    ) {
      return { problem: "unknown" };
    }
    const scope = { account: parsed.account, region: parsed.region };
    const record = this.store.get<TokenRecord>(KIND.token, scope, hashOf(parsed.payload));
    if (!record) return { problem: "unknown" };
    const expiresAt = new Date(record.expiresAt);
    if (expiresAt <= now) return { problem: "expired" };
    return {
      claims: {
        ...scope,
        accessKeyId: record.accessKeyId,
        expiresAt,
        ...(record.only ? { only: record.only } : {}),
      },
    };
  }

  /** The tags pushed to a repository (the registry's tag list: mapped images have no layers to pull). */
  pushedTags(scope: Scope, repositoryName: string): string[] {
    return this.tagsOf(scope, repositoryName)
      .map((t) => t.tag)
      .sort();
  }
}
