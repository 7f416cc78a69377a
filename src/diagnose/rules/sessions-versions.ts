import { headerRefusal } from "../../facts/agentcore-headers.js";
import { type Evidence, makeFinding } from "../../findings/index.js";
import type { DiagnoseEvidence } from "../analysis-input.js";
import type { VersionConfig } from "../collect/versions.js";
import { matchErrorShapes } from "../error-messages.js";
import type { Rule } from "./rule.js";

/** AgentCore's MMDSv2 enforcement date (devguide runtime-troubleshooting). */
export const MMDSV2_CUTOVER = new Date("2026-06-30T00:00:00Z");
/** How AgentCore's refusal of a runtime without MMDSv2 begins; users quote it. */
export const MMDSV2_REFUSAL = /not MMDSv2-enabled/i;

/**
 * A runtime whose metadataConfiguration does not require MMDSv2: refused
 * since the cutover. Fires on what GetAgentRuntime shows (requireMMDSV2
 * false, or absent on a runtime created before the cutover) or on an
 * invocation refused with AgentCore's message. An absent field on a runtime
 * created since is not documented either way and does not fire alone.
 */
export const mmdsNotEnabled: Rule = (e) => {
  const { runtime, invoke } = e;
  const r = runtime.value;
  const config = r.configuration;
  if (config?.requireMMDSV2 === true) return [];
  const evidence: Evidence[] = [];
  if (invoke && !invoke.value.ok && MMDSV2_REFUSAL.test(invoke.value.errorMessage ?? ""))
    evidence.push({
      fact: `InvokeAgentRuntime was refused: ${invoke.value.errorCode}: ${invoke.value.errorMessage}`,
      source: invoke.source,
    });
  const pasted = reported(e, "mmdsv2-not-enabled");
  if (pasted) evidence.push(pasted);
  const created = r.createdAt;
  if (config?.requireMMDSV2 === false)
    evidence.push({
      fact: `version ${r.version} has metadataConfiguration.requireMMDSV2 = false`,
      source: runtime.source,
    });
  else if (config && created && created < MMDSV2_CUTOVER)
    evidence.push({
      fact: `version ${r.version} has no metadataConfiguration, and the runtime was created ${created.toISOString()}, before AgentCore began refusing runtimes without MMDSv2 (2026-06-30)`,
      source: runtime.source,
    });
  if (evidence.length === 0) return [];
  return [
    makeFinding("RUNTIME_MMDSV2_NOT_ENABLED", evidence, { runtimeId: r.runtimeId, roleArn: r.roleArn }),
  ];
};

/** The message pasted with --error, as evidence, when it has this shape (error-messages.ts). */
function reported(e: DiagnoseEvidence, shape: string): Evidence | undefined {
  const text = e.reportedError?.value;
  if (!text || !matchErrorShapes(text).some((s) => s.id === shape)) return undefined;
  return { fact: `the error the caller saw (--error): ${text}`, source: e.reportedError!.source };
}

/** A session id under 33 characters, as the caller's error says: refused before any session. */
export const sessionIdTooShort: Rule = (e) => {
  const pasted = reported(e, "session-id-too-short");
  if (!pasted) return [];
  const text = e.reportedError!.value;
  const length =
    /value: (\d+), valid min length/i.exec(text)?.[1] ??
    (/Value '([^']*)' at 'runtimeSessionId'/i.exec(text)?.[1]?.length.toString() || undefined);
  return [makeFinding("SESSION_ID_TOO_SHORT", [pasted], length ? { length } : {})];
};

/** The caller's read timeout ran out (boto3: 60 s by default) before the agent answered. */
export const clientReadTimeout: Rule = (e) => {
  const pasted = reported(e, "client-read-timeout");
  if (!pasted) return [];
  return [makeFinding("CLIENT_READ_TIMEOUT", [pasted])];
};

/** An MCP client refused for an Mcp-Session-Id: on an MCP runtime, a session id kept past its session's end. */
export const mcpSessionEnded: Rule = (e) => {
  const pasted = reported(e, "mcp-session-not-found");
  const r = e.runtime.value;
  if (!pasted || r.protocol !== "MCP") return [];
  const idle = r.idleTimeoutSeconds ?? 900;
  return [
    makeFinding(
      "MCP_SESSION_ENDED",
      [
        pasted,
        {
          fact: `the runtime serves MCP; its sessions end after ${idle} s without work (idleRuntimeSessionTimeout) or ${r.maxLifetimeSeconds ?? 28_800} s in all (maxLifetime), and the Mcp-Session-Id of an ended session is dead`,
          source: e.runtime.source,
        },
      ],
      { idleTimeout: idle },
    ),
  ];
};

/** The endpoint invoked is named and still serves an older version than the latest. */
export const endpointPinned: Rule = ({ runtime }) => {
  const r = runtime.value;
  const live = r.endpoint.liveVersion;
  if (r.endpoint.name === "DEFAULT" || !live || Number(live) >= Number(r.version)) return [];
  return [
    makeFinding(
      "ENDPOINT_PINNED_OLD_VERSION",
      [
        {
          fact: `endpoint ${r.endpoint.name} serves version ${live} (target ${r.endpoint.targetVersion ?? live}); the runtime's latest version is ${r.version}, which only DEFAULT follows`,
          source: {
            kind: "api",
            service: "bedrock-agentcore-control",
            operation: "GetAgentRuntimeEndpoint",
            parameters: { agentRuntimeId: r.runtimeId, endpointName: r.endpoint.name },
          },
        },
      ],
      { runtimeId: r.runtimeId, endpoint: r.endpoint.name, latest: r.version, live },
    ),
  ];
};

