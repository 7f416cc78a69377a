import { z } from "zod";
import { evidenceSchema, findingIdSchema, findingSchema } from "../findings/schema.js";
import { PATH_HOP_KINDS, PATH_HOP_STATES } from "../net/path-picture.js";

/**
 * The JSON report of `diagnose` (`--format json`, built by `diagnoseReport`):
 * a public, versioned interface, published as docs/diagnose-report.schema.json.
 * Objects are strict: a field the report gains must be added here first.
 * Removing or changing a field bumps DIAGNOSE_REPORT_SCHEMA_VERSION.
 */

const verdictSchema = z
  .strictObject({
    rootCause: findingIdSchema
      .nullable()
      .describe("The finding id the verdict rests on; null when healthy or undetermined"),
    verdict: z
      .enum(["confirmed", "likely", "finding", "healthy", "undetermined"])
      .describe(
        "confirmed/likely: the best-ranked cause of the observed failure; finding: no failure was observed, " +
          "and rootCause is the most severe problem found; healthy: no failure and no problem; " +
          "undetermined: a failure that nothing collected explains",
      ),
    role: z
      .enum(["cause", "symptom"])
      .optional()
      .describe(
        "With confirmed/likely: cause, or symptom when no cause is established and rootCause is an observed symptom (e.g. STARTUP_TIMEOUT)",
      ),
    title: z.string().describe("One line saying what the verdict is, for a human"),
  })
  .describe("The one conclusion of the diagnosis");

/** `diagnose --error`: a pasted message, what it matched, its causes (also printed alone when no runtime is named). */
export const errorDiagnosisSchema = z
  .strictObject({
    text: z.string().describe("The message as pasted"),
    matched: z
      .array(
        z.strictObject({
          id: z.string().describe("The message shape's stable key (src/diagnose/error-messages.ts)"),
          meaning: z.string(),
          source: z.string().describe("Where the wording is quoted from"),
        }),
      )
      .describe("The known message shapes the text matched; empty: not a message this version knows"),
    causes: z.array(
      z.strictObject({
        cause: findingIdSchema,
        title: z.string(),
        status: z.enum(["confirmed", "likely", "possible", "unknown", "ruled-out"]),
        because: z.array(z.string()),
        restsOn: z
          .array(z.string())
          .optional()
          .describe("Confirmed only: the observations the status rests on, each with where it was seen"),
      }),
    ),
  })
  .describe("A pasted error message and the causes it can have, ranked");

const hypothesisSchema = z.strictObject({
  cause: findingIdSchema.describe("The cause, as a finding id from the catalog (docs/findings.md)"),
  title: z.string(),
  role: z
    .enum(["cause", "symptom"])
    .describe("cause: explains the failure; symptom: describes it, never outranking an established cause"),
  verdict: z
    .enum(["confirmed", "likely", "possible", "unknown", "ruled-out"])
    .describe(
      "How far the evidence settles this cause. confirmed: an observation (API state, a log line, a replay) entails it; " +
        "likely: evidence points to it and nothing observed contradicts it; ruled-out: an observation contradicts it; " +
        "unknown: nothing collected could judge it (a static reading that found nothing rules nothing out)",
    ),
  score: z.number().describe("Ranking weight: the list is sorted by it, highest first"),
  for: z.array(evidenceSchema).describe("Evidence that points to this cause"),
  against: z.array(evidenceSchema).describe("Evidence that points away from this cause"),
  restsOn: z
    .array(evidenceSchema)
    .optional()
    .describe("Confirmed only: the observations the verdict rests on, each with its source"),
  checked: z.array(z.string()).describe("What was looked at to judge it"),
  toConfirm: z.string().describe("What would confirm or rule it out when the evidence here cannot"),
});

