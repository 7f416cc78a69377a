import type {
  BatchCheckLayerAvailabilityCommandInput,
  BatchDeleteImageCommandInput,
  BatchGetImageCommandInput,
  CreateRepositoryCommandInput,
  DeleteRepositoryCommandInput,
  DescribeImagesCommandInput,
  DescribeRepositoriesCommandInput,
  GetAuthorizationTokenCommandInput,
  GetDownloadUrlForLayerCommandInput,
  ImageIdentifier,
  ListImagesCommandInput,
  ListTagsForResourceCommandInput,
  PutImageCommandInput,
  PutImageTagMutabilityCommandInput,
  TagResourceCommandInput,
  UntagResourceCommandInput,
} from "@aws-sdk/client-ecr";
import { parseRegistryHost, registryHost } from "../../image/ecr-uri.js";
import { ARN_PARTITION, partitionOf } from "../../util/arn.js";
import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import { isSha256Digest } from "../store/blob-store.js";
import type { Scope } from "../store/store.js";
import { imageNotFound, invalidParameter, layerNotFound, repositoryNotFound } from "./errors.js";
import type { Ecr, EcrImage, RepositoryRecord, TagMutabilityFilter } from "./model.js";
import { DOWNLOAD_TOKEN_PARAMETER } from "./registry-auth.js";

/** `arn:<partition>:ecr:<region>:<account>:repository/<name>`: TagResource's and ListTagsForResource's resourceArn. */
const REPOSITORY_ARN = new RegExp(`^arn:${ARN_PARTITION}:ecr:([a-z0-9-]+):(\\d{12}):repository/(.+)$`);

/** Where a URL the API hands back must point: the registry host through the stand-in, else the address the call came to. */
function registryOrigin(ctx: RequestContext, account: string): string {
  const host = ctx.host ?? "";
  if (!host || /\.amazonaws\.com(\.cn)?(:\d+)?$/i.test(host) || parseRegistryHost(host)) {
    return `https://${registryHost(account, ctx.region)}`;
  }
  return `http://${host}`;
}

/** An imageId as ECR checks it in batch calls: a failure entry, or undefined when it names something. */
function idProblem(id: ImageIdentifier): { failureCode: string; failureReason: string } | undefined {
  if (!id.imageDigest && !id.imageTag) {
    return {
      failureCode: "MissingDigestAndTag",
      failureReason: "Invalid request parameters: both tag and digest cannot be null",
    };
  }
  if (id.imageDigest && !/^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/.test(id.imageDigest)) {
    return {
      failureCode: "InvalidImageDigest",
      failureReason:
        "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
    };
  }
  return undefined;
}

type ImageMatch = { image: EcrImage } | { failureCode: string; failureReason: string };

/** The image an id names: by digest, by tag, or both when they agree. */
function findImage(images: EcrImage[], id: ImageIdentifier): ImageMatch {
  if (!id.imageDigest && !id.imageTag) {
    return {
      failureCode: "MissingDigestAndTag",
      failureReason: "Invalid request parameters: both tag and digest cannot be null",
    };
  }
  const byDigest = id.imageDigest ? images.find((i) => i.digest === id.imageDigest) : undefined;
  const byTag = id.imageTag ? images.find((i) => i.tags.includes(id.imageTag!)) : undefined;
  if (id.imageDigest && id.imageTag && byDigest && byTag && byDigest !== byTag) {
    return {
      failureCode: "ImageTagDoesNotMatchDigest",
      failureReason: "Invalid request parameters: image tag does not match digest",
    };
  }
  const image = id.imageDigest ? byDigest : byTag;
  if (!image || (id.imageTag && !byTag)) {
    return { failureCode: "ImageNotFound", failureReason: "Requested image not found" };
  }
  return { image };
}

/**
 * ECR's control API over the registry: repositories created or mapped,
 * images pushed (through the registry endpoint or PutImage) or standing for
 * a mapped directory, registry logins. A `registryId` of another account
 * names a registry the emulator holds nothing in.
 */
