import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  InvalidParameterException,
  RepositoryNotFoundException,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectImage } from "../../src/diagnose/collect/image.js";
import type { EvidenceGap } from "../../src/diagnose/evidence.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "../helpers/emulator.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const INDEX = "application/vnd.oci.image.index.v1+json";

let emulator: RunningEmulator;
let ecr: ECRClient;
let editable: string;

beforeAll(async () => {
  // A copy the tests may edit: a changed build context is a new image.
  editable = mkdtempSync(join(tmpdir(), "ecr-agent-"));
  cpSync(join(FIXTURES, "py-healthy", "app.py"), join(editable, "app.py"));
  writeFileSync(
    join(editable, "Dockerfile"),
    'FROM --platform=linux/amd64 python:3.12-slim\nCMD ["python3", "app.py"]\n',
  );
  emulator = await startEmulator({
    port: 0,
    images: {
      [`${REGISTRY}/agents/healthy:v1`]: join(FIXTURES, "py-healthy"),
      [`${REGISTRY}/agents/healthy:stable`]: join(FIXTURES, "py-healthy"),
      [`${REGISTRY}/agents/amd`]: join(FIXTURES, "py-amd64-image"),
      [`${REGISTRY}/editable:dev`]: editable,
      [`${REGISTRY}/not-pushed:v1`]: join(FIXTURES, "no-such-directory"),
      "123456789012.dkr.ecr.us-west-2.amazonaws.com/elsewhere:v1": join(FIXTURES, "py-healthy"),
    },
  });
  ecr = new ECRClient(sdkConfig(emulator));
});
afterAll(async () => {
  ecr?.destroy();
  await emulator?.stop();
  if (editable) rmSync(editable, { recursive: true, force: true });
});

async function manifestOf(repositoryName: string, imageTag: string) {
  const { images } = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag }] }));
  return JSON.parse(images![0]!.imageManifest!) as {
    mediaType: string;
    manifests: { digest: string; platform: { architecture: string; os: string } }[];
  };
}

describe("ECR DescribeRepositories", () => {
  it("lists one repository per mapped repository of this account and region", async () => {
    const { repositories } = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(repositories?.map((r) => r.repositoryName)).toEqual([
      "agents/amd",
      "agents/healthy",
      "editable",
      "not-pushed",
    ]);
    expect(repositories![1]).toMatchObject({
      repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/agents/healthy",
      registryId: "123456789012",
      repositoryUri: `${REGISTRY}/agents/healthy`,
      imageTagMutability: "MUTABLE",
      encryptionConfiguration: { encryptionType: "AES256" },
    });
    expect(repositories![1]!.createdAt).toBeInstanceOf(Date);
  });

  it("pages with maxResults and nextToken", async () => {
    const first = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 3 }));
    expect(first.repositories).toHaveLength(3);
    const second = await ecr.send(
      new DescribeRepositoriesCommand({ maxResults: 3, nextToken: first.nextToken! }),
    );
    expect(second.repositories?.map((r) => r.repositoryName)).toEqual(["not-pushed"]);
    expect(second.nextToken).toBeUndefined();
  });

  it("answers an unknown repository as ECR does", async () => {
    const error = await ecr
      .send(new DescribeRepositoriesCommand({ repositoryNames: ["agents/healthy", "missing"] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryNotFoundException);
    expect((error as Error).message).toBe(
      "The repository with name 'missing' does not exist in the registry with id '123456789012'",
    );
  });

  it("reports a constraint violation as InvalidParameterException in ECR's words", async () => {
    const error = await ecr
      .send(new DescribeRepositoriesCommand({ repositoryNames: ["x"] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toBe(
      "Invalid parameter at 'repositoryNames.1.member' failed to satisfy constraint: 'must have length greater than or equal to 2'",
    );
  });
});

describe("ECR DescribeImages", () => {
  it("describes the tagged index and the manifests it lists", async () => {
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "agents/healthy" }));
    expect(imageDetails).toHaveLength(3);
    const [index, ...children] = imageDetails!;
    expect(index).toMatchObject({
      registryId: "123456789012",
      repositoryName: "agents/healthy",
      imageTags: ["stable", "v1"],
      imageManifestMediaType: INDEX,
      imageStatus: "ACTIVE",
    });
    expect(index!.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(index!.imageSizeInBytes).toBeGreaterThan(0);
    expect(index!.imagePushedAt).toBeInstanceOf(Date);
    for (const child of children) {
      expect(child.imageTags).toBeUndefined();
      expect(child).toMatchObject({
        imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactMediaType: "application/vnd.oci.image.config.v1+json",
      });
    }
    const tagged = await ecr.send(
      new DescribeImagesCommand({ repositoryName: "agents/healthy", filter: { tagStatus: "TAGGED" } }),
    );
    expect(tagged.imageDetails?.map((i) => i.imageDigest)).toEqual([index!.imageDigest]);
  });

  it("gives an image a digest derived from its directory: stable, and new when the files change", async () => {
    const digestOf = async (repositoryName: string, imageTag: string) =>
      (await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] })))
        .imageDetails![0]!.imageDigest;
    const before = await digestOf("editable", "dev");
    expect(await digestOf("editable", "dev")).toBe(before);
    expect(await digestOf("agents/amd", "latest")).not.toBe(before);
    writeFileSync(join(editable, "app.py"), "print('changed')\n");
    expect(await digestOf("editable", "dev")).not.toBe(before);
  });

  it("finds an image by digest, and refuses an unknown tag with ImageNotFoundException", async () => {
    const { imageDetails } = await ecr.send(
      new DescribeImagesCommand({ repositoryName: "agents/amd", imageIds: [{ imageTag: "latest" }] }),
    );
    const digest = imageDetails![0]!.imageDigest!;
    const byDigest = await ecr.send(
      new DescribeImagesCommand({ repositoryName: "agents/amd", imageIds: [{ imageDigest: digest }] }),
    );
    expect(byDigest.imageDetails?.[0]?.imageTags).toEqual(["latest"]);

    const error = await ecr
      .send(new DescribeImagesCommand({ repositoryName: "agents/amd", imageIds: [{ imageTag: "v9" }] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageNotFoundException);
    expect((error as Error).message).toBe(
      "The image with imageId {imageDigest:'null', imageTag:'v9'} does not exist within the repository with name 'agents/amd' in the registry with id '123456789012'",
    );
  });

  it("holds no image in a repository whose directory does not exist, and no repository of another region", async () => {
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "not-pushed" }));
    expect(imageDetails).toEqual([]);
    const error = await ecr
      .send(new DescribeImagesCommand({ repositoryName: "elsewhere" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryNotFoundException);
  });
});

