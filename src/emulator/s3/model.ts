import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { partitionOf } from "../../util/arn.js";
import type { Environment } from "../context.js";
import { AwsError } from "../protocol/errors.js";
import { RESPONSE_STATUS } from "../protocol/rest-xml.js";
import { loadServiceModel } from "../protocol/service-model.js";
import { codePointLength } from "../protocol/validate.js";
import type { BlobStore } from "../store/blob-store.js";
import { GLOBAL_REGION, type Scope, type Store } from "../store/store.js";
import {
  accessDenied,
  badDigest,
  bucketAlreadyExists,
  bucketAlreadyOwnedByYou,
  bucketNotEmpty,
  entityTooSmall,
  illegalLocationConstraint,
  invalidArgument,
  invalidBucketName,
  invalidDigest,
  invalidPart,
  invalidPartOrder,
  invalidRange,
  invalidTag,
  malformedXml,
  noSuchBucket,
  noSuchKey,
  noSuchUpload,
  noSuchVersion,
  preconditionFailed,
  tooManyObjectTags,
} from "./errors.js";

/**
 * Bucket names are one namespace across accounts and regions (the aws
 * partition): buckets, objects and uploads live in one scope, each bucket
 * naming its owner account and its region.
 */
export const S3_SCOPE: Scope = { account: "s3", region: GLOBAL_REGION };

const KIND = { bucket: "s3.bucket", object: "s3.object", upload: "s3.upload" } as const;

/** The minimum size of every part of a multipart upload but the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface S3Call {
  account: string;
  region: string;
  now: Date;
}

interface BucketRecord {
  name: string;
  account: string;
  region: string;
  createdAt: string;
  versioning?: "Enabled" | "Suspended";
  /** Made with ObjectLockEnabledForBucket: versioned for good, its versions may be locked. */
  objectLock?: true;
}

/** Headers an object keeps and answers with. */
interface Representation {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  websiteRedirectLocation?: string;
  metadata?: Record<string, string>;
  /** SSE-KMS as asked (`aws:kms`, `aws:kms:dsse`), with the key named or AWS's managed aws/s3 key; else SSE-S3 (AES256). */
  sse?: { algorithm: string; kmsKeyId: string; bucketKey?: boolean };
  /** x-amz-storage-class when not STANDARD (S3 shows the header only then). */
  storageClass?: string;
  /** The object's tags (x-amz-tagging on a write, PutObjectTagging), in the order given. */
  tags?: [string, string][];
  /** Object Lock as written: a retention (mode and date) and a legal hold; only in an Object Lock bucket. */
  lock?: { mode?: string; retainUntil?: string; legalHold?: "ON" | "OFF" };
}

/** The storage classes S3 takes, from its model's StorageClass enum. */
const STORAGE_CLASSES: readonly string[] = (() => {
  const shape = loadServiceModel("s3").shapes.StorageClass;
  return shape && "enum" in shape ? (shape.enum ?? []) : [];
})();
/** Archived classes: their objects are read only after a RestoreObject, which the emulator does not serve. */
const ARCHIVED = new Set(["GLACIER", "DEEP_ARCHIVE"]);

/** The storage class a write asks for; an unknown one is refused as S3 refuses it. */
function storageClassOf(input: Record<string, unknown>): string | undefined {
  const asked = input.StorageClass;
  if (typeof asked !== "string" || asked === "STANDARD") return undefined;
  if (!STORAGE_CLASSES.includes(asked))
    throw new AwsError(
      "InvalidStorageClass",
      "The storage class you specified is not valid",
      { StorageClassRequested: asked },
      400,
    );
  return asked;
}

/**
 * An archived object's bytes are not read (GetObject) nor copied (CopyObject): InvalidObjectState, 403,
 * in S3's words for each (aws-cli#4039 quotes GetObject's, s3cmd#193 CopyObject's; the model's
 * ObjectNotInActiveTierError is not what S3 was seen to answer).
 */
function readableBytes(version: { storageClass?: string }, as: "object" | "copy source"): void {
  if (version.storageClass && ARCHIVED.has(version.storageClass))
    throw new AwsError(
      "InvalidObjectState",
      as === "object"
        ? "The operation is not valid for the object's storage class"
        : "Operation is not valid for the source object's storage class",
      { StorageClass: version.storageClass },
      403,
    );
}

interface Checksum {
  algorithm: string;
  value: string;
}

interface VersionRecord extends Representation {
  /** `null` for an object written while versioning was never on (or suspended). */
  versionId: string;
  deleteMarker?: true;
  digest?: string;
  size: number;
  etag: string;
  lastModified: string;
  checksum?: Checksum;
  parts?: number;
}

/** One key's versions, newest first. */
interface ObjectRecord {
  bucket: string;
  key: string;
  versions: VersionRecord[];
}

interface PartRecord {
  digest: string;
  size: number;
  etag: string;
  lastModified: string;
  checksum?: Checksum;
}

interface UploadRecord extends Representation {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: string;
  checksumAlgorithm?: string;
  parts: Record<string, PartRecord>;
}

/** An object version as a call names it: the latest when VersionId is absent. */
interface VersionTarget {
  Bucket: string;
  Key: string;
  VersionId?: string;
  ExpectedBucketOwner?: string;
}

const objectId = (bucket: string, key: string) => `${bucket}/${key}`;
const quoted = (etag: string) => `"${etag}"`;
const unquoted = (etag: string) => etag.replace(/^"|"$/g, "");

/** The checksum algorithms S3 takes that this emulator computes; others are kept as sent, unverified. */
const COMPUTED: Record<string, (data: Buffer) => string> = {
  CRC32: (data) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(crc32(data) >>> 0);
    return out.toString("base64");
  },
  SHA1: (data) => createHash("sha1").update(data).digest("base64"),
  SHA256: (data) => createHash("sha256").update(data).digest("base64"),
};
/** The function computing an algorithm's checksum, when this emulator computes that algorithm. */
const computerOf = (algorithm: string | undefined) =>
  algorithm !== undefined && Object.hasOwn(COMPUTED, algorithm) ? COMPUTED[algorithm] : undefined;
const CHECKSUM_MEMBERS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as const;

/** The one checksum a write carries (`ChecksumCRC32`, ...), verified where this emulator can compute it. */
function verifiedChecksum(input: Record<string, unknown>, data: Buffer): Checksum | undefined {
  if (typeof input.ContentMD5 === "string") {
    const sent = Buffer.from(input.ContentMD5, "base64");
    if (sent.length !== 16) throw invalidDigest();
    if (!sent.equals(createHash("md5").update(data).digest())) throw badDigest("Content-MD5");
  }
  for (const algorithm of CHECKSUM_MEMBERS) {
    const value = input[`Checksum${algorithm}`];
    if (typeof value !== "string") continue;
    const compute = COMPUTED[algorithm];
    if (compute && compute(data) !== value) throw badDigest(`${algorithm.toLowerCase()} checksum`);
    return { algorithm, value };
  }
  return undefined;
}

/**
 * A part of an upload created with a checksum algorithm carries that algorithm's checksum, computed
 * here when the client sent another (botocore sends CRC32 by default) or none.
 */
function ofUploadsAlgorithm(
  upload: { checksumAlgorithm?: string },
  sent: Checksum | undefined,
  body: Buffer,
): Checksum | undefined {
  const algorithm = upload.checksumAlgorithm;
  const compute = computerOf(algorithm);
  if (!algorithm || !compute || sent?.algorithm === algorithm) return sent;
  return { algorithm, value: compute(body) };
}

/**
 * The checksum of a completed upload made with a checksum algorithm: that algorithm over the parts'
 * own checksums, with the part count after a dash (S3's COMPOSITE type); none when a part lacks one.
 */
