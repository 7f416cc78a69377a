import { BatchGetImageCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { parseEcrImageUri } from "../../image/ecr-uri.js";
import { partitionOf } from "../../util/arn.js";
import { apiSource, type EvidenceGap, gapFrom, type Sourced } from "../evidence.js";

export interface EcrImageRef {
  registryId: string;
  region: string;
  repositoryName: string;
  imageTag?: string;
  imageDigest?: string;
  repositoryArn: string;
}

export function parseEcrUri(uri: string): EcrImageRef | undefined {
  const parsed = parseEcrImageUri(uri);
  if (!parsed) return undefined;
  const { account, region, repositoryName, tag, digest } = parsed;
  return {
    registryId: account,
    region,
    repositoryName,
    ...(digest ? { imageDigest: digest } : { imageTag: tag ?? "latest" }),
    repositoryArn: `arn:${partitionOf(region)}:ecr:${region}:${account}:repository/${repositoryName}`,
  };
}

export interface ImageEvidence {
  uri: string;
  digest?: string;
  mediaType?: string;
  /** linux/arm64, linux/amd64, ... of each platform the manifest lists; empty when it lists none. */
  platforms: string[];
  /** Why the platforms could not be read, when they could not. */
  unknownBecause?: string;
}

const ACCEPTED = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

interface Manifest {
  mediaType?: string;
  manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[];
}

/**
 * The image's platforms from ECR's manifest (BatchGetImage): an index lists
 * them. A single-platform manifest keeps its architecture in the config
 * blob, which a read-only diagnosis does not download: then it says so.
 */
export async function collectImage(
  ecr: ECRClient,
  uri: string,
  gaps: EvidenceGap[],
): Promise<Sourced<ImageEvidence> | undefined> {
  const ref = parseEcrUri(uri);
  if (!ref) return undefined;
  const imageId = ref.imageDigest ? { imageDigest: ref.imageDigest } : { imageTag: ref.imageTag! };
  const parameters = { registryId: ref.registryId, repositoryName: ref.repositoryName, imageIds: [imageId] };
  try {
    const { images, failures } = await ecr.send(
      new BatchGetImageCommand({ ...parameters, acceptedMediaTypes: ACCEPTED }),
    );
    const source = apiSource("ecr", "BatchGetImage", parameters);
    const image = images?.[0];
    if (!image?.imageManifest) {
      const failure = failures?.[0];
      return {
        value: {
          uri,
          platforms: [],
          unknownBecause: `ECR has no such image (${failure?.failureCode ?? "no manifest"}: ${failure?.failureReason ?? ""})`,
        },
        source,
      };
    }
    const manifest = JSON.parse(image.imageManifest) as Manifest;
    const platforms = (manifest.manifests ?? [])
      .map((m) => m.platform)
      .filter((p): p is NonNullable<typeof p> => !!p?.architecture && p.os !== "unknown")
      .map((p) => `${p.os ?? "linux"}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`);
    return {
      value: {
        uri,
        ...(image.imageId?.imageDigest ? { digest: image.imageId.imageDigest } : {}),
        ...(image.imageManifestMediaType ? { mediaType: image.imageManifestMediaType } : {}),
        platforms,
        ...(platforms.length === 0
          ? { unknownBecause: "a single-platform manifest: its architecture is in the config blob, not read" }
          : {}),
      },
      source,
    };
  } catch (error) {
    gaps.push(gapFrom("image", "ecr", "BatchGetImage", "ecr", error));
    return undefined;
  }
}
