import { causesOf, type Symptom } from "../findings/causes.js";
import { CATALOG, describeSource, type Finding, type FindingId } from "../findings/index.js";
import { confirmingObservations } from "./evidence.js";
import type { Hypothesis } from "./hypotheses.js";

/**
 * `diagnose --error "<the message you saw>"`: the messages AgentCore gives,
 * keyed by their shape (the words AWS or the facts file quote, never a
 * scenario's wording), each with the causes it can have. A new message is
 * one more row; its causes are catalog ids, or a symptom whose causes the
 * cause table (src/findings/causes.ts) already ranks.
 */
export interface ErrorShape {
  /** A stable key, for reports and tests. */
  id: string;
  /** What the message says happened, in a line. */
  meaning: string;
  /** Any of these, matched against the pasted text, means this message. */
  patterns: readonly RegExp[];
  /** The causes this message can have, most common first; a symptom stands for every cause the cause table lists for it. */
  causes: readonly FindingId[] | { symptom: Symptom };
  /** Where the wording is quoted from. */
  source: string;
}

export const ERROR_SHAPES: readonly ErrorShape[] = [
  {
    id: "auth-method-mismatch",
    meaning:
      "AgentCore refused the request before any session: the runtime takes another authorization method (OAuth bearer token or SigV4) than the request used.",
    patterns: [/Authorization method mismatch/i, /configured for a different authorization method/i],
    causes: ["INBOUND_AUTH_METHOD_MISMATCH"],
    source: "aws/agentcore-cli issue 814 and PR 1647 (facts file, After start-up)",
  },
  {
    id: "missing-authentication-token",
    meaning: "The request reached AgentCore with neither a SigV4 signature nor a bearer token.",
    patterns: [/Missing Authentication Token/i],
    causes: ["INBOUND_TOKEN_MISSING"],
    source: "CopilotKit PR 6920 (second-hand; facts file, After start-up)",
  },
  {
    id: "token-refused",
    meaning: "The runtime's JWT authorizer refused the bearer token.",
    patterns: [
      /OAuth authorization failed/i,
      /\b(invalid|expired|malformed)\b[^.\n]{0,40}\b(token|jwt|bearer)\b/i,
      /\b(token|jwt|bearer)\b[^.\n]{0,40}\b(invalid|expired|malformed|not valid)\b/i,
      /missing required audience claim/i,
      /\b(audience|issuer|client_id|scope)\b[^.\n]{0,60}\b(not allowed|invalid|mismatch|does not match)\b/i,
    ],
    causes: ["INBOUND_TOKEN_REJECTED"],
    source:
      "AgentCore's wording for a refused token is undocumented (facts file: unconfirmed); 'missing required audience claim' from aws/agentcore-cli PR 1622",
  },
  {
    id: "cross-account-no-resource-policy",
    meaning:
      "A principal of another account was refused: no resource-based policy on the runtime (or its endpoint) allows the action.",
    patterns: [
      /not authorized to perform: bedrock-agentcore:[A-Za-z]+ on resource: \S+ because no resource-based policy allows/i,
      /because no resource-based policy allows the bedrock-agentcore:/i,
    ],
    causes: ["CROSS_ACCOUNT_NOT_ALLOWED"],
    source: "aws/agentcore-cli issue 607 (facts file, After start-up)",
  },
  {
    id: "mmdsv2-not-enabled",
    meaning:
      "AgentCore refused the invocation before any session: the runtime does not require MMDSv2, which AgentCore enforces since 2026-06-30.",
    patterns: [/not MMDSv2-enabled/i, /requireMMDSV2/i],
    causes: ["RUNTIME_MMDSV2_NOT_ENABLED"],
    source: "devguide runtime-troubleshooting; BerriAI/litellm PR 33280 (facts file, After start-up)",
  },
  {
    id: "session-id-too-short",
    meaning: "The runtime session id was refused for its length: AgentCore takes 33 to 256 characters.",
    patterns: [
      /Invalid length for parameter runtimeSessionId/i,
      /'runtimeSessionId' failed to satisfy constraint: Member must have length greater than or equal to 33/i,
    ],
    causes: ["SESSION_ID_TOO_SHORT"],
    source:
      "boto3's client-side check quoted in sample repositories' fixes (facts file, After start-up); the service model's SessionType (min 33)",
  },
  {
    id: "client-read-timeout",
    meaning:
      "The caller's SDK stopped waiting for the answer (its read timeout), while the agent was still working.",
    patterns: [/Read timeout on endpoint URL/i, /ReadTimeoutError/i],
    causes: ["CLIENT_READ_TIMEOUT"],
    source: "bedrock-agentcore-starter-toolkit issue 286 (facts file, After start-up)",
  },
  {
    id: "mcp-session-not-found",
    meaning:
      "An MCP request was refused for its Mcp-Session-Id: the session it names has ended (404 until the client initializes again), or the server does not know the id the platform sent.",
    patterns: [
      /Mcp-Session-Id[^\n]{0,120}\b(ended|not found|expired|unknown|invalid)\b/i,
      /\b(mcp )?session not found\b/i,
      /\bmcp\b[^\n]{0,80}\b404\b|\b404\b[^\n]{0,80}\bmcp\b/i,
    ],
    causes: ["MCP_SESSION_ENDED", "MCP_SESSION_ID_REJECTED"],
    source:
      "anthropics/claude-ai-mcp issue 450; quarkiverse/quarkus-mcp-servers issue 83 'Mcp session not found' (facts file, After start-up)",
  },
  {
    id: "health-check-failed",
    meaning:
      "The session's container never answered AgentCore's health check (RuntimeClientError, HTTP 424).",
    patterns: [/Runtime health check failed or timed out/i, /-32010/],
    causes: { symptom: "health-check" },
    source: "AWS docs (RuntimeClientError); the message users report (facts file, Data plane)",
  },
  {
    id: "initialization-time-exceeded",
    meaning: "The session's container did not turn healthy within AgentCore's start-up limit.",
    patterns: [/Runtime initialization time exceeded/i],
    causes: { symptom: "health-check" },
    source: "users' reports (facts file, Data plane)",
  },
  {
    id: "bare-424",
    meaning:
      "A RuntimeClientError (HTTP 424) with no message: the container failed, and AgentCore said no more.",
    patterns: [
      /^\s*RuntimeClientError\s*[:.]?\s*$/i,
      /^\s*(RuntimeClientError\s*[:(]?\s*)?(HTTP\s*|status\s*(code)?\s*:?\s*)?424\b\s*(Failed Dependency)?\s*\)?\s*$/i,
    ],
    causes: { symptom: "health-check" },
    source: "facts file (Data plane): the same start-up failure reaches users as a bare 424",
  },
];

