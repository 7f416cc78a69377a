import { sortFindings } from "../findings/index.js";
import type { NetworkOfResult, ReplayResult } from "../replay/observations.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { type ClientOptions, createClients } from "./clients.js";
import { COLLECTORS, collectContext, runCollectors } from "./collect/index.js";
import { collectRuntime, resolveRuntimeId } from "./collect/runtime.js";
import { derive } from "./derive.js";
import type { EvidenceGap } from "./evidence.js";
import { replayObservations } from "./rules/replay.js";

export type { NetworkOfResult };

/**
 * The agent run in the network of a deployed runtime (`check DIR
 * --network-of <runtime>`): the runtime and its network read exactly as
 * `diagnose` reads them (the same collectors, behind the same read-only
 * guard), the agent replayed in their twin by the same runner, and what the
 * replay saw turned into findings by the same rule. No invocation is made.
 */
export interface NetworkOfOptions extends Omit<ClientOptions, "allowInvoke" | "onCall"> {
  /** The deployed runtime: an id, an ARN or a name. */
  runtime: string;
  qualifier?: string;
  /** The agent's directory. */
  source: string;
  /** Values for the runtime's environment variables (it shows their names only). */
  env?: Record<string, string>;
  startupTimeoutMs?: number;
  onProgress?: (step: string) => void;
}

/** The collectors the replay needs: the network it rebuilds, and the replay itself. */
const NEEDED = new Set(["network", "replay"]);

export async function replayInNetworkOf(options: NetworkOfOptions): Promise<NetworkOfResult> {
  const progress = options.onProgress ?? (() => {});
  const clients = createClients({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    allowInvoke: false,
  });
  try {
    progress(`the runtime ${options.runtime}`);
    const runtimeId = await resolveRuntimeId(clients.control, options.runtime);
    const runtime = await collectRuntime(clients.control, runtimeId, options.qualifier ?? "DEFAULT");
    const gaps: EvidenceGap[] = [];
    const collectors = COLLECTORS.filter((c) => NEEDED.has(c.name));
    const evidence: DiagnoseEvidence = await runCollectors(
      collectContext(
        clients,
        {
          sourceDir: options.source,
          ...(options.env ? { env: options.env } : {}),
          ...(options.startupTimeoutMs ? { replayStartupMs: options.startupTimeoutMs } : {}),
        },
        runtime,
        gaps,
      ),
      collectors,
      progress,
    );
    const replay: ReplayResult = evidence.replay ?? { ran: false, reason: "the replay did not run" };
    return {
      runtimeArn: runtime.value.runtimeArn,
      networkMode: runtime.value.networkMode,
      replay,
      findings: sortFindings(replayObservations(evidence, derive(evidence))),
      gaps,
    };
  } finally {
    clients.destroy();
  }
}
