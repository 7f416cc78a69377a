import { relative } from "node:path";
import { PROTOCOL_PORTS } from "../agent/types.js";
import { makeFinding } from "../findings/index.js";
import type { StaticCheck } from "./context.js";

/** EXPOSE is documentation, but one naming another port usually means the server listens there. */
export const checkExposedPort: StaticCheck = ({ dir, image, protocol }) => {
  if (!image || image.expose.length === 0) return [];
  const expected = PROTOCOL_PORTS[protocol];
  if (image.expose.some((p) => p.value === expected)) return [];
  const exposed = [...new Set(image.expose.map((p) => p.value))];
  return [
    makeFinding(
      "DOCKERFILE_EXPOSE_MISMATCH",
      [
        {
          fact: `EXPOSE ${exposed.join(" ")} does not include ${expected}, the ${protocol} port`,
          source: { kind: "file", path: relative(dir, image.path), line: image.expose[0]!.line },
        },
      ],
      { expectedPort: expected, protocol, exposed },
    ),
  ];
};
