import { supportedAzIds } from "../../facts/agentcore-vpc-azs.js";
import { type Evidence, type Finding, makeFinding } from "../../findings/index.js";
import { MANAGED_TAG, otherManagedInterfaces, runtimeInterfaces } from "../collect/network.js";
import type { Rule } from "./rule.js";

/**
 * Where AgentCore places a VPC-mode runtime: its subnets (supported zone,
 * free addresses), the interface it makes there (found by tag, in use,
 * attached), and what CloudTrail says when making it failed.
 */

/** The runtime's interface: absent (ENI_MISSING), or present but not in use and attached (ENI_NOT_ATTACHED). */
export const runtimeInterface: Rule = (e, { vpc: n, region }) => {
  if (!n?.managedInterfaces) return [];
  const source = n.managedInterfaces.source;
  const own = runtimeInterfaces(n);
  // A runtime that failed to be placed has no interface by definition: its placement findings say why.
  if (own.length === 0 && e.runtime.value.status.endsWith("FAILED")) return [];
  if (own.length === 0) {
    const others = otherManagedInterfaces(n);
    const creations = (e.timeline?.value ?? []).filter((ev) => ev.name === "CreateNetworkInterface");
    const facts: Evidence[] = [
      {
        fact: `no interface tagged ${MANAGED_TAG}=true in ${n.subnetIds.join(", ")} has the runtime's security groups (${n.groupIds.join(", ")})`,
        source,
      },
      ...(others.length > 0
        ? [
            {
              fact: `other AgentCore interfaces there: ${others.map((o) => `${o.NetworkInterfaceId} (${o.Status}, groups ${(o.Groups ?? []).map((g) => g.GroupId).join(", ")})`).join("; ")}`,
              source,
            },
          ]
        : []),
      ...(e.timeline
        ? [
            {
              fact:
                creations.length > 0
                  ? `CloudTrail has ${creations.length} CreateNetworkInterface event(s) for these subnets: ${creations.map((c) => `${c.time.toISOString()} ${c.dryRun ? "DryRun" : (c.errorCode ?? "succeeded")}`).join(", ")}`
                  : "CloudTrail has no CreateNetworkInterface event for these subnets in the period read",
              source: e.timeline.source,
            },
          ]
        : []),
    ];
    return [makeFinding("ENI_MISSING", facts, { region })];
  }
  const working = own.filter(
    (eni) => eni.Status === "in-use" && eni.Attachment?.Status?.toLowerCase() === "attached",
  );
  if (working.length > 0) return [];
  const eni = own[0]!;
  return [
    makeFinding(
      "ENI_NOT_ATTACHED",
      own.map((i) => ({
        fact: `${i.NetworkInterfaceId} in ${i.SubnetId} is ${i.Status}${i.Attachment ? `, attachment ${i.Attachment.Status}` : ", not attached"}`,
        source,
      })),
      { runtimeId: e.runtime.value.runtimeId, eniId: eni.NetworkInterfaceId },
    ),
  ];
};

/** AgentCore interfaces in these subnets that no runtime uses: left by deleted runtimes (they go within 8 h). */
export const lingeringInterfaces: Rule = (_e, { vpc: n }) => {
  if (!n?.managedInterfaces) return [];
  const lingering = otherManagedInterfaces(n).filter((eni) => eni.Status === "available");
  if (lingering.length === 0) return [];
  return [
    makeFinding(
      "ENI_LINGERING",
      lingering.map((eni) => ({
        fact: `${eni.NetworkInterfaceId} (tagged ${MANAGED_TAG}=true, groups ${(eni.Groups ?? []).map((g) => g.GroupId).join(", ")}) is ${eni.Status} in ${eni.SubnetId}: no runtime uses it`,
        source: n.managedInterfaces!.source,
      })),
      { eniIds: lingering.map((eni) => eni.NetworkInterfaceId ?? "") },
    ),
  ];
};

/** Subnets AgentCore cannot use: an unsupported zone id, or no free address. */
export const subnets: Rule = (e, { vpc: n, region }) => {
  if (!n?.subnets) return [];
  const findings: Finding[] = [];
  const supported = supportedAzIds(region);
  const r = e.runtime.value;
  const reasons = [r.failureReason, r.endpoint.failureReason].filter((x): x is string => !!x);
  /** AgentCore's own words, when its failureReason says the same. */
  const said = (pattern: RegExp): Evidence[] =>
    reasons
      .filter((x) => pattern.test(x))
      .map((x) => ({ fact: `the runtime reports: ${x}`, source: e.runtime.source }));
  for (const s of n.subnets.value) {
    if (supported && s.AvailabilityZoneId && !supported.includes(s.AvailabilityZoneId)) {
      findings.push(
        makeFinding(
          "SUBNET_AZ_UNSUPPORTED",
          [
            {
              fact: `${s.SubnetId} is in ${s.AvailabilityZone} = zone id ${s.AvailabilityZoneId}; AgentCore supports ${supported.join(", ")} in ${region}`,
              source: n.subnets.source,
            },
            ...said(/unsupported availability zone/i),
          ],
          { supportedAzIds: supported, subnetId: s.SubnetId, azId: s.AvailabilityZoneId },
        ),
      );
    }
    if (s.AvailableIpAddressCount === 0) {
      findings.push(
        makeFinding(
          "SUBNET_NO_FREE_IPS",
          [
            {
              fact: `${s.SubnetId} (${s.CidrBlock}) has AvailableIpAddressCount 0`,
              source: n.subnets.source,
            },
            ...said(/InsufficientFreeAddresses|no free (ip )?address/i),
          ],
          { subnetId: s.SubnetId },
        ),
      );
    }
  }
  return findings;
};

/** A failureReason about making the interface itself (not about the subnets AgentCore checks before). */
const ENI_REASON = /network interface|\bENI\b|InsufficientFreeAddresses/i;
const EC2_CODE =
  /\b((?:Client\.|Server\.)?(?:Insufficient\w+|Invalid\w+(?:\.\w+)?|UnauthorizedOperation|\w+LimitExceeded|AccessDenied\w*))\b/;

/** CreateNetworkInterface refused: in CloudTrail (the service-linked role's calls), or in the runtime's failureReason. */
export const eniCreateFailed: Rule = (e) => {
  if (e.runtime.value.networkMode !== "VPC") return [];
  const failures = (e.timeline?.value ?? []).filter(
    (ev) => ev.name === "CreateNetworkInterface" && ev.errorCode && !ev.dryRun,
  );
  const r = e.runtime.value;
  const reason = [r.failureReason, r.endpoint.failureReason].find((x) => x && ENI_REASON.test(x));
  if (failures.length === 0 && !reason) return [];
  const facts: Evidence[] = failures.map((ev) => ({
    fact: `${ev.time.toISOString()} CreateNetworkInterface by ${ev.actor} in ${String(ev.requestParameters.subnetId ?? "?")} failed: ${ev.errorCode}: ${ev.errorMessage ?? ""}`,
    source: e.timeline!.source,
  }));
  if (reason) facts.push({ fact: `the runtime reports: ${reason}`, source: e.runtime.source });
  const last = failures.at(-1);
  const code = last?.errorCode ?? (reason ? EC2_CODE.exec(reason)?.[1] : undefined);
  return [
    makeFinding("ENI_CREATE_FAILED", facts, {
      errorCode: code?.replace(/^(Client|Server)\./, "") ?? "(named in the failureReason)",
      errorMessage: last?.errorMessage ?? reason,
    }),
  ];
};
