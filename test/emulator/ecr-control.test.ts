import { CloudTrailClient, paginateLookupEvents } from "@aws-sdk/client-cloudtrail";
import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException,
  ImageTagAlreadyExistsException,
  InvalidParameterException,
  LayersNotFoundException,
  ListImagesCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  PutImageTagMutabilityCommand,
  ReferencedImagesNotFoundException,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "../helpers/emulator.js";
import { imageOf, indexOf } from "../helpers/oci-layout.js";
import { pushBlob, pushImage, registryCall, registryLogin } from "../helpers/registry.js";

const ACCOUNT = "123456789012";
const REGISTRY = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

let emulator: RunningEmulator;
let ecr: ECRClient;
let auth: string;

const amd64 = imageOf({ architecture: "amd64", os: "linux" }, [
  { "app/main.py": "amd64\n" },
  { "etc/a": "a\n" },
]);
const arm64 = imageOf({ architecture: "arm64", os: "linux" }, [{ "app/main.py": "arm64\n" }]);
const index = indexOf([amd64, arm64]);
const sizeOf = (image: typeof amd64) => image.config.size + image.layers.reduce((s, l) => s + l.size, 0);

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ecr = new ECRClient(sdkConfig(emulator));
  auth = (await registryLogin(emulator)).basic;
});
afterAll(async () => {
  ecr?.destroy();
  await emulator?.stop();
});