/** What the latest version lacks that the one before had: each as the request field it belongs to. */
export function lostConfiguration(previous: VersionConfig, latest: VersionConfig): string[] {
  const lost: string[] = [];
  if (previous.protocol && previous.protocol !== "HTTP" && (latest.protocol ?? "HTTP") === "HTTP")
    lost.push(`protocolConfiguration.serverProtocol ${previous.protocol}`);
  const idleChanged =
    previous.idleTimeoutSeconds !== undefined &&
    previous.idleTimeoutSeconds !== 900 &&
    (latest.idleTimeoutSeconds ?? 900) === 900;
  const maxChanged =
    previous.maxLifetimeSeconds !== undefined &&
    previous.maxLifetimeSeconds !== 28_800 &&
    (latest.maxLifetimeSeconds ?? 28_800) === 28_800;
  if (idleChanged || maxChanged)
    lost.push(
      `lifecycleConfiguration (idleRuntimeSessionTimeout ${previous.idleTimeoutSeconds}, maxLifetime ${previous.maxLifetimeSeconds}; now the defaults)`,
    );
  const names = previous.environmentVariableNames.filter((n) => !latest.environmentVariableNames.includes(n));
  if (names.length > 0) lost.push(`environmentVariables ${names.join(", ")}`);
  if (previous.jwtAuthorizer && !latest.jwtAuthorizer)
    lost.push("authorizerConfiguration.customJWTAuthorizer");
  const kept = new Set((latest.requestHeaderAllowlist ?? []).map((h) => h.toLowerCase()));
  const headers = (previous.requestHeaderAllowlist ?? []).filter((h) => !kept.has(h.toLowerCase()));
  if (headers.length > 0)
    lost.push(`requestHeaderConfiguration.requestHeaderAllowlist ${headers.join(", ")}`);
  if (previous.requireMMDSV2 === true && latest.requireMMDSV2 !== true)
    lost.push("metadataConfiguration.requireMMDSV2 true");
  if (previous.networkMode === "VPC" && latest.networkMode !== "VPC")
    lost.push("networkConfiguration VPC (now PUBLIC)");
  return lost;
}

/** The latest UpdateAgentRuntime omitted what the previous version had: an update replaces the configuration. */
export const updateLostConfig: Rule = ({ runtime, previousVersion }) => {
  const latest = runtime.value.configuration;
  if (!previousVersion || !latest) return [];
  const lost = lostConfiguration(previousVersion.value, latest);
  if (lost.length === 0) return [];
  const r = runtime.value;
  return [
    makeFinding(
      "UPDATE_LOST_CONFIG",
      [
        {
          fact: `version ${previousVersion.value.version} had ${lost.join("; ")}`,
          source: previousVersion.source,
        },
        { fact: `version ${r.version} (the latest) has none of it`, source: runtime.source },
      ],
      { runtimeId: r.runtimeId, previous: previousVersion.value.version, lost: lost.join("; ") },
    ),
  ];
};

/** Headers the agent reads that AgentCore will not pass it: not allow-listed, or not allowed at all. */
export const headerNotAllowlisted: Rule = ({ runtime, headerReads }) => {
  const config = runtime.value.configuration;
  if (!headerReads?.length || !config) return [];
  const allowlist = config.requestHeaderAllowlist ?? [];
  const allowed = new Set(allowlist.map((h) => h.toLowerCase()));
  const dropped = headerReads.filter((read) => {
    const lower = read.name.toLowerCase();
    if (lower === "authorization" && !config.jwtAuthorizer) return false; // SigV4 callers' own header: never the agent's
    return !allowed.has(lower) || headerRefusal(lower, config.jwtAuthorizer) !== undefined;
  });
  if (dropped.length === 0) return [];
  const names = [...new Set(dropped.map((d) => d.name))];
  const evidence: Evidence[] = dropped.map((d) => {
    const refusal = headerRefusal(d.name, config.jwtAuthorizer);
    return {
      fact: `the agent reads request header ${d.name}, which AgentCore does not forward: ${refusal ?? "the runtime's requestHeaderAllowlist does not name it"}`,
      source: { kind: "file", path: d.file, line: d.line },
    };
  });
  // The runtime's side only: that the agent needs the header is read from its source, not seen.
  evidence.push({
    fact: `version ${runtime.value.version} allow-lists ${allowlist.length ? allowlist.join(", ") : "no header"}`,
    source: runtime.source,
    partial: true,
  });
  return [
    makeFinding("HEADER_NOT_ALLOWLISTED", evidence, {
      runtimeId: runtime.value.runtimeId,
      headers: [
        ...new Set([...allowlist, ...names.filter((n) => !headerRefusal(n, config.jwtAuthorizer))]),
      ].join(","),
      where: [...new Set(dropped.map((d) => `${d.file}:${d.line}`))].join(", "),
      allowlist: allowlist.length ? allowlist.join(", ") : "none",
    }),
  ];
};
