import type { Finding } from "../findings/index.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import type { Hypothesis } from "./hypotheses.js";
import { verdictOf } from "./verdict.js";

export interface ComparedSide {
  evidence: DiagnoseEvidence;
  hypotheses: readonly Hypothesis[];
  findings: readonly Finding[];
}

export interface ComparisonRow {
  field: string;
  a: string;
  b: string;
  differs: boolean;
}

function invocation(e: DiagnoseEvidence): string {
  if (!e.invoke) return "not tested (pass --invoke)";
  const v = e.invoke.value;
  return v.ok
    ? `OK (HTTP ${v.statusCode ?? 200}, ${v.elapsedMs} ms)`
    : `${v.errorCode}: ${v.errorMessage?.split(".")[0]}`;
}

function logs(e: DiagnoseEvidence): string {
  if (!e.logs) return "not read";
  const l = e.logs.value;
  return l.group ? `${l.streams.length} stream(s), ${l.lines.length} recent line(s)` : "no log group";
}

function verdict(s: ComparedSide): string {
  const v = verdictOf(s.hypotheses, s.findings);
  return v.rootCause ? `${v.rootCause} (${v.verdict})` : v.verdict;
}

/**
 * Two runtimes side by side (typically the same image PUBLIC and VPC): what
 * differs between a runtime that works and one that does not is where the
 * cause is.
 */
export function compareRuntimes(a: ComparedSide, b: ComparedSide): ComparisonRow[] {
  const side = (s: ComparedSide) => {
    const r = s.evidence.runtime.value;
    return {
      runtime: `${r.name} (${r.runtimeId})`,
      status: `${r.status} (endpoint ${r.endpoint.name} ${r.endpoint.status})`,
      "network mode": r.networkMode,
      subnets: r.subnets.join(", ") || "-",
      "security groups": r.securityGroups.join(", ") || "-",
      protocol: r.protocol,
      image: r.containerUri ?? "-",
      "execution role": r.roleArn,
      invocation: invocation(s.evidence),
      logs: logs(s.evidence),
      verdict: verdict(s),
    };
  };
  const left = side(a);
  const right = side(b);
  return (Object.keys(left) as (keyof typeof left)[]).map((field) => ({
    field,
    a: left[field],
    b: right[field],
    differs: field !== "runtime" && left[field] !== right[field],
  }));
}
