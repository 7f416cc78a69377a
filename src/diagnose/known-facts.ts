import type { Evidence } from "../findings/index.js";
import type { DiagnoseEvidence } from "./analysis-input.js";

export interface KnownFacts {
  topic: string;
  facts: Evidence[];
}

/**
 * "What we know": the plain facts the collectors established, grouped by
 * topic, each with its source. Findings interpret; this only states, so a
 * reader can check the interpretation against the facts.
 */
export function knownFacts(e: DiagnoseEvidence): KnownFacts[] {
  const r = e.runtime.value;
  const topics: KnownFacts[] = [];
  const add = (topic: string, facts: Evidence[]) => {
    if (facts.length > 0) topics.push({ topic, facts });
  };

  add("Runtime", [
    {
      fact: `${r.name} (${r.runtimeId}) version ${r.version} is ${r.status}${r.failureReason ? `: ${r.failureReason}` : ""}; endpoint ${r.endpoint.name} is ${r.endpoint.status}, serving version ${r.endpoint.liveVersion ?? "none"}`,
      source: e.runtime.source,
    },
    {
      fact: `network mode ${r.networkMode}${r.networkMode === "VPC" ? ` in subnets ${r.subnets.join(", ")} with security groups ${r.securityGroups.join(", ")}` : ""}; protocol ${r.protocol}`,
      source: e.runtime.source,
    },
    ...(r.containerUri ? [{ fact: `image ${r.containerUri}`, source: e.runtime.source }] : []),
    {
      fact: `execution role ${r.roleArn}; environment variables: ${r.environmentVariableNames.length > 0 ? r.environmentVariableNames.join(", ") : "none"}`,
      source: e.runtime.source,
    },
  ]);

  if (e.invoke) {
    const v = e.invoke.value;
    add("Invocation (--invoke)", [
      {
        fact: v.ok
          ? `a new session (${v.sessionId}) answered HTTP ${v.statusCode ?? 200} ${v.contentType ?? ""} in ${v.elapsedMs} ms: ${JSON.stringify(v.preview ?? "")}`
          : `a new session (${v.sessionId}) failed after ${(v.elapsedMs / 1000).toFixed(1)} s with ${v.errorCode}${v.statusCode ? ` (HTTP ${v.statusCode})` : ""}: ${v.errorMessage}`,
        source: e.invoke.source,
      },
    ]);
  }

  if (e.logs) {
    const l = e.logs.value;
    const newest = l.streams[0];
    add("Logs", [
      {
        fact: l.group
          ? `log group ${l.group} has ${l.streams.length} recent stream(s)${newest ? `; the newest, ${newest.name}, last written ${newest.lastEventTime?.toISOString() ?? "never"}` : ""}`
          : `no log group ${`/aws/bedrock-agentcore/runtimes/${r.runtimeId}-${r.endpoint.name}`}${l.groups.length > 0 ? ` (other groups: ${l.groups.join(", ")})` : ""}`,
        source: e.logs.source,
      },
      ...l.lines.slice(-5).map((line) => ({ fact: `log: ${line.message}`, source: line.source })),
    ]);
  }

  if (e.iam) {
    const { executionRole, serviceLinkedRole, permissions } = e.iam;
    add("IAM", [
      ...(executionRole
        ? [
            {
              fact: `${executionRole.value.roleName} ${executionRole.value.trustsAgentCore ? "trusts" : "does NOT trust"} bedrock-agentcore.amazonaws.com; last used ${executionRole.value.lastUsed?.date?.toISOString() ?? "never (as IAM reports it)"}`,
              source: executionRole.source,
            },
          ]
        : []),
      ...(permissions
        ? [
            {
              fact: permissions.value.map((p) => `${p.action} ${p.decision}`).join(", "),
              source: permissions.source,
            },
          ]
        : []),
      ...(serviceLinkedRole
        ? [
            {
              fact: serviceLinkedRole.value.exists
                ? `AWSServiceRoleForBedrockAgentCoreNetwork exists; last used ${serviceLinkedRole.value.role?.lastUsed?.date?.toISOString() ?? "never (as IAM reports it)"}`
                : "AWSServiceRoleForBedrockAgentCoreNetwork does not exist",
              source: serviceLinkedRole.source,
            },
          ]
        : []),
    ]);
  }

  if (e.image) {
    const i = e.image.value;
    add("Image", [
      {
        fact:
          i.platforms.length > 0
            ? `${i.uri} is built for ${i.platforms.join(", ")}`
            : `${i.uri}: platform unknown, ${i.unknownBecause}`,
        source: e.image.source,
      },
    ]);
  }

  if (e.timeline) {
    const events = e.timeline.value;
    const enis = events.filter((ev) => ev.name === "CreateNetworkInterface");
    add("CloudTrail", [
      {
        fact: `${events.length} event(s) of this runtime's life${enis.length > 0 ? `, of which ${enis.length} CreateNetworkInterface (${enis.filter((ev) => ev.dryRun).length} DryRun, ${enis.filter((ev) => ev.errorCode && !ev.dryRun).length} failed) by ${[...new Set(enis.map((ev) => ev.actor))].join(", ")}` : ""}`,
        source: e.timeline.source,
      },
    ]);
  }
  return topics;
}
