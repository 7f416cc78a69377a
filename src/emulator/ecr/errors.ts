import { AwsError } from "../protocol/errors.js";

/** ECR's errors, worded as ECR words them. The status comes from the model's error shapes (400 unless it says otherwise). */

export function invalidParameter(message: string): AwsError {
  return new AwsError("InvalidParameterException", message);
}

export function repositoryNotFound(name: string, registryId: string): AwsError {
  return new AwsError(
    "RepositoryNotFoundException",
    `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
  );
}

export function repositoryAlreadyExists(name: string, registryId: string): AwsError {
  return new AwsError(
    "RepositoryAlreadyExistsException",
    `The repository with name '${name}' already exists in the registry with id '${registryId}'`,
  );
}

export function repositoryNotEmpty(name: string, registryId: string): AwsError {
  return new AwsError(
    "RepositoryNotEmptyException",
    `The repository with name '${name}' in registry with id '${registryId}' cannot be deleted because it still contains images`,
  );
}

/** ECR's rendering of an image id in messages: a missing field is 'null'. */
export function describeImageId(id: { imageDigest?: string; imageTag?: string }): string {
  return `{imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'}`;
}

export function imageNotFound(
  id: { imageDigest?: string; imageTag?: string },
  repositoryName: string,
  registryId: string,
): AwsError {
  return new AwsError(
    "ImageNotFoundException",
    `The image with imageId ${describeImageId(id)} does not exist within the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
  );
}

export function imageAlreadyExists(
  digest: string,
  tag: string,
  repositoryName: string,
  registryId: string,
): AwsError {
  return new AwsError(
    "ImageAlreadyExistsException",
    `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repositoryName}' in registry with id '${registryId}'`,
  );
}

export function imageTagAlreadyExists(tag: string, repositoryName: string): AwsError {
  return new AwsError(
    "ImageTagAlreadyExistsException",
    `The image tag '${tag}' already exists in the '${repositoryName}' repository and cannot be overwritten because the repository is immutable.`,
  );
}

export function layersNotFound(digests: string[], repositoryName: string, registryId: string): AwsError {
  return new AwsError(
    "LayersNotFoundException",
    `Layers with digests '[${digests.join(", ")}]' required for pushing image into repository with name '${repositoryName}' in the registry with id '${registryId}' do not exist`,
    { missing: digests },
  );
}

export function referencedImagesNotFound(digests: string[], repositoryName: string): AwsError {
  return new AwsError(
    "ReferencedImagesNotFoundException",
    `The manifest list references images [${digests.join(", ")}] that do not exist in the repository with name '${repositoryName}'`,
    { missing: digests },
  );
}

export function imageDigestDoesNotMatch(given: string, computed: string): AwsError {
  return new AwsError(
    "ImageDigestDoesNotMatchException",
    `The digest '${given}' does not match the digest of the image manifest '${computed}'`,
  );
}

export function layerNotFound(digest: string, repositoryName: string, registryId: string): AwsError {
  return new AwsError(
    "LayersNotFoundException",
    `The layer with digest '${digest}' does not exist in the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
    { missing: [digest] },
  );
}

export function uploadNotFound(uploadId: string, repositoryName: string, registryId: string): AwsError {
  return new AwsError(
    "UploadNotFoundException",
    `The upload with id '${uploadId}' does not exist in the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
  );
}