describe("ECR BatchGetImage", () => {
  it("returns an OCI index whose platform is the one the Dockerfile builds for", async () => {
    const arm = await manifestOf("agents/healthy", "v1");
    expect(arm.mediaType).toBe(INDEX);
    expect(arm.manifests.map((m) => m.platform)).toEqual([
      { architecture: "arm64", os: "linux" },
      { architecture: "unknown", os: "unknown" },
    ]);
    const amd = await manifestOf("agents/amd", "latest");
    expect(amd.manifests[0]!.platform).toEqual({ architecture: "amd64", os: "linux" });
  });

  it("serves the index under its own digest, and each listed manifest under its digest", async () => {
    const { images } = await ecr.send(
      new BatchGetImageCommand({ repositoryName: "agents/healthy", imageIds: [{ imageTag: "v1" }] }),
    );
    const image = images![0]!;
    expect(image.imageManifestMediaType).toBe(INDEX);
    expect(image.imageId?.imageTag).toBe("v1");
    const { createHash } = await import("node:crypto");
    expect(image.imageId?.imageDigest).toBe(
      `sha256:${createHash("sha256").update(image.imageManifest!).digest("hex")}`,
    );
    const child = JSON.parse(image.imageManifest!).manifests[0].digest as string;
    const fetched = await ecr.send(
      new BatchGetImageCommand({ repositoryName: "agents/healthy", imageIds: [{ imageDigest: child }] }),
    );
    expect(fetched.images?.[0]?.imageManifestMediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(JSON.parse(fetched.images![0]!.imageManifest!).layers).toHaveLength(1);
  });

  it("lists an unknown tag among the failures, and an unknown repository as an error", async () => {
    const { images, failures } = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: "agents/healthy",
        imageIds: [{ imageTag: "v1" }, { imageTag: "nope" }],
      }),
    );
    expect(images).toHaveLength(1);
    expect(failures).toEqual([
      {
        imageId: { imageTag: "nope" },
        failureCode: "ImageNotFound",
        failureReason: "Requested image not found",
      },
    ]);
    const error = await ecr
      .send(new BatchGetImageCommand({ repositoryName: "missing", imageIds: [{ imageTag: "v1" }] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryNotFoundException);
    expect((error as Error).message).toBe(
      "The repository with name 'missing' does not exist in the registry with id '123456789012'",
    );
  });
});

describe("ECR GetAuthorizationToken", () => {
  it("returns a docker login for the account's registry, valid for 12 hours", async () => {
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const [login] = authorizationData!;
    expect(Buffer.from(login!.authorizationToken!, "base64").toString()).toMatch(/^AWS:\S+$/);
    expect(login!.proxyEndpoint).toBe(`https://${REGISTRY}`);
    const hours = (login!.expiresAt!.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
  });
});

describe("the diagnosis's image collector against the emulated ECR", () => {
  it("reads the platform of an arm64 and an amd64 image, and says why it cannot for an unknown tag", async () => {
    const gaps: EvidenceGap[] = [];
    const arm = await collectImage(ecr, `${REGISTRY}/agents/healthy:v1`, gaps);
    expect(arm?.value).toMatchObject({ platforms: ["linux/arm64"], mediaType: INDEX });
    expect(arm?.value.digest).toMatch(/^sha256:/);
    const amd = await collectImage(ecr, `${REGISTRY}/agents/amd`, gaps);
    expect(amd?.value.platforms).toEqual(["linux/amd64"]);
    const missing = await collectImage(ecr, `${REGISTRY}/agents/healthy:gone`, gaps);
    expect(missing?.value.unknownBecause).toContain("ImageNotFound");
    expect(gaps).toEqual([]);
  });
});
