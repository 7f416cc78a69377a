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

/** The kernel's words for ENOEXEC, as runc's init prints them before the container exits ("exec /usr/bin/python3: exec format error"). */
const EXEC_FORMAT_ERROR = /\bexec format error\b/i;

/**
 * The container itself said its program was refused by the host's kernel: the
 * runtime's own log shows the image's architecture is not the host's, whatever
 * the manifest claims. The observation that confirms IMAGE_NOT_ARM64.
 */
export const imageRefusedByKernel: Rule = ({ logs }) => {
  const line = logs?.value.lines.find((l) => EXEC_FORMAT_ERROR.test(l.message));
  if (!line) return [];
  return [
    makeFinding(
      "IMAGE_NOT_ARM64",
      [
        {
          fact: `the container printed "${line.message.trim().slice(0, 200)}": AgentCore's linux/arm64 host refused to execute its program`,
          source: line.source,
        },
      ],
      { platform: "a program the arm64 host cannot execute" },
    ),
  ];
};