export function ecrAdapter(ecr: Ecr): Adapter {
  const scopeOf = (ctx: RequestContext, registryId: string | undefined): Scope => ({
    account: registryId ?? ctx.account,
    region: ctx.region,
  });

  const mustRepository = (ctx: RequestContext, registryId: string | undefined, name: string) => {
    const scope = scopeOf(ctx, registryId);
    const repository = ecr.repository(scope, name);
    if (!repository) throw repositoryNotFound(name, scope.account);
    return { scope, repository };
  };

  /** Mutations name only the caller's own registry. */
  const ownScope = (ctx: RequestContext, registryId: string | undefined): Scope => {
    if (registryId !== undefined && registryId !== ctx.account) {
      throw invalidParameter(
        `Invalid parameter at 'registryId' failed to satisfy constraint: 'the emulator holds only the registry of account ${ctx.account}'`,
      );
    }
    return scopeOf(ctx, registryId);
  };

  /** The repository a resourceArn names, in this region and the caller's account. */
  const repositoryOfArn = (ctx: RequestContext, arn: string): { scope: Scope; name: string } => {
    const match = REPOSITORY_ARN.exec(arn);
    if (!match || match[1] !== ctx.region) {
      throw invalidParameter(
        "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'",
      );
    }
    const scope = ownScope(ctx, match[2]);
    ecr.mustRepository(scope, match[3]!);
    return { scope, name: match[3]! };
  };

  const filtersOf = (filters: { filterType?: string; filter?: string }[]): TagMutabilityFilter[] =>
    filters.map((f) => ({ filterType: f.filterType!, filter: f.filter! }));

  const repositoryView = (scope: Scope, repository: RepositoryRecord) => ({
    repositoryArn: `arn:${partitionOf(scope.region)}:ecr:${scope.region}:${scope.account}:repository/${repository.repositoryName}`,
    registryId: scope.account,
    repositoryName: repository.repositoryName,
    repositoryUri: `${registryHost(scope.account, scope.region)}/${repository.repositoryName}`,
    createdAt: new Date(repository.createdAt),
    imageTagMutability: repository.imageTagMutability,
    ...(repository.imageTagMutabilityExclusionFilters
      ? { imageTagMutabilityExclusionFilters: repository.imageTagMutabilityExclusionFilters }
      : {}),
    imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
    encryptionConfiguration: {
      encryptionType: repository.encryptionType,
      ...(repository.kmsKey ? { kmsKey: repository.kmsKey } : {}),
    },
  });

  const imageDetail = (scope: Scope, image: EcrImage) => ({
    registryId: scope.account,
    repositoryName: image.repositoryName,
    imageDigest: image.digest,
    ...(image.tags.length > 0 ? { imageTags: image.tags } : {}),
    imageSizeInBytes: image.sizeInBytes,
    imagePushedAt: image.pushedAt,
    imageManifestMediaType: image.mediaType,
    ...(image.artifactMediaType ? { artifactMediaType: image.artifactMediaType } : {}),
    ...(image.lastRecordedPullTime ? { lastRecordedPullTime: image.lastRecordedPullTime } : {}),
    ...(image.subject ? { subjectManifestDigest: image.subject } : {}),
    imageStatus: "ACTIVE",
  });

  return {
    CreateRepository: (input: CreateRepositoryCommandInput, ctx) => {
      const scope = ownScope(ctx, input.registryId);
      const repository = ecr.createRepository(
        scope,
        {
          repositoryName: input.repositoryName!,
          ...(input.imageTagMutability ? { imageTagMutability: input.imageTagMutability } : {}),
          ...(input.imageTagMutabilityExclusionFilters
            ? { imageTagMutabilityExclusionFilters: filtersOf(input.imageTagMutabilityExclusionFilters) }
            : {}),
          ...(input.imageScanningConfiguration?.scanOnPush !== undefined
            ? { scanOnPush: input.imageScanningConfiguration.scanOnPush }
            : {}),
          ...(input.encryptionConfiguration?.encryptionType
            ? { encryptionType: input.encryptionConfiguration.encryptionType }
            : {}),
          ...(input.encryptionConfiguration?.kmsKey ? { kmsKey: input.encryptionConfiguration.kmsKey } : {}),
          ...(input.tags ? { tags: input.tags.map((t) => ({ Key: t.Key!, Value: t.Value ?? "" })) } : {}),
        },
        ctx.now,
      );
      return { repository: repositoryView(scope, repository) };
    },

    PutImageTagMutability: (input: PutImageTagMutabilityCommandInput, ctx) => {
      const scope = ownScope(ctx, input.registryId);
      const repository = ecr.setTagMutability(
        scope,
        input.repositoryName!,
        input.imageTagMutability!,
        input.imageTagMutabilityExclusionFilters
          ? filtersOf(input.imageTagMutabilityExclusionFilters)
          : undefined,
      );
      return {
        registryId: scope.account,
        repositoryName: repository.repositoryName,
        imageTagMutability: repository.imageTagMutability,
        ...(repository.imageTagMutabilityExclusionFilters
          ? { imageTagMutabilityExclusionFilters: repository.imageTagMutabilityExclusionFilters }
          : {}),
      };
    },

    DescribeRepositories: (input: DescribeRepositoriesCommandInput, ctx) => {
      if (input.repositoryNames && (input.maxResults !== undefined || input.nextToken !== undefined)) {
        throw invalidParameter("maxResults and nextToken cannot be used with repositoryNames");
      }
      const scope = scopeOf(ctx, input.registryId);
      if (input.repositoryNames) {
        const repositories = input.repositoryNames.map((name) => mustRepository(ctx, input.registryId, name));
        return { repositories: repositories.map((r) => repositoryView(scope, r.repository)) };
      }
      return { repositories: ecr.repositories(scope).map((r) => repositoryView(scope, r)) };
    },

    DescribeImages: (input: DescribeImagesCommandInput, ctx) => {
      const { scope, repository } = mustRepository(ctx, input.registryId, input.repositoryName!);
      const all = ecr.images(scope, repository.repositoryName);
      if (input.imageIds) {
        if (input.maxResults !== undefined || input.nextToken !== undefined) {
          throw invalidParameter("maxResults and nextToken cannot be used with imageIds");
        }
        const images: EcrImage[] = [];
        for (const id of input.imageIds) {
          const found = findImage(all, id);
          if (!("image" in found)) throw imageNotFound(id, repository.repositoryName, scope.account);
          if (!images.includes(found.image)) images.push(found.image);
        }
        return { imageDetails: images.map((i) => imageDetail(scope, i)) };
      }
      const tagStatus = input.filter?.tagStatus ?? "ANY";
      const matching = all.filter(
        (i) => tagStatus === "ANY" || (tagStatus === "TAGGED") === i.tags.length > 0,
      );
      return { imageDetails: matching.map((i) => imageDetail(scope, i)) };
    },

    // The stored manifest whatever acceptedMediaTypes says: ECR converts only Docker schema 2 to schema 1, which the registry does not store.
    BatchGetImage: (input: BatchGetImageCommandInput, ctx) => {
      const { scope, repository } = mustRepository(ctx, input.registryId, input.repositoryName!);
      const all = ecr.images(scope, repository.repositoryName);
      const images: Record<string, unknown>[] = [];
      const failures: Record<string, unknown>[] = [];
      for (const id of input.imageIds ?? []) {
        const found = findImage(all, id);
        if ("image" in found) {
          images.push({
            registryId: scope.account,
            repositoryName: repository.repositoryName,
            imageId: { imageDigest: found.image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
            imageManifest: found.image.manifest,
            imageManifestMediaType: found.image.mediaType,
          });
          ecr.recordPull(scope, repository.repositoryName, found.image.digest, ctx.now);
        } else {
          failures.push({ imageId: id, ...found });
        }
      }
      return { images, failures };
    },

    DeleteRepository: (input: DeleteRepositoryCommandInput, ctx) => {
      const scope = ownScope(ctx, input.registryId);
      const repository = ecr.deleteRepository(scope, input.repositoryName!, input.force ?? false);
      return { repository: repositoryView(scope, repository) };
    },

    /** One id per tag, and one for each untagged image, as ECR lists them. */
    ListImages: (input: ListImagesCommandInput, ctx) => {
      const { scope, repository } = mustRepository(ctx, input.registryId, input.repositoryName!);
      const tagStatus = input.filter?.tagStatus ?? "ANY";
      const ids = ecr
        .images(scope, repository.repositoryName)
        .flatMap((image) =>
          image.tags.length === 0
            ? tagStatus === "TAGGED"
              ? []
              : [{ imageDigest: image.digest }]
            : tagStatus === "UNTAGGED"
              ? []
              : image.tags.map((imageTag) => ({ imageDigest: image.digest, imageTag })),
        );
      return { imageIds: ids };
    },

    /** By digest: the image and all its tags. By tag: the tag; an image left with no tag goes with it. */
    BatchDeleteImage: (input: BatchDeleteImageCommandInput, ctx) => {
      const scope = ownScope(ctx, input.registryId);
      const name = mustRepository(ctx, input.registryId, input.repositoryName!).repository.repositoryName;
      const imageIds: Record<string, unknown>[] = [];
      const failures: Record<string, unknown>[] = [];
      for (const id of input.imageIds ?? []) {
        const problem = idProblem(id);
        if (problem) {
          failures.push({ imageId: id, ...problem });
          continue;
        }
        if (id.imageDigest && id.imageTag) {
          const tagged = ecr.findImage(scope, name, { tag: id.imageTag });
          if (tagged && tagged.digest !== id.imageDigest) {
            failures.push({
              imageId: id,
              failureCode: "ImageTagDoesNotMatchDigest",
              failureReason: "Invalid request parameters: image tag does not match digest",
            });
            continue;
          }
        }
        const outcome = id.imageDigest
          ? ecr.deleteImage(scope, name, id.imageDigest)
          : ecr.untag(scope, name, id.imageTag!);
        if ("deleted" in outcome) imageIds.push(...outcome.deleted);
        else failures.push({ imageId: id, ...outcome });
      }
      return { imageIds, failures };
    },

    PutImage: (input: PutImageCommandInput, ctx) => {
      const scope = ownScope(ctx, input.registryId);
      const { image } = ecr.putImage(
        scope,
        {
          repositoryName: input.repositoryName!,
          manifest: input.imageManifest!,
          ...(input.imageManifestMediaType ? { mediaType: input.imageManifestMediaType } : {}),
          ...(input.imageTag ? { tag: input.imageTag } : {}),
          ...(input.imageDigest ? { digest: input.imageDigest } : {}),
        },
        ctx.now,
        false,
      );
      return {
        image: {
          registryId: scope.account,
          repositoryName: image.repositoryName,
          imageId: { imageDigest: image.digest, ...(input.imageTag ? { imageTag: input.imageTag } : {}) },
          imageManifest: image.manifest,
          imageManifestMediaType: image.mediaType,
        },
      };
    },

    /** A URL that reads the layer without a login for an hour, as ECR's presigned URL does; it points where this call came from. */
    GetDownloadUrlForLayer: (input: GetDownloadUrlForLayerCommandInput, ctx) => {
      const { scope, repository } = mustRepository(ctx, input.registryId, input.repositoryName!);
      const digest = input.layerDigest!;
      if (!isSha256Digest(digest) || !ecr.layer(scope, repository.repositoryName, digest)) {
        throw layerNotFound(digest, repository.repositoryName, scope.account);
      }
      const { password } = ecr.issueToken(scope, ctx.accessKeyId, ctx.now, {
        repositoryName: repository.repositoryName,
        digest,
      });
      const query = new URLSearchParams({ [DOWNLOAD_TOKEN_PARAMETER]: password });
      return {
        downloadUrl: `${registryOrigin(ctx, scope.account)}/v2/${repository.repositoryName}/blobs/${digest}?${query}`,
        layerDigest: digest,
      };
    },

    BatchCheckLayerAvailability: (input: BatchCheckLayerAvailabilityCommandInput, ctx) => {
      const { scope, repository } = mustRepository(ctx, input.registryId, input.repositoryName!);
      const layers: Record<string, unknown>[] = [];
      const failures: Record<string, unknown>[] = [];
      for (const digest of input.layerDigests ?? []) {
        if (!digest) {
          failures.push({
            layerDigest: digest,
            failureCode: "MissingLayerDigest",
            failureReason: "Missing layer digest",
          });
          continue;
        }
        const layer = isSha256Digest(digest)
          ? ecr.layer(scope, repository.repositoryName, digest)
          : undefined;
        if (!/^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/.test(digest)) {
          failures.push({
            layerDigest: digest,
            failureCode: "InvalidLayerDigest",
            failureReason: "Invalid layer digest",
          });
        } else if (layer) {
          layers.push({ layerDigest: digest, layerAvailability: "AVAILABLE", layerSize: layer.size });
        } else {
          layers.push({ layerDigest: digest, layerAvailability: "UNAVAILABLE" });
        }
      }
      return { layers, failures };
    },

    ListTagsForResource: (input: ListTagsForResourceCommandInput, ctx) => {
      const { scope, name } = repositoryOfArn(ctx, input.resourceArn!);
      return { tags: ecr.repositoryTags(scope, name) };
    },

    TagResource: (input: TagResourceCommandInput, ctx) => {
      const { scope, name } = repositoryOfArn(ctx, input.resourceArn!);
      ecr.tagRepository(
        scope,
        name,
        (input.tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value ?? "" })),
      );
      return {};
    },

    UntagResource: (input: UntagResourceCommandInput, ctx) => {
      const { scope, name } = repositoryOfArn(ctx, input.resourceArn!);
      ecr.untagRepository(scope, name, input.tagKeys ?? []);
      return {};
    },

    /** A login for `docker login -u AWS` (and skopeo, buildx, crane): accepted by this emulator's registry for 12 hours. */
    GetAuthorizationToken: (input: GetAuthorizationTokenCommandInput, ctx) => {
      const scope = { account: ctx.account, region: ctx.region };
      const { password, expiresAt } = ecr.issueToken(scope, ctx.accessKeyId, ctx.now);
      const authorizationToken = Buffer.from(`AWS:${password}`).toString("base64");
      return {
        authorizationData: (input.registryIds ?? [ctx.account]).map((registryId) => ({
          authorizationToken,
          expiresAt,
          proxyEndpoint: `https://${registryHost(registryId, ctx.region)}`,
        })),
      };
    },
  };
}
