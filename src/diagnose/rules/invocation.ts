import { makeFinding } from "../../findings/index.js";
import { isHealthCheckFailure } from "../collect/invoke.js";
import type { Rule } from "./rule.js";

/** The symptom, seen first-hand: --invoke's fresh session failed AgentCore's health check. */
export const invocation: Rule = ({ invoke }) => {
  if (!invoke || !isHealthCheckFailure(invoke.value)) return [];
  const v = invoke.value;
  return [
    makeFinding("HEALTH_CHECK_FAILING", [
      {
        fact: `InvokeAgentRuntime on a new session (${v.sessionId}) failed after ${(v.elapsedMs / 1000).toFixed(1)} s: ${v.errorCode}${v.statusCode ? ` (HTTP ${v.statusCode})` : ""}: ${v.errorMessage}`,
        source: invoke.source,
      },
    ]),
  ];
};
