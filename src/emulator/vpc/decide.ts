import { sh } from "../../net/netns.js";
import { reach } from "../../net/reachability.js";
import { currentGroups } from "../../net/vpc/policy.js";
import type { VpcState } from "../../net/vpc/snapshot.js";
import type { SessionNetwork } from "./fabric.js";

/**
 * Whether a session can open a connection to an AWS service's regional
 * endpoint, decided either by sending packets from inside its namespace
 * (the session network is real) or analytically from EC2's state (no
 * namespaces or no nftables here). Both must agree for the same state.
 */
export interface ReachVerdict {
  status: "reachable" | "blocked" | "unknown";
  method: "packet" | "analytic";
  detail: string;
}

/** The regional host name an SDK uses for a service's endpoint prefix. */
export function serviceHost(service: string, region: string, account = "123456789012"): string {
  if (service === "ecr.api") return `api.ecr.${region}.amazonaws.com`;
  if (service === "ecr.dkr") return `${account}.dkr.ecr.${region}.amazonaws.com`;
  return `${service}.${region}.amazonaws.com`;
}

export type ProbeOutcome = "connected" | "timeout" | "refused" | "unresolved" | "error";

// argv: host port timeoutMs. Prints one JSON line.
const PROBE = `const [host, port, timeout] = process.argv.slice(1);
const dns = require("node:dns"), net = require("node:net");
const done = (o) => { process.stdout.write(JSON.stringify(o) + "\\n"); process.exit(0); };
dns.lookup(host, { family: 4 }, (error, address) => {
  if (error) return done({ outcome: "unresolved", detail: error.code || error.message });
  const socket = net.connect({ host: address, port: Number(port) });
  const timer = setTimeout(() => { socket.destroy(); done({ outcome: "timeout", address }); }, Number(timeout));
  socket.once("connect", () => { clearTimeout(timer); socket.destroy(); done({ outcome: "connected", address }); });
  socket.once("error", (e) => { clearTimeout(timer); done({ outcome: e.code === "ECONNREFUSED" ? "refused" : "error", address, detail: e.code || e.message }); });
});`;

/** Resolves `host` with the namespace's resolv.conf and opens a TCP connection, as an agent in it would. */
export async function probeFromNamespace(
  namespace: string,
  host: string,
  port = 443,
  timeoutMs = 2_500,
): Promise<{ outcome: ProbeOutcome; address?: string; detail?: string }> {
  const out = await sh("ip", [
    "netns",
    "exec",
    namespace,
    process.execPath,
    "-e",
    PROBE,
    host,
    String(port),
    String(timeoutMs),
  ]);
  return JSON.parse(out.trim().split("\n").pop()!);
}

/** EC2's verdict: PUBLIC sessions reach AWS's public endpoints; VPC sessions as src/net/reachability.ts judges. */
export function analyticReachability(
  vpcs: VpcState | undefined,
  network: SessionNetwork,
  service: string,
  port = 443,
): ReachVerdict {
  if (network.mode === "PUBLIC") {
    return { status: "reachable", method: "analytic", detail: "PUBLIC mode: AWS's public endpoints" };
  }
  const eni = network.eni;
  if (!vpcs || !eni)
    return { status: "unknown", method: "analytic", detail: "no EC2 state for the runtime's ENI" };
  const scope = { account: network.account, region: network.region };
  const vpcId = vpcs.subnet(scope, eni.subnetId)?.vpcId;
  const snap = vpcId ? vpcs.snapshot(scope, vpcId) : undefined;
  if (!snap)
    return { status: "blocked", method: "analytic", detail: `subnet ${eni.subnetId} or its VPC is gone` };
  const verdict = reach(
    snap,
    // The groups the ENI has now, as the packet-level network enforces them.
    { subnetId: eni.subnetId, groupIds: currentGroups(snap, eni), address: eni.privateIp },
    { service, port },
  );
  const why =
    verdict.status === "reachable"
      ? verdict.via
      : verdict.status === "blocked"
        ? verdict.reason
        : verdict.target;
  return {
    status: verdict.status,
    method: "analytic",
    detail: `${why}: ${verdict.facts.map((f) => f.fact).join("; ")}`,
  };
}

/**
 * For one session: packets when it has a real network (`namespace` given,
 * attached by the SessionFabric), else the analytic judge.
 */
export async function sessionReachability(
  input: { network: SessionNetwork; vpcs?: VpcState; namespace?: string },
  service: string,
  options: { port?: number; timeoutMs?: number } = {},
): Promise<ReachVerdict> {
  const port = options.port ?? 443;
  if (!input.namespace) return analyticReachability(input.vpcs, input.network, service, port);
  const host = serviceHost(service, input.network.region, input.network.account);
  const probe = await probeFromNamespace(input.namespace, host, port, options.timeoutMs);
  return {
    status: probe.outcome === "connected" ? "reachable" : "blocked",
    method: "packet",
    detail: `${host}${probe.address ? ` (${probe.address})` : ""}: ${probe.outcome}${probe.detail ? ` ${probe.detail}` : ""}`,
  };
}