describe("ECR repositories", () => {
  it("creates a repository as ECR describes it, with its settings and tags, once", async () => {
    const { repository } = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: "team/app",
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        tags: [{ Key: "team", Value: "agents" }],
      }),
    );
    expect(repository).toMatchObject({
      repositoryArn: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team/app`,
      registryId: ACCOUNT,
      repositoryName: "team/app",
      repositoryUri: `${REGISTRY}/team/app`,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: "AES256" },
    });
    const again = await failure(ecr.send(new CreateRepositoryCommand({ repositoryName: "team/app" })));
    expect(again).toBeInstanceOf(RepositoryAlreadyExistsException);
    expect(again!.message).toBe(
      `The repository with name 'team/app' already exists in the registry with id '${ACCOUNT}'`,
    );
    const badName = await failure(ecr.send(new CreateRepositoryCommand({ repositoryName: "Team/App" })));
    expect(badName).toBeInstanceOf(InvalidParameterException);
    expect(badName!.message).toMatch(
      /^Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression/,
    );
  });

  it("names the AWS managed key when KMS encryption is asked for without a key", async () => {
    const { repository } = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: "team/kms",
        encryptionConfiguration: { encryptionType: "KMS" },
      }),
    );
    expect(repository?.encryptionConfiguration?.encryptionType).toBe("KMS");
    expect(repository?.encryptionConfiguration?.kmsKey).toMatch(
      /^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["team/kms"] }));
    expect(described.repositories?.[0]?.encryptionConfiguration).toEqual(repository?.encryptionConfiguration);
  });

  it("keeps resource tags: TagResource, UntagResource, ListTagsForResource", async () => {
    const resourceArn = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team/app`;
    await ecr.send(
      new TagResourceCommand({
        resourceArn,
        tags: [
          { Key: "env", Value: "dev" },
          { Key: "team", Value: "core" },
        ],
      }),
    );
    await ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: ["env"] }));
    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual([
      { Key: "team", Value: "core" },
    ]);
    const missing = await failure(
      ecr.send(
        new ListTagsForResourceCommand({ resourceArn: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/nope` }),
      ),
    );
    expect(missing).toBeInstanceOf(RepositoryNotFoundException);
    const invalid = await failure(
      ecr.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:s3:::bucket" })),
    );
    expect(invalid).toBeInstanceOf(InvalidParameterException);
  });
});

describe("PutImage and what ECR then reports", () => {
  beforeAll(async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "deploy" }));
  });

  it("refuses a manifest whose layers are not in the repository, naming them", async () => {
    const error = await failure(
      ecr.send(
        new PutImageCommand({
          repositoryName: "deploy",
          imageManifest: amd64.manifest.bytes.toString(),
          imageTag: "v1",
        }),
      ),
    );
    expect(error).toBeInstanceOf(LayersNotFoundException);
    for (const blob of [amd64.config, ...amd64.layers]) expect(error!.message).toContain(blob.digest);
  });

  it("stores a manifest once its layers are pushed, and refuses the same tag and manifest again", async () => {
    for (const blob of [amd64.config, ...amd64.layers, arm64.config, ...arm64.layers]) {
      expect((await pushBlob(emulator, auth, "deploy", blob)).status).toBe(201);
    }
    const put = await ecr.send(
      new PutImageCommand({
        repositoryName: "deploy",
        imageManifest: amd64.manifest.bytes.toString(),
        imageTag: "v1",
      }),
    );
    expect(put.image).toMatchObject({
      registryId: ACCOUNT,
      repositoryName: "deploy",
      imageId: { imageDigest: amd64.manifest.digest, imageTag: "v1" },
      imageManifestMediaType: OCI_MANIFEST,
    });
    const again = await failure(
      ecr.send(
        new PutImageCommand({
          repositoryName: "deploy",
          imageManifest: amd64.manifest.bytes.toString(),
          imageTag: "v1",
        }),
      ),
    );
    expect(again).toBeInstanceOf(ImageAlreadyExistsException);
    // The registry serves what PutImage stored.
    const pulled = await registryCall(emulator, "GET", "/v2/deploy/manifests/v1", {
      headers: { authorization: auth },
    });
    expect(pulled.body.equals(amd64.manifest.bytes)).toBe(true);
  });

  it("checks the digest it is given, the JSON, and that an index's images exist", async () => {
    const mismatch = await failure(
      ecr.send(
        new PutImageCommand({
          repositoryName: "deploy",
          imageManifest: arm64.manifest.bytes.toString(),
          imageDigest: amd64.manifest.digest,
        }),
      ),
    );
    expect(mismatch).toBeInstanceOf(ImageDigestDoesNotMatchException);
    const notJson = await failure(
      ecr.send(new PutImageCommand({ repositoryName: "deploy", imageManifest: "{not json" })),
    );
    expect(notJson).toBeInstanceOf(InvalidParameterException);
    expect(notJson!.message).toBe(
      "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
    );
    // A manifest with no mediaType, and none in the request, is refused in the same words.
    const { mediaType: _, ...untyped } = JSON.parse(arm64.manifest.bytes.toString()) as Record<
      string,
      unknown
    >;
    const noType = await failure(
      ecr.send(new PutImageCommand({ repositoryName: "deploy", imageManifest: JSON.stringify(untyped) })),
    );
    expect(noType!.message).toBe(
      "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
    );
    const early = await failure(
      ecr.send(
        new PutImageCommand({
          repositoryName: "deploy",
          imageManifest: index.bytes.toString(),
          imageTag: "multi",
        }),
      ),
    );
    expect(early).toBeInstanceOf(ReferencedImagesNotFoundException);
    await ecr.send(
      new PutImageCommand({ repositoryName: "deploy", imageManifest: arm64.manifest.bytes.toString() }),
    );
    await ecr.send(
      new PutImageCommand({
        repositoryName: "deploy",
        imageManifest: index.bytes.toString(),
        imageTag: "multi",
      }),
    );
  });

  it("refuses to move a tag in an IMMUTABLE repository", async () => {
    for (const blob of [amd64.config, ...amd64.layers, arm64.config, ...arm64.layers])
      await pushBlob(emulator, auth, "team/app", blob);
    await ecr.send(
      new PutImageCommand({
        repositoryName: "team/app",
        imageManifest: amd64.manifest.bytes.toString(),
        imageTag: "v1",
      }),
    );
    const moved = await failure(
      ecr.send(
        new PutImageCommand({
          repositoryName: "team/app",
          imageManifest: arm64.manifest.bytes.toString(),
          imageTag: "v1",
        }),
      ),
    );
    expect(moved).toBeInstanceOf(ImageTagAlreadyExistsException);
  });

  it("moves tags as the tag mutability setting and its WILDCARD exclusion filters allow; PutImageTagMutability replaces both", async () => {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: "team/filters",
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "dev-*" }],
      }),
    );
    for (const blob of [amd64.config, ...amd64.layers, arm64.config, ...arm64.layers])
      await pushBlob(emulator, auth, "team/filters", blob);
    const put = (image: typeof amd64, imageTag: string) =>
      failure(
        ecr.send(
          new PutImageCommand({
            repositoryName: "team/filters",
            imageManifest: image.manifest.bytes.toString(),
            imageTag,
          }),
        ),
      );
    for (const tag of ["dev-1", "v1", "dev.x"]) expect(await put(amd64, tag)).toBeUndefined();
    // dev-* matches dev-1 (mutable); v1 and dev.x ('.' is literal, not any character) stay immutable.
    expect(await put(arm64, "dev-1")).toBeUndefined();
    expect(await put(arm64, "v1")).toBeInstanceOf(ImageTagAlreadyExistsException);
    expect(await put(arm64, "dev.x")).toBeInstanceOf(ImageTagAlreadyExistsException);
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["team/filters"] }));
    expect(described.repositories?.[0]).toMatchObject({
      imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
      imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "dev-*" }],
    });

    const changed = await ecr.send(
      new PutImageTagMutabilityCommand({
        repositoryName: "team/filters",
        imageTagMutability: "MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "v*" }],
      }),
    );
    expect(changed).toMatchObject({
      registryId: ACCOUNT,
      repositoryName: "team/filters",
      imageTagMutability: "MUTABLE_WITH_EXCLUSION",
      imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "v*" }],
    });
    // Now the v* tags are the immutable ones.
    expect(await put(arm64, "dev.x")).toBeUndefined();
    expect(await put(arm64, "v1")).toBeInstanceOf(ImageTagAlreadyExistsException);

    const missing = await failure(
      ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "nope", imageTagMutability: "MUTABLE" })),
    );
    expect(missing).toBeInstanceOf(RepositoryNotFoundException);
    const invalid = await failure(
      ecr.send(
        new PutImageTagMutabilityCommand({
          repositoryName: "team/filters",
          imageTagMutability: "invalid" as "MUTABLE",
        }),
      ),
    );
    expect(invalid).toBeInstanceOf(InvalidParameterException);
    expect(invalid?.message).toBe(
      "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [IMMUTABLE, MUTABLE, MUTABLE_WITH_EXCLUSION, IMMUTABLE_WITH_EXCLUSION]'",
    );
  });

  it("describes pushed images with their real digests, sizes, media types and pull times", async () => {
    await ecr.send(new BatchGetImageCommand({ repositoryName: "deploy", imageIds: [{ imageTag: "multi" }] }));
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "deploy" }));
    const byDigest = new Map(imageDetails!.map((d) => [d.imageDigest, d]));
    expect(byDigest.get(index.digest)).toMatchObject({
      imageTags: ["multi"],
      imageManifestMediaType: OCI_INDEX,
      imageSizeInBytes: Math.max(sizeOf(amd64), sizeOf(arm64)),
      imageStatus: "ACTIVE",
    });
    expect(byDigest.get(index.digest)!.lastRecordedPullTime).toBeInstanceOf(Date);
    expect(byDigest.get(amd64.manifest.digest)).toMatchObject({
      imageTags: ["v1"],
      imageSizeInBytes: sizeOf(amd64),
      artifactMediaType: "application/vnd.oci.image.config.v1+json",
    });
    expect(byDigest.get(arm64.manifest.digest)!.imageTags).toBeUndefined();
    const { images } = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: "deploy",
        imageIds: [{ imageTag: "multi" }, { imageTag: "nope" }],
      }),
    );
    const listed = JSON.parse(images![0]!.imageManifest!) as { manifests: { platform: unknown }[] };
    expect(listed.manifests.map((m) => m.platform)).toEqual([amd64.platform, arm64.platform]);
  });

  it("lists one id per tag and one per untagged image, filtered and paged", async () => {
    const all = await ecr.send(new ListImagesCommand({ repositoryName: "deploy" }));
    expect(all.imageIds).toEqual(
      expect.arrayContaining([
        { imageDigest: amd64.manifest.digest, imageTag: "v1" },
        { imageDigest: arm64.manifest.digest },
        { imageDigest: index.digest, imageTag: "multi" },
      ]),
    );
    expect(all.imageIds).toHaveLength(3);
    const untagged = await ecr.send(
      new ListImagesCommand({ repositoryName: "deploy", filter: { tagStatus: "UNTAGGED" } }),
    );
    expect(untagged.imageIds).toEqual([{ imageDigest: arm64.manifest.digest }]);
    const first = await ecr.send(new ListImagesCommand({ repositoryName: "deploy", maxResults: 2 }));
    const rest = await ecr.send(
      new ListImagesCommand({ repositoryName: "deploy", maxResults: 2, nextToken: first.nextToken! }),
    );
    expect([...first.imageIds!, ...rest.imageIds!]).toEqual(all.imageIds);
  });

  it("hands out a layer URL that reads that layer, and only it, without a login", async () => {
    const layer = amd64.layers[0]!;
    const { downloadUrl, layerDigest } = await ecr.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: "deploy", layerDigest: layer.digest }),
    );
    expect(layerDigest).toBe(layer.digest);
    const url = new URL(downloadUrl!);
    expect(url.origin).toBe(emulator.url);
    const fetched = await registryCall(emulator, "GET", `${url.pathname}${url.search}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.equals(layer.bytes)).toBe(true);
    const elsewhere = await registryCall(emulator, "GET", `/v2/deploy/manifests/v1${url.search}`);
    expect(elsewhere.status).toBe(403);
    const missing = await failure(
      ecr.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: "deploy",
          layerDigest: `sha256:${"1".repeat(64)}`,
        }),
      ),
    );
    expect(missing).toBeInstanceOf(LayersNotFoundException);
    const checked = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: "deploy",
        layerDigests: [layer.digest, `sha256:${"1".repeat(64)}`],
      }),
    );
    expect(checked.layers).toEqual([
      { layerDigest: layer.digest, layerAvailability: "AVAILABLE", layerSize: layer.size },
      { layerDigest: `sha256:${"1".repeat(64)}`, layerAvailability: "UNAVAILABLE" },
    ]);
  });
});

