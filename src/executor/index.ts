import { hostCommandExecutor } from "./host-command.js";
import { ociImageExecutor } from "./oci/executor.js";
import type { Artifact, Executor, Instance, StartOptions } from "./types.js";

export { type MappedDirectories, mappedDirectories } from "./image-map.js";
export type {
  Artifact,
  ArtifactResolver,
  Executor,
  Instance,
  OciImage,
  OciRunOverride,
  StartOptions,
} from "./types.js";
export { ArtifactUnavailable } from "./types.js";

const EXECUTORS: Readonly<Record<Artifact["kind"], Executor>> = {
  "host-command": hostCommandExecutor,
  "oci-image": ociImageExecutor,
};

/** The executor for an artifact's kind. */
export function executorFor(artifact: Artifact): Executor {
  return EXECUTORS[artifact.kind];
}

/** Starts an instance of the artifact with the executor for its kind. */
export function startInstance(options: StartOptions): Promise<Instance> {
  return executorFor(options.artifact).start(options);
}
