import { makeFinding } from "../../findings/index.js";
import type { Rule } from "../analysis-input.js";

/** AgentCore runs linux/arm64: an image without that platform cannot start. */
export const imagePlatform: Rule = ({ image }) => {
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
