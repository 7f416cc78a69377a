import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BatchGetImageCommand, type ECRClient, GetDownloadUrlForLayerCommand } from "@aws-sdk/client-ecr";

/** The manifest types a pull accepts, index first (AgentCore pulls linux/arm64 out of an index). */
export const ACCEPTED_MANIFESTS = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

const INDEX_TYPES = new Set(ACCEPTED_MANIFESTS.slice(0, 2));

export interface EcrPullTarget {
  registryId: string;
  repositoryName: string;
  imageTag?: string;
  imageDigest?: string;
}

/** The ECR actions a read-only pull makes, as IAM names them. */
export const ECR_PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] as const;

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string };
}

/** One call made, for the report's evidence. */
export interface PullCall {
  operation: "BatchGetImage" | "GetDownloadUrlForLayer";
  parameters: Record<string, unknown>;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * Pulls the image a runtime deployed into an OCI layout at `dir` (tag
 * `deployed`) through ECR's API only: BatchGetImage for the manifest (and
 * the linux/arm64 manifest of an index, as AgentCore pulls it, else the
 * first runnable one so its platform can be named), GetDownloadUrlForLayer
 * for the config and each layer, each blob fetched from its URL and checked
 * against its digest. Read-only; throws the SDK's error (AccessDenied...)
 * when a call is refused.
 */
export async function pullFromEcr(
  ecr: ECRClient,
  target: EcrPullTarget,
  dir: string,
): Promise<{ layout: string; tag: string; calls: PullCall[]; digest: string }> {
  const calls: PullCall[] = [];
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const put = (bytes: Buffer, digest?: string) => {
    const actual = sha256(bytes);
    if (digest && digest !== actual) throw new Error(`blob ${digest} arrived with digest ${actual}`);
    writeFileSync(join(dir, "blobs", "sha256", actual.slice(7)), bytes);
    return actual;
  };
  const getManifest = async (imageId: { imageTag?: string; imageDigest?: string }) => {
    const parameters = {
      registryId: target.registryId,
      repositoryName: target.repositoryName,
      imageIds: [imageId],
    };
    calls.push({ operation: "BatchGetImage", parameters });
    const answer = await ecr.send(
      new BatchGetImageCommand({ ...parameters, acceptedMediaTypes: ACCEPTED_MANIFESTS }),
    );
    const image = answer.images?.[0];
    if (!image?.imageManifest) {
      const failure = answer.failures?.[0];
      throw Object.assign(
        new Error(
          `ECR has no such image: ${failure?.failureCode ?? "no manifest"} ${failure?.failureReason ?? ""}`,
        ),
        { name: failure?.failureCode ?? "ImageNotFoundException" },
      );
    }
    const bytes = Buffer.from(image.imageManifest, "utf8");
    const mediaType =
      image.imageManifestMediaType ?? (JSON.parse(image.imageManifest) as { mediaType?: string }).mediaType;
    return { bytes, digest: put(bytes), mediaType: mediaType ?? ACCEPTED_MANIFESTS[2]! };
  };
  const getBlob = async (digest: string) => {
    const parameters = {
      registryId: target.registryId,
      repositoryName: target.repositoryName,
      layerDigest: digest,
    };
    calls.push({ operation: "GetDownloadUrlForLayer", parameters });
    const { downloadUrl } = await ecr.send(new GetDownloadUrlForLayerCommand(parameters));
    if (!downloadUrl) throw new Error(`GetDownloadUrlForLayer gave no URL for ${digest}`);
    const response = await fetch(downloadUrl);
    if (!response.ok) throw new Error(`the download URL of ${digest} answered HTTP ${response.status}`);
    put(Buffer.from(await response.arrayBuffer()), digest);
  };

  const top = await getManifest(
    target.imageDigest ? { imageDigest: target.imageDigest } : { imageTag: target.imageTag ?? "latest" },
  );
  let manifest = top;
  if (INDEX_TYPES.has(top.mediaType)) {
    const entries = (JSON.parse(top.bytes.toString("utf8")) as { manifests?: Descriptor[] }).manifests ?? [];
    const chosen =
      entries.find((e) => e.platform?.os === "linux" && e.platform.architecture === "arm64") ??
      entries.find((e) => e.platform?.architecture && e.platform.os !== "unknown");
    if (!chosen) throw new Error(`the index ${top.digest} lists no runnable image`);
    manifest = await getManifest({ imageDigest: chosen.digest });
  }
  const body = JSON.parse(manifest.bytes.toString("utf8")) as { config: Descriptor; layers?: Descriptor[] };
  for (const blob of [body.config, ...(body.layers ?? [])]) await getBlob(blob.digest);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const tag = "deployed";
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: top.mediaType,
          digest: top.digest,
          size: top.bytes.length,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  return { layout: dir, tag, calls, digest: top.digest };
}
