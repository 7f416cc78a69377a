import { relative } from "node:path";
import { makeFinding } from "../findings/index.js";
import type { StaticCheck } from "./context.js";

/** AgentCore runs linux/arm64 only: an image pinned to another platform cannot start there. */
export const checkImagePlatform: StaticCheck = ({ dir, image, config }) => {
  const findings = [];
  const platform = image?.platform;
  if (image && platform) {
    const value = platform.value;
    // $BUILDPLATFORM in the final stage gives the image the build machine's architecture.
    const wrong =
      /\$\{?BUILDPLATFORM\b/.test(value) ||
      (!/\$\{?TARGETPLATFORM\b/.test(value) && !/arm64|aarch64/i.test(value));
    if (wrong) {
      findings.push(
        makeFinding(
          "IMAGE_NOT_ARM64",
          [
            {
              fact: `the final stage is FROM --platform=${value}`,
              source: { kind: "file", path: relative(dir, image.path), line: platform.line },
            },
          ],
          { platform: value },
        ),
      );
    }
  }
  const configured = config?.platform;
  if (config && configured && !/arm64|aarch64/i.test(configured.value)) {
    findings.push(
      makeFinding(
        "IMAGE_NOT_ARM64",
        [
          {
            fact: `platform: ${configured.value}`,
            source: { kind: "file", path: relative(dir, config.path), line: configured.line },
          },
        ],
        { platform: configured.value },
      ),
    );
  }
  return findings;
};
