import type { NetworkInterface } from "@aws-sdk/client-ec2";
import { type PathHop, pathHops } from "../../net/path-picture.js";
import { type Reachability, reach } from "../../net/reachability.js";
import { containerOutput } from "../bedrock-agentcore/runtime-logs.js";
import type { SessionListing, SessionManager } from "../bedrock-agentcore/sessions.js";
import type { AgentRuntimes } from "../bedrock-agentcore-control/model.js";
import type { Trail, TrailRecord } from "../cloudtrail/model.js";
import type { Ec2 } from "../ec2/model/ec2.js";
import { AGENTCORE_MANAGED_TAG, describeNetworkInterfaces } from "../ec2/model/network-interfaces.js";
import { snapshotVpc } from "../ec2/vpc-snapshot.js";
import type { LogGroupOverview, Logs } from "../logs/model.js";
import type { Scope, Store } from "../store/store.js";

/** What the console reads: the models themselves, never their HTTP APIs (nothing is recorded or created). */
export interface ConsoleSources {
  store: Store;
  runtimes: AgentRuntimes;
  sessions: SessionManager;
  ec2: Ec2;
  trail: Trail;
  logs: Logs;
}

/** The services an AgentCore runtime's traffic goes to, whose path from each ENI the console draws. */
export const PATH_SERVICES = ["ecr.api", "ecr.dkr", "s3", "logs", "sts", "xray", "bedrock-runtime"] as const;

export interface InterfaceView {
  networkInterfaceId: string;
  status?: string;
  vpcId?: string;
  subnetId?: string;
  availabilityZone?: string;
  privateIpAddress?: string;
  groupIds: string[];
  /** The path to each platform service from this interface, as the reachability judge decides it. */
  paths: Array<{ service: string; reachability: Reachability; hops: PathHop[] }>;
}

export interface ScopeView extends Scope {
  runtimes: ReturnType<AgentRuntimes["overview"]>;
  interfaces: InterfaceView[];
  trail: TrailRecord[];
  logGroups: LogGroupOverview[];
  output: Array<{
    runtimeId: string;
    sessionId: string;
    stream: string;
    text: string;
    at: number;
    delivered: boolean;
  }>;
}

/** GET /_emulator/state: the emulator's state as one read-only JSON document (docs/emulator-api.md). */
export interface ConsoleState {
  generatedAt: string;
  sessions: SessionListing[];
  scopes: ScopeView[];
}

const TRAIL_SHOWN = 100;
const OUTPUT_SHOWN = 200;

function scopeKey(scope: Scope): string {
  return `${scope.account}/${scope.region}`;
}

function interfaceView(sources: ConsoleSources, scope: Scope, eni: NetworkInterface): InterfaceView {
  const groupIds = (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));
  const snapshot = eni.VpcId ? snapshotVpc(sources.ec2, scope, eni.VpcId) : undefined;
  const paths =
    snapshot && eni.SubnetId
      ? PATH_SERVICES.map((service) => {
          const origin = {
            subnetId: eni.SubnetId!,
            groupIds,
            ...(eni.PrivateIpAddress ? { address: eni.PrivateIpAddress } : {}),
          };
          const reachability = reach(snapshot, origin, { service });
          const hops = pathHops(
            { subnetId: origin.subnetId, interfaceId: eni.NetworkInterfaceId ?? "" },
            reachability,
          );
          return { service, reachability, hops };
        })
      : [];
  return {
    networkInterfaceId: eni.NetworkInterfaceId ?? "",
    ...(eni.Status ? { status: eni.Status } : {}),
    ...(eni.VpcId ? { vpcId: eni.VpcId } : {}),
    ...(eni.SubnetId ? { subnetId: eni.SubnetId } : {}),
    ...(eni.AvailabilityZone ? { availabilityZone: eni.AvailabilityZone } : {}),
    ...(eni.PrivateIpAddress ? { privateIpAddress: eni.PrivateIpAddress } : {}),
    groupIds,
    paths,
  };
}

function scopeView(sources: ConsoleSources, scope: Scope, now: Date): ScopeView {
  const interfaces = (describeNetworkInterfaces(sources.ec2.call(scope, now), {}).NetworkInterfaces ?? [])
    .filter((eni) => eni.TagSet?.some((t) => t.Key === AGENTCORE_MANAGED_TAG && t.Value === "true"))
    .map((eni) => interfaceView(sources, scope, eni));
  return {
    ...scope,
    runtimes: sources.runtimes.overview(scope, now),
    interfaces,
    trail: sources.trail.recent(scope, TRAIL_SHOWN),
    logGroups: sources.logs.overview(scope),
    output: containerOutput(sources.store, scope)
      .slice(-OUTPUT_SHOWN)
      .map((o) => ({
        runtimeId: o.runtimeId,
        sessionId: o.sessionId,
        stream: o.stream,
        text: o.text,
        at: o.at,
        delivered: o.delivered,
      })),
  };
}

/**
 * Reads every account and region that holds runtimes or recorded calls, and
 * the live sessions. Reads only: no transaction, no default VPC made, no
 * CloudTrail record, no LookupEvents throttle spent.
 */
export function consoleState(sources: ConsoleSources, now: Date): ConsoleState {
  const scopes = new Map<string, Scope>();
  for (const scope of [...sources.runtimes.scopes(), ...sources.trail.scopes()])
    scopes.set(scopeKey(scope), { account: scope.account, region: scope.region });
  const sessions = sources.sessions.list();
  for (const s of sessions) scopes.set(scopeKey(s), { account: s.account, region: s.region });
  return {
    generatedAt: now.toISOString(),
    sessions,
    scopes: [...scopes.values()]
      .filter((s) => s.region !== "aws-global")
      .sort((a, b) => scopeKey(a).localeCompare(scopeKey(b)))
      .map((scope) => scopeView(sources, scope, now)),
  };
}
