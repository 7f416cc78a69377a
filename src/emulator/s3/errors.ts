import { AwsError } from "../protocol/errors.js";

/**
 * S3's errors, worded as S3 words them (Amazon S3 API Reference, "Error
 * responses"). The status comes from the model's error shape where it has
 * one (NoSuchBucket, NoSuchKey, NoSuchUpload: 404), else from S3's table.
 */

export function noSuchBucket(bucket: string): AwsError {
  return new AwsError("NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket }, 404);
}

export function noSuchKey(key: string): AwsError {
  return new AwsError("NoSuchKey", "The specified key does not exist.", { Key: key }, 404);
}

export function noSuchVersion(key: string, versionId: string): AwsError {
  return new AwsError(
    "NoSuchVersion",
    "The specified version does not exist.",
    { Key: key, VersionId: versionId },
    404,
  );
}

export function noSuchUpload(uploadId: string): AwsError {
  return new AwsError(
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    { UploadId: uploadId },
    404,
  );
}

export function invalidArgument(message: string, name?: string, value?: string): AwsError {
  return new AwsError(
    "InvalidArgument",
    message,
    name ? { ArgumentName: name, ...(value !== undefined ? { ArgumentValue: value } : {}) } : {},
    400,
  );
}

export function invalidBucketName(bucket: string): AwsError {
  return new AwsError("InvalidBucketName", "The specified bucket is not valid.", { BucketName: bucket }, 400);
}

export function bucketAlreadyOwnedByYou(bucket: string): AwsError {
  return new AwsError(
    "BucketAlreadyOwnedByYou",
    "Your previous request to create the named bucket succeeded and you already own it.",
    { BucketName: bucket },
    409,
  );
}

export function bucketAlreadyExists(bucket: string): AwsError {
  return new AwsError(
    "BucketAlreadyExists",
    "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
    { BucketName: bucket },
    409,
  );
}

export function bucketNotEmpty(bucket: string): AwsError {
  return new AwsError(
    "BucketNotEmpty",
    "The bucket you tried to delete is not empty",
    { BucketName: bucket },
    409,
  );
}

export function illegalLocationConstraint(message: string): AwsError {
  return new AwsError("IllegalLocationConstraintException", message, {}, 400);
}

export function invalidRange(size: number, range: string): AwsError {
  return new AwsError(
    "InvalidRange",
    "The requested range is not satisfiable",
    { RangeRequested: range, ActualObjectSize: size },
    416,
  );
}

export function badDigest(algorithm: string): AwsError {
  return algorithm === "Content-MD5"
    ? new AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.", {}, 400)
    : new AwsError(
        "BadDigest",
        `The ${algorithm} you specified did not match the calculated checksum.`,
        {},
        400,
      );
}

export function invalidDigest(): AwsError {
  return new AwsError("InvalidDigest", "The Content-MD5 you specified was invalid.", {}, 400);
}

export function invalidPart(partNumber: number): AwsError {
  return new AwsError(
    "InvalidPart",
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    { PartNumber: partNumber },
    400,
  );
}

export function invalidPartOrder(): AwsError {
  return new AwsError(
    "InvalidPartOrder",
    "The list of parts was not in ascending order. Parts must be ordered by part number.",
    {},
    400,
  );
}

export function entityTooSmall(size: number): AwsError {
  return new AwsError(
    "EntityTooSmall",
    "Your proposed upload is smaller than the minimum allowed object size.",
    { ProposedSize: size, MinSizeAllowed: 5 * 1024 * 1024 },
    400,
  );
}

export function malformedXml(): AwsError {
  return new AwsError(
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
    {},
    400,
  );
}

export function preconditionFailed(condition: string): AwsError {
  return new AwsError(
    "PreconditionFailed",
    "At least one of the pre-conditions you specified did not hold",
    { Condition: condition },
    412,
  );
}

export function accessDenied(message = "Access Denied"): AwsError {
  return new AwsError("AccessDenied", message, {}, 403);
}

/** A tag S3 refuses (an `aws:` key, a repeated key, a key or value too long). */
export function invalidTag(message: string, key?: string): AwsError {
  return new AwsError("InvalidTag", message, key !== undefined ? { TagKey: key } : {}, 400);
}

/** More tags than an object holds. */
export function tooManyObjectTags(): AwsError {
  return new AwsError("BadRequest", "Object tags cannot be greater than 10", {}, 400);
}