/** How a cause of the message stands against what was collected. */
export type ErrorCauseStatus = "confirmed" | "likely" | "possible" | "unknown" | "ruled-out";

export interface ErrorCause {
  cause: FindingId;
  title: string;
  status: ErrorCauseStatus;
  /** Why: the finding's evidence, or the hypothesis's verdict, or that nothing was read. */
  because: string[];
  /** Confirmed only: the observations the status rests on, each with where it was seen. */
  restsOn?: string[];
}

export interface ErrorDiagnosis {
  text: string;
  /** The shapes the text matched, most specific first; none: the message is not one we know. */
  matched: { id: string; meaning: string; source: string }[];
  causes: ErrorCause[];
}

/** The shapes a pasted message matches, in table order. */
export function matchErrorShapes(text: string): ErrorShape[] {
  return ERROR_SHAPES.filter((shape) => shape.patterns.some((p) => p.test(text)));
}

/** The causes a shape names, in its order. */
export function causesOfShape(shape: ErrorShape): FindingId[] {
  return Array.isArray(shape.causes)
    ? [...(shape.causes as readonly FindingId[])]
    : causesOf((shape.causes as { symptom: Symptom }).symptom).map(([id]) => id);
}

const STATUS_RANK: Record<ErrorCauseStatus, number> = {
  confirmed: 0,
  likely: 1,
  possible: 2,
  unknown: 3,
  "ruled-out": 4,
};

/**
 * The causes the message can have, ranked by the evidence a diagnosis
 * collected (none: every cause is possible, in the table's order). A cause
 * the hypotheses judged keeps their verdict; a cause with a finding is
 * confirmed when the finding's evidence holds an observation that shows it
 * (API state, a log line, the replay, the API's answer the user pasted), and
 * only likely when it rests on reading the source; any other cause of a
 * runtime that was read is unknown: the evidence neither shows nor rules it out.
 */
export function diagnoseError(
  text: string,
  collected?: { findings: readonly Finding[]; hypotheses: readonly Hypothesis[] },
): ErrorDiagnosis {
  const shapes = matchErrorShapes(text);
  const seen = new Set<FindingId>();
  const causes: ErrorCause[] = [];
  for (const shape of shapes) {
    for (const id of causesOfShape(shape)) {
      if (seen.has(id)) continue;
      seen.add(id);
      causes.push(judge(id, collected));
    }
  }
  const order = new Map(causes.map((c, i) => [c.cause, i]));
  causes.sort(
    (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || order.get(a.cause)! - order.get(b.cause)!,
  );
  return {
    text,
    matched: shapes.map(({ id, meaning, source }) => ({ id, meaning, source })),
    causes,
  };
}

function judge(
  id: FindingId,
  collected: { findings: readonly Finding[]; hypotheses: readonly Hypothesis[] } | undefined,
): ErrorCause {
  const title = CATALOG[id].title;
  if (!collected) {
    return {
      cause: id,
      title,
      status: "possible",
      because: ["no runtime was read: pass its id to rank the causes"],
    };
  }
  const hypothesis = collected.hypotheses.find((h) => h.cause === id);
  if (hypothesis) {
    return {
      cause: id,
      title: hypothesis.title,
      status: hypothesis.verdict,
      because: [...hypothesis.for, ...hypothesis.against].map((e) => e.fact).slice(0, 3),
      ...(hypothesis.verdict === "confirmed" && hypothesis.restsOn
        ? { restsOn: hypothesis.restsOn.map((e) => `${e.fact} (${describeSource(e.source)})`) }
        : {}),
    };
  }
  const finding = collected.findings.find((f) => f.id === id);
  if (finding) {
    const seen = confirmingObservations(finding.evidence);
    return {
      cause: id,
      title: finding.title,
      ...(seen.length > 0
        ? {
            status: "confirmed" as const,
            because: finding.evidence.map((e) => e.fact),
            restsOn: seen.map((e) => `${e.fact} (${describeSource(e.source)})`),
          }
        : {
            status: "likely" as const,
            because: [
              "no observation shows it: it rests on what was read, not on anything seen (its logs or a replay would show it)",
              ...finding.evidence.map((e) => e.fact),
            ],
          }),
    };
  }
  return {
    cause: id,
    title,
    status: "unknown",
    because: ["the evidence collected neither shows nor rules it out"],
  };
}