function compositeChecksum(
  algorithm: string | undefined,
  parts: { checksum?: Checksum }[],
): Checksum | undefined {
  const compute = computerOf(algorithm);
  if (!algorithm || !compute) return undefined;
  if (!parts.every((p) => p.checksum?.algorithm === algorithm)) return undefined;
  const joined = Buffer.concat(parts.map((p) => Buffer.from(p.checksum!.value, "base64")));
  return { algorithm, value: `${compute(joined)}-${parts.length}` };
}

/** Base64 has no dash: a checksum with one is a composite (a completed upload's). */
const checksumType = (checksum: Checksum) => (checksum.value.includes("-") ? "COMPOSITE" : "FULL_OBJECT");

function checksumOutput(checksum: Checksum | undefined): Record<string, string> {
  return checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value } : {};
}

/** Bucket naming rules (general purpose buckets): 3-63 characters of a-z, 0-9, dots and hyphens, no IP address. */
function checkBucketName(name: string): void {
  if (
    !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) ||
    name.includes("..") ||
    /^\d+\.\d+\.\d+\.\d+$/.test(name) ||
    name.startsWith("xn--") ||
    name.endsWith("-s3alias")
  ) {
    throw invalidBucketName(name);
  }
}

/**
 * The Object Lock a write asks for (ObjectLockMode with ObjectLockRetainUntilDate, a legal hold):
 * refused outside an Object Lock bucket, or as half a retention, before anything is written.
 */
function lockOf(bucket: BucketRecord, input: Record<string, unknown>, now: Date): Representation["lock"] {
  const mode = typeof input.ObjectLockMode === "string" ? input.ObjectLockMode : undefined;
  const until = input.ObjectLockRetainUntilDate instanceof Date ? input.ObjectLockRetainUntilDate : undefined;
  const hold = input.ObjectLockLegalHoldStatus;
  if (mode === undefined && until === undefined && hold === undefined) return undefined;
  if (!bucket.objectLock)
    throw new AwsError("InvalidRequest", "Bucket is missing Object Lock Configuration", {}, 400);
  if ((mode === undefined) !== (until === undefined))
    throw invalidArgument(
      "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
      mode === undefined ? "x-amz-object-lock-mode" : "x-amz-object-lock-retain-until-date",
    );
  if (until && until.getTime() <= now.getTime())
    throw invalidArgument(
      "The retain until date must be in the future!",
      "x-amz-object-lock-retain-until-date",
    );
  return {
    ...(mode ? { mode, retainUntil: until!.toISOString() } : {}),
    ...(hold === "ON" || hold === "OFF" ? { legalHold: hold } : {}),
  };
}

/** The Object Lock headers of a version, as HeadObject and GetObject show them. */
function lockOut(version: Representation): Record<string, unknown> {
  const lock = version.lock;
  if (!lock) return {};
  return {
    ...(lock.mode
      ? { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(lock.retainUntil!) }
      : {}),
    ...(lock.legalHold ? { ObjectLockLegalHoldStatus: lock.legalHold } : {}),
  };
}

/** ListParts' max-parts and part-number-marker: whole numbers of Java's int range, refused in S3's words. */
function listPartsArgument(name: string, value: number | string | undefined, otherwise: number): number {
  if (value === undefined) return otherwise;
  const n = Number(value);
  if (!Number.isInteger(n) || n > 2 ** 31 - 1)
    throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, String(value));
  if (n < 0)
    throw invalidArgument(
      `Argument ${name} must be an integer between 0 and 2147483647`,
      name,
      String(value),
    );
  return n;
}

/** At most this many tags on an object, of these lengths (S3's object tagging limits). */
const MAX_OBJECT_TAGS = 10;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;

/** An object's tag set as S3 checks it: no `aws:` key, no key twice, S3's lengths and count. */
function checkedTags(tags: [string, string][]): [string, string][] {
  if (tags.length > MAX_OBJECT_TAGS) throw tooManyObjectTags();
  const seen = new Set<string>();
  for (const [key, value] of tags) {
    if (key.toLowerCase().startsWith("aws:"))
      throw invalidTag("Your TagKey cannot be prefixed with aws:", key);
    if (seen.has(key)) throw invalidTag("Cannot provide multiple Tags with the same key", key);
    seen.add(key);
    if (key.length === 0 || codePointLength(key) > MAX_TAG_KEY)
      throw invalidTag("The TagKey you have provided is invalid", key);
    if (codePointLength(value) > MAX_TAG_VALUE)
      throw invalidTag("The TagValue you have provided is invalid", key);
  }
  return tags;
}

/** The tags of an `x-amz-tagging` header: URL query form, `k1=v1&k2=v2`. */
function tagsOfHeader(value: unknown): [string, string][] | undefined {
  if (typeof value !== "string") return undefined;
  return checkedTags([...new URLSearchParams(value)]);
}

const tagCountOut = (version: Representation) =>
  version.tags && version.tags.length > 0 ? { TagCount: version.tags.length } : {};

function representation(input: Record<string, unknown>, call: S3Call): Representation {
  const text = (name: string) => (typeof input[name] === "string" ? (input[name] as string) : undefined);
  const metadata = input.Metadata as Record<string, string> | undefined;
  const out: Representation = {};
  const pairs: [keyof Representation, string | undefined][] = [
    ["contentType", text("ContentType")],
    ["contentEncoding", text("ContentEncoding")],
    ["contentDisposition", text("ContentDisposition")],
    ["contentLanguage", text("ContentLanguage")],
    ["cacheControl", text("CacheControl")],
    ["websiteRedirectLocation", text("WebsiteRedirectLocation")],
  ];
  for (const [name, value] of pairs) if (value !== undefined) (out as Record<string, string>)[name] = value;
  if (metadata && Object.keys(metadata).length > 0) out.metadata = metadata;
  const storageClass = storageClassOf(input);
  if (storageClass) out.storageClass = storageClass;
  const tags = tagsOfHeader(input.Tagging);
  if (tags && tags.length > 0) out.tags = tags;
  const algorithm = text("ServerSideEncryption");
  if (algorithm?.startsWith("aws:kms")) {
    out.sse = {
      algorithm,
      kmsKeyId: text("SSEKMSKeyId") ?? awsManagedS3Key(call),
      ...(typeof input.BucketKeyEnabled === "boolean" ? { bucketKey: input.BucketKeyEnabled } : {}),
    };
  }
  return out;
}

/** The account's AWS managed key for S3 (aws/s3) in the caller's region, as a key ARN; its id stable. */
function awsManagedS3Key(call: S3Call): string {
  const hex = createHash("sha256").update(`aws/s3\0${call.account}\0${call.region}`).digest("hex");
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `arn:${partitionOf(call.region)}:kms:${call.region}:${call.account}:key/${id}`;
}

