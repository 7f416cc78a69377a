/** What a check takes by default and can write: light, so the CLI defines its options without loading the check. */
export const CHECK_FORMATS = ["text", "json", "markdown", "sarif"] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export { DEFAULT_STARTUP_TIMEOUT_MS } from "../agent/types.js";
