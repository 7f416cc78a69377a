import { directoryArtifact, type MappedDirectories } from "../../executor/image-map.js";
import { type Artifact, type ArtifactResolver, ArtifactUnavailable } from "../../executor/index.js";
import { ociSupport } from "../../executor/oci/executor.js";
import type { Ecr } from "../ecr/model.js";
import { AGENTCORE_PLATFORM, type PushedImage, resolveImage } from "../ecr/resolve-image.js";

/**
 * A pushed image as the OCI executor takes it: the chosen manifest and its blob files in the
 * registry's store, started as on AgentCore's linux/arm64 hosts (another architecture's
 * program fails there with 'exec format error', though this host could run it).
 */
export function pushedArtifact(image: PushedImage): Artifact {
  return {
    kind: "oci-image",
    machine: AGENTCORE_PLATFORM.architecture,
    image: {
      source: "blobs",
      ref: image.uri,
      manifest: {
        digest: image.manifest.digest,
        mediaType: image.manifest.mediaType,
        text: image.manifest.manifest,
      },
      blobs: [image.config, ...image.layers].map(({ digest, mediaType, size, path }) => ({
        digest,
        mediaType,
        size,
        path,
      })),
    },
  };
}

/**
 * What a session's containerUri runs, as AgentCore pulls it: an image pushed
 * to the emulator's ECR (its linux/arm64 manifest, or its only one) runs
 * itself on the OCI runtime; else a directory of the image map stands in for
 * it, run as a host command; else the pull fails, with ECR's reason.
 */
export function sessionArtifacts(ecr: Ecr, images: MappedDirectories): ArtifactResolver {
  return async (uri) => {
    const resolved = resolveImage(ecr, images, uri, AGENTCORE_PLATFORM);
    if (resolved.kind === "directory") return directoryArtifact(resolved.dir);
    if (resolved.kind === "missing") {
      throw new ArtifactUnavailable(
        resolved.reason === "NotAnEcrUri"
          ? `The emulator has no local directory for image ${uri}. Map it in agentcore-emulator.yaml or with --image ${uri}=DIR.`
          : `Failed to pull the image ${uri}: ${resolved.message}. Push it to the emulator's ECR, or map a source directory with --image ${uri}=DIR.`,
      );
    }
    const support = await ociSupport();
    if (!support.ok) {
      throw new ArtifactUnavailable(
        `The image ${uri} was pushed to the emulator's ECR, but this emulator cannot run images: ${support.reason}. Map a source directory with --image ${uri}=DIR instead.`,
      );
    }
    return pushedArtifact(resolved.image);
  };
}
