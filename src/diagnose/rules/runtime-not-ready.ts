import { makeFinding } from "../../findings/index.js";
import type { Rule } from "./rule.js";

const FAILED = new Set(["CREATE_FAILED", "UPDATE_FAILED"]);

/** A runtime or endpoint in a failed state cannot serve, whatever its container does. */
export const runtimeNotReady: Rule = ({ runtime }) => {
  const r = runtime.value;
  const failed = [
    ...(FAILED.has(r.status)
      ? [{ what: `runtime ${r.runtimeId} version ${r.version}`, status: r.status, reason: r.failureReason }]
      : []),
    ...(FAILED.has(r.endpoint.status)
      ? [{ what: `endpoint ${r.endpoint.name}`, status: r.endpoint.status, reason: r.endpoint.failureReason }]
      : []),
  ];
  if (failed.length === 0) return [];
  return [
    makeFinding(
      "RUNTIME_NOT_READY",
      failed.map((f) => ({
        fact: `${f.what} is ${f.status}${f.reason ? `: ${f.reason}` : ""}`,
        source: runtime.source,
      })),
      { failureReason: failed.map((f) => f.reason ?? f.status).join("; "), runtimeId: r.runtimeId },
    ),
  ];
};
