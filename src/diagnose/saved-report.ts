import { readFile } from "node:fs/promises";
import { UsageError } from "../util/errors.js";
import { type DiagnoseReport, diagnoseReportSchema } from "./report-schema.js";

/**
 * A JSON report that `diagnose --format json` (or `scenario run --format json`)
 * wrote, read back for rendering in another format: the same report the run
 * rendered, so its Markdown or HTML is what that run would have written.
 * Anything else (not JSON, another command's report, another schema version,
 * a field the schema does not know) is refused with what it is.
 */
export async function readSavedReport(file: string): Promise<DiagnoseReport> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--from-report: cannot read ${file} (${error.code ?? error.message}).`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--from-report: ${file} is not JSON (${(error as Error).message}); it takes what diagnose --format json wrote.`,
    );
  }
  const head = (value ?? {}) as { command?: unknown; schemaVersion?: unknown };
  if (head.command !== "diagnose")
    throw new UsageError(
      `--from-report: ${file} is not a diagnose report (its command is ${JSON.stringify(head.command)}); it takes what diagnose --format json wrote.`,
    );
  if (head.schemaVersion !== 1)
    throw new UsageError(
      `--from-report: ${file} is a diagnose report of schema version ${JSON.stringify(head.schemaVersion)}; this version reads version 1 (diagnose again to get one).`,
    );
  const parsed = diagnoseReportSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new UsageError(
      `--from-report: ${file} does not match the diagnose report schema at ${first.path.join(".") || "(top)"}: ${first.message}.`,
    );
  }
  return parsed.data;
}