export const diagnoseReportSchema = z.strictObject({
  // DIAGNOSE_REPORT_SCHEMA_VERSION of report.ts (not imported, so the schema does not load the collectors).
  schemaVersion: z.literal(1).describe("Version of this schema; bumped when a field is removed or changed"),
  tool: z.strictObject({ name: z.literal("agentcore-doctor"), version: z.string() }),
  command: z.literal("diagnose"),
  runtime: z
    .strictObject({
      id: z.string().describe("The agent runtime id"),
      arn: z.string(),
      name: z.string(),
      version: z.string().describe("The runtime's latest version"),
      status: z
        .string()
        .describe("The runtime's status as AgentCore reports it, e.g. READY or CREATE_FAILED"),
      networkMode: z.enum(["PUBLIC", "VPC"]),
      protocol: z.string().describe("The server protocol: HTTP, MCP, A2A or AGUI"),
      endpoint: z
        .strictObject({
          name: z.string(),
          status: z.string(),
          liveVersion: z.string().optional().describe("The runtime version the endpoint serves"),
          targetVersion: z.string().optional().describe("The version the endpoint is being moved to, if any"),
          failureReason: z.string().optional(),
        })
        .describe("The endpoint diagnosed (--qualifier, DEFAULT by default)"),
    })
    .describe("The runtime diagnosed, as AgentCore describes it"),
  verdict: verdictSchema,
  knownFacts: z
    .array(
      z.strictObject({
        topic: z.string().describe("e.g. Runtime, Logs, Network"),
        facts: z.array(evidenceSchema),
      }),
    )
    .describe(
      "What the collectors established, grouped by topic, each fact with its source; no interpretation",
    ),
  findings: z
    .array(findingSchema)
    .describe("Problems found, most severe first (same shape as check's findings)"),
  hypotheses: z
    .array(hypothesisSchema)
    .describe(
      "Every known cause of the symptom, ranked, whether or not a rule fired, with the evidence both ways",
    ),
  paths: z
    .array(
      z.strictObject({
        service: z.string().describe("The AWS service's endpoint prefix, e.g. sts, bedrock-runtime, logs"),
        need: z
          .string()
          .describe("Why the agent needs it: its own call (file:line), the STS stand-in, or telemetry"),
        status: z
          .enum(["reachable", "blocked", "unknown"])
          .describe(
            "The reachability judge's verdict from the collected VPC state (worst over the runtime's subnets)",
          ),
        subnetId: z.string().describe("The subnet the path starts from"),
        hops: z
          .array(
            z.strictObject({
              kind: z.enum(PATH_HOP_KINDS),
              label: z.string(),
              state: z
                .enum(PATH_HOP_STATES)
                .describe(
                  "ok: passed; broken: the traffic stops here; unreached: after the break; unknown: not followed",
                ),
            }),
          )
          .describe("The path as a row of hops, from the runtime's interface to the service"),
        brokenBy: z
          .strictObject({
            rule: z.string().describe("What stops the traffic, as the judge read it from EC2 state"),
            source: z.string().describe("The EC2 call and field it was read from"),
          })
          .optional()
          .describe("Blocked or unknown paths: the state that decides it"),
        observed: z
          .array(z.string())
          .describe(
            "What the replay saw of the agent's own connections to this service (empty without a replay)",
          ),
      }),
    )
    .describe(
      "VPC mode: the path to each destination the agent needs, for the report's pictures; empty in PUBLIC mode",
    ),
  nextSteps: z
    .array(
      z.strictObject({
        why: z.string().describe("What the command settles or re-checks; fixes start with 'fix:'"),
        command: z
          .string()
          .describe("A command (AWS CLI or agentcore-doctor) filled with this runtime's values"),
      }),
    )
    .describe("Commands that settle what this report could not, and re-check what it found"),
  supportCase: z.string().describe("A plain-text summary to paste into an AWS support case"),
  timeline: z
    .array(
      z.strictObject({
        time: z.iso.datetime().describe("When the event happened (ISO 8601, UTC)"),
        event: z.string().describe("The CloudTrail event name, e.g. CreateAgentRuntime"),
        actor: z.string().describe("Who acted: a user or role ARN, or the service acting for the account"),
        invokedBy: z.string().optional().describe("The AWS service that made the call on the actor's behalf"),
        errorCode: z.string().optional().describe("The call's error code, when it failed"),
        dryRun: z
          .boolean()
          .describe("A call that only checked permissions (errorCode Client.DryRunOperation)"),
      }),
    )
    .describe("CloudTrail events about the runtime and its network interfaces, oldest first"),
  comparison: z
    .strictObject({
      other: z.strictObject({
        id: z.string().describe("The other runtime's id"),
        name: z.string().describe("The other runtime's name"),
        verdict: verdictSchema.describe("The other runtime's own verdict"),
      }),
      rows: z.array(
        z.strictObject({
          field: z.string().describe("What is compared, e.g. network mode or the verdict"),
          a: z.string().describe("Its value for the runtime diagnosed"),
          b: z.string().describe("Its value for the other runtime"),
          differs: z.boolean(),
        }),
      ),
    })
    .optional()
    .describe("With --compare: the other runtime, diagnosed the same way, side by side"),
  error: errorDiagnosisSchema
    .optional()
    .describe(
      "With --error: the message the user saw, the shapes it matched, and its causes ranked by this diagnosis",
    ),
  gaps: z
    .array(
      z.strictObject({
        collector: z.string().describe("The collector that could not read"),
        service: z.string(),
        operation: z.string(),
        errorCode: z.string(),
        message: z.string(),
        action: z.string().optional().describe("The IAM action to grant, when the error is a denial"),
        whatToDo: z
          .string()
          .optional()
          .describe(
            "What to do about it, where granting an action is not the answer (errorCode CollectorFailed)",
          ),
      }),
    )
    .describe(
      "Reads that failed, so the evidence they would give is missing from this report: AWS calls, and collectors that failed (errorCode CollectorFailed: the report is inconclusive on what they read)",
    ),
  notCollected: z
    .array(z.string())
    .describe("Evidence this version of the tool does not collect yet: the report's known limits"),
  apiCalls: z
    .record(z.string(), z.number().int().nonnegative())
    .describe("AWS API calls made, per service (all read-only except an --invoke)"),
  elapsedMs: z.number().nonnegative().describe("How long the diagnosis took"),
});

export type DiagnoseReport = z.infer<typeof diagnoseReportSchema>;
