import type { ProjectConfig } from "../agent/project-config.js";
import type { ImageSpec, Protocol } from "../agent/types.js";
import type { Finding } from "../findings/index.js";

/** What every static check reads: the agent's directory, its image and its project config. */
export interface StaticContext {
  dir: string;
  protocol: Protocol;
  image?: ImageSpec;
  config?: ProjectConfig;
}

export type StaticCheck = (context: StaticContext) => Finding[] | Promise<Finding[]>;
