import type {
  BatchGetImageCommandInput,
  CreateRepositoryCommandInput,
  DescribeImagesCommandInput,
  DescribeRepositoriesCommandInput,
  GetAuthorizationTokenCommandInput,
  ImageIdentifier,
} from "@aws-sdk/client-ecr";
import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { Scope } from "../store/store.js";
import { imageNotFound, invalidParameter, repositoryNotFound } from "./errors.js";
import { registryHost } from "./image-uri.js";
import type { Ecr, EcrImage, RepositoryRecord } from "./model.js";

/** Page size when the caller sets no maxResults (DescribeRepositories and DescribeImages). */
const DEFAULT_PAGE_SIZE = 100;

/** Opaque paging token: the index the next page starts at, base64url JSON. */
function pageStart(token: string | undefined): number {
  if (token === undefined) return 0;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  const start = (value as { start?: unknown } | undefined)?.start;
  if (typeof start !== "number" || !Number.isInteger(start) || start < 0) {
    throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'invalid token'");
  }
  return start;
}

function page<T>(
  items: T[],
  input: { nextToken?: string; maxResults?: number },
): { items: T[]; next?: string } {
  const start = pageStart(input.nextToken);
  const end = start + (input.maxResults ?? DEFAULT_PAGE_SIZE);
  return {
    items: items.slice(start, end),
    ...(end < items.length
      ? { next: Buffer.from(JSON.stringify({ start: end })).toString("base64url") }
      : {}),
  };
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

  const repositoryView = (scope: Scope, repository: RepositoryRecord) => ({
    repositoryArn: `arn:aws:ecr:${scope.region}:${scope.account}:repository/${repository.repositoryName}`,
    registryId: scope.account,
    repositoryName: repository.repositoryName,
    repositoryUri: `${registryHost(scope.account, scope.region)}/${repository.repositoryName}`,
    createdAt: new Date(repository.createdAt),
    imageTagMutability: repository.imageTagMutability,
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
      if (input.imageTagMutabilityExclusionFilters) {
        throw invalidParameter(
          "Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: 'the emulator does not implement tag mutability exclusion filters'",
        );
      }
      const repository = ecr.createRepository(
        scope,
        {
          repositoryName: input.repositoryName!,
          ...(input.imageTagMutability ? { imageTagMutability: input.imageTagMutability } : {}),
          ...(input.imageScanningConfiguration?.scanOnPush !== undefined
            ? { scanOnPush: input.imageScanningConfiguration.scanOnPush }
            : {}),
          ...(input.encryptionConfiguration?.encryptionType
            ? { encryptionType: input.encryptionConfiguration.encryptionType }
            : {}),
          ...(input.encryptionConfiguration?.kmsKey ? { kmsKey: input.encryptionConfiguration.kmsKey } : {}),
        },
        ctx.now,
      );
      return { repository: repositoryView(scope, repository) };
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
      const { items, next } = page(ecr.repositories(scope), input);
      return {
        repositories: items.map((r) => repositoryView(scope, r)),
        ...(next ? { nextToken: next } : {}),
      };
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
      const { items, next } = page(matching, input);
      return {
        imageDetails: items.map((i) => imageDetail(scope, i)),
        ...(next ? { nextToken: next } : {}),
      };
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
