import { CATALOG, type FindingId } from "./catalog.js";
import type { Evidence, Finding } from "./types.js";

export type FixValues = Record<string, string | number | readonly (string | number)[] | undefined>;

/** Fills `{name}` placeholders; a value the check could not learn renders as `<name>`. */
export function renderFix(template: string, values: FixValues = {}): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) return `<${name}>`;
    return Array.isArray(value) ? value.join(", ") : String(value);
  });
}

/** The entry's precise title when every value it names is known, else its general one. */
function titleOf(entry: { title: string; titleWith?: string }, values: FixValues): string {
  const precise = entry.titleWith;
  if (!precise) return entry.title;
  const names = [...precise.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]!);
  return names.every((name) => values[name] !== undefined) ? renderFix(precise, values) : entry.title;
}

export function makeFinding(id: FindingId, evidence: Evidence[], values: FixValues = {}): Finding {
  const entry = CATALOG[id];
  return {
    id,
    severity: entry.severity,
    title: titleOf(entry, values),
    evidence,
    fix: renderFix(entry.fix, values),
    docs: entry.docs,
  };
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/** Errors first, then warnings, then info; stable within a severity. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

/** One finding per id: the same cause seen by two checks (static and live) keeps the first's fix and both evidences. */
export function mergeFindings(findings: readonly Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const finding of findings) {
    const seen = byId.get(finding.id);
    byId.set(finding.id, seen ? { ...seen, evidence: [...seen.evidence, ...finding.evidence] } : finding);
  }
  return [...byId.values()];
}
