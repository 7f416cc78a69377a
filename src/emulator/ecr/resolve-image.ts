import { readFileSync } from "node:fs";
import type { Platform } from "../../agent/image-platform.js";
import { mappedDirectory } from "../../executor/image-map.js";
import { parseEcrImageUri } from "../../image/ecr-uri.js";
import { readManifest } from "./manifest-content.js";
import type { Ecr, EcrImage } from "./model.js";

/** A blob of a pushed image, and the file holding its bytes. */
export interface ImageBlob {
  digest: string;
  mediaType: string;
  size: number;
  path: string;
}

/** An image pushed to the emulator's ECR, ready to unpack: the manifest for one platform, its config and layer files. */
export interface PushedImage {
  uri: string;
  account: string;
  region: string;
  repositoryName: string;
  /** What the URI names: an index, or the image manifest itself. */
  top: { digest: string; mediaType: string; manifest: string };
  /** The image manifest chosen for the platform (the top one when it is not an index, whatever its platform). */
  manifest: { digest: string; mediaType: string; manifest: string };
  /** The image's own platform, from its config: compare it with the one asked for. */
  platform: Platform;
  config: ImageBlob & { json: Record<string, unknown> };
  /** In order, lowest first, as they are to be applied. */
  layers: ImageBlob[];
  /** Every platform the index lists (attestations left out); the image's own for a single manifest. */
  platforms: Platform[];
}

export type ResolvedImage =
  | { kind: "pushed"; image: PushedImage }
  /** A directory of the image map stands for the image: run it as the host-command mode does. */
  | { kind: "directory"; dir: string }
  | {
      kind: "missing";
      /** What the pull hits: no such repository, no such tag or digest, no manifest for the platform in the index. */
      reason: "NotAnEcrUri" | "RepositoryNotFound" | "ImageNotFound" | "PlatformNotFound";
      message: string;
      /** For PlatformNotFound: the platforms the image does have. */
      platforms?: Platform[];
    };

/** AgentCore Runtime runs linux/arm64. */
export const AGENTCORE_PLATFORM: Platform = { os: "linux", architecture: "arm64" };

const samePlatform = (a: Platform, b: Platform) =>
  a.os === b.os &&
  a.architecture === b.architecture &&
  (a.variant === undefined ||
    b.variant === undefined ||
    a.variant === b.variant ||
    (a.architecture === "arm64" && [a.variant, b.variant].includes("v8")));

const describe = (p: Platform) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;

/**
 * What a containerUri names in the emulator's ECR, as AgentCore pulls it:
 * a pushed image (the index's manifest for `platform`, linux/arm64 unless
 * told otherwise, with its config and layer files; a single manifest
 * whatever its platform, which `platform` then says), else the image map's
 * directory, else why there is nothing to pull. A pushed tag takes over a
 * mapped one, as DescribeImages shows it. In process, without the registry's
 * HTTP; pulls are not recorded (the caller records them as its principal).
 */
export function resolveImage(
  ecr: Ecr,
  images: Readonly<Record<string, string>>,
  uri: string,
  platform: Platform = AGENTCORE_PLATFORM,
): ResolvedImage {
  const ref = parseEcrImageUri(uri);
  const dir = mappedDirectory(images, uri);
  if (!ref) {
    return dir
      ? { kind: "directory", dir }
      : {
          kind: "missing",
          reason: "NotAnEcrUri",
          message: `${uri} is not an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest])`,
        };
  }
  const scope = { account: ref.account, region: ref.region };
  const reference = ref.digest ? { digest: ref.digest } : { tag: ref.tag ?? "latest" };
  const found: EcrImage | undefined = ecr.repository(scope, ref.repositoryName)
    ? ecr.findImage(scope, ref.repositoryName, reference)
    : undefined;
  if (found?.source.kind === "directory") return { kind: "directory", dir: found.source.dir };
  if (!found) {
    if (dir) return { kind: "directory", dir };
    return ecr.repository(scope, ref.repositoryName)
      ? {
          kind: "missing",
          reason: "ImageNotFound",
          message: `The image ${uri} does not exist in the repository with name '${ref.repositoryName}' in the registry with id '${ref.account}'`,
        }
      : {
          kind: "missing",
          reason: "RepositoryNotFound",
          message: `The repository with name '${ref.repositoryName}' does not exist in the registry with id '${ref.account}'`,
        };
  }
  const blob = (digest: string, mediaType: string, size: number): ImageBlob => {
    const path = ecr.layerPath(scope, ref.repositoryName, digest);
    // PutImage refused the manifest unless its blobs were there, and nothing deletes a blob under a manifest.
    if (!path) throw new Error(`the emulator's ECR lost blob ${digest} of ${uri}`);
    return { digest, mediaType, size, path };
  };
  const top = { digest: found.digest, mediaType: found.mediaType, manifest: found.manifest };
  const content = readManifest(found.manifest, found.mediaType);
  let chosen = top;
  let platforms: Platform[] = [];
  if (content.kind === "index") {
    const entries = content.manifests.filter(
      (m) => m.platform && m.platform.os !== "unknown" && m.platform.architecture !== "unknown",
    );
    platforms = entries.map((m) => m.platform!);
    const entry = entries.find((m) => samePlatform(m.platform!, platform));
    if (!entry) {
      return {
        kind: "missing",
        reason: "PlatformNotFound",
        message: `The image ${uri} has no manifest for ${describe(platform)} (it has ${platforms.map(describe).join(", ") || "no platform"})`,
        platforms,
      };
    }
    const child = ecr.findImage(scope, ref.repositoryName, { digest: entry.digest })!;
    chosen = { digest: child.digest, mediaType: child.mediaType, manifest: child.manifest };
  }
  const image = readManifest(chosen.manifest, chosen.mediaType);
  if (image.kind !== "image") {
    return {
      kind: "missing",
      reason: "PlatformNotFound",
      message: `The image ${uri} is an index of indexes, which AgentCore does not run`,
    };
  }
  const config = blob(image.config.digest, image.config.mediaType, image.config.size);
  const json = JSON.parse(readFileSync(config.path, "utf8")) as Record<string, unknown>;
  const own: Platform = {
    os: String(json.os ?? "unknown"),
    architecture: String(json.architecture ?? "unknown"),
    ...(typeof json.variant === "string" ? { variant: json.variant } : {}),
  };
  // A single manifest for another platform is pulled all the same: AgentCore fails it when it runs, not when it pulls.
  if (content.kind === "image") platforms = [own];
  return {
    kind: "pushed",
    image: {
      uri,
      account: ref.account,
      region: ref.region,
      repositoryName: ref.repositoryName,
      top,
      manifest: chosen,
      platform: own,
      config: { ...config, json },
      layers: image.layers.map((l) => blob(l.digest, l.mediaType, l.size)),
      platforms,
    },
  };
}
