import type { FindingId, Severity } from "./catalog.js";

export type { Severity } from "./catalog.js";

/** Where a fact came from, so a reader can check it without trusting us. */
export type EvidenceSource =
  | { kind: "file"; path: string; line?: number }
  | { kind: "probe"; request: string }
  | { kind: "process"; detail: string }
  | { kind: "socket"; table: string }
  | { kind: "api"; service: string; operation: string; parameters?: Record<string, unknown> }
  /** `line`: 1-based among the events read. */
  | { kind: "log"; group: string; stream?: string; line?: number }
  | { kind: "tool"; detail: string }
  /**
   * An error as the user received it, pasted (`diagnose --error`): the API's answer or their
   * SDK's own check of the request, in its words; observed by the caller, not by this tool.
   */
  | { kind: "reported"; detail: string }
  /** Seen while the agent ran in a twin of its deployed network (see src/replay/observations.ts). */
  | { kind: "replay"; observation: string; at?: number };

export interface Evidence {
  fact: string;
  source: EvidenceSource;
  /**
   * An observation that shows only one side of the finding's claim (the runtime's configuration
   * beside a header the source reads): it does not confirm the finding by itself.
   */
  partial?: true;
}

export interface Finding {
  id: FindingId;
  severity: Severity;
  title: string;
  evidence: Evidence[];
  /** The catalog's fix, with this case's values filled in. */
  fix: string;
  docs: string;
}

export function describeSource(source: EvidenceSource): string {
  switch (source.kind) {
    case "file":
      return source.line === undefined ? source.path : `${source.path}:${source.line}`;
    case "probe":
      return `probe: ${source.request}`;
    case "process":
      return `process: ${source.detail}`;
    case "socket":
      return `sockets: ${source.table}`;
    case "api":
      return `${source.service}:${source.operation}${source.parameters ? ` ${JSON.stringify(source.parameters)}` : ""}`;
    case "log":
      return `${source.group}${source.stream ? ` / ${source.stream}` : ""}${source.line ? ` event ${source.line}` : ""}`;
    case "tool":
      return source.detail;
    case "reported":
      return `reported by you: ${source.detail}`;
    case "replay":
      return `replay: ${source.observation}`;
  }
}
