import type { NetworkInterface } from "@aws-sdk/client-ec2";
import { contains, nth, parseCidr } from "../net/vpc/ip.js";
import type { EniSpec } from "../net/vpc/policy.js";
import type { Twin } from "../replay/run.js";
import { type NetworkEvidence, runtimeInterfaces, vpcNetworkOf } from "./collect/network.js";

/**
 * The twin of a runtime's VPC: what `diagnose` collected, as the session
 * network (src/emulator/vpc/fabric.ts) rebuilds it packet by packet, and the ENI
 * the replayed agent gets. Built only from observations; where the twin
 * had to fill a part in, `assumptions` says which and how.
 */

export type { Twin };

export type TwinResult = { ok: true; twin: Twin } | { ok: false; reason: string };

/** The parts without which a twin would be a guess: their absence makes the replay impossible, never silently open. */
function missingParts(n: NetworkEvidence): string[] {
  const missing: string[] = [];
  if (!n.vpcId) missing.push("the VPC (no subnet or security group named it)");
  if (!n.vpcCidr) missing.push("the VPC's block (DescribeVpcs)");
  if (!n.subnets) missing.push("the subnets (DescribeSubnets)");
  if (!n.routeTables) missing.push("the route tables (DescribeRouteTables)");
  if (!n.securityGroups) missing.push("the security groups (DescribeSecurityGroups)");
  if (!n.endpoints) missing.push("the VPC endpoints (DescribeVpcEndpoints)");
  if (!n.natGateways) missing.push("the NAT gateways (DescribeNatGateways)");
  if (!n.internetGateways) missing.push("the internet gateways (DescribeInternetGateways)");
  return missing;
}

const groupIdsOf = (eni: NetworkInterface) =>
  (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));

/** An address in the subnet that no collected interface holds, past AWS's five reserved ones. */
function freeAddress(cidr: string, taken: ReadonlySet<string>): string | undefined {
  const size = 2 ** (32 - parseCidr(cidr).prefix);
  for (let offset = 4; offset < size - 1; offset++) {
    const address = nth(cidr, offset);
    if (!taken.has(address)) return address;
  }
  return undefined;
}

/** Builds the twin from the network evidence, or says which part kept it from being built. */
export function buildTwin(n: NetworkEvidence): TwinResult {
  const missing = missingParts(n);
  const network = vpcNetworkOf(n);
  if (missing.length > 0 || !network || !n.vpcCidr) {
    return { ok: false, reason: `the twin needs ${missing.join(", ") || "the VPC's state"}` };
  }
  const assumptions: string[] = [];
  const dns = { ...network.dns };
  if (dns.support === undefined) {
    dns.support = true;
    assumptions.push("enableDnsSupport could not be read: the twin has it on, as AWS makes a VPC");
  }
  if (dns.hostnames === undefined) {
    dns.hostnames = false;
    assumptions.push("enableDnsHostnames could not be read: the twin has it off, as AWS makes a VPC");
  }
  const interfaces = new Map<string, NetworkInterface>();
  for (const eni of [...(n.managedInterfaces?.value ?? []), ...(n.endpointInterfaces?.value ?? [])]) {
    if (eni.NetworkInterfaceId) interfaces.set(eni.NetworkInterfaceId, eni);
  }
  const own = runtimeInterfaces(n).find(
    (e) => e.NetworkInterfaceId && e.PrivateIpAddress && e.SubnetId && n.subnetIds.includes(e.SubnetId),
  );
  let eni: EniSpec;
  if (own) {
    eni = {
      id: own.NetworkInterfaceId!,
      privateIp: own.PrivateIpAddress!,
      subnetId: own.SubnetId!,
      groupIds: groupIdsOf(own),
    };
  } else {
    // No interface of the runtime was seen (none yet, or it was not readable): one like AgentCore makes.
    const subnet = network.subnets.find((s) => s.SubnetId && s.CidrBlock && n.subnetIds.includes(s.SubnetId));
    if (!subnet?.SubnetId || !subnet.CidrBlock) {
      return { ok: false, reason: "none of the runtime's subnets was described" };
    }
    const taken = new Set([...interfaces.values()].flatMap((i) => i.PrivateIpAddress ?? []));
    const address = freeAddress(subnet.CidrBlock, taken);
    if (!address) return { ok: false, reason: `subnet ${subnet.SubnetId} has no free address` };
    eni = { id: "eni-replay-twin", privateIp: address, subnetId: subnet.SubnetId, groupIds: n.groupIds };
    interfaces.set(eni.id, {
      NetworkInterfaceId: eni.id,
      PrivateIpAddress: address,
      SubnetId: subnet.SubnetId,
      VpcId: network.vpcId,
      Groups: n.groupIds.map((GroupId) => ({ GroupId })),
    });
    assumptions.push(
      `no network interface of the runtime was seen: the twin gives it ${address} in ${subnet.SubnetId} with its security groups (${n.groupIds.join(", ") || "none"})`,
    );
  }
  if (!contains(n.vpcCidr.value, eni.privateIp)) {
    return { ok: false, reason: `the interface's address ${eni.privateIp} is outside ${n.vpcCidr.value}` };
  }
  const allInterfaces = [...interfaces.values()];
  return {
    ok: true,
    twin: {
      snapshot: { ...network, dns, cidr: n.vpcCidr.value, interfaces: allInterfaces, allInterfaces },
      eni,
      assumptions,
    },
  };
}