describe("deleting images and repositories", () => {
  it("untags by tag (the last tag takes the image), deletes by digest, and will not delete an image an index lists", async () => {
    const referenced = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: "deploy",
        imageIds: [{ imageDigest: arm64.manifest.digest }],
      }),
    );
    expect(referenced.failures).toEqual([
      {
        imageId: { imageDigest: arm64.manifest.digest },
        failureCode: "ImageReferencedByManifestList",
        failureReason: `Requested image referenced by manifest list: [${index.digest}]`,
      },
    ]);
    const byTag = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: "deploy", imageIds: [{ imageTag: "multi" }] }),
    );
    expect(byTag.imageIds).toEqual([{ imageDigest: index.digest, imageTag: "multi" }]);
    const byDigest = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: "deploy",
        imageIds: [{ imageDigest: arm64.manifest.digest }, { imageTag: "never" }, {}],
      }),
    );
    expect(byDigest.imageIds).toEqual([{ imageDigest: arm64.manifest.digest }]);
    expect(byDigest.failures).toEqual([
      {
        imageId: { imageTag: "never" },
        failureCode: "ImageNotFound",
        failureReason: "Requested image not found",
      },
      {
        imageId: {},
        failureCode: "MissingDigestAndTag",
        failureReason: "Invalid request parameters: both tag and digest cannot be null",
      },
    ]);
    const left = await ecr.send(new ListImagesCommand({ repositoryName: "deploy" }));
    expect(left.imageIds).toEqual([{ imageDigest: amd64.manifest.digest, imageTag: "v1" }]);
  });

  it("deletes a repository only when empty or forced; a blob another repository holds is still served", async () => {
    const notEmpty = await failure(ecr.send(new DeleteRepositoryCommand({ repositoryName: "deploy" })));
    expect(notEmpty).toBeInstanceOf(RepositoryNotEmptyException);
    const { repository } = await ecr.send(
      new DeleteRepositoryCommand({ repositoryName: "deploy", force: true }),
    );
    expect(repository?.repositoryName).toBe("deploy");
    const gone = await failure(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["deploy"] })));
    expect(gone).toBeInstanceOf(RepositoryNotFoundException);
    await new Promise((resolve) => setImmediate(resolve));
    const shared = await registryCall(emulator, "GET", `/v2/team/app/blobs/${amd64.layers[0]!.digest}`, {
      headers: { authorization: auth },
    });
    expect(shared.body.equals(amd64.layers[0]!.bytes)).toBe(true);
    // Pushing into it again needs it created again, as in ECR.
    const push = await pushImage(emulator, auth, "deploy", "v1", amd64).catch((e: Error) => e);
    expect(String(push)).toMatch(/404/);
  });

  it("records each control operation in CloudTrail", async () => {
    const trail = new CloudTrailClient(sdkConfig(emulator));
    const names = new Set<string>();
    for await (const page of paginateLookupEvents(
      { client: trail },
      { LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "ecr.amazonaws.com" }] },
    )) {
      for (const event of page.Events ?? []) names.add(event.EventName!);
    }
    trail.destroy();
    for (const name of [
      "CreateRepository",
      "PutImage",
      "BatchDeleteImage",
      "DeleteRepository",
      "TagResource",
      "GetDownloadUrlForLayer",
    ]) {
      expect(names, name).toContain(name);
    }
  });
});
