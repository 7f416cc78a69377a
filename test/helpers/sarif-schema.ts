import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2020 } from "ajv/dist/2020.js";

/**
 * The SARIF 2.1.0 JSON schema as Microsoft's SARIF SDK ships it (inside the
 * @microsoft/sarif-multitool package's platform build), so SARIF is checked
 * against the standard's own schema, not one we wrote.
 */
const require = createRequire(import.meta.url);

function schemaPath(): string | undefined {
  for (const pkg of [
    "@microsoft/sarif-multitool-linux",
    "@microsoft/sarif-multitool-darwin",
    "@microsoft/sarif-multitool-win32",
  ]) {
    try {
      const dir = require.resolve(`${pkg}/package.json`).replace(/package\.json$/, "");
      if (existsSync(`${dir}sarif-2.1.0.json`)) return `${dir}sarif-2.1.0.json`;
    } catch {
      // not installed on this platform
    }
  }
  return undefined;
}

export const SARIF_SCHEMA_PATH = schemaPath();

/** Validation errors of a SARIF log against the schema, as readable lines; empty when valid. */
export function sarifSchemaErrors(log: unknown): string[] {
  if (!SARIF_SCHEMA_PATH)
    throw new Error("the SARIF schema is not installed (npm ci installs @microsoft/sarif-multitool)");
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA_PATH, "utf8")));
  if (validate(log)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
  );
}
