import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ECRClient } from "@aws-sdk/client-ecr";
import { ECR_PULL_ACTIONS, pullFromEcr } from "../../image/ecr-pull.js";
import { type ImageFacts, readLayoutImage, tagManifest } from "../../image/layout.js";
import { apiSource, type EvidenceGap, type Sourced } from "../evidence.js";
import { parseEcrUri } from "./image.js";

/** The deployed image, fetched read-only through ECR's pull API into a local OCI layout. */
export interface DeployedImage {
  uri: string;
  /** The OCI layout and the tag of the manifest a linux/arm64 pull gets. */
  layout: string;
  tag: string;
  /** The digest the runtime's reference resolved to (an index or a manifest). */
  digest: string;
  facts: ImageFacts;
  /** How it was read, for evidence: "ECR pull API (BatchGetImage, GetDownloadUrlForLayer)". */
  via: string;
}

const DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized|Forbidden/i;

/**
 * Fetches the runtime's image through ECR's read-only pull API (never the
 * registry's push side, never a login that could push): the manifest by
 * BatchGetImage, each blob by GetDownloadUrlForLayer. A refusal is a gap
 * that names the actions to grant; the replay then uses --source if given.
 * The caller removes `parent` when it is done with the layout.
 */
export async function fetchDeployedImage(
  ecr: ECRClient,
  uri: string,
  gaps: EvidenceGap[],
  parent = tmpdir(),
): Promise<Sourced<DeployedImage> | undefined> {
  const ref = parseEcrUri(uri);
  if (!ref) return undefined;
  const dir = await mkdtemp(join(parent, "acd-deployed-image-"));
  try {
    const pulled = await pullFromEcr(
      ecr,
      {
        registryId: ref.registryId,
        repositoryName: ref.repositoryName,
        ...(ref.imageDigest ? { imageDigest: ref.imageDigest } : { imageTag: ref.imageTag! }),
      },
      join(dir, "layout"),
    );
    const { facts, manifest } = readLayoutImage(pulled.layout, pulled.tag);
    tagManifest(pulled.layout, manifest, "run");
    const last = pulled.calls.find((c) => c.operation === "BatchGetImage");
    return {
      value: {
        uri,
        layout: pulled.layout,
        tag: "run",
        digest: pulled.digest,
        facts,
        via: `ECR pull API (BatchGetImage, GetDownloadUrlForLayer ×${pulled.calls.filter((c) => c.operation === "GetDownloadUrlForLayer").length})`,
      },
      source: apiSource("ecr", "BatchGetImage", last?.parameters),
    };
  } catch (error) {
    const e = error as { name?: string; message?: string; $metadata?: unknown };
    const denied = DENIED.test(e.name ?? "");
    gaps.push({
      collector: "deployed-image",
      service: "ecr",
      operation: "BatchGetImage, GetDownloadUrlForLayer",
      errorCode: e.name ?? "Error",
      message: `the deployed image could not be fetched${denied ? ` (grant ${ECR_PULL_ACTIONS.join(" and ")} on ${ref.repositoryArn})` : ""}: ${e.message ?? String(error)}`,
      ...(denied
        ? { action: ECR_PULL_ACTIONS.join(", ") }
        : {
            // Not a permission: what ECR said is the whole story (a layer it does not hold, an image gone).
            whatToDo: `the deployed image was not fetched (${e.message ?? String(error)}); the replay uses --source when given`,
          }),
    });
    return undefined;
  }
}
