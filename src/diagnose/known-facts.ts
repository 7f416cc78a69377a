import type { Evidence } from "../findings/index.js";
import { routeTableOf } from "../net/reachability.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { otherManagedInterfaces, runtimeInterfaces } from "./collect/network.js";
import { type Derived, derive } from "./derive.js";
import { TELEMETRY_SERVICES } from "./network-paths.js";

export interface KnownFacts {
  topic: string;
  facts: Evidence[];
}

/**
 * "What we know": the plain facts the collectors established, grouped by
 * topic, each with its source. Findings interpret; this only states, so a
 * reader can check the interpretation against the facts.
 */
export function knownFacts(e: DiagnoseEvidence, d: Derived = derive(e)): KnownFacts[] {
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
    ...(r.code
      ? [
          {
            fact: `code zip s3://${r.code.bucket}/${r.code.prefix}${r.code.versionId ? ` (version ${r.code.versionId})` : ""} on ${r.code.runtime}, entry point ${JSON.stringify(r.code.entryPoint)}`,
            source: e.runtime.source,
          },
        ]
      : []),
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

  if (e.codeZip) {
    const z = e.codeZip.value;
    add("Code zip", [
      {
        fact: `${z.location}: ${z.bytes} bytes read; static zip checks: ${z.findings.length > 0 ? z.findings.map((f) => f.id).join(", ") : "nothing found"}`,
        source: e.codeZip.source,
      },
      ...z.notes.map((note) => ({
        fact: note,
        source: { kind: "tool" as const, detail: "static reading of the zip" },
      })),
    ]);
  }

  if (e.network) {
    const n = e.network.value;
    const facts: Evidence[] = [];
    if (n.vpcId) facts.push({ fact: `VPC ${n.vpcId}`, source: e.network.source });
    for (const s of n.subnets?.value ?? []) {
      facts.push({
        fact: `subnet ${s.SubnetId} ${s.CidrBlock} in ${s.AvailabilityZone} (zone id ${s.AvailabilityZoneId}), ${s.AvailableIpAddressCount} free address(es)`,
        source: n.subnets!.source,
      });
    }
    if (n.managedInterfaces) {
      const own = runtimeInterfaces(n);
      facts.push(
        ...own.map((eni) => ({
          fact: `the runtime's interface ${eni.NetworkInterfaceId} in ${eni.SubnetId} at ${eni.PrivateIpAddress}: ${eni.Status}${eni.Attachment ? `, attached at device index ${eni.Attachment.DeviceIndex} to an instance owned by ${eni.Attachment.InstanceOwnerId ?? "?"}` : ", not attached"}${eni.InterfaceType ? `, type ${eni.InterfaceType}` : ""}`,
          source: n.managedInterfaces!.source,
        })),
        ...(own.length === 0
          ? [
              {
                fact: "no interface of the runtime (tagged, with its groups) in its subnets",
                source: n.managedInterfaces.source,
              },
            ]
          : []),
        ...otherManagedInterfaces(n).map((eni) => ({
          fact: `another AgentCore interface ${eni.NetworkInterfaceId} in ${eni.SubnetId}: ${eni.Status}, groups ${(eni.Groups ?? []).map((g) => g.GroupId).join(", ")} (another runtime's, or a deleted one's)`,
          source: n.managedInterfaces!.source,
        })),
      );
    }
    facts.push(...n.notes);
    for (const g of (n.securityGroups?.value ?? []).filter((g) => n.groupIds.includes(g.GroupId ?? ""))) {
      const rules = (g.IpPermissionsEgress ?? []).map(
        (p) =>
          `${p.IpProtocol === "-1" ? "all" : `${p.IpProtocol} ${p.FromPort}-${p.ToPort}`} to ${[...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.UserIdGroupPairs ?? []).map((u) => u.GroupId), ...(p.PrefixListIds ?? []).map((l) => l.PrefixListId)].join(", ")}`,
      );
      facts.push({
        fact: `security group ${g.GroupId} egress: ${rules.length > 0 ? rules.join("; ") : "none"}`,
        source: n.securityGroups!.source,
      });
    }
    if (n.routeTables && n.vpcId) {
      for (const subnetId of n.subnetIds) {
        const table = routeTableOf(n.routeTables.value, subnetId, n.vpcId);
        const explicit = table?.Associations?.some((a) => a.SubnetId === subnetId);
        const out = table?.Routes?.find((r) => r.DestinationCidrBlock === "0.0.0.0/0");
        facts.push({
          fact: `${subnetId} is routed by ${table?.RouteTableId ?? "no table"}${table ? (explicit ? " (explicit association)" : " (the VPC's main table)") : ""}; 0.0.0.0/0 → ${out ? (out.NatGatewayId ?? out.GatewayId ?? out.TransitGatewayId ?? out.NetworkInterfaceId ?? "another target") + (out.State === "blackhole" ? " (blackhole)" : "") : "none"}`,
          source: n.routeTables.source,
        });
      }
    }
    if (n.natGateways) {
      facts.push({
        fact:
          n.natGateways.value.length > 0
            ? `NAT gateways: ${n.natGateways.value.map((g) => `${g.NatGatewayId} ${g.State} ${g.ConnectivityType ?? ""} in ${g.SubnetId}`).join("; ")}`
            : "no NAT gateway in the VPC",
        source: n.natGateways.source,
      });
    }
    if (n.endpoints) {
      facts.push({
        fact:
          n.endpoints.value.length > 0
            ? `VPC endpoints: ${n.endpoints.value.map((x) => `${x.ServiceName} (${x.VpcEndpointType}, ${x.State}${x.VpcEndpointType?.toLowerCase() === "interface" ? `, private DNS ${x.PrivateDnsEnabled ? "on" : "off"}, groups ${(x.Groups ?? []).map((g) => g.GroupId).join(", ")}` : ""})`).join("; ")}`
            : "no VPC endpoint in the VPC",
        source: n.endpoints.source,
      });
    }
    if (n.dnsSupport || n.dnsHostnames) {
      facts.push({
        fact: `enableDnsSupport ${n.dnsSupport?.value ?? "unknown"}, enableDnsHostnames ${n.dnsHostnames?.value ?? "unknown"}`,
        source: (n.dnsSupport ?? n.dnsHostnames)!.source,
      });
    }
    const judged = [...d.services.map((u) => u.service), ...TELEMETRY_SERVICES];
    const verdicts = [...new Set(judged)].flatMap((service) => {
      const path = d.paths.get(service);
      if (!path) return [];
      const v = path.verdict;
      return [
        `${service} ${v.status === "reachable" ? `reachable via ${v.via}` : v.status === "blocked" ? `blocked (${v.reason})` : `unknown (beyond ${v.target})`}`,
      ];
    });
    if (verdicts.length > 0) {
      facts.push({
        fact: `paths from the runtime's subnets: ${verdicts.join(", ")}`,
        source: { kind: "tool", detail: "reachability judged from the EC2 descriptions above" },
      });
    }
    add("Network", facts);
  }

  if (e.awsServices) {
    add(
      "AWS services the source calls",
      e.awsServices.map((use) => ({
        fact: `${use.service} ${use.phase === "startup" ? "at start-up" : "in a handler"}: ${use.detail}`,
        source: { kind: "file" as const, path: use.file, line: use.line },
      })),
    );
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
