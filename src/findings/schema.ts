import { z } from "zod";
import { FINDING_IDS, type FindingId } from "./catalog.js";

/**
 * The one schema of a finding and its evidence, shared by every JSON report
 * (`check`, `diagnose`). Strict: a field the type gains must be added here,
 * and to the published schemas, before a report may carry it.
 */
export const findingIdSchema = z
  .enum(FINDING_IDS as [FindingId, ...FindingId[]])
  .describe("Stable id from the finding catalog (docs/findings.md)");

export const evidenceSourceSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("file"), path: z.string(), line: z.number().int().optional() }),
    z.strictObject({ kind: z.literal("probe"), request: z.string() }),
    z.strictObject({ kind: z.literal("process"), detail: z.string() }),
    z.strictObject({ kind: z.literal("socket"), table: z.string() }),
    z.strictObject({
      kind: z.literal("api"),
      service: z.string(),
      operation: z.string(),
      parameters: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({
      kind: z.literal("log"),
      group: z.string(),
      stream: z.string().optional(),
      line: z.number().int().optional().describe("1-based among the log events read"),
    }),
    z.strictObject({ kind: z.literal("tool"), detail: z.string() }),
    z
      .strictObject({ kind: z.literal("reported"), detail: z.string() })
      .describe(
        "An error as the user received it, pasted (diagnose --error): the API's answer or their SDK's own check, in its words",
      ),
    z.strictObject({ kind: z.literal("replay"), observation: z.string(), at: z.number().optional() }),
  ])
  .describe(
    "Where the fact came from (a file, a probe, an AWS API call, a log line...), so it can be checked",
  );

export const evidenceSchema = z.strictObject({
  fact: z.string().describe("What was observed, in plain words"),
  source: evidenceSourceSchema,
  partial: z
    .literal(true)
    .optional()
    .describe(
      "An observation of one side of the finding's claim only: it does not confirm the finding by itself",
    ),
});

export const findingSchema = z.strictObject({
  id: findingIdSchema,
  severity: z.enum(["error", "warning", "info"]),
  title: z.string(),
  evidence: z.array(evidenceSchema),
  fix: z.string().describe("The catalog's fix, with this case's values filled in"),
  docs: z.string(),
});
