import { makeFinding } from "../../findings/index.js";
import { imageLimitFindings } from "../../image/limits.js";
import type { Rule } from "./rule.js";

/** AgentCore runs linux/arm64: an image without that platform cannot start. */
export const imagePlatform: Rule = ({ image, deployedImage }) => {
  // The fetched image's own blobs say more (its config's architecture too): its rule speaks instead.
  if (deployedImage) return [];
  if (!image || image.value.platforms.length === 0) return [];
  if (image.value.platforms.some((p) => /^linux\/arm64/.test(p))) return [];
  return [
    makeFinding(
      "IMAGE_NOT_ARM64",
      [
        {
          fact: `the manifest of ${image.value.uri} lists ${image.value.platforms.join(", ")} only`,
          source: image.source,
        },
      ],
      { platform: image.value.platforms.join(", ") },
    ),
  ];
};

/**
 * The deployed image's limits, judged from its index, manifest and config as
 * fetched through ECR (the same judgement as `check --image`): not arm64,
 * too many layers with a named USER, attestation entries in the index.
 */
export const deployedImageLimits: Rule = ({ deployedImage }) =>
  deployedImage ? imageLimitFindings(deployedImage.value.facts, deployedImage.value.via) : [];
