import { join, resolve } from "node:path";
import { CloudTrailClient, paginateLookupEvents } from "@aws-sdk/client-cloudtrail";
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig, TEST_CREDENTIALS } from "../helpers/emulator.js";
import { blobOf, descriptorOf, imageOf } from "../helpers/oci-layout.js";
import {
  createRepository,
  pushBlob,
  pushImage,
  pushManifest,
  registryCall,
  registryLogin,
} from "../helpers/registry.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

let now = new Date("2026-12-02T10:00:00Z");
let emulator: RunningEmulator;
let auth: string;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    env: { clock: () => now },
    images: { [`${REGISTRY}/mapped:v1`]: join(FIXTURES, "py-healthy") },
  });
  auth = (await registryLogin(emulator)).basic;
  for (const name of ["app", "team/agent", "other", "pinned"]) await createRepository(emulator, name);
  await createRepository(emulator, "frozen", { imageTagMutability: "IMMUTABLE" });
});
afterAll(async () => {
  await emulator?.stop();
});

const amd64 = imageOf({ architecture: "amd64", os: "linux" }, [{ "app/main.py": "print('amd64')\n" }]);
const arm64 = imageOf({ architecture: "arm64", os: "linux" }, [
  { "app/main.py": "print('arm64')\n" },
  { "etc/x": "y" },
]);

describe("ECR's registry login", () => {
  it("challenges an anonymous client with ECR's Basic realm", async () => {
    const answer = await registryCall(emulator, "GET", "/v2/", { headers: { host: REGISTRY } });
    expect(answer.status).toBe(401);
    expect(answer.headers["www-authenticate"]).toBe(
      `Basic realm="https://${REGISTRY}/",service="ecr.amazonaws.com"`,
    );
    expect(answer.headers["docker-distribution-api-version"]).toBe("registry/2.0");
    expect(answer.body.toString()).toBe("Not Authorized\n");
  });

  it("accepts AWS:<password> from GetAuthorizationToken, and rejects any other password or user", async () => {
    expect((await registryCall(emulator, "GET", "/v2/", { headers: { authorization: auth } })).status).toBe(
      200,
    );
    const { password } = await registryLogin(emulator);
    const forged = `${password.slice(0, -4)}AAAA`;
    for (const credentials of [
      `AWS:${forged}`,
      `aws:${password}`,
      `AWS:${Buffer.from("{}").toString("base64")}`,
      "AWS:",
    ]) {
      const answer = await registryCall(emulator, "GET", "/v2/", {
        headers: { authorization: `Basic ${Buffer.from(credentials).toString("base64")}` },
      });
      expect(answer.status, credentials).toBe(401);
      expect(answer.headers["www-authenticate"]).toMatch(/^Basic realm=/);
    }
  });

  it("refuses a token after its 12 hours, and a token for another region on that region's registry", async () => {
    const { basic } = await registryLogin(emulator);
    const west = await registryLogin(emulator, "us-west-2");
    const answer = await registryCall(emulator, "GET", "/v2/", {
      headers: { authorization: west.basic, host: REGISTRY },
    });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ errors: [{ code: "DENIED" }] });
    const saved = now;
    now = new Date(now.getTime() + 12 * 3600_000 + 1000);
    try {
      const expired = await registryCall(emulator, "GET", "/v2/", { headers: { authorization: basic } });
      expect(expired.status).toBe(403);
      expect(expired.json()).toEqual({
        errors: [
          {
            code: "DENIED",
            message: "Your authorization token has expired. Reauthenticate and try again.",
            detail: {},
          },
        ],
      });
    } finally {
      now = saved;
    }
  });
});

