import type { ReplayResult } from "../../replay/observations.js";
import { replayAgent } from "../../replay/run.js";
import type { EvidenceGap, Sourced } from "../evidence.js";
import { buildTwin, type Twin } from "../twin.js";
import type { NetworkEvidence } from "./network.js";
import type { RuntimeEvidence } from "./runtime.js";

/**
 * The replay as a collector: the agent (--source) run in a twin of the
 * runtime's network (VPC mode: rebuilt from what the network collector
 * read; PUBLIC: the stand-in internet), its observations the evidence. A
 * replay that could not run is a gap that says why, never a failure.
 */
export interface ReplayScope {
  runtime: RuntimeEvidence;
  region: string;
  account: string;
  sourceDir?: string;
  /** The deployed image, fetched through ECR: replayed instead of --source. */
  image?: { layout: string; tag: string; label: string };
  /** --no-replay. */
  disabled?: boolean;
  /** --env KEY=VALUE: values for the runtime's environment variables (it shows their names only). */
  env?: Record<string, string>;
  startupTimeoutMs?: number;
  onProgress?: (step: string) => void;
}

const gap = (message: string): EvidenceGap => ({
  collector: "replay",
  service: "replay",
  operation: "ReplayAgent",
  errorCode: "ReplayNotPossible",
  message,
});

export async function collectReplay(
  scope: ReplayScope,
  network: Sourced<NetworkEvidence> | undefined,
  gaps: EvidenceGap[],
): Promise<ReplayResult> {
  if (scope.disabled) return { ran: false, reason: "turned off with --no-replay" };
  if (!scope.sourceDir && !scope.image)
    return {
      ran: false,
      reason: "no agent to replay: the deployed image was not fetched and no --source DIR was given",
    };
  const r = scope.runtime;
  let placement: { mode: "VPC"; twin: Twin } | { mode: "PUBLIC" };
  if (r.networkMode === "VPC") {
    if (!network) {
      const reason = "the replay needs the runtime's network, which was not collected";
      gaps.push(gap(reason));
      return { ran: false, reason };
    }
    const twin = buildTwin(network.value);
    if (!twin.ok) {
      const reason = `the twin of the runtime's network could not be built: ${twin.reason}`;
      gaps.push(gap(reason));
      return { ran: false, reason };
    }
    placement = { mode: "VPC", twin: twin.twin };
  } else {
    placement = { mode: "PUBLIC" };
  }
  const result = await replayAgent({
    ...(scope.image ? { image: scope.image } : { source: scope.sourceDir as string }),
    account: scope.account,
    region: scope.region,
    network: placement,
    roleArn: r.roleArn,
    envNames: r.environmentVariableNames,
    ...(scope.env ? { env: scope.env } : {}),
    ...(scope.startupTimeoutMs ? { startupTimeoutMs: scope.startupTimeoutMs } : {}),
    ...(scope.onProgress ? { onProgress: scope.onProgress } : {}),
  });
  if (!result.ran) gaps.push(gap(`the replay was not possible: ${result.reason}`));
  else if (result.envLacked.length > 0) {
    gaps.push({
      ...gap(
        `the replay ran without values for ${result.envLacked.join(", ")} (the runtime shows names only; pass --env NAME=VALUE)`,
      ),
      errorCode: "ReplayEnvLacked",
    });
  }
  const refused = result.ran
    ? result.observations.filter(
        (o): o is Extract<typeof o, { kind: "aws-call-failed" }> => o.kind === "aws-call-failed",
      )
    : [];
  if (refused.length > 0) {
    gaps.push({
      ...gap(
        `in the replay the twin refused the agent's ${[...new Set(refused.map((c) => `${c.service} ${c.operation} (${c.errorCode})`))].join(", ")}: the twin holds none of the account's data, so what the agent did after that says nothing about the deployment`,
      ),
      errorCode: "ReplayDataMissing",
    });
  }
  return result;
}
