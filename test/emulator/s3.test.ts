import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import type { LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  AbortMultipartUploadCommand,
  BucketAlreadyOwnedByYou,
  type BucketLocationConstraint,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  NoSuchBucket,
  NoSuchKey,
  NoSuchUpload,
  PutBucketAccelerateConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCertificateAuthority } from "../../src/emulator/aws-public/ca.js";
import { createPublicEndpointsServer, listenOn } from "../../src/emulator/aws-public/endpoints-server.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { awsCli, awsCliSkip } from "../helpers/aws-cli.js";
import { sdkConfig } from "../helpers/emulator.js";
import { startEmulatorProcess, stopped } from "../helpers/emulator-process.js";

let emulator: RunningEmulator;
let s3: S3Client;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  s3 = new S3Client({ ...sdkConfig(emulator), forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  await emulator?.stop();
});

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error("the call succeeded");
};

describe("S3 through the AWS SDK", () => {
  it("creates, heads, lists and deletes buckets, with S3's own errors", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "code-bucket" }));
    // us-east-1 answers 200 to re-creating a bucket you own; other regions BucketAlreadyOwnedByYou.
    await s3.send(new CreateBucketCommand({ Bucket: "code-bucket" }));
    const west = new S3Client({ ...sdkConfig(emulator), region: "eu-west-1", forcePathStyle: true });
    try {
      await west.send(
        new CreateBucketCommand({
          Bucket: "west-bucket",
          CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
        }),
      );
      const again = await rejection(
        west.send(
          new CreateBucketCommand({
            Bucket: "west-bucket",
            CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
          }),
        ),
      );
      expect(again).toBeInstanceOf(BucketAlreadyOwnedByYou);
      // Signed for eu-west-1, constrained elsewhere (us-east-1 too): refused.
      for (const constraint of ["us-east-2", "us-east-1", "us-gov-east-2"]) {
        const elsewhere = await rejection(
          west.send(
            new CreateBucketCommand({
              Bucket: "west-two",
              CreateBucketConfiguration: { LocationConstraint: constraint as BucketLocationConstraint },
            }),
          ),
        );
        expect(elsewhere.name).toBe("IllegalLocationConstraintException");
        expect(elsewhere.message).toBe(
          `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        );
      }
      // Signed for us-east-1, a bucket may be made in any region; us-east-1 named as the constraint is refused.
      await s3.send(
        new CreateBucketCommand({
          Bucket: "central-from-east",
          CreateBucketConfiguration: { LocationConstraint: "eu-central-1" },
        }),
      );
      const where = await s3.send(new GetBucketLocationCommand({ Bucket: "central-from-east" }));
      expect(where.LocationConstraint).toBe("eu-central-1");
      await s3.send(new DeleteBucketCommand({ Bucket: "central-from-east" }));
      const named = await rejection(
        s3.send(
          new CreateBucketCommand({
            Bucket: "east-named",
            CreateBucketConfiguration: { LocationConstraint: "us-east-1" as BucketLocationConstraint },
          }),
        ),
      );
      expect(named.name).toBe("InvalidLocationConstraint");
      const nowhere = await rejection(
        s3.send(
          new CreateBucketCommand({
            Bucket: "nowhere",
            CreateBucketConfiguration: { LocationConstraint: "no place" as BucketLocationConstraint },
          }),
        ),
      );
      expect(nowhere.name).toBe("InvalidLocationConstraint");
    } finally {
      west.destroy();
    }
    const head = await s3.send(new HeadBucketCommand({ Bucket: "west-bucket" }));
    expect(head.BucketRegion).toBe("eu-west-1");
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toEqual(["code-bucket", "west-bucket"]);
    expect(listed.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const bad = await rejection(s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })));
    expect(bad.name).toBe("InvalidBucketName");
    const missing = await rejection(s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket" })));
    expect(missing).toBeInstanceOf(NoSuchBucket);
    expect(missing.$metadata.httpStatusCode).toBe(404);
    // HEAD has no body: the SDK names the status.
    const headMissing = await rejection(s3.send(new HeadBucketCommand({ Bucket: "no-such-bucket" })));
    expect(headMissing.$metadata.httpStatusCode).toBe(404);
    await s3.send(new PutObjectCommand({ Bucket: "west-bucket", Key: "k", Body: "x" }));
    const notEmpty = await rejection(s3.send(new DeleteBucketCommand({ Bucket: "west-bucket" })));
    expect(notEmpty.name).toBe("BucketNotEmpty");
    await s3.send(new DeleteObjectCommand({ Bucket: "west-bucket", Key: "k" }));
    await s3.send(new DeleteBucketCommand({ Bucket: "west-bucket" }));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(["code-bucket"]);
  });

  it("puts and gets objects whole and by range, heads them, and answers NoSuchKey", async () => {
    const body = Buffer.from("0123456789abcdef");
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: "code-bucket",
        Key: "dir/a b.txt",
        Body: body,
        ContentType: "text/plain",
        Metadata: { owner: "me" },
      }),
    );
    expect(put.ETag).toBe('"4032af8d61035123906e58e067140cc5"');
    expect(put.VersionId).toBeUndefined();
    const got = await s3.send(new GetObjectCommand({ Bucket: "code-bucket", Key: "dir/a b.txt" }));
    expect(await got.Body!.transformToString()).toBe(body.toString());
    expect(got).toMatchObject({ ContentType: "text/plain", ContentLength: 16, Metadata: { owner: "me" } });
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: "code-bucket", Key: "dir/a b.txt", Range: "bytes=4-7" }),
    );
    expect(ranged.$metadata.httpStatusCode).toBe(206);
    expect(ranged.ContentRange).toBe("bytes 4-7/16");
    expect(await ranged.Body!.transformToString()).toBe("4567");
    const suffix = await s3.send(
      new GetObjectCommand({ Bucket: "code-bucket", Key: "dir/a b.txt", Range: "bytes=-3" }),
    );
    expect(await suffix.Body!.transformToString()).toBe("def");
    const beyond = await rejection(
      s3.send(new GetObjectCommand({ Bucket: "code-bucket", Key: "dir/a b.txt", Range: "bytes=99-" })),
    );
    expect(beyond.name).toBe("InvalidRange");
    expect(beyond.$metadata.httpStatusCode).toBe(416);
    const head = await s3.send(new HeadObjectCommand({ Bucket: "code-bucket", Key: "dir/a b.txt" }));
    expect(head).toMatchObject({ ContentLength: 16, ETag: put.ETag, AcceptRanges: "bytes" });
    // A copy asked for a checksum algorithm carries that checksum of its bytes.
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: "code-bucket",
        Key: "dir/copy.txt",
        CopySource: "code-bucket/dir/a%20b.txt",
        ChecksumAlgorithm: "SHA256",
      }),
    );
    expect(copied.CopyObjectResult?.ChecksumSHA256).toBe(createHash("sha256").update(body).digest("base64"));
    // Not modified: 304, with the object's ETag and Last-Modified as HTTP asks of a 304.
    const unchanged = (await rejection(
      s3.send(new GetObjectCommand({ Bucket: "code-bucket", Key: "dir/a b.txt", IfNoneMatch: put.ETag })),
    )) as Error & { $metadata: { httpStatusCode?: number }; $response?: { headers: Record<string, string> } };
    expect(unchanged.$metadata.httpStatusCode).toBe(304);
    expect(unchanged.$response?.headers.etag).toBe(put.ETag);
    expect(unchanged.$response?.headers["last-modified"]).toBe(head.LastModified!.toUTCString());
    expect(head.LastModified).toBeInstanceOf(Date);
    const missing = await rejection(s3.send(new GetObjectCommand({ Bucket: "code-bucket", Key: "nope" })));
    expect(missing).toBeInstanceOf(NoSuchKey);
    expect((missing as NoSuchKey & { Key?: string }).Key ?? "nope").toBe("nope");
    const headMissing = await rejection(
      s3.send(new HeadObjectCommand({ Bucket: "code-bucket", Key: "nope" })),
    );
    expect(headMissing.name).toBe("NotFound");
    const wrongMd5 = await rejection(
      s3.send(
        new PutObjectCommand({
          Bucket: "code-bucket",
          Key: "bad",
          Body: "abc",
          ContentMD5: Buffer.alloc(16).toString("base64"),
        }),
      ),
    );
    expect(wrongMd5.name).toBe("BadDigest");
  });

  it("lists with prefixes, delimiters and pages, and deletes one or many", async () => {
    for (const key of ["list/a", "list/b/1", "list/b/2", "list/c", "list/d/1"])
      await s3.send(new PutObjectCommand({ Bucket: "code-bucket", Key: key, Body: key }));
    const top = await s3.send(
      new ListObjectsV2Command({ Bucket: "code-bucket", Prefix: "list/", Delimiter: "/" }),
    );
    expect(top.Contents?.map((c) => c.Key)).toEqual(["list/a", "list/c"]);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["list/b/", "list/d/"]);
    expect(top.KeyCount).toBe(4);
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 2 },
      { Bucket: "code-bucket", Prefix: "list/", Delimiter: "/" },
    ))
      pages.push([
        ...(page.Contents ?? []).map((c) => c.Key!),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
      ]);
    expect(pages).toEqual([
      ["list/a", "list/b/"],
      ["list/c", "list/d/"],
    ]);
    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: "code-bucket",
        Delete: { Objects: [{ Key: "list/a" }, { Key: "list/b/1" }, { Key: "never-was" }] },
      }),
    );
    expect(deleted.Deleted?.map((d) => d.Key)).toEqual(["list/a", "list/b/1", "never-was"]);
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: "code-bucket", Prefix: "list/" }));
    expect(rest.Contents?.map((c) => c.Key)).toEqual(["list/b/2", "list/c", "list/d/1"]);
  });

  it("keeps versions where versioning is on: reads by versionId, deletes leave a marker", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "versioned" }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: "versioned", VersioningConfiguration: { Status: "Enabled" } }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: "versioned" }))).Status).toBe("Enabled");
    const one = await s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "code.zip", Body: "one" }));
    const two = await s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "code.zip", Body: "two" }));
    expect(one.VersionId).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(two.VersionId).not.toBe(one.VersionId);
    const old = await s3.send(
      new GetObjectCommand({ Bucket: "versioned", Key: "code.zip", VersionId: one.VersionId }),
    );
    expect(await old.Body!.transformToString()).toBe("one");
    expect(old.VersionId).toBe(one.VersionId);
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: "versioned", Key: "code.zip" }));
    expect(marker.DeleteMarker).toBe(true);
    expect(
      await rejection(s3.send(new GetObjectCommand({ Bucket: "versioned", Key: "code.zip" }))),
    ).toBeInstanceOf(NoSuchKey);
    const stillThere = await s3.send(
      new GetObjectCommand({ Bucket: "versioned", Key: "code.zip", VersionId: two.VersionId }),
    );
    expect(await stillThere.Body!.transformToString()).toBe("two");
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: "versioned", Prefix: "code.zip" }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [two.VersionId, false],
      [one.VersionId, false],
    ]);
    expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[marker.VersionId, true]]);
    const paged = await s3.send(new ListObjectVersionsCommand({ Bucket: "versioned", MaxKeys: 2 }));
    expect(paged.IsTruncated).toBe(true);
    const rest = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: "versioned",
        KeyMarker: paged.NextKeyMarker,
        VersionIdMarker: paged.NextVersionIdMarker,
      }),
    );
    expect(rest.Versions?.map((v) => v.VersionId)).toEqual([one.VersionId]);
    // An old version copied back becomes the newest.
    const restored = await s3.send(
      new CopyObjectCommand({
        Bucket: "versioned",
        Key: "code.zip",
        CopySource: `versioned/code.zip?versionId=${one.VersionId}`,
      }),
    );
    expect(restored.CopySourceVersionId).toBe(one.VersionId);
    expect(restored.CopyObjectResult?.ETag).toBe(one.ETag);
    const latest = await s3.send(new GetObjectCommand({ Bucket: "versioned", Key: "code.zip" }));
    expect(await latest.Body!.transformToString()).toBe("one");
    expect(latest.VersionId).toBe(restored.VersionId);
    const noVersion = await rejection(
      s3.send(new GetObjectCommand({ Bucket: "versioned", Key: "code.zip", VersionId: "A".repeat(32) })),
    );
    expect(noVersion.name).toBe("NoSuchVersion");
    expect(
      (
        await rejection(
          s3.send(new GetObjectCommand({ Bucket: "versioned", Key: "code.zip", VersionId: "x" })),
        )
      ).name,
    ).toBe("NoSuchVersion");
  });

  it("keeps a website redirect and SSE-KMS as put, names the AWS managed key when none is given, and refuses a body that breaks the schema as MalformedXML", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "headers-bucket" }));
    await s3.send(
      new PutObjectCommand({
        Bucket: "headers-bucket",
        Key: "page",
        Body: "x",
        WebsiteRedirectLocation: "/elsewhere",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-4333-a444-555555555555",
        BucketKeyEnabled: true,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: "headers-bucket", Key: "page" }));
    expect(got).toMatchObject({
      WebsiteRedirectLocation: "/elsewhere",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-4333-a444-555555555555",
      BucketKeyEnabled: true,
    });
    const managed = await s3.send(
      new PutObjectCommand({
        Bucket: "headers-bucket",
        Key: "k",
        Body: "y",
        ServerSideEncryption: "aws:kms",
      }),
    );
    expect(managed.SSEKMSKeyId).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/);
    const plain = await s3.send(new HeadObjectCommand({ Bucket: "headers-bucket", Key: "k" }));
    expect(plain.SSEKMSKeyId).toBe(managed.SSEKMSKeyId);
    // A bucket that never had versioning holds only the null version: another id is invalid, not missing.
    const malformed = await rejection(
      s3.send(new HeadObjectCommand({ Bucket: "headers-bucket", Key: "k", VersionId: "noVersion" })),
    );
    expect(malformed.$metadata.httpStatusCode).toBe(400);
    const none = await s3.send(new PutObjectCommand({ Bucket: "headers-bucket", Key: "n", Body: "z" }));
    expect(none.ServerSideEncryption).toBe("AES256");
    expect(none.SSEKMSKeyId).toBeUndefined();
    // An upload asked for SSE-KMS: its parts answer so, and the object it completes keeps it.
    const key = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-4333-a444-555555555555";
    const kms = { ServerSideEncryption: "aws:kms", SSEKMSKeyId: key } as const;
    const started = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: "headers-bucket", Key: "mp-kms", ...kms }),
    );
    expect(started).toMatchObject(kms);
    const only = await s3.send(
      new UploadPartCommand({
        Bucket: "headers-bucket",
        Key: "mp-kms",
        UploadId: started.UploadId,
        PartNumber: 1,
        Body: "one part",
      }),
    );
    expect(only).toMatchObject(kms);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "headers-bucket",
        Key: "mp-kms",
        UploadId: started.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: only.ETag }] },
      }),
    );
    expect(done).toMatchObject(kms);
    expect(await s3.send(new HeadObjectCommand({ Bucket: "headers-bucket", Key: "mp-kms" }))).toMatchObject(
      kms,
    );

    const namespace = await rejection(
      s3.send(new CreateBucketCommand({ Bucket: "no-suffix", BucketNamespace: "account-regional" })),
    );
    expect(namespace.name).toBe("InvalidNamespaceHeader");
    await s3.send(
      new CreateBucketCommand({
        Bucket: "mine-123456789012-us-east-1-an",
        BucketNamespace: "account-regional",
      }),
    );
    const empty = await rejection(
      s3.send(new DeleteObjectsCommand({ Bucket: "headers-bucket", Delete: { Objects: [] } })),
    );
    expect(empty.name).toBe("MalformedXML");
    const status = await rejection(
      s3.send(
        new PutBucketAccelerateConfigurationCommand({
          Bucket: "headers-bucket",
          AccelerateConfiguration: { Status: "bad" as "Enabled" },
        }),
      ),
    );
    expect(status.name).toBe("MalformedXML");
  });

  it("assembles multipart uploads as lib-storage sends them; aborts and refuses what S3 refuses", async () => {
    const data = randomBytes(12 * 1024 * 1024);
    const upload = new Upload({
      client: s3,
      params: { Bucket: "code-bucket", Key: "big.bin", Body: data },
      partSize: 5 * 1024 * 1024,
    });
    const done = await upload.done();
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: "code-bucket", Key: "big.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    expect(got.PartsCount ?? 3).toBe(3);

    // An upload made with a checksum algorithm: each part has that checksum (computed when the SDK sent
    // its default CRC32), and the object the composite one, the algorithm over the parts' with their count.
    const summed = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: "code-bucket", Key: "summed", ChecksumAlgorithm: "SHA256" }),
    );
    const pieces = [data.subarray(0, 5 * 1024 * 1024), data.subarray(5 * 1024 * 1024, 5 * 1024 * 1024 + 10)];
    const sha256 = (b: Buffer) => createHash("sha256").update(b).digest();
    const sent = [];
    for (const [i, piece] of pieces.entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: "code-bucket",
          Key: "summed",
          UploadId: summed.UploadId,
          PartNumber: i + 1,
          Body: piece,
        }),
      );
      expect(part.ChecksumSHA256).toBe(sha256(piece).toString("base64"));
      sent.push({ PartNumber: i + 1, ETag: part.ETag });
    }
    const composite = `${sha256(Buffer.concat(pieces.map(sha256))).toString("base64")}-2`;
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "code-bucket",
        Key: "summed",
        UploadId: summed.UploadId,
        MultipartUpload: { Parts: sent },
      }),
    );
    expect(completed.ChecksumSHA256).toBe(composite);
    const summedGot = await s3.send(
      new GetObjectCommand({ Bucket: "code-bucket", Key: "summed", ChecksumMode: "ENABLED" }),
    );
    expect(summedGot).toMatchObject({ ChecksumSHA256: composite, ChecksumType: "COMPOSITE" });
    await summedGot.Body!.transformToByteArray();

    const small = await s3.send(new CreateMultipartUploadCommand({ Bucket: "code-bucket", Key: "small" }));
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: "code-bucket",
        Key: "small",
        UploadId: small.UploadId,
        PartNumber: 1,
        Body: "tiny",
      }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({
        Bucket: "code-bucket",
        Key: "small",
        UploadId: small.UploadId,
        PartNumber: 2,
        Body: "last",
      }),
    );
    const tooSmall = await rejection(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "code-bucket",
          Key: "small",
          UploadId: small.UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: p1.ETag },
              { PartNumber: 2, ETag: p2.ETag },
            ],
          },
        }),
      ),
    );
    expect(tooSmall.name).toBe("EntityTooSmall");
    const wrongTag = await rejection(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "code-bucket",
          Key: "small",
          UploadId: small.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] },
        }),
      ),
    );
    expect(wrongTag.name).toBe("InvalidPart");
    const listParts = (MaxParts: number) =>
      rejection(
        s3.send(
          new ListPartsCommand({ Bucket: "code-bucket", Key: "small", UploadId: small.UploadId, MaxParts }),
        ),
      );
    expect((await listParts(-42)).message).toBe(
      "Argument max-parts must be an integer between 0 and 2147483647",
    );
    expect((await listParts(2 ** 31 + 41)).message).toBe(
      "Provided max-parts not an integer or within integer range",
    );
    // A copy range not of the form bytes=first-last is refused for its form; one past the source for its size.
    await s3.send(
      new PutObjectCommand({ Bucket: "code-bucket", Key: "range-source", Body: "0123456789abcdef" }),
    );
    const copyPart = (CopySourceRange: string) =>
      rejection(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: "code-bucket",
            Key: "small",
            UploadId: small.UploadId,
            PartNumber: 3,
            CopySource: "code-bucket/range-source",
            CopySourceRange,
          }),
        ),
      );
    const unformed = await copyPart("0-3");
    expect(unformed.name).toBe("InvalidArgument");
    expect(unformed.message).toMatch(
      /^The x-amz-copy-source-range value must be of the form bytes=first-last/,
    );
    expect((await copyPart("bytes=0-99")).message).toBe(
      "Range specified is not valid for source object of size: 16",
    );
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: "code-bucket", Key: "small", UploadId: small.UploadId }),
    );
    const gone = await rejection(
      s3.send(
        new UploadPartCommand({
          Bucket: "code-bucket",
          Key: "small",
          UploadId: small.UploadId,
          PartNumber: 3,
          Body: "x",
        }),
      ),
    );
    expect(gone).toBeInstanceOf(NoSuchUpload);
  });

  it("locks versions in an Object Lock bucket: retention and legal hold as written, shown, and kept from deletion", async () => {
    const Bucket = "locked";
    await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe("Enabled");
    const suspend = await rejection(
      s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Suspended" } })),
    );
    expect(suspend.name).toBe("InvalidBucketState");
    const until = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const kept = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: "k",
        Body: "k",
        ObjectLockMode: "GOVERNANCE",
        ObjectLockRetainUntilDate: until,
      }),
    );
    expect(kept.VersionId).toBeDefined();
    expect(await s3.send(new HeadObjectCommand({ Bucket, Key: "k" }))).toMatchObject({
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: until,
    });
    const held = await s3.send(
      new PutObjectCommand({ Bucket, Key: "h", Body: "h", ObjectLockLegalHoldStatus: "ON" }),
    );
    const deleteVersion = (Key: string, VersionId: string, BypassGovernanceRetention?: boolean) =>
      s3.send(new DeleteObjectCommand({ Bucket, Key, VersionId, BypassGovernanceRetention }));
    const refused = await rejection(deleteVersion("k", kept.VersionId!));
    expect([refused.name, refused.message]).toEqual([
      "AccessDenied",
      "Access Denied because object protected by object lock.",
    ]);
    expect((await rejection(deleteVersion("h", held.VersionId!))).name).toBe("AccessDenied");
    // A delete without a version only adds a marker; GOVERNANCE gives way to a bypass.
    expect((await s3.send(new DeleteObjectCommand({ Bucket, Key: "k" }))).DeleteMarker).toBe(true);
    await deleteVersion("k", kept.VersionId!, true);
    // A copy is locked as its own request asks, not as its source.
    const copied = await s3.send(new CopyObjectCommand({ Bucket, Key: "c", CopySource: `${Bucket}/h` }));
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket, Key: "c" }))).ObjectLockLegalHoldStatus,
    ).toBeUndefined();
    await deleteVersion("c", copied.VersionId!);
    // Outside an Object Lock bucket, or half a retention: refused, nothing written.
    await s3.send(new CreateBucketCommand({ Bucket: "unlocked" }));
    const outside = await rejection(
      s3.send(
        new PutObjectCommand({
          Bucket: "unlocked",
          Key: "x",
          Body: "x",
          ObjectLockMode: "COMPLIANCE",
          ObjectLockRetainUntilDate: until,
        }),
      ),
    );
    expect([outside.name, outside.message]).toEqual([
      "InvalidRequest",
      "Bucket is missing Object Lock Configuration",
    ]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "unlocked" }))).KeyCount).toBe(0);
    const half = await rejection(
      s3.send(new PutObjectCommand({ Bucket, Key: "x", Body: "x", ObjectLockMode: "COMPLIANCE" })),
    );
    expect(half.name).toBe("InvalidArgument");
  });

  it("keeps an object's tags: x-amz-tagging on a write, the tagging calls, a copy's TaggingDirective, and S3's refusals", async () => {
    const Bucket = "tagged";
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "t", Body: "t", Tagging: "team=a&env=dev%20box" }));
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: "t" }))).TagCount).toBe(2);
    const tagSet = async (Key: string) =>
      (await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet?.map((t) => [t.Key, t.Value]);
    expect(await tagSet("t")).toEqual([
      ["team", "a"],
      ["env", "dev box"],
    ]);
    await s3.send(new CopyObjectCommand({ Bucket, Key: "kept", CopySource: `${Bucket}/t` }));
    expect(await tagSet("kept")).toEqual([
      ["team", "a"],
      ["env", "dev box"],
    ]);
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: "replaced",
        CopySource: `${Bucket}/t`,
        TaggingDirective: "REPLACE",
        Tagging: "team=b",
      }),
    );
    expect(await tagSet("replaced")).toEqual([["team", "b"]]);
    const reserved = await rejection(
      s3.send(new PutObjectCommand({ Bucket, Key: "r", Body: "r", Tagging: "aws:owner=me" })),
    );
    expect([reserved.name, reserved.message]).toEqual([
      "InvalidTag",
      "Your TagKey cannot be prefixed with aws:",
    ]);
    await s3.send(
      new PutObjectTaggingCommand({ Bucket, Key: "t", Tagging: { TagSet: [{ Key: "only", Value: "1" }] } }),
    );
    expect(await tagSet("t")).toEqual([["only", "1"]]);
    const twice = await rejection(
      s3.send(
        new PutObjectTaggingCommand({
          Bucket,
          Key: "t",
          Tagging: {
            TagSet: [
              { Key: "k", Value: "1" },
              { Key: "k", Value: "2" },
            ],
          },
        }),
      ),
    );
    expect(twice.name).toBe("InvalidTag");
    const many = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const tooMany = await rejection(
      s3.send(new PutObjectTaggingCommand({ Bucket, Key: "t", Tagging: { TagSet: many } })),
    );
    expect([tooMany.name, tooMany.message]).toEqual(["BadRequest", "Object tags cannot be greater than 10"]);
    expect(await tagSet("t")).toEqual([["only", "1"]]);
    const deleted = await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: "t" }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await tagSet("t")).toEqual([]);
    expect((await s3.send(new GetObjectCommand({ Bucket, Key: "t" }))).TagCount).toBeUndefined();
    const missing = await rejection(s3.send(new GetObjectTaggingCommand({ Bucket, Key: "none" })));
    expect(missing.name).toBe("NoSuchKey");
  });

  it("keeps each object's storage class: shown when not STANDARD, listed, refused when unknown; archived objects are not read", async () => {
    const Bucket = "classes";
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "ia", Body: "ia", StorageClass: "STANDARD_IA" }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "std", Body: "std" }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "cold", Body: "cold", StorageClass: "GLACIER" }));
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: "ia" }))).StorageClass).toBe("STANDARD_IA");
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: "std" }))).StorageClass).toBeUndefined();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(listed.Contents?.map((o) => [o.Key, o.StorageClass])).toEqual([
      ["cold", "GLACIER"],
      ["ia", "STANDARD_IA"],
      ["std", "STANDARD"],
    ]);

    const unknown = await rejection(
      s3.send(new PutObjectCommand({ Bucket, Key: "x", Body: "x", StorageClass: "WARM" as "STANDARD" })),
    );
    expect(unknown.name).toBe("InvalidStorageClass");
    expect(unknown.$metadata.httpStatusCode).toBe(400);

    const archived = await rejection(s3.send(new GetObjectCommand({ Bucket, Key: "cold" })));
    expect(archived.name).toBe("InvalidObjectState");
    expect(archived.$metadata.httpStatusCode).toBe(403);
    expect(archived.message).toBe("The operation is not valid for the object's storage class");
    const copiedArchive = await rejection(
      s3.send(new CopyObjectCommand({ Bucket, Key: "thawed", CopySource: `${Bucket}/cold` })),
    );
    expect(copiedArchive.name).toBe("InvalidObjectState");
    expect(copiedArchive.message).toBe("Operation is not valid for the source object's storage class");

    // A copy onto itself that changes the class is legal; a copy is STANDARD unless asked otherwise.
    await s3.send(
      new CopyObjectCommand({ Bucket, Key: "std", CopySource: `${Bucket}/std`, StorageClass: "ONEZONE_IA" }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: "std" }))).StorageClass).toBe("ONEZONE_IA");
    await s3.send(new CopyObjectCommand({ Bucket, Key: "ia-copy", CopySource: `${Bucket}/ia` }));
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: "ia-copy" }))).StorageClass).toBeUndefined();

    const upload = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: "mp", StorageClass: "INTELLIGENT_TIERING" }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key: "mp", UploadId: upload.UploadId, PartNumber: 1, Body: "one" }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: "mp",
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: "mp" }))).StorageClass).toBe(
      "INTELLIGENT_TIERING",
    );
  });

  it("records bucket calls in CloudTrail and leaves object calls to data events", async () => {
    const trail = new CloudTrailClient(sdkConfig(emulator));
    try {
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "s3.amazonaws.com" }],
        }),
      );
      const names = new Set(events.Events?.map((e) => e.EventName));
      expect(names.has("CreateBucket")).toBe(true);
      expect(names.has("DeleteBucket")).toBe(true);
      expect(names.has("PutObject")).toBe(false);
      expect(names.has("GetObject")).toBe(false);
    } finally {
      trail.destroy();
    }
  });

  it("serves virtual-hosted requests through the stand-in for bucket.s3.<region>.amazonaws.com", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acd-s3-ca-"));
    const ca = loadCertificateAuthority(dir);
    const standIn = createPublicEndpointsServer(ca, { url: emulator.url });
    const { port } = await listenOn(standIn, "127.0.0.1", 0);
    // Every AWS name resolves to the stand-in, as inside a session's network.
    const lookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      options.all
        ? callback(null, [{ address: "127.0.0.1", family: 4 }])
        : callback(null, "127.0.0.1", 4)) as unknown as LookupFunction;
    const hosted = new S3Client({
      ...sdkConfig(emulator),
      endpoint: `https://s3.us-east-1.amazonaws.com:${port}`,
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: ca.certPem, lookup }) }),
    });
    try {
      await hosted.send(
        new PutObjectCommand({ Bucket: "code-bucket", Key: "hosted/x.txt", Body: "via host" }),
      );
      const got = await hosted.send(new GetObjectCommand({ Bucket: "code-bucket", Key: "hosted/x.txt" }));
      expect(await got.Body!.transformToString()).toBe("via host");
      const listed = await hosted.send(
        new ListObjectsV2Command({ Bucket: "code-bucket", Prefix: "hosted/" }),
      );
      expect(listed.Contents?.map((c) => c.Key)).toEqual(["hosted/x.txt"]);
    } finally {
      hosted.destroy();
      await new Promise((resolve) => standIn.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(awsCliSkip)(`S3 through the AWS CLI${awsCliSkip ? ` (skipped: ${awsCliSkip})` : ""}`, () => {
  it("aws s3 cp uploads a >8 MB file in parts and downloads it whole; aws s3 ls lists it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acd-s3-cli-"));
    try {
      const file = join(dir, "big.zip");
      const data = randomBytes(9 * 1024 * 1024 + 17);
      writeFileSync(file, data);
      expect((await awsCli(emulator.url, "s3", "mb", "s3://cli-bucket")).status).toBe(0);
      const up = await awsCli(emulator.url, "s3", "cp", file, "s3://cli-bucket/code/big.zip");
      expect(up.stderr).toBe("");
      expect(up.status).toBe(0);
      const head = JSON.parse(
        (
          await awsCli(
            emulator.url,
            "s3api",
            "head-object",
            "--bucket",
            "cli-bucket",
            "--key",
            "code/big.zip",
          )
        ).stdout,
      ) as { ETag: string; ContentLength: number };
      // More than 8 MB goes in 8 MB parts: two.
      expect(head.ETag).toMatch(/-2"$/);
      expect(head.ContentLength).toBe(data.length);
      const down = await awsCli(
        emulator.url,
        "s3",
        "cp",
        "s3://cli-bucket/code/big.zip",
        join(dir, "back.zip"),
      );
      expect(down.status).toBe(0);
      expect(readFileSync(join(dir, "back.zip")).equals(data)).toBe(true);
      // S3 to S3: more than 8 MB is copied in parts (UploadPartCopy).
      const copy = await awsCli(
        emulator.url,
        "s3",
        "cp",
        "s3://cli-bucket/code/big.zip",
        "s3://cli-bucket/copy/big.zip",
      );
      expect(copy.stderr).toBe("");
      const copied = await awsCli(
        emulator.url,
        "s3",
        "cp",
        "s3://cli-bucket/copy/big.zip",
        join(dir, "copied.zip"),
      );
      expect(copied.status).toBe(0);
      expect(readFileSync(join(dir, "copied.zip")).equals(data)).toBe(true);
      const copyHead = JSON.parse(
        (
          await awsCli(
            emulator.url,
            "s3api",
            "head-object",
            "--bucket",
            "cli-bucket",
            "--key",
            "copy/big.zip",
          )
        ).stdout,
      ) as { ETag: string };
      expect(copyHead.ETag).toMatch(/-2"$/);
      expect((await awsCli(emulator.url, "s3", "rm", "s3://cli-bucket/copy/big.zip")).status).toBe(0);
      // A presigned URL (query-string auth) is read without an Authorization header.
      const url = (await awsCli(emulator.url, "s3", "presign", "s3://cli-bucket/code/big.zip")).stdout.trim();
      const presigned = await fetch(url);
      expect(presigned.status).toBe(200);
      expect(Buffer.from(await presigned.arrayBuffer()).equals(data)).toBe(true);
      const ls = await awsCli(emulator.url, "s3", "ls", "s3://cli-bucket/code/");
      expect(ls.stdout).toMatch(/\d+ big\.zip/);
      expect((await awsCli(emulator.url, "s3", "rm", "s3://cli-bucket/code/big.zip")).status).toBe(0);
      expect((await awsCli(emulator.url, "s3", "rb", "s3://cli-bucket")).status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("S3 state directory", () => {
  it("keeps an acknowledged object across kill -9, and no file a record does not name", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "acd-s3-state-"));
    try {
      let { child, url } = await startEmulatorProcess(stateDir, ["--driver", "process"]);
      let client = new S3Client({ ...sdkConfig({ url }), forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: "durable" }));
      await client.send(new PutObjectCommand({ Bucket: "durable", Key: "code.zip", Body: "kept" }));
      // An acknowledged part of an upload in progress outlives the kill too.
      const upload = await client.send(
        new CreateMultipartUploadCommand({ Bucket: "durable", Key: "big.bin" }),
      );
      const partBytes = randomBytes(5 * 1024 * 1024);
      const part = await client.send(
        new UploadPartCommand({
          Bucket: "durable",
          Key: "big.bin",
          UploadId: upload.UploadId,
          PartNumber: 1,
          Body: partBytes,
        }),
      );
      client.destroy();
      await stopped(child, "SIGKILL");
      // A write killed after its bytes but before its record: a file no record names.
      writeFileSync(join(stateDir, "s3", "blobs", "sha256", "0".repeat(64)), "half");
      ({ child, url } = await startEmulatorProcess(stateDir, ["--driver", "process"]));
      client = new S3Client({ ...sdkConfig({ url }), forcePathStyle: true });
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: "durable", Key: "code.zip" }));
        expect(await got.Body!.transformToString()).toBe("kept");
        expect(() => readFileSync(join(stateDir, "s3", "blobs", "sha256", "0".repeat(64)))).toThrow();
        await client
          .send(
            new UploadPartCommand({
              Bucket: "durable",
              Key: "big.bin",
              UploadId: upload.UploadId,
              PartNumber: 2,
              Body: "tail",
            }),
          )
          .then(async (last) => {
            await client.send(
              new CompleteMultipartUploadCommand({
                Bucket: "durable",
                Key: "big.bin",
                UploadId: upload.UploadId,
                MultipartUpload: {
                  Parts: [
                    { PartNumber: 1, ETag: part.ETag },
                    { PartNumber: 2, ETag: last.ETag },
                  ],
                },
              }),
            );
          });
        const big = await client.send(new GetObjectCommand({ Bucket: "durable", Key: "big.bin" }));
        expect(
          Buffer.from(await big.Body!.transformToByteArray()).equals(
            Buffer.concat([partBytes, Buffer.from("tail")]),
          ),
        ).toBe(true);
      } finally {
        client.destroy();
        await stopped(child, "SIGTERM");
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
