/** What a check takes by default and can write: light, so the CLI defines its options without loading the check. */
export const CHECK_FORMATS = ["text", "json", "markdown", "sarif"] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;