describe("pushing blobs", () => {
  it("uploads in chunks with Content-Range, refuses a chunk out of order, and verifies the digest", async () => {
    const blob = blobOf("application/octet-stream", Buffer.from("0123456789abcdefghij"));
    const started = await registryCall(emulator, "POST", "/v2/app/blobs/uploads/", {
      headers: { authorization: auth },
    });
    expect(started.status).toBe(202);
    expect(started.headers.location).toMatch(/^\/v2\/app\/blobs\/uploads\/[0-9a-f-]{36}$/);
    const location = started.headers.location!;
    const patch = (range: string, bytes: Buffer) =>
      registryCall(emulator, "PATCH", location, {
        headers: { authorization: auth, "content-range": range, "content-type": "application/octet-stream" },
        body: bytes,
      });
    const first = await patch("0-9", blob.bytes.subarray(0, 10));
    expect(first.status).toBe(202);
    expect(first.headers.range).toBe("0-9");
    const gap = await patch("12-19", blob.bytes.subarray(12));
    expect(gap.status).toBe(416);
    expect(gap.headers.range).toBe("0-9");
    const status = await registryCall(emulator, "GET", location, { headers: { authorization: auth } });
    expect(status.status).toBe(204);
    expect(status.headers.range).toBe("0-9");
    expect((await patch("10-19", blob.bytes.subarray(10))).headers.range).toBe("0-19");

    const wrong = `sha256:${"0".repeat(64)}`;
    const refused = await registryCall(emulator, "PUT", `${location}?digest=${wrong}`, {
      headers: { authorization: auth },
    });
    expect(refused.status).toBe(400);
    expect(refused.json()).toMatchObject({ errors: [{ code: "DIGEST_INVALID" }] });

    const done = await registryCall(emulator, "PUT", `${location}?digest=${blob.digest}`, {
      headers: { authorization: auth },
    });
    expect(done.status).toBe(201);
    expect(done.headers["docker-content-digest"]).toBe(blob.digest);
    expect(done.headers.location).toBe(`/v2/app/blobs/${blob.digest}`);

    const head = await registryCall(emulator, "HEAD", `/v2/app/blobs/${blob.digest}`, {
      headers: { authorization: auth },
    });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe("20");
    const ranged = await registryCall(emulator, "GET", `/v2/app/blobs/${blob.digest}`, {
      headers: { authorization: auth, range: "bytes=5-9" },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers["content-range"]).toBe("bytes 5-9/20");
    expect(ranged.body.toString()).toBe("56789");
    const whole = await registryCall(emulator, "GET", `/v2/app/blobs/${blob.digest}`, {
      headers: { authorization: auth },
    });
    expect(whole.body.equals(blob.bytes)).toBe(true);
  });

  it("takes a monolithic upload and a final chunk with the PUT; layers belong to the repository they were pushed to", async () => {
    const blob = blobOf("application/octet-stream", "monolithic");
    expect((await pushBlob(emulator, auth, "app", blob)).status).toBe(201);
    const started = await registryCall(emulator, "POST", "/v2/app/blobs/uploads/", {
      headers: { authorization: auth },
    });
    const last = blobOf("application/octet-stream", "in the PUT");
    const put = await registryCall(emulator, "PUT", `${started.headers.location}?digest=${last.digest}`, {
      headers: { authorization: auth, "content-length": `${last.size}` },
      body: last.bytes,
    });
    expect(put.status).toBe(201);
    const elsewhere = await registryCall(emulator, "HEAD", `/v2/other/blobs/${blob.digest}`, {
      headers: { authorization: auth },
    });
    expect(elsewhere.status).toBe(404);
  });

  it("answers a cross-repository mount with an upload (ECR's blob mounting is off by default), or 201 when the blob is there", async () => {
    const blob = blobOf("application/octet-stream", "mount me");
    await pushBlob(emulator, auth, "app", blob);
    const mount = await registryCall(
      emulator,
      "POST",
      `/v2/other/blobs/uploads/?mount=${blob.digest}&from=app`,
      {
        headers: { authorization: auth },
      },
    );
    expect(mount.status).toBe(202);
    expect(mount.headers.location).toMatch(/^\/v2\/other\/blobs\/uploads\//);
    const again = await registryCall(
      emulator,
      "POST",
      `/v2/app/blobs/uploads/?mount=${blob.digest}&from=other`,
      {
        headers: { authorization: auth },
      },
    );
    expect(again.status).toBe(201);
  });

  it("refuses a push to a repository nobody created, as ECR does", async () => {
    const answer = await registryCall(emulator, "POST", "/v2/never-created/blobs/uploads/", {
      headers: { authorization: auth },
    });
    expect(answer.status).toBe(404);
    expect(answer.json()).toEqual({
      errors: [
        {
          code: "NAME_UNKNOWN",
          message:
            "The repository with name 'never-created' does not exist in the registry with id '123456789012'",
          detail: {},
        },
      ],
    });
  });
});

describe("pushing and pulling manifests", () => {
  it("refuses a manifest whose layers were not pushed to the repository", async () => {
    await pushBlob(emulator, auth, "team/agent", amd64.config);
    const answer = await pushManifest(emulator, auth, "team/agent", "v1", amd64.manifest);
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({
      errors: [
        {
          code: "MANIFEST_BLOB_UNKNOWN",
          message: "blob unknown to registry",
          detail: amd64.layers[0]!.digest,
        },
      ],
    });
  });

  it("stores an image by tag, serves it by tag and digest byte for byte, and lists the tag", async () => {
    const pushed = await pushImage(emulator, auth, "team/agent", "v1", amd64);
    expect(pushed.status).toBe(201);
    expect(pushed.headers["docker-content-digest"]).toBe(amd64.manifest.digest);
    expect(pushed.headers.location).toBe(`/v2/team/agent/manifests/${amd64.manifest.digest}`);
    for (const reference of ["v1", amd64.manifest.digest]) {
      const pulled = await registryCall(emulator, "GET", `/v2/team/agent/manifests/${reference}`, {
        headers: { authorization: auth, accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      expect(pulled.status).toBe(200);
      expect(pulled.headers["content-type"]).toBe("application/vnd.oci.image.manifest.v1+json");
      expect(pulled.headers["docker-content-digest"]).toBe(amd64.manifest.digest);
      expect(pulled.body.equals(amd64.manifest.bytes)).toBe(true);
    }
    const tags = await registryCall(emulator, "GET", "/v2/team/agent/tags/list", {
      headers: { authorization: auth },
    });
    expect(tags.json()).toEqual({ name: "team/agent", tags: ["v1"] });
  });

  it("checks a manifest pushed by digest against its bytes", async () => {
    await pushImage(emulator, auth, "pinned", undefined, arm64);
    const wrong = await registryCall(emulator, "PUT", `/v2/pinned/manifests/${amd64.manifest.digest}`, {
      headers: { authorization: auth, "content-type": arm64.manifest.mediaType },
      body: arm64.manifest.bytes,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toMatchObject({ errors: [{ code: "DIGEST_INVALID" }] });
    const head = await registryCall(emulator, "HEAD", `/v2/pinned/manifests/${arm64.manifest.digest}`, {
      headers: { authorization: auth },
    });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(`${arm64.manifest.size}`);
  });

  it("stores a Docker schema 2 manifest list only when every image it lists is in the repository", async () => {
    const dockerImage = blobOf(
      DOCKER_MANIFEST,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: {
          ...descriptorOf(arm64.config),
          mediaType: "application/vnd.docker.container.image.v1+json",
        },
        layers: arm64.layers.map((l) => ({
          ...descriptorOf(l),
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        })),
      }),
    );
    const list = blobOf(
      DOCKER_LIST,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_LIST,
        manifests: [
          { ...descriptorOf(amd64.manifest), platform: amd64.platform },
          { ...descriptorOf(dockerImage), platform: arm64.platform },
        ],
      }),
    );
    const early = await pushManifest(emulator, auth, "team/agent", "multi", list);
    expect(early.status).toBe(400);
    expect(early.json()).toMatchObject({
      errors: [{ code: "MANIFEST_BLOB_UNKNOWN", detail: dockerImage.digest }],
    });
    for (const blob of [arm64.config, ...arm64.layers]) await pushBlob(emulator, auth, "team/agent", blob);
    expect((await pushManifest(emulator, auth, "team/agent", dockerImage.digest, dockerImage)).status).toBe(
      201,
    );
    expect((await pushManifest(emulator, auth, "team/agent", "multi", list)).status).toBe(201);

    const ecr = new ECRClient(sdkConfig(emulator));
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "team/agent" }));
    ecr.destroy();
    const byDigest = new Map(imageDetails!.map((d) => [d.imageDigest, d]));
    expect(byDigest.get(list.digest)).toMatchObject({
      imageTags: ["multi"],
      imageManifestMediaType: DOCKER_LIST,
      // A manifest list's size is its largest image's.
      imageSizeInBytes: arm64.config.size + arm64.layers.reduce((s, l) => s + l.size, 0),
    });
    expect(byDigest.get(dockerImage.digest)).toMatchObject({
      imageManifestMediaType: DOCKER_MANIFEST,
      artifactMediaType: "application/vnd.docker.container.image.v1+json",
    });
    expect(byDigest.get(dockerImage.digest)?.imageTags).toBeUndefined();

    // An image an index lists cannot be deleted from under it.
    const refused = await registryCall(emulator, "DELETE", `/v2/team/agent/manifests/${dockerImage.digest}`, {
      headers: { authorization: auth },
    });
    expect(refused.status).toBe(409);
  });

  it("moves a tag to a new push (the old image stays, untagged), unless the repository's tags are immutable", async () => {
    await pushImage(emulator, auth, "app", "latest", amd64);
    await pushImage(emulator, auth, "app", "latest", arm64);
    const ecr = new ECRClient(sdkConfig(emulator));
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "app" }));
    ecr.destroy();
    expect(imageDetails!.find((d) => d.imageDigest === arm64.manifest.digest)?.imageTags).toEqual(["latest"]);
    expect(imageDetails!.find((d) => d.imageDigest === amd64.manifest.digest)?.imageTags).toBeUndefined();

    expect((await pushImage(emulator, auth, "frozen", "v1", amd64)).status).toBe(201);
    expect((await pushImage(emulator, auth, "frozen", "v1", amd64)).status).toBe(201);
    const moved = await pushImage(emulator, auth, "frozen", "v1", arm64);
    expect(moved.status).toBe(400);
    expect(moved.json()).toMatchObject({ errors: [{ code: "TAG_INVALID" }] });
  });

  it("deletes a manifest by digest with its tags", async () => {
    await pushImage(emulator, auth, "other", "gone", amd64);
    const deleted = await registryCall(emulator, "DELETE", `/v2/other/manifests/${amd64.manifest.digest}`, {
      headers: { authorization: auth },
    });
    expect(deleted.status).toBe(202);
    const pulled = await registryCall(emulator, "GET", "/v2/other/manifests/gone", {
      headers: { authorization: auth },
    });
    expect(pulled.status).toBe(404);
    expect(pulled.json()).toMatchObject({ errors: [{ code: "MANIFEST_UNKNOWN" }] });
  });

  it("serves referrers of a manifest (OCI 1.1), filtered by artifactType", async () => {
    const empty = blobOf("application/vnd.oci.empty.v1+json", "{}");
    const sbom = blobOf("application/spdx+json", '{"spdxVersion":"SPDX-2.3"}');
    await pushBlob(emulator, auth, "team/agent", empty);
    await pushBlob(emulator, auth, "team/agent", sbom);
    const referrer = blobOf(
      "application/vnd.oci.image.manifest.v1+json",
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/spdx+json",
        config: descriptorOf(empty),
        layers: [descriptorOf(sbom)],
        subject: descriptorOf(amd64.manifest),
      }),
    );
    const pushed = await pushManifest(emulator, auth, "team/agent", referrer.digest, referrer);
    expect(pushed.headers["oci-subject"]).toBe(amd64.manifest.digest);
    const listed = await registryCall(
      emulator,
      "GET",
      `/v2/team/agent/referrers/${amd64.manifest.digest}?artifactType=application/spdx%2Bjson`,
      {
        headers: { authorization: auth },
      },
    );
    expect(listed.json()).toMatchObject({
      manifests: [{ digest: referrer.digest, artifactType: "application/spdx+json", size: referrer.size }],
    });
  });

  it("lists repositories a page at a time, with the Link to the next page", async () => {
    const first = await registryCall(emulator, "GET", "/v2/_catalog?n=2", {
      headers: { authorization: auth },
    });
    expect(first.json()).toEqual({ repositories: ["app", "frozen"] });
    expect(first.headers.link).toBe('</v2/_catalog?last=frozen&n=2>; rel="next"');
    const rest = await registryCall(emulator, "GET", "/v2/_catalog?last=frozen", {
      headers: { authorization: auth },
    });
    expect(rest.json()).toEqual({ repositories: ["mapped", "other", "pinned", "team/agent"] });
  });

  it("says a mapped directory's image has no layers to pull, while DescribeImages shows it beside pushed ones", async () => {
    const pulled = await registryCall(emulator, "GET", "/v2/mapped/manifests/v1", {
      headers: { authorization: auth },
    });
    expect(pulled.status).toBe(404);
    expect(JSON.stringify(pulled.json())).toContain("no layers to pull");
    await pushImage(emulator, auth, "mapped", "v2", amd64);
    const ecr = new ECRClient(sdkConfig(emulator));
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "mapped" }));
    ecr.destroy();
    expect(imageDetails!.filter((d) => d.imageTags).map((d) => d.imageTags)).toEqual([["v2"], ["v1"]]);
  });

  it("records pushes and pulls in CloudTrail as ECR's actions, by the principal that asked for the token", async () => {
    await registryCall(emulator, "GET", "/v2/team/agent/manifests/v1", { headers: { authorization: auth } });
    const trail = new CloudTrailClient(sdkConfig(emulator));
    const Events = [];
    for await (const page of paginateLookupEvents(
      { client: trail },
      { LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "ecr.amazonaws.com" }] },
    )) {
      Events.push(...(page.Events ?? []));
    }
    trail.destroy();
    const names = new Set(Events.map((e) => e.EventName));
    for (const name of [
      "GetAuthorizationToken",
      "CreateRepository",
      "InitiateLayerUpload",
      "UploadLayerPart",
      "CompleteLayerUpload",
      "PutImage",
      "BatchGetImage",
      "GetDownloadUrlForLayer",
    ]) {
      expect(names, name).toContain(name);
    }
    const put = Events.find((e) => e.EventName === "PutImage")!;
    const record = JSON.parse(put.CloudTrailEvent!);
    expect(record.userIdentity.accessKeyId).toBe(TEST_CREDENTIALS.accessKeyId);
    expect(record.requestParameters).toMatchObject({ registryId: "123456789012" });
  });
});
