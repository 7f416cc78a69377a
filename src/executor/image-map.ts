import { resolveLaunchPlan } from "../agent/plan.js";
import { type Artifact, type ArtifactResolver, ArtifactUnavailable } from "./types.js";

/** containerUri (with or without tag or digest) → the local agent directory standing in for that image. */
export type MappedDirectories = Readonly<Record<string, string>>;

/** The image map's directory for a URI: the exact URI, or the URI without its tag or digest. */
export function mappedDirectory(images: MappedDirectories, uri: string): string | undefined {
  return images[uri] ?? images[uri.replace(/:[^:/@]+$|@.+$/, "")];
}

/** A mapped directory run as a command on this host (its Dockerfile's CMD, this machine's packages). */
export async function directoryArtifact(dir: string): Promise<Artifact> {
  const { plan } = await resolveLaunchPlan(dir);
  return { kind: "host-command", plan };
}

/** A resolver over the image map alone: each URI's directory, run in host-command mode. */
export function mappedDirectories(images: MappedDirectories): ArtifactResolver {
  return async (uri) => {
    const dir = mappedDirectory(images, uri);
    if (!dir) {
      throw new ArtifactUnavailable(
        `The emulator has no local directory for image ${uri}. Map it in agentcore-emulator.yaml or with --image ${uri}=DIR.`,
      );
    }
    return directoryArtifact(dir);
  };
}