/** The encryption headers of an object: SSE-KMS as stored, else SSE-S3. */
function encryptionOut(version: Representation): Record<string, unknown> {
  if (!version.sse) return { ServerSideEncryption: "AES256" };
  return {
    ServerSideEncryption: version.sse.algorithm,
    SSEKMSKeyId: version.sse.kmsKeyId,
    ...(version.sse.bucketKey !== undefined ? { BucketKeyEnabled: version.sse.bucketKey } : {}),
  };
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` within `size`; undefined for a header S3 ignores (another unit, several ranges). */
function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw invalidRange(size, header);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) throw invalidRange(size, header);
  return { start, end };
}

function urlEncoded(text: string | undefined, encode: boolean): string | undefined {
  if (text === undefined || !encode) return text;
  return encodeURIComponent(text).replace(/%2F/g, "/");
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * S3: buckets, object versions and multipart uploads. Records in the Store
 * (one transaction per call, the caller's), bytes in the BlobStore: a body
 * is written and fsynced under its digest before its record is, so an
 * acknowledged write survives a kill and a killed one leaves no object,
 * only a file no record names, which `recover` removes. No HTTP here.
 */
export class S3 {
  constructor(
    private readonly store: Store,
    private readonly env: Environment,
    readonly blobs: BlobStore,
  ) {}

  /** Removes blob files no object version or upload part names (a crash's or a rollback's leftovers). */
  recover(): void {
    const live = new Set<string>();
    for (const { value } of this.store.listAll<ObjectRecord>(KIND.object))
      for (const version of value.versions) if (version.digest) live.add(version.digest);
    for (const { value } of this.store.listAll<UploadRecord>(KIND.upload))
      for (const part of Object.values(value.parts)) live.add(part.digest);
    this.blobs.sweep(live, new Set());
  }

  /** File work that waits for the caller's transaction to commit (it re-reads the records: a rollback is harmless). */
  private afterCommit(): void {
    setImmediate(() => {
      try {
        this.recover();
      } catch {
        // Swept on the next start.
      }
    });
  }

  // ---- buckets

  bucket(name: string): BucketRecord | undefined {
    return this.store.get<BucketRecord>(KIND.bucket, S3_SCOPE, name);
  }

  private mustBucket(call: S3Call, name: string, expectedOwner?: string): BucketRecord {
    const bucket = this.bucket(name);
    if (!bucket) throw noSuchBucket(name);
    if (bucket.account !== call.account || (expectedOwner && expectedOwner !== bucket.account))
      throw accessDenied();
    return bucket;
  }

  createBucket(
    call: S3Call,
    input: {
      Bucket: string;
      CreateBucketConfiguration?: { LocationConstraint?: string };
      BucketNamespace?: string;
      ObjectLockEnabledForBucket?: boolean;
    },
  ): Record<string, unknown> {
    checkBucketName(input.Bucket);
    const constraint = input.CreateBucketConfiguration?.LocationConstraint;
    const region = constraint ?? "us-east-1";
    // A bucket in the account regional namespace is named <prefix>-<account>-<region>-an
    // (the model's BucketNamespace documentation); S3 refuses any other name with that header.
    const suffix = `-${call.account}-${region}-an`;
    if (input.BucketNamespace === "account-regional" && !input.Bucket.endsWith(suffix))
      throw new AwsError(
        "InvalidNamespaceHeader",
        `The requested bucket name did not include the account-regional namespace suffix, but the provided x-amz-bucket-namespace header value is account-regional. Specify ${suffix} as the bucket name suffix to create a bucket in your account-regional namespace, or remove the header.`,
        {},
        400,
      );
    // Not a region's name at all (or us-east-1, which is named by no constraint): not valid.
    const invalid = constraint !== undefined && !/^([a-z]{2}(-[a-z]+)+-\d+|EU)$/.test(constraint);
    if ((constraint === "us-east-1" && call.region === "us-east-1") || invalid)
      throw new AwsError("InvalidLocationConstraint", "The specified location-constraint is not valid", {
        LocationConstraint: constraint,
      });
    // us-east-1 makes a bucket in any region its constraint names (AWS, per moto's aws_verified
    // test_create_bucket_in_regions_from_us_east_1); any other region only in itself.
    if (call.region !== region && call.region !== "us-east-1") {
      throw illegalLocationConstraint(
        constraint
          ? `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`
          : "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
      );
    }
    const existing = this.bucket(input.Bucket);
    const location = region === "us-east-1" ? `/${input.Bucket}` : `http://${input.Bucket}.s3.amazonaws.com/`;
    const arn = `arn:${partitionOf(region)}:s3:::${input.Bucket}`;
    if (existing) {
      if (existing.account !== call.account) throw bucketAlreadyExists(input.Bucket);
      // For legacy compatibility, us-east-1 answers 200 to re-creating a bucket you own.
      if (existing.region === "us-east-1" && region === "us-east-1")
        return { Location: location, BucketArn: arn };
      throw bucketAlreadyOwnedByYou(input.Bucket);
    }
    this.store.put<BucketRecord>(KIND.bucket, S3_SCOPE, input.Bucket, {
      name: input.Bucket,
      account: call.account,
      region,
      createdAt: call.now.toISOString(),
      // Object Lock turns versioning on, for good (S3 refuses to suspend it).
      ...(input.ObjectLockEnabledForBucket === true
        ? { objectLock: true, versioning: "Enabled" as const }
        : {}),
    });
    return { Location: location, BucketArn: arn };
  }

  headBucket(call: S3Call, input: { Bucket: string; ExpectedBucketOwner?: string }): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner);
    return {
      BucketRegion: bucket.region,
      BucketArn: `arn:${partitionOf(bucket.region)}:s3:::${bucket.name}`,
    };
  }

  listBuckets(
    call: S3Call,
    input: { Prefix?: string; MaxBuckets?: number; ContinuationToken?: string; BucketRegion?: string },
  ): Record<string, unknown> {
    const all = this.store
      .list<BucketRecord>(KIND.bucket, S3_SCOPE)
      .filter((b) => b.account === call.account)
      .filter((b) => !input.Prefix || b.name.startsWith(input.Prefix))
      .filter((b) => !input.BucketRegion || b.region === input.BucketRegion)
      .filter((b) => !input.ContinuationToken || b.name > input.ContinuationToken)
      .sort((a, b) => byteOrder(a.name, b.name));
    const max = input.MaxBuckets ?? 10_000;
    const page = all.slice(0, max);
    return {
      Buckets: page.map((b) => ({
        Name: b.name,
        CreationDate: new Date(b.createdAt),
        BucketRegion: b.region,
        BucketArn: `arn:${partitionOf(b.region)}:s3:::${b.name}`,
      })),
      Owner: { ID: this.canonicalId(call.account) },
      ...(input.Prefix !== undefined ? { Prefix: input.Prefix } : {}),
      ...(all.length > page.length && page.length > 0
        ? { ContinuationToken: page[page.length - 1]!.name }
        : {}),
    };
  }

  deleteBucket(
    call: S3Call,
    input: { Bucket: string; ExpectedBucketOwner?: string },
  ): Record<string, unknown> {
    this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner);
    const holds = this.store
      .list<ObjectRecord>(KIND.object, S3_SCOPE)
      .some((o) => o.bucket === input.Bucket && o.versions.length > 0);
    if (holds) throw bucketNotEmpty(input.Bucket);
    for (const upload of this.uploadsOf(input.Bucket))
      this.store.delete(KIND.upload, S3_SCOPE, upload.uploadId);
    this.store.delete(KIND.bucket, S3_SCOPE, input.Bucket);
    this.afterCommit();
    return {};
  }

  getBucketLocation(call: S3Call, input: { Bucket: string }): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket);
    // us-east-1 is the empty constraint.
    return bucket.region === "us-east-1" ? {} : { LocationConstraint: bucket.region };
  }

  putBucketVersioning(
    call: S3Call,
    input: { Bucket: string; VersioningConfiguration: { Status?: string } },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket);
    const status = input.VersioningConfiguration.Status;
    if (status !== "Enabled" && status !== "Suspended") throw malformedXml();
    if (bucket.objectLock && status === "Suspended")
      throw new AwsError(
        "InvalidBucketState",
        "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
        {},
        409,
      );
    this.store.put<BucketRecord>(KIND.bucket, S3_SCOPE, bucket.name, { ...bucket, versioning: status });
    return {};
  }

  getBucketVersioning(call: S3Call, input: { Bucket: string }): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket);
    return bucket.versioning ? { Status: bucket.versioning } : {};
  }

  /** The canonical user id S3 shows for an account (64 hex digits; AWS's own are opaque). */
  private canonicalId(account: string): string {
    return createHash("sha256").update(`s3-canonical-user/${account}`).digest("hex");
  }

  // ---- objects

  private objectRecord(bucket: string, key: string): ObjectRecord | undefined {
    return this.store.get<ObjectRecord>(KIND.object, S3_SCOPE, objectId(bucket, key));
  }

  private newVersionId(bucket: BucketRecord): string {
    return bucket.versioning === "Enabled" ? this.env.randomAlphanumeric(32) : "null";
  }

  /** Adds `version` as the newest; a `null` version replaces the earlier `null` one (unversioned and suspended buckets). */
  private addVersion(bucket: BucketRecord, key: string, version: VersionRecord): void {
    const record = this.objectRecord(bucket.name, key) ?? { bucket: bucket.name, key, versions: [] };
    const versions = [version, ...record.versions.filter((v) => v.versionId !== version.versionId)];
    this.store.put<ObjectRecord>(KIND.object, S3_SCOPE, objectId(bucket.name, key), { ...record, versions });
    if (versions.length < record.versions.length + 1) this.afterCommit();
  }

  private versionOut(version: VersionRecord): Record<string, unknown> {
    return version.versionId === "null" ? {} : { VersionId: version.versionId };
  }

  putObject(
    call: S3Call,
    input: Record<string, unknown> & { Bucket: string; Key: string },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner as string | undefined);
    if (input.Key.length === 0 || Buffer.byteLength(input.Key) > 1024)
      throw new AwsError("KeyTooLongError", "Your key is too long", {}, 400);
    const body = Buffer.from((input.Body as Uint8Array | undefined) ?? Buffer.alloc(0));
    const checksum = verifiedChecksum(input, body);
    const current = this.objectRecord(bucket.name, input.Key)?.versions[0];
    if (
      typeof input.IfNoneMatch === "string" &&
      input.IfNoneMatch === "*" &&
      current &&
      !current.deleteMarker
    )
      throw preconditionFailed("If-None-Match");
    if (typeof input.IfMatch === "string") {
      if (!current || current.deleteMarker) throw noSuchKey(input.Key);
      if (unquoted(input.IfMatch) !== current.etag) throw preconditionFailed("If-Match");
    }
    // Refused before a byte is stored (an unknown storage class, a tag S3 refuses, a lock S3 refuses).
    const lock = lockOf(bucket, input, call.now);
    const described = { ...representation(input, call), ...(lock ? { lock } : {}) };
    const stored = this.blobs.putSync([body]);
    const version: VersionRecord = {
      versionId: this.newVersionId(bucket),
      digest: stored.digest,
      size: stored.size,
      etag: createHash("md5").update(body).digest("hex"),
      lastModified: call.now.toISOString(),
      ...described,
      ...(checksum ? { checksum } : {}),
    };
    this.addVersion(bucket, input.Key, version);
    return {
      ETag: quoted(version.etag),
      ...checksumOutput(checksum),
      ...(checksum ? { ChecksumType: "FULL_OBJECT" } : {}),
      ...encryptionOut(version),
      ...this.versionOut(version),
    };
  }

  /** The version a read names: the newest, or `versionId`; a delete marker as S3 answers it. */
  private readable(bucket: BucketRecord, key: string, versionId?: string): VersionRecord {
    const versions = this.objectRecord(bucket.name, key)?.versions ?? [];
    if (versionId !== undefined) {
      const version = versions.find((v) => v.versionId === versionId);
      if (!version) {
        // A bucket that has never had versioning holds only the null version: another id is
        // refused as invalid (400); in one that has, an unknown id is NoSuchVersion (404).
        if (versionId !== "null" && (!bucket.versioning || !/^[A-Za-z0-9._]{1,1024}$/.test(versionId)))
          throw invalidArgument("Invalid version id specified", "versionId", versionId);
        throw noSuchVersion(key, versionId);
      }
      if (version.deleteMarker)
        throw new AwsError(
          "MethodNotAllowed",
          "The specified method is not allowed against this resource.",
          {
            Method: "GET",
            ResourceType: "DeleteMarker",
          },
          405,
        );
      return version;
    }
    const latest = versions[0];
    if (!latest || latest.deleteMarker) throw noSuchKey(key);
    return latest;
  }

  private conditions(version: VersionRecord, input: Record<string, unknown>): void {
    const modified = new Date(version.lastModified).getTime();
    if (
      typeof input.IfMatch === "string" &&
      unquoted(input.IfMatch) !== version.etag &&
      input.IfMatch !== "*"
    )
      throw preconditionFailed("If-Match");
    if (input.IfUnmodifiedSince instanceof Date && modified > input.IfUnmodifiedSince.getTime() + 999)
      throw preconditionFailed("If-Unmodified-Since");
    const notModified = () =>
      new AwsError(
        "NotModified",
        "Not Modified",
        {
          headers: {
            etag: quoted(version.etag),
            "last-modified": new Date(version.lastModified).toUTCString(),
          },
        },
        304,
      );
    if (typeof input.IfNoneMatch === "string") {
      if (unquoted(input.IfNoneMatch) === version.etag || input.IfNoneMatch === "*") throw notModified();
    } else if (input.IfModifiedSince instanceof Date && modified <= input.IfModifiedSince.getTime() + 999)
      throw notModified();
  }

  private headers(version: VersionRecord, input: Record<string, unknown>): Record<string, unknown> {
    const override = (name: string) =>
      typeof input[`Response${name}`] === "string" ? { [name]: input[`Response${name}`] } : {};
    return {
      AcceptRanges: "bytes",
      LastModified: new Date(version.lastModified),
      ETag: quoted(version.etag),
      ContentType: version.contentType ?? "binary/octet-stream",
      ...(version.contentEncoding ? { ContentEncoding: version.contentEncoding } : {}),
      ...(version.contentDisposition ? { ContentDisposition: version.contentDisposition } : {}),
      ...(version.contentLanguage ? { ContentLanguage: version.contentLanguage } : {}),
      ...(version.cacheControl ? { CacheControl: version.cacheControl } : {}),
      ...(version.metadata ? { Metadata: version.metadata } : {}),
      ...(version.parts ? { PartsCount: version.parts } : {}),
      ...tagCountOut(version),
      ...lockOut(version),
      ...(version.storageClass ? { StorageClass: version.storageClass } : {}),
      ...(version.websiteRedirectLocation
        ? { WebsiteRedirectLocation: version.websiteRedirectLocation }
        : {}),
      ...encryptionOut(version),
      ...this.versionOut(version),
      ...override("ContentType"),
      ...override("ContentDisposition"),
      ...override("ContentEncoding"),
      ...override("ContentLanguage"),
      ...override("CacheControl"),
    };
  }

  /** Where an object's bytes are, for the service side (a code zip AgentCore fetches): the file and its record. */
  objectFile(
    call: S3Call,
    input: { Bucket: string; Key: string; VersionId?: string },
  ): { path: string; size: number; etag: string; versionId?: string } {
    const bucket = this.mustBucket(call, input.Bucket);
    const version = this.readable(bucket, input.Key, input.VersionId);
    const path = version.digest ? this.blobs.pathOf(version.digest) : undefined;
    if (!path) throw noSuchKey(input.Key);
    return {
      path,
      size: version.size,
      etag: version.etag,
      ...(version.versionId !== "null" ? { versionId: version.versionId } : {}),
    };
  }

  headObject(
    call: S3Call,
    input: Record<string, unknown> & { Bucket: string; Key: string },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner as string | undefined);
    const version = this.readable(bucket, input.Key, input.VersionId as string | undefined);
    this.conditions(version, input);
    const range = typeof input.Range === "string" ? parseRange(input.Range, version.size) : undefined;
    return {
      ...this.headers(version, input),
      ContentLength: range ? range.end - range.start + 1 : version.size,
      ...(range
        ? { ContentRange: `bytes ${range.start}-${range.end}/${version.size}`, [RESPONSE_STATUS]: 206 }
        : {}),
      ...(input.ChecksumMode === "ENABLED" && !range ? checksumOutput(version.checksum) : {}),
    };
  }

  getObject(
    call: S3Call,
    input: Record<string, unknown> & { Bucket: string; Key: string },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner as string | undefined);
    const version = this.readable(bucket, input.Key, input.VersionId as string | undefined);
    readableBytes(version, "object");
    this.conditions(version, input);
    const range =
      typeof input.Range === "string" && version.size > 0 ? parseRange(input.Range, version.size) : undefined;
    const body: Readable | Buffer =
      version.size === 0 || !version.digest ? Buffer.alloc(0) : this.blobs.read(version.digest, range);
    return {
      ...this.headers(version, input),
      ContentLength: range ? range.end - range.start + 1 : version.size,
      ...(range
        ? { ContentRange: `bytes ${range.start}-${range.end}/${version.size}`, [RESPONSE_STATUS]: 206 }
        : {}),
      // A ranged read carries no whole-object checksum (the SDKs would check the part against it).
      ...(input.ChecksumMode === "ENABLED" && !range ? checksumOutput(version.checksum) : {}),
      ...(version.checksum && !range && input.ChecksumMode === "ENABLED"
        ? { ChecksumType: checksumType(version.checksum) }
        : {}),
      Body: body,
    };
  }

  private deleteOne(
    bucket: BucketRecord,
    key: string,
    versionId: string | undefined,
    now: Date,
    bypassGovernance = false,
  ): { DeleteMarker?: boolean; VersionId?: string } {
    const record = this.objectRecord(bucket.name, key);
    if (versionId !== undefined) {
      const version = record?.versions.find((v) => v.versionId === versionId);
      if (!record || !version) {
        if (versionId !== "null" && !/^[A-Za-z0-9._]{1,1024}$/.test(versionId))
          throw invalidArgument("Invalid version id specified", "versionId", versionId);
        return { VersionId: versionId };
      }
      // A locked version stays: a legal hold, a COMPLIANCE retention, a GOVERNANCE one not bypassed.
      // (A delete without a version id only adds a marker, which no lock forbids.)
      const lock = version.lock;
      const retained =
        lock?.retainUntil !== undefined && new Date(lock.retainUntil).getTime() > now.getTime();
      if (
        lock?.legalHold === "ON" ||
        (retained && (lock?.mode === "COMPLIANCE" || (lock?.mode === "GOVERNANCE" && !bypassGovernance)))
      )
        throw accessDenied("Access Denied because object protected by object lock.");
      const versions = record.versions.filter((v) => v !== version);
      if (versions.length === 0) this.store.delete(KIND.object, S3_SCOPE, objectId(bucket.name, key));
      else this.store.put(KIND.object, S3_SCOPE, objectId(bucket.name, key), { ...record, versions });
      this.afterCommit();
      return { ...(version.deleteMarker ? { DeleteMarker: true } : {}), VersionId: versionId };
    }
    if (!bucket.versioning) {
      if (record) {
        this.store.delete(KIND.object, S3_SCOPE, objectId(bucket.name, key));
        this.afterCommit();
      }
      return {};
    }
    // Versioning on or suspended: a delete marker becomes the newest version.
    const marker: VersionRecord = {
      versionId: this.newVersionId(bucket),
      deleteMarker: true,
      size: 0,
      etag: "",
      lastModified: now.toISOString(),
    };
    this.addVersion(bucket, key, marker);
    return { DeleteMarker: true, ...this.versionOut(marker) };
  }

  deleteObject(
    call: S3Call,
    input: {
      Bucket: string;
      Key: string;
      VersionId?: string;
      ExpectedBucketOwner?: string;
      BypassGovernanceRetention?: boolean;
    },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner);
    return this.deleteOne(
      bucket,
      input.Key,
      input.VersionId,
      call.now,
      input.BypassGovernanceRetention === true,
    );
  }

  deleteObjects(
    call: S3Call,
    input: {
      Bucket: string;
      Delete: { Objects?: { Key: string; VersionId?: string }[]; Quiet?: boolean };
      ExpectedBucketOwner?: string;
      BypassGovernanceRetention?: boolean;
    },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner);
    const objects = input.Delete.Objects ?? [];
    if (objects.length === 0 || objects.length > 1000) throw malformedXml();
    const deleted: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const object of objects) {
      try {
        const out = this.deleteOne(
          bucket,
          object.Key,
          object.VersionId,
          call.now,
          input.BypassGovernanceRetention === true,
        );
        deleted.push({
          Key: object.Key,
          ...(object.VersionId !== undefined ? { VersionId: object.VersionId } : {}),
          ...(out.DeleteMarker ? { DeleteMarker: true } : {}),
          ...(out.DeleteMarker && object.VersionId === undefined && out.VersionId
            ? { DeleteMarkerVersionId: out.VersionId }
            : {}),
        });
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        errors.push({
          Key: object.Key,
          VersionId: object.VersionId,
          Code: error.code,
          Message: error.message,
        });
      }
    }
    return {
      ...(input.Delete.Quiet ? {} : { Deleted: deleted }),
      ...(errors.length ? { Errors: errors } : {}),
    };
  }

  listObjectsV2(
    call: S3Call,
    input: {
      Bucket: string;
      Prefix?: string;
      Delimiter?: string;
      MaxKeys?: number;
      ContinuationToken?: string;
      StartAfter?: string;
      FetchOwner?: boolean;
      EncodingType?: string;
      ExpectedBucketOwner?: string;
    },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner);
    const prefix = input.Prefix ?? "";
    const delimiter = input.Delimiter || undefined;
    const max = Math.min(input.MaxKeys ?? 1000, 1000);
    if (max < 0) throw invalidArgument("maxKeys should be non-negative", "max-keys", String(input.MaxKeys));
    let after = input.StartAfter ?? "";
    let skipPrefix: string | undefined;
    if (input.ContinuationToken !== undefined) {
      try {
        const token = JSON.parse(Buffer.from(input.ContinuationToken, "base64").toString("utf8")) as {
          a?: unknown;
          p?: unknown;
        };
        if (typeof token.a !== "string") throw new Error("no key");
        after = token.a;
        if (typeof token.p === "string") skipPrefix = token.p;
      } catch {
        throw invalidArgument(
          "The continuation token provided is incorrect",
          "continuation-token",
          input.ContinuationToken,
        );
      }
    }
    const encode = input.EncodingType === "url";
    const keys = this.store
      .list<ObjectRecord>(KIND.object, S3_SCOPE)
      .filter((o) => o.bucket === bucket.name && o.versions[0] && !o.versions[0].deleteMarker)
      .filter((o) => o.key.startsWith(prefix) && byteOrder(o.key, after) > 0)
      .filter((o) => !skipPrefix || !o.key.startsWith(skipPrefix))
      .sort((a, b) => byteOrder(a.key, b.key));
    const contents: Record<string, unknown>[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last: { a: string; p?: string } | undefined;
    for (const object of keys) {
      const rest = object.key.slice(prefix.length);
      const at = delimiter ? rest.indexOf(delimiter) : -1;
      const common = at >= 0 ? prefix + rest.slice(0, at + delimiter!.length) : undefined;
      if (common && prefixes[prefixes.length - 1] === common) continue;
      if (contents.length + prefixes.length >= max) {
        truncated = true;
        break;
      }
      if (common) {
        prefixes.push(common);
        last = { a: object.key, p: common };
      } else {
        const version = object.versions[0]!;
        contents.push({
          Key: urlEncoded(object.key, encode),
          LastModified: new Date(version.lastModified),
          ETag: quoted(version.etag),
          ...(version.checksum ? { ChecksumAlgorithm: [version.checksum.algorithm] } : {}),
          Size: version.size,
          StorageClass: version.storageClass ?? "STANDARD",
          ...(input.FetchOwner ? { Owner: { ID: this.canonicalId(bucket.account) } } : {}),
        });
        last = { a: object.key };
      }
    }
    return {
      IsTruncated: truncated,
      ...(contents.length ? { Contents: contents } : {}),
      Name: bucket.name,
      Prefix: urlEncoded(prefix, encode),
      ...(delimiter ? { Delimiter: urlEncoded(delimiter, encode) } : {}),
      MaxKeys: max,
      ...(prefixes.length
        ? { CommonPrefixes: prefixes.map((p) => ({ Prefix: urlEncoded(p, encode) })) }
        : {}),
      ...(encode ? { EncodingType: "url" } : {}),
      KeyCount: contents.length + prefixes.length,
      ...(input.ContinuationToken !== undefined ? { ContinuationToken: input.ContinuationToken } : {}),
      ...(truncated && last
        ? { NextContinuationToken: Buffer.from(JSON.stringify(last)).toString("base64") }
        : {}),
      ...(input.StartAfter !== undefined ? { StartAfter: urlEncoded(input.StartAfter, encode) } : {}),
    };
  }

  /**
   * CopyObject: the source (`bucket/key`, `?versionId=`) read as the caller
   * may read it, its bytes shared (blobs are content-addressed), metadata
   * copied or replaced (MetadataDirective).
   */
  copyObject(
    call: S3Call,
    input: Record<string, unknown> & { Bucket: string; Key: string; CopySource: string },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner as string | undefined);
    const { from, sourceKey, sourceVersionId, version } = this.copySource(call, input);
    readableBytes(version, "copy source");
    const replace = input.MetadataDirective === "REPLACE";
    // A copy onto itself must change something: metadata, storage class, redirect or encryption.
    const changes =
      replace ||
      (typeof input.StorageClass === "string" &&
        input.StorageClass !== (version.storageClass ?? "STANDARD")) ||
      typeof input.WebsiteRedirectLocation === "string" ||
      typeof input.ServerSideEncryption === "string";
    if (from.name === bucket.name && sourceKey === input.Key && !changes && sourceVersionId === undefined)
      throw new AwsError(
        "InvalidRequest",
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        {},
        400,
      );
    const {
      versionId: _v,
      deleteMarker: _d,
      lastModified: _l,
      parts: _p,
      storageClass: _s,
      ...kept
    } = version;
    // A copy is of the class asked for, STANDARD by default, whatever the source's; so is its redirect.
    const storageClass = storageClassOf(input);
    const redirect =
      typeof input.WebsiteRedirectLocation === "string" ? input.WebsiteRedirectLocation : undefined;
    const copy: VersionRecord = {
      ...(replace
        ? {
            ...(version.digest ? { digest: version.digest } : {}),
            size: version.size,
            etag: version.etag,
            ...(version.checksum ? { checksum: version.checksum } : {}),
            ...representation(input, call),
          }
        : kept),
      ...(version.parts ? { parts: version.parts } : {}),
      ...(storageClass ? { storageClass } : {}),
      ...(redirect ? { websiteRedirectLocation: redirect } : {}),
      versionId: this.newVersionId(bucket),
      lastModified: call.now.toISOString(),
    };
    // Tags follow TaggingDirective, whatever MetadataDirective says: the source's unless REPLACE.
    const tags =
      input.TaggingDirective === "REPLACE" ? (tagsOfHeader(input.Tagging) ?? []) : (version.tags ?? []);
    if (tags.length > 0) copy.tags = tags;
    else delete copy.tags;
    // A copy is locked as its own request asks, never as its source was.
    const lock = lockOf(bucket, input, call.now);
    if (lock) copy.lock = lock;
    else delete copy.lock;
    // A copy asked for a checksum algorithm carries that checksum, computed over its bytes.
    const algorithm = typeof input.ChecksumAlgorithm === "string" ? input.ChecksumAlgorithm : undefined;
    const compute = computerOf(algorithm);
    if (algorithm && compute && copy.checksum?.algorithm !== algorithm) {
      const bytes =
        copy.digest && copy.size > 0
          ? this.blobs.readRangeSync(copy.digest, 0, copy.size - 1)
          : Buffer.alloc(0);
      copy.checksum = { algorithm, value: compute(bytes) };
    }
    this.addVersion(bucket, input.Key, copy);
    return {
      CopyObjectResult: { ETag: quoted(copy.etag), LastModified: call.now, ...checksumOutput(copy.checksum) },
      ...(version.versionId !== "null" ? { CopySourceVersionId: version.versionId } : {}),
      ...encryptionOut(copy),
      ...this.versionOut(copy),
    };
  }

  /** The object version `x-amz-copy-source` names (`bucket/key`, `?versionId=`), its copy-source conditions checked. */
  private copySource(
    call: S3Call,
    input: Record<string, unknown> & { CopySource: string },
  ): { from: BucketRecord; sourceKey: string; sourceVersionId?: string; version: VersionRecord } {
    const [path = "", query = ""] = input.CopySource.split("?");
    let source: string;
    try {
      source = decodeURIComponent(path.replace(/^\//, ""));
    } catch {
      throw invalidArgument("Invalid copy source encoding", "x-amz-copy-source", input.CopySource);
    }
    const slash = source.indexOf("/");
    if (slash <= 0 || slash === source.length - 1)
      throw invalidArgument("Invalid copy source object key", "x-amz-copy-source", input.CopySource);
    const sourceVersionId = new URLSearchParams(query).get("versionId") ?? undefined;
    const from = this.mustBucket(call, source.slice(0, slash));
    const sourceKey = source.slice(slash + 1);
    const version = this.readable(from, sourceKey, sourceVersionId);
    const modified = new Date(version.lastModified).getTime();
    if (typeof input.CopySourceIfMatch === "string" && unquoted(input.CopySourceIfMatch) !== version.etag)
      throw preconditionFailed("x-amz-copy-source-If-Match");
    if (
      typeof input.CopySourceIfNoneMatch === "string" &&
      unquoted(input.CopySourceIfNoneMatch) === version.etag
    )
      throw preconditionFailed("x-amz-copy-source-If-None-Match");
    if (
      input.CopySourceIfUnmodifiedSince instanceof Date &&
      modified > input.CopySourceIfUnmodifiedSince.getTime()
    )
      throw preconditionFailed("x-amz-copy-source-If-Unmodified-Since");
    return { from, sourceKey, ...(sourceVersionId !== undefined ? { sourceVersionId } : {}), version };
  }

  /** ListObjectVersions: every version and delete marker, keys in order, each key's newest first. */
  listObjectVersions(
    call: S3Call,
    input: {
      Bucket: string;
      Prefix?: string;
      Delimiter?: string;
      MaxKeys?: number;
      KeyMarker?: string;
      VersionIdMarker?: string;
      EncodingType?: string;
    },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket);
    const prefix = input.Prefix ?? "";
    const delimiter = input.Delimiter || undefined;
    const max = Math.min(input.MaxKeys ?? 1000, 1000);
    const encode = input.EncodingType === "url";
    const owner = { ID: this.canonicalId(bucket.account) };
    const objects = this.store
      .list<ObjectRecord>(KIND.object, S3_SCOPE)
      .filter((o) => o.bucket === bucket.name && o.key.startsWith(prefix))
      .sort((a, b) => byteOrder(a.key, b.key));
    const versions: Record<string, unknown>[] = [];
    const markers: Record<string, unknown>[] = [];
    const prefixes: string[] = [];
    let next: { key: string; versionId: string } | undefined;
    let truncated = false;
    let count = 0;
    outer: for (const object of objects) {
      if (input.KeyMarker !== undefined) {
        const order = byteOrder(object.key, input.KeyMarker);
        if (order < 0 || (order === 0 && input.VersionIdMarker === undefined)) continue;
      }
      const rest = object.key.slice(prefix.length);
      const at = delimiter ? rest.indexOf(delimiter) : -1;
      if (at >= 0) {
        const common = prefix + rest.slice(0, at + delimiter!.length);
        // Listed already: on this page, or on the one the marker ends.
        if (prefixes[prefixes.length - 1] === common || input.KeyMarker?.startsWith(common)) continue;
        if (count >= max) {
          truncated = true;
          break;
        }
        prefixes.push(common);
        count++;
        // The page ends after the prefix's last key, so the next one starts past all of it.
        const last = objects.filter((o) => o.key.startsWith(common)).at(-1)!;
        next = { key: last.key, versionId: last.versions[last.versions.length - 1]!.versionId };
        continue;
      }
      let skipping = input.KeyMarker === object.key && input.VersionIdMarker !== undefined;
      for (const [i, version] of object.versions.entries()) {
        if (skipping) {
          if (version.versionId === input.VersionIdMarker) skipping = false;
          continue;
        }
        if (count >= max) {
          truncated = true;
          break outer;
        }
        const entry = {
          Key: urlEncoded(object.key, encode),
          VersionId: version.versionId,
          IsLatest: i === 0,
          LastModified: new Date(version.lastModified),
          Owner: owner,
        };
        if (version.deleteMarker) markers.push(entry);
        else
          versions.push({
            ...entry,
            ETag: quoted(version.etag),
            Size: version.size,
            StorageClass: version.storageClass ?? "STANDARD",
            ...(version.checksum ? { ChecksumAlgorithm: [version.checksum.algorithm] } : {}),
          });
        count++;
        next = { key: object.key, versionId: version.versionId };
      }
    }
    return {
      IsTruncated: truncated,
      KeyMarker: urlEncoded(input.KeyMarker ?? "", encode),
      VersionIdMarker: input.VersionIdMarker ?? "",
      ...(truncated && next
        ? { NextKeyMarker: urlEncoded(next.key, encode), NextVersionIdMarker: next.versionId }
        : {}),
      ...(versions.length ? { Versions: versions } : {}),
      ...(markers.length ? { DeleteMarkers: markers } : {}),
      Name: bucket.name,
      Prefix: urlEncoded(prefix, encode),
      ...(delimiter ? { Delimiter: urlEncoded(delimiter, encode) } : {}),
      MaxKeys: max,
      ...(prefixes.length
        ? { CommonPrefixes: prefixes.map((p) => ({ Prefix: urlEncoded(p, encode) })) }
        : {}),
      ...(encode ? { EncodingType: "url" } : {}),
    };
  }

  // ---- multipart uploads

  private uploadsOf(bucket: string): UploadRecord[] {
    return this.store.list<UploadRecord>(KIND.upload, S3_SCOPE).filter((u) => u.bucket === bucket);
  }

  private mustUpload(bucket: BucketRecord, key: string, uploadId: string): UploadRecord {
    const upload = this.store.get<UploadRecord>(KIND.upload, S3_SCOPE, uploadId);
    if (!upload || upload.bucket !== bucket.name || upload.key !== key) throw noSuchUpload(uploadId);
    return upload;
  }

  createMultipartUpload(
    call: S3Call,
    input: Record<string, unknown> & { Bucket: string; Key: string },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner as string | undefined);
    const uploadId = this.env.randomAlphanumeric(64);
    const algorithm = typeof input.ChecksumAlgorithm === "string" ? input.ChecksumAlgorithm : undefined;
    const lock = lockOf(bucket, input, call.now);
    const described = { ...representation(input, call), ...(lock ? { lock } : {}) };
    this.store.put<UploadRecord>(KIND.upload, S3_SCOPE, uploadId, {
      uploadId,
      bucket: bucket.name,
      key: input.Key,
      initiated: call.now.toISOString(),
      ...described,
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
      parts: {},
    });
    return {
      Bucket: bucket.name,
      Key: input.Key,
      UploadId: uploadId,
      ...encryptionOut(described),
      ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
    };
  }

  uploadPart(
    call: S3Call,
    input: Record<string, unknown> & { Bucket: string; Key: string; UploadId: string; PartNumber: number },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner as string | undefined);
    const upload = this.mustUpload(bucket, input.Key, input.UploadId);
    if (!Number.isInteger(input.PartNumber) || input.PartNumber < 1 || input.PartNumber > 10_000)
      throw invalidArgument(
        "Part number must be an integer between 1 and 10000, inclusive",
        "partNumber",
        String(input.PartNumber),
      );
    const body = Buffer.from((input.Body as Uint8Array | undefined) ?? Buffer.alloc(0));
    const checksum = ofUploadsAlgorithm(upload, verifiedChecksum(input, body), body);
    const stored = this.blobs.putSync([body]);
    const part: PartRecord = {
      digest: stored.digest,
      size: stored.size,
      etag: createHash("md5").update(body).digest("hex"),
      lastModified: call.now.toISOString(),
      ...(checksum ? { checksum } : {}),
    };
    const replaced = upload.parts[String(input.PartNumber)] !== undefined;
    this.store.put<UploadRecord>(KIND.upload, S3_SCOPE, upload.uploadId, {
      ...upload,
      parts: { ...upload.parts, [String(input.PartNumber)]: part },
    });
    if (replaced) this.afterCommit();
    // Each part answers with the upload's encryption (SSE-KMS as asked at its creation).
    return { ETag: quoted(part.etag), ...checksumOutput(checksum), ...encryptionOut(upload) };
  }

  /** UploadPartCopy: a part made of another object's bytes, whole or `x-amz-copy-source-range: bytes=a-b`. */
  uploadPartCopy(
    call: S3Call,
    input: Record<string, unknown> & {
      Bucket: string;
      Key: string;
      UploadId: string;
      PartNumber: number;
      CopySource: string;
      CopySourceRange?: string;
    },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner as string | undefined);
    const upload = this.mustUpload(bucket, input.Key, input.UploadId);
    if (!Number.isInteger(input.PartNumber) || input.PartNumber < 1 || input.PartNumber > 10_000)
      throw invalidArgument(
        "Part number must be an integer between 1 and 10000, inclusive",
        "partNumber",
        String(input.PartNumber),
      );
    const { version } = this.copySource(call, input);
    let start = 0;
    let end = version.size - 1;
    if (input.CopySourceRange !== undefined) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(input.CopySourceRange.trim());
      // A value not of the form is refused for its form (S3 answers `0-1024` so), one past the object for its size.
      if (!m)
        throw invalidArgument(
          "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
          "x-amz-copy-source-range",
          input.CopySourceRange,
        );
      if (Number(m[2]) < Number(m[1]) || Number(m[2]) >= version.size)
        throw invalidArgument(
          `Range specified is not valid for source object of size: ${version.size}`,
          "x-amz-copy-source-range",
          input.CopySourceRange,
        );
      start = Number(m[1]);
      end = Number(m[2]);
    }
    const body =
      version.digest && end >= start ? this.blobs.readRangeSync(version.digest, start, end) : Buffer.alloc(0);
    const stored = this.blobs.putSync([body]);
    const part: PartRecord = {
      digest: stored.digest,
      size: stored.size,
      etag: createHash("md5").update(body).digest("hex"),
      lastModified: call.now.toISOString(),
    };
    const replaced = upload.parts[String(input.PartNumber)] !== undefined;
    this.store.put<UploadRecord>(KIND.upload, S3_SCOPE, upload.uploadId, {
      ...upload,
      parts: { ...upload.parts, [String(input.PartNumber)]: part },
    });
    if (replaced) this.afterCommit();
    return {
      CopyPartResult: { ETag: quoted(part.etag), LastModified: call.now },
      ...(version.versionId !== "null" ? { CopySourceVersionId: version.versionId } : {}),
      ...encryptionOut(upload),
    };
  }

  completeMultipartUpload(
    call: S3Call,
    input: Record<string, unknown> & {
      Bucket: string;
      Key: string;
      UploadId: string;
      MultipartUpload?: { Parts?: (Record<string, unknown> & { PartNumber?: number; ETag?: string })[] };
    },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner as string | undefined);
    const upload = this.mustUpload(bucket, input.Key, input.UploadId);
    const named = input.MultipartUpload?.Parts ?? [];
    if (named.length === 0) throw malformedXml();
    const parts: PartRecord[] = [];
    let previous = 0;
    for (const entry of named) {
      const number = entry.PartNumber ?? 0;
      if (number <= previous) throw invalidPartOrder();
      previous = number;
      const part = upload.parts[String(number)];
      if (!part || (entry.ETag !== undefined && unquoted(entry.ETag) !== part.etag))
        throw invalidPart(number);
      if (part.checksum) {
        const sent = entry[`Checksum${part.checksum.algorithm}`];
        if (sent !== undefined && sent !== part.checksum.value) throw invalidPart(number);
      }
      parts.push(part);
    }
    parts.forEach((part, i) => {
      if (i < parts.length - 1 && part.size < MIN_PART_BYTES) throw entityTooSmall(part.size);
    });
    const blobs = this.blobs;
    const stored = blobs.putSync(
      (function* () {
        for (const part of parts) yield* blobs.readSync(part.digest);
      })(),
    );
    const etag = `${createHash("md5")
      .update(Buffer.concat(parts.map((p) => Buffer.from(p.etag, "hex"))))
      .digest("hex")}-${parts.length}`;
    const checksum = compositeChecksum(upload.checksumAlgorithm, parts);
    // The object keeps all its upload was described with (headers, class, tags, encryption, lock).
    const {
      uploadId: _id,
      bucket: _bucket,
      key: _key,
      initiated: _initiated,
      checksumAlgorithm: _algorithm,
      parts: _parts,
      ...described
    } = upload;
    const version: VersionRecord = {
      versionId: this.newVersionId(bucket),
      digest: stored.digest,
      size: stored.size,
      etag,
      lastModified: call.now.toISOString(),
      parts: parts.length,
      ...(checksum ? { checksum } : {}),
      ...described,
    };
    this.store.delete(KIND.upload, S3_SCOPE, upload.uploadId);
    this.addVersion(bucket, input.Key, version);
    this.afterCommit();
    const host = bucket.region === "us-east-1" ? "s3.amazonaws.com" : `s3.${bucket.region}.amazonaws.com`;
    return {
      Location: `https://${bucket.name}.${host}/${encodeURI(input.Key)}`,
      Bucket: bucket.name,
      Key: input.Key,
      ETag: quoted(etag),
      ...checksumOutput(checksum),
      ...(checksum ? { ChecksumType: checksumType(checksum) } : {}),
      ...encryptionOut(version),
      ...this.versionOut(version),
    };
  }

  abortMultipartUpload(
    call: S3Call,
    input: { Bucket: string; Key: string; UploadId: string; ExpectedBucketOwner?: string },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner);
    const upload = this.mustUpload(bucket, input.Key, input.UploadId);
    this.store.delete(KIND.upload, S3_SCOPE, upload.uploadId);
    this.afterCommit();
    return {};
  }

  /** The version a tagging call names (the latest when it names none), with its bucket. */
  private taggedVersion(
    call: S3Call,
    input: VersionTarget,
  ): { bucket: BucketRecord; version: VersionRecord } {
    const bucket = this.mustBucket(call, input.Bucket, input.ExpectedBucketOwner);
    return { bucket, version: this.readable(bucket, input.Key, input.VersionId) };
  }

  /** GetObjectTagging: the tag set of the object's latest version, or of the one named. */
  getObjectTagging(call: S3Call, input: VersionTarget): Record<string, unknown> {
    const { version } = this.taggedVersion(call, input);
    return {
      ...this.versionOut(version),
      TagSet: (version.tags ?? []).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  /** PutObjectTagging: replaces the version's tag set (S3 keeps no history of tags). */
  putObjectTagging(
    call: S3Call,
    input: VersionTarget & { Tagging?: { TagSet?: { Key?: string; Value?: string }[] } },
  ): Record<string, unknown> {
    const tagSet = input.Tagging?.TagSet;
    if (!tagSet) throw malformedXml();
    const tags = checkedTags(tagSet.map((t) => [t.Key ?? "", t.Value ?? ""] as [string, string]));
    const { bucket, version } = this.taggedVersion(call, input);
    this.retag(bucket, input.Key, version, tags);
    return this.versionOut(version);
  }

  /** DeleteObjectTagging: the version keeps no tags. */
  deleteObjectTagging(call: S3Call, input: VersionTarget): Record<string, unknown> {
    const { bucket, version } = this.taggedVersion(call, input);
    this.retag(bucket, input.Key, version, []);
    return this.versionOut(version);
  }

  /** One version's tags replaced where it stands among the object's versions. */
  private retag(bucket: BucketRecord, key: string, version: VersionRecord, tags: [string, string][]): void {
    const record = this.objectRecord(bucket.name, key);
    if (!record) throw noSuchKey(key);
    const { tags: _old, ...rest } = version;
    const retagged: VersionRecord = tags.length > 0 ? { ...rest, tags } : rest;
    this.store.put<ObjectRecord>(KIND.object, S3_SCOPE, objectId(bucket.name, key), {
      ...record,
      versions: record.versions.map((v) => (v.versionId === version.versionId ? retagged : v)),
    });
  }

  listParts(
    call: S3Call,
    input: { Bucket: string; Key: string; UploadId: string; MaxParts?: number; PartNumberMarker?: string },
  ): Record<string, unknown> {
    const bucket = this.mustBucket(call, input.Bucket);
    const upload = this.mustUpload(bucket, input.Key, input.UploadId);
    const marker = listPartsArgument("part-number-marker", input.PartNumberMarker, 0);
    const max = Math.min(listPartsArgument("max-parts", input.MaxParts, 1000), 1000);
    const numbers = Object.keys(upload.parts)
      .map(Number)
      .filter((n) => n > marker)
      .sort((a, b) => a - b);
    const page = numbers.slice(0, max);
    const owner = { ID: this.canonicalId(bucket.account) };
    return {
      Bucket: bucket.name,
      Key: upload.key,
      UploadId: upload.uploadId,
      PartNumberMarker: String(marker),
      ...(numbers.length > page.length ? { NextPartNumberMarker: String(page[page.length - 1]) } : {}),
      MaxParts: max,
      IsTruncated: numbers.length > page.length,
      Parts: page.map((n) => {
        const part = upload.parts[String(n)]!;
        return {
          PartNumber: n,
          LastModified: new Date(part.lastModified),
          ETag: quoted(part.etag),
          Size: part.size,
          ...checksumOutput(part.checksum),
        };
      }),
      Initiator: owner,
      Owner: owner,
      StorageClass: upload.storageClass ?? "STANDARD",
    };
  }
}
