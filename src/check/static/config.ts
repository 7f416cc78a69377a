import { relative } from "node:path";
import { makeFinding } from "../../findings/index.js";
import type { StaticCheck } from "./context.js";

/** A project config the deploy tools reject or misread. */
export const checkProjectConfig: StaticCheck = ({ dir, config }) => {
  if (!config || config.problems.length === 0) return [];
  const path = relative(dir, config.path) || config.path;
  const problems = config.problems.map((p) => ({ ...p, path }));
  return [
    makeFinding(
      "PROJECT_CONFIG_INVALID",
      problems.map((p) => ({ fact: p.value, source: { kind: "file", path: p.path, line: p.line } })),
      { file: path, problems: problems.map((p) => p.value).join("; ") },
    ),
  ];
};
