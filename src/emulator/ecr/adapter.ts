import type {
  BatchGetImageCommandInput,
  DescribeImagesCommandInput,
  DescribeRepositoriesCommandInput,
  GetAuthorizationTokenCommandInput,
  ImageIdentifier,
} from "@aws-sdk/client-ecr";
import type { Adapter } from "../adapter.js";
import type { Environment, RequestContext } from "../context.js";
import { AwsError } from "../protocol/errors.js";
import type { EcrImage, EcrRegistry, EcrRepository } from "./model.js";

/** How long a registry login lasts, as ECR's tokens do. */
const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** Page size when the caller sets no maxResults (DescribeRepositories and DescribeImages). */
const DEFAULT_PAGE_SIZE = 100;

function invalidParameter(message: string): AwsError {
  return new AwsError("InvalidParameterException", message);
}

function repositoryNotFound(name: string, registryId: string): AwsError {
  return new AwsError(
    "RepositoryNotFoundException",
    `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
  );
}

function registryHost(registryId: string, region: string): string {
  return `${registryId}.dkr.ecr.${region}.amazonaws.com`;
}

/** ECR's rendering of an image id in messages: a missing field is 'null'. */
function describeImageId(id: ImageIdentifier): string {
  return `{imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'}`;
}

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
function findImage(repository: EcrRepository, id: ImageIdentifier): ImageMatch {
  if (!id.imageDigest && !id.imageTag) {
    return {
      failureCode: "MissingDigestAndTag",
      failureReason: "Invalid request parameters: both tag and digest cannot be null",
    };
  }
  const byDigest = id.imageDigest ? repository.images.find((i) => i.digest === id.imageDigest) : undefined;
  const byTag = id.imageTag ? repository.images.find((i) => i.tags.includes(id.imageTag!)) : undefined;
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
 * ECR's read operations over the emulator's image map. A `registryId` of
 * another account names a registry the emulator holds nothing in.
 */
export function ecrAdapter(registry: EcrRegistry, env: Environment): Adapter {
  const repositoriesOf = (ctx: RequestContext, registryId: string | undefined) =>
    registryId === undefined || registryId === ctx.account
      ? registry.repositories(ctx.account, ctx.region)
      : new Map<string, EcrRepository>();

  const mustRepository = (ctx: RequestContext, registryId: string | undefined, name: string) => {
    const repository = repositoriesOf(ctx, registryId).get(name);
    if (!repository) throw repositoryNotFound(name, registryId ?? ctx.account);
    return repository;
  };

  const repositoryView = (ctx: RequestContext, repository: EcrRepository) => ({
    repositoryArn: `arn:aws:ecr:${ctx.region}:${ctx.account}:repository/${repository.name}`,
    registryId: ctx.account,
    repositoryName: repository.name,
    repositoryUri: `${registryHost(ctx.account, ctx.region)}/${repository.name}`,
    createdAt: repository.createdAt,
    imageTagMutability: "MUTABLE",
    imageScanningConfiguration: { scanOnPush: false },
    encryptionConfiguration: { encryptionType: "AES256" },
  });

  const imageDetail = (ctx: RequestContext, repository: EcrRepository, image: EcrImage) => ({
    registryId: ctx.account,
    repositoryName: repository.name,
    imageDigest: image.digest,
    ...(image.tags.length > 0 ? { imageTags: image.tags } : {}),
    imageSizeInBytes: image.manifest.sizeInBytes,
    imagePushedAt: image.pushedAt,
    imageManifestMediaType: image.manifest.mediaType,
    ...(image.manifest.artifactMediaType ? { artifactMediaType: image.manifest.artifactMediaType } : {}),
    imageStatus: "ACTIVE",
  });

  return {
    DescribeRepositories: (input: DescribeRepositoriesCommandInput, ctx) => {
      if (input.repositoryNames && (input.maxResults !== undefined || input.nextToken !== undefined)) {
        throw invalidParameter("maxResults and nextToken cannot be used with repositoryNames");
      }
      if (input.repositoryNames) {
        const repositories = input.repositoryNames.map((name) => mustRepository(ctx, input.registryId, name));
        return { repositories: repositories.map((r) => repositoryView(ctx, r)) };
      }
      const { items, next } = page([...repositoriesOf(ctx, input.registryId).values()], input);
      return {
        repositories: items.map((r) => repositoryView(ctx, r)),
        ...(next ? { nextToken: next } : {}),
      };
    },

    DescribeImages: (input: DescribeImagesCommandInput, ctx) => {
      const repository = mustRepository(ctx, input.registryId, input.repositoryName!);
      if (input.imageIds) {
        if (input.maxResults !== undefined || input.nextToken !== undefined) {
          throw invalidParameter("maxResults and nextToken cannot be used with imageIds");
        }
        const images: EcrImage[] = [];
        for (const id of input.imageIds) {
          const found = findImage(repository, id);
          if (!("image" in found)) {
            throw new AwsError(
              "ImageNotFoundException",
              `The image with imageId ${describeImageId(id)} does not exist within the repository with name '${repository.name}' in the registry with id '${ctx.account}'`,
            );
          }
          if (!images.includes(found.image)) images.push(found.image);
        }
        return { imageDetails: images.map((i) => imageDetail(ctx, repository, i)) };
      }
      const tagStatus = input.filter?.tagStatus ?? "ANY";
      const matching = repository.images.filter(
        (i) => tagStatus === "ANY" || (tagStatus === "TAGGED") === i.tags.length > 0,
      );
      const { items, next } = page(matching, input);
      return {
        imageDetails: items.map((i) => imageDetail(ctx, repository, i)),
        ...(next ? { nextToken: next } : {}),
      };
    },

    // The stored manifest whatever acceptedMediaTypes says: ECR converts only Docker schema 2 to schema 1, which buildx never pushes.
    BatchGetImage: (input: BatchGetImageCommandInput, ctx) => {
      const repository = mustRepository(ctx, input.registryId, input.repositoryName!);
      const images: Record<string, unknown>[] = [];
      const failures: Record<string, unknown>[] = [];
      for (const id of input.imageIds ?? []) {
        const found = findImage(repository, id);
        if ("image" in found) {
          images.push({
            registryId: ctx.account,
            repositoryName: repository.name,
            imageId: { imageDigest: found.image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
            imageManifest: found.image.manifest.json,
            imageManifestMediaType: found.image.manifest.mediaType,
          });
        } else {
          failures.push({ imageId: id, ...found });
        }
      }
      return { images, failures };
    },

    /** A login for `docker login -u AWS`: the password is opaque to clients and accepted by nothing here. */
    GetAuthorizationToken: (input: GetAuthorizationTokenCommandInput, ctx) => {
      const expiresAt = new Date(ctx.now.getTime() + TOKEN_LIFETIME_MS);
      return {
        authorizationData: (input.registryIds ?? [ctx.account]).map((registryId) => ({
          authorizationToken: Buffer.from(`AWS:${env.randomAlphanumeric(64)}`).toString("base64"),
          expiresAt,
          proxyEndpoint: `https://${registryHost(registryId, ctx.region)}`,
        })),
      };
    },
  };
}
