/** The formats a diagnosis renders to (render.ts holds one renderer per name): light, for the CLI's options. */
export const DIAGNOSE_FORMATS = ["text", "markdown", "json", "sarif", "html"] as const;
export type DiagnoseFormat = (typeof DIAGNOSE_FORMATS)[number];
