import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { S3, S3Call } from "./model.js";

/**
 * S3's operations over its model; each model method takes the SDK's
 * `…CommandInput`. Object-level operations are CloudTrail data events
 * (DATA_EVENTS): not in the event history, as in AWS without a trail that
 * selects them.
 */
export function s3Adapter(s3: S3): Adapter {
  const op =
    <I>(run: (call: S3Call, input: I) => Record<string, unknown>) =>
    (input: I, ctx: RequestContext) =>
      run.call(s3, { account: ctx.account, region: ctx.region, now: ctx.now }, input);
  return {
    CreateBucket: op(s3.createBucket),
    HeadBucket: op(s3.headBucket),
    ListBuckets: op(s3.listBuckets),
    DeleteBucket: op(s3.deleteBucket),
    GetBucketLocation: op(s3.getBucketLocation),
    PutBucketVersioning: op(s3.putBucketVersioning),
    GetBucketVersioning: op(s3.getBucketVersioning),
    PutObject: op(s3.putObject),
    GetObject: op(s3.getObject),
    HeadObject: op(s3.headObject),
    DeleteObject: op(s3.deleteObject),
    DeleteObjects: op(s3.deleteObjects),
    ListObjectsV2: op(s3.listObjectsV2),
    ListObjectVersions: op(s3.listObjectVersions),
    CopyObject: op(s3.copyObject),
    CreateMultipartUpload: op(s3.createMultipartUpload),
    UploadPart: op(s3.uploadPart),
    UploadPartCopy: op(s3.uploadPartCopy),
    CompleteMultipartUpload: op(s3.completeMultipartUpload),
    AbortMultipartUpload: op(s3.abortMultipartUpload),
    ListParts: op(s3.listParts),
    GetObjectTagging: op(s3.getObjectTagging),
    PutObjectTagging: op(s3.putObjectTagging),
    DeleteObjectTagging: op(s3.deleteObjectTagging),
  };
}

/** Operations CloudTrail logs as S3 data events (object-level API activity), which LookupEvents never returns. */
export const DATA_EVENTS: ReadonlySet<string> = new Set([
  "PutObject",
  "GetObject",
  "HeadObject",
  "DeleteObject",
  "DeleteObjects",
  "ListObjectsV2",
  "ListObjects",
  "ListObjectVersions",
  "CreateMultipartUpload",
  "UploadPart",
  "UploadPartCopy",
  "CompleteMultipartUpload",
  "AbortMultipartUpload",
  "ListParts",
  "CopyObject",
  "GetObjectTagging",
  "PutObjectTagging",
  "DeleteObjectTagging",
]);
