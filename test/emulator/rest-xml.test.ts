import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WireRequest } from "../../src/emulator/protocol/codec.js";
import { AwsError } from "../../src/emulator/protocol/errors.js";
import { decodeAwsChunked, RestXmlCodec } from "../../src/emulator/protocol/rest-xml.js";
import { loadServiceModel } from "../../src/emulator/protocol/service-model.js";
import { BlobStore } from "../../src/emulator/store/blob-store.js";

const codec = new RestXmlCodec(loadServiceModel("s3"), {
  hostPath: (host, path) => {
    const bucket = /^(.+)\.s3\.[a-z0-9-]+\.amazonaws\.com$/.exec(host)?.[1];
    return bucket ? `/${bucket}${path === "/" ? "" : path}` : undefined;
  },
});

function request(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body = "",
): WireRequest {
  const url = new URL(target, "http://127.0.0.1");
  return { method, path: url.pathname, query: url.searchParams, headers, body: Buffer.from(body) };
}

const op = (r: WireRequest) => codec.match(r)?.operation.name;

describe("restXml codec over botocore's S3 model", () => {
  it("tells operations sharing a URI apart by the query keys and headers they require", () => {
    expect(op(request("GET", "/"))).toBe("ListBuckets");
    expect(op(request("PUT", "/b"))).toBe("CreateBucket");
    expect(op(request("HEAD", "/b/"))).toBe("HeadBucket");
    expect(op(request("GET", "/b?list-type=2"))).toBe("ListObjectsV2");
    expect(op(request("GET", "/b?versioning"))).toBe("GetBucketVersioning");
    expect(op(request("PUT", "/b/a/k.zip?x-id=PutObject"))).toBe("PutObject");
    expect(op(request("PUT", "/b/k?partNumber=1&uploadId=u"))).toBe("UploadPart");
    expect(op(request("PUT", "/b/k", { "x-amz-copy-source": "/o/k" }))).toBe("CopyObject");
    expect(op(request("POST", "/b/k?uploads"))).toBe("CreateMultipartUpload");
    expect(op(request("POST", "/b/k?uploadId=u"))).toBe("CompleteMultipartUpload");
    expect(op(request("DELETE", "/b/k?uploadId=u"))).toBe("AbortMultipartUpload");
    expect(op(request("DELETE", "/b/k"))).toBe("DeleteObject");
    expect(op(request("POST", "/b?delete"))).toBe("DeleteObjects");
  });

  it("reads a virtual-hosted request as its path-style twin, labels decoded", () => {
    const r = request("GET", "/dir/a%20b.zip?versionId=v1", { host: "code.s3.us-east-1.amazonaws.com" });
    const matched = codec.match(r)!;
    expect(matched.operation.name).toBe("GetObject");
    expect(codec.parseInput(matched, r)).toMatchObject({
      Bucket: "code",
      Key: "dir/a b.zip",
      VersionId: "v1",
    });
  });

  it("binds an XML payload with flattened lists, and a streaming body with its trailing checksum", () => {
    const del = request(
      "POST",
      "/b?delete",
      {},
      '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>v</VersionId></Object><Quiet>true</Quiet></Delete>',
    );
    expect(codec.parseInput(codec.match(del)!, del)).toMatchObject({
      Bucket: "b",
      Delete: { Objects: [{ Key: "a" }, { Key: "b", VersionId: "v" }], Quiet: true },
    });
    const chunked = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
    const put = request(
      "PUT",
      "/b/k",
      {
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "content-encoding": "aws-chunked",
        "x-amz-meta-owner": "me",
      },
      chunked,
    );
    const input = codec.parseInput(codec.match(put)!, put);
    expect(Buffer.from(input.Body as Buffer).toString()).toBe("hello world");
    expect(input).toMatchObject({ ChecksumCRC32: "DUoRhQ==", Metadata: { owner: "me" } });
    expect(input.ContentEncoding).toBeUndefined();
    expect(() => decodeAwsChunked(Buffer.from("5\r\nhel"))).toThrow(AwsError);
  });

  it("renders outputs as S3 XML and errors as S3's Error document", () => {
    const list = codec.model.operations.ListBuckets!;
    const out = codec.serializeOutput(
      { ...list, name: "ListBuckets" },
      { Buckets: [{ Name: "b", CreationDate: new Date(0) }], Owner: { ID: "abc" } },
      "req-1",
    );
    const xml = out.body.toString();
    expect(xml).toContain(
      "<Buckets><Bucket><Name>b</Name><CreationDate>1970-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>",
    );
    expect(out.headers["x-amz-request-id"]).toBe("req-1");
    const error = codec.serializeError(
      new AwsError("NoSuchKey", "The specified key does not exist.", { Key: "k" }),
      "r",
    );
    expect(error.status).toBe(404);
    expect(error.body.toString()).toContain(
      "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>k</Key><RequestId>r</RequestId>",
    );
  });
});

describe("the shared blob store", () => {
  it("stores bytes in hand synchronously under their digest and reads them back in pieces", () => {
    const dir = mkdtempSync(join(tmpdir(), "acd-blobs-"));
    try {
      const blobs = BlobStore.at(dir);
      const put = blobs.putSync([Buffer.from("hello "), Buffer.from("world")]);
      expect(put.size).toBe(11);
      expect(put.digest).toBe("sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
      expect(readFileSync(put.path, "utf8")).toBe("hello world");
      expect(Buffer.concat([...blobs.readSync(put.digest, 4)]).toString()).toBe("hello world");
      blobs.sweep(new Set(), new Set());
      expect(blobs.pathOf(put.digest)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
