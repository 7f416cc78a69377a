import { relative } from "node:path";
import type { ProjectConfig } from "../agent/project-config.js";
import { type Finding, makeFinding } from "../findings/index.js";
import type { StaticCheck } from "./context.js";

/** A project config the deploy tools reject or misread. */
export const checkProjectConfig: StaticCheck = ({ dir, config }) => projectConfigFindings(dir, config);

/** The problems of a project config, as findings (also what diagnose reports of --config). */
export function projectConfigFindings(dir: string, config: ProjectConfig | undefined): Finding[] {
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
}
