import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { addNamespace, deleteNamespace, ipBatch, NET_PREFIX, netnsSupport, sh } from "../../net/netns.js";
import { nth, parseCidr, toDotted } from "../../net/vpc/ip.js";
import {
  type EniSpec,
  gatewayOf,
  privateDnsRecords,
  type RouterPort,
  routerRuleset,
  sessionRuleset,
} from "../../net/vpc/policy.js";
import { LINK_BLOCK, PUBLIC_ADDRESSES, PUBLIC_RESOLVER } from "../../net/vpc/public.js";
import type { VpcScope as Scope, VpcSnapshot, VpcState } from "../../net/vpc/snapshot.js";
import { type ChildInput, childInput } from "../../util/child-stdin.js";
import { loadCertificateAuthority } from "../aws-public/ca.js";
import type { DnsQueryEvent } from "../aws-public/dns-server.js";
import type { TlsEvent } from "../aws-public/endpoints-server.js";

/** A VPC that is gone: no rules admit anything. */
function emptySnapshot(router: { scope: Scope; vpcId: string }): VpcSnapshot {
  return {
    region: router.scope.region,
    vpcId: router.vpcId,
    cidr: "0.0.0.0/32",
    subnets: [],
    routeTables: [],
    securityGroups: [],
    endpoints: [],
    natGateways: [],
    internetGateways: [],
    interfaces: [],
    allInterfaces: [],
    dns: {},
  };
}

/**
 * The session network, packet by packet. One `acd-inet…` namespace stands in
 * for the internet (AWS's public endpoints on 198.18.0.0/15 and a resolver,
 * served by endpoints-process.ts, which reaches the emulator over a Unix
 * socket). Each VPC with sessions gets a router namespace: one routed port
 * per session's ENI interface (sessions sharing a runtime's ENI share its
 * address, so ports are routed, not bridged: a connection's replies go back
 * through the port it came from by conntrack mark), an uplink to the
 * internet namespace used only as the subnet's route table allows (NAT
 * gateway, gateway endpoints), interface endpoints and the resolver at the
 * VPC's base+2. Security groups are nftables in each session's namespace.
 * EC2's state is re-read every `syncIntervalMs` and applied where it changed.
 */

export type NetworkMode = "PUBLIC" | "VPC";

export interface SessionNetwork {
  account: string;
  region: string;
  mode: NetworkMode;
  eni?: EniSpec;
}

export type Upstream = { socketPath: string } | { url: string };

export interface FabricOptions {
  /** EC2's state: VPC mode reads subnets, groups, routes and endpoints from it (on attach and on every sync). */
  vpcs?: VpcState;
  /** Where the emulator's CA lives (see aws-public/ca.ts). */
  caDir: string;
  /** The emulator, as the public endpoints stand-in reaches it. A URL is served to it through a Unix socket. */
  upstream: Upstream | (() => Upstream);
  syncIntervalMs?: number;
  log?: (line: string) => void;
  /** Every DNS query the resolver answers and every TLS handshake the stand-in sees (a replay records them). */
  onStandInEvent?: (event: StandInEvent) => void;
}

/** What the stand-in for the internet reports with --events. */
export type StandInEvent = { dns: DnsQueryEvent } | { tls: TlsEvent };

export interface SessionAttachment {
  namespace: string;
  network: SessionNetwork;
  /** The interface carrying the ENI's address (VPC) or the link to the internet (PUBLIC). */
  ifname: string;
  /** The resolver the session's resolv.conf names. */
  resolver: string;
  detach(): Promise<void>;
}

export interface FabricSupport {
  ok: boolean;
  reason?: string;
}

let support: Promise<FabricSupport> | undefined;

/** Whether sessions can get real networks: network namespaces (Linux, root, iproute2) and nftables. */
export function fabricSupport(): Promise<FabricSupport> {
  support ??= (async () => {
    const netns = await netnsSupport();
    if (!netns.ok) return { ok: false, ...(netns.reason ? { reason: netns.reason } : {}) };
    try {
      await sh("nft", ["--version"]);
    } catch {
      return { ok: false, reason: "nft (nftables) is not installed" };
    }
    return { ok: true };
  })();
  return support;
}

const ETC_NETNS = "/etc/netns";

/** The resolv.conf `ip netns exec` binds over /etc/resolv.conf for processes of that namespace. */
async function writeResolvConf(namespace: string, nameserver: string): Promise<void> {
  const dir = join(ETC_NETNS, namespace);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "resolv.conf"), `nameserver ${nameserver}\noptions timeout:1 attempts:2\n`);
}

async function removeResolvConf(namespace: string): Promise<void> {
  await rm(join(ETC_NETNS, namespace), { recursive: true, force: true });
}

/** nftables in a namespace: nsenter joins only its network, lighter than `ip netns exec` (no mount namespace). */
function nftApply(ns: string, ruleset: string): Promise<string> {
  return sh("nsenter", [`--net=/run/netns/${ns}`, "nft", "-f", "-"], ruleset);
}

const hex = () => randomBytes(3).toString("hex");

interface RouterState {
  key: string;
  scope: Scope;
  vpcId: string;
  name: string;
  uplink: string;
  /** The router's uplink address: the resolver sees the VPC's queries from it. */
  uplinkAddress: string;
  applied?: string;
  sessions: Set<VpcSession>;
  ready: Promise<void>;
  /** Hands the uplink's /30 back. */
  free: () => void;
}

/** A PUBLIC-mode link into the internet namespace; `unlink` removes it once. */
interface PublicLink {
  ifname: string;
  unlink(): Promise<void>;
}

interface VpcSession {
  namespace: string;
  eni: EniSpec;
  ifname: string;
  port: RouterPort;
  applied?: string;
}

/** The script the endpoints stand-in runs: the .ts beside this file under tsx, the .js in a build. */
function standInEntry(): { args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith(".ts");
  const entry = join(here, "../../../emulator/aws-public", `endpoints-process.${ts ? "ts" : "js"}`);
  // tsx by its own path: a bare name would be looked up from wherever the emulator was started.
  return { args: ts ? ["--import", import.meta.resolve("tsx"), entry] : [entry] };
}

export class SessionFabric {
  private inet:
    | { name: string; process: ChildProcess; input?: ChildInput; views: string; proxy?: Server }
    | undefined;
  private inetReady: Promise<void> | undefined;
  private readonly routers = new Map<string, RouterState>();
  private readonly attachments = new Set<SessionAttachment>();
  /** PUBLIC links made ahead for namespaces not yet taken by a session, by namespace. */
  private readonly prewired = new Map<string, Promise<PublicLink | undefined>>();
  private nextLink = 1;
  private readonly freeLinks: number[] = [];
  private nextMark = 1;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private readonly queues = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: FabricOptions) {}

  /** A /30 of 198.19.0.0/16 for a point-to-point link into the internet namespace; `free` hands it back. */
  private link(): { inside: string; outside: string; free: () => void } {
    const index = this.freeLinks.pop() ?? this.nextLink++;
    if (index >= 2 ** 14) throw new Error("the session network has no /30 left in 198.19.0.0/16");
    const base = parseCidr(LINK_BLOCK).base + index * 4;
    return {
      inside: toDotted(base + 1),
      outside: toDotted(base + 2),
      free: () => this.freeLinks.push(index),
    };
  }

  private upstream(): Upstream {
    return typeof this.options.upstream === "function" ? this.options.upstream() : this.options.upstream;
  }

  private ensureInet(): Promise<void> {
    this.inetReady ??= this.startInet().catch(async (error) => {
      this.inetReady = undefined;
      await this.stopInet();
      throw error;
    });
    return this.inetReady;
  }

  private async startInet(): Promise<void> {
    // Made here before the stand-in starts, so two processes never race to create it.
    loadCertificateAuthority(this.options.caDir);
    const name = `${NET_PREFIX}inet-${hex()}`;
    await addNamespace(name);
    this.inet = { name, process: undefined as unknown as ChildProcess, views: "" };
    await ipBatch(
      [
        "link set lo up",
        // On loopback: a dummy interface needs a kernel module containers often lack.
        ...PUBLIC_ADDRESSES.map((a) => `addr add ${a}/32 dev lo`),
      ],
      name,
    );
    const upstream = this.upstream();
    let socketPath: string;
    if ("socketPath" in upstream) socketPath = upstream.socketPath;
    else {
      // The stand-in lives in another network namespace: a Unix socket crosses over, loopback does not.
      socketPath = join(tmpdir(), `${NET_PREFIX}upstream-${hex()}.sock`);
      const target = new URL(upstream.url);
      const proxy = createServer((client) => {
        const server = createConnection(Number(target.port), target.hostname.replace(/^\[|\]$/g, ""));
        client.on("error", () => server.destroy());
        server.on("error", () => client.destroy());
        client.pipe(server).pipe(client);
      });
      await new Promise<void>((resolve, reject) => {
        proxy.once("error", reject);
        proxy.listen(socketPath, () => resolve());
      });
      this.inet.proxy = proxy;
    }
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        name,
        process.execPath,
        ...standInEntry().args,
        "--listen",
        "0.0.0.0:443",
        "--dns",
        // Bound to its address: a UDP answer from 0.0.0.0 would leave from the link's address, which resolvers ignore.
        `${PUBLIC_RESOLVER}:53`,
        "--upstream",
        socketPath,
        "--ca-dir",
        this.options.caDir,
        ...(this.options.onStandInEvent ? ["--events"] : []),
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    this.inet.process = child;
    // The stand-in reads the resolver's views from its stdin; if it dies, a write must not take the emulator with it.
    this.inet.input = childInput(child, (error) =>
      this.options.log?.(
        `session network: the public endpoints stand-in stopped reading (${error.code ?? error.message})`,
      ),
    );
    const errors: string[] = [];
    child.stderr?.on("data", (chunk: Buffer) => errors.push(chunk.toString()));
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("the public endpoints stand-in did not start in 20 s")),
        20_000,
      );
      lines.once("line", () => {
        clearTimeout(timer);
        resolve();
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the public endpoints stand-in exited (${code}): ${errors.join("").slice(-500)}`));
      });
    });
    const onEvent = this.options.onStandInEvent;
    lines.on("line", (line) => {
      if (!onEvent || !line.startsWith("event ")) return;
      try {
        onEvent(JSON.parse(line.slice(6)) as StandInEvent);
      } catch {
        // A line cut short at exit: nothing to record.
      }
    });
  }

  private async stopInet(): Promise<void> {
    const inet = this.inet;
    this.inet = undefined;
    this.inetReady = undefined;
    if (!inet) return;
    // A stand-in killed by a signal (Ctrl-C reaches the whole process group) has a null exitCode
    // and has already emitted "exit": waiting for it would never end, and the emulator never stops.
    if (inet.process && inet.process.exitCode === null && inet.process.signalCode === null) {
      const exited = new Promise((resolve) => inet.process.once("exit", resolve));
      inet.input?.end();
      const kill = setTimeout(() => inet.process.kill("SIGKILL"), 2000);
      await exited;
      clearTimeout(kill);
    }
    inet.proxy?.close();
    await deleteNamespace(inet.name);
  }

  /** Starts the internet namespace and its stand-in ahead of the first session (about a second, once). */
  prepare(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.ensureInet();
  }

  private startTimer(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.syncVpc().catch(() => {}), this.options.syncIntervalMs ?? 500);
    this.timer.unref();
  }

  /**
   * Wires a namespace made ahead (the session pool's) for PUBLIC mode, off
   * every session's clock: its link to the internet and its resolv.conf, as
   * AgentCore keeps warm capacity ready. A session that takes it in PUBLIC
   * mode finds its network there; any other has the link removed before its
   * own is made. A failure leaves the namespace unwired (the session then
   * wires it), and is logged.
   */
  async prewirePublic(namespace: string): Promise<void> {
    if (this.stopped || this.prewired.has(namespace)) return;
    const wiring = this.ensureInet()
      .then(() => this.linkPublic(namespace))
      .catch((error: unknown) => {
        this.options.log?.(
          `session network: a namespace made ahead was not wired ahead (${(error as Error).message.split("\n")[0]})`,
        );
        return undefined;
      });
    this.prewired.set(namespace, wiring);
    await wiring;
  }

  /** The link wired ahead for a namespace, if any, no longer held for it. */
  private async takePrewired(namespace: string): Promise<PublicLink | undefined> {
    const wiring = this.prewired.get(namespace);
    if (!wiring) return undefined;
    this.prewired.delete(namespace);
    return wiring;
  }

  /** Removes a namespace's link wired ahead: its session has no network of the fabric's (VPC mode without an ENI). */
  async unwire(namespace: string): Promise<void> {
    await (await this.takePrewired(namespace))?.unlink();
  }

  /** Gives a session namespace its network: the ENI in VPC mode, a link to the internet in PUBLIC mode. */
  async attachSession(namespace: string, network: SessionNetwork): Promise<SessionAttachment> {
    if (this.stopped) throw new Error("the session network is stopped");
    await this.ensureInet();
    const prewired = await this.takePrewired(namespace);
    let attachment: SessionAttachment;
    if (network.mode === "VPC") {
      // A VPC session reaches only what its VPC allows: never through a link made ahead for PUBLIC mode.
      await prewired?.unlink();
      attachment = await this.attachVpc(namespace, network);
    } else {
      const link = prewired ?? (await this.linkPublic(namespace));
      attachment = {
        namespace,
        network,
        ifname: link.ifname,
        resolver: PUBLIC_RESOLVER,
        detach: async () => {
          this.attachments.delete(attachment);
          await link.unlink();
        },
      };
    }
    this.attachments.add(attachment);
    this.startTimer();
    return attachment;
  }

  /** A veth from the namespace into the internet one, its /30 and default route, and the public resolver. */
  private async linkPublic(namespace: string): Promise<PublicLink> {
    const inet = this.inet!;
    const id = hex();
    const ifname = `${NET_PREFIX}e${id}`;
    const peer = `${NET_PREFIX}n${id}`;
    const { inside, outside, free } = this.link();
    await ipBatch([`link add ${ifname} netns ${namespace} type veth peer name ${peer} netns ${inet.name}`]);
    await Promise.all([
      ipBatch(
        [`addr add ${outside}/30 dev ${ifname}`, `link set ${ifname} up`, `route add default via ${inside}`],
        namespace,
      ),
      ipBatch([`addr add ${inside}/30 dev ${peer}`, `link set ${peer} up`], inet.name),
      writeResolvConf(namespace, PUBLIC_RESOLVER),
    ]);
    let linked = true;
    return {
      ifname,
      unlink: async () => {
        if (!linked) return;
        linked = false;
        await sh("ip", ["-n", inet.name, "link", "del", peer]).catch(() => {});
        free();
        await removeResolvConf(namespace);
      },
    };
  }

  private async router(scope: Scope, vpcId: string, cidr: string): Promise<RouterState> {
    const key = `${scope.account}/${scope.region}/${vpcId}`;
    const existing = this.routers.get(key);
    if (existing) {
      await existing.ready;
      return existing;
    }
    const id = hex();
    const { inside, outside, free } = this.link();
    const state: RouterState = {
      free,
      key,
      scope,
      vpcId,
      name: `${NET_PREFIX}r${id}`,
      uplink: `${NET_PREFIX}u${id}`,
      uplinkAddress: outside,
      sessions: new Set(),
      ready: Promise.resolve(),
    };
    const peer = `${NET_PREFIX}n${id}`;
    const inet = this.inet!;
    state.ready = (async () => {
      await addNamespace(state.name);
      await ipBatch([
        `link add ${state.uplink} netns ${state.name} type veth peer name ${peer} netns ${inet.name}`,
      ]);
      await Promise.all([
        ipBatch(
          [
            "link set lo up",
            `addr add ${outside}/30 dev ${state.uplink}`,
            `link set ${state.uplink} up`,
            `route add default via ${inside}`,
            // An address of the VPC no session holds: dropped in silence, as in AWS.
            `route add blackhole ${cidr}`,
          ],
          state.name,
        ),
        ipBatch([`addr add ${inside}/30 dev ${peer}`, `link set ${peer} up`], inet.name),
        sh("nsenter", [
          `--net=/run/netns/${state.name}`,
          "sysctl",
          "-q",
          "-w",
          "net.ipv4.ip_forward=1",
          "net.ipv4.conf.all.rp_filter=0",
          "net.ipv4.conf.default.rp_filter=0",
        ]),
      ]);
      await nftApply(state.name, routerRuleset(undefined, state.uplink, []));
    })();
    this.routers.set(key, state);
    try {
      await state.ready;
    } catch (error) {
      this.routers.delete(key);
      await deleteNamespace(state.name);
      free();
      throw error;
    }
    return state;
  }

  private async attachVpc(namespace: string, network: SessionNetwork): Promise<SessionAttachment> {
    const { vpcs } = this.options;
    const eni = network.eni;
    if (!vpcs || !eni) throw new Error("VPC mode needs EC2's state and the runtime's ENI");
    const scope = { account: network.account, region: network.region };
    const subnet = vpcs.subnet(scope, eni.subnetId);
    if (!subnet) throw new Error(`subnet ${eni.subnetId} is not in EC2`);
    const vpc = vpcs.snapshot(scope, subnet.vpcId);
    if (!vpc) throw new Error(`VPC ${subnet.vpcId} is not in EC2`);
    const router = await this.router(scope, subnet.vpcId, vpc.cidr);
    const id = hex();
    const ifname = `${NET_PREFIX}e${id}`;
    const portName = `${NET_PREFIX}p${id}`;
    const gateway = gatewayOf(subnet.cidr);
    const mark = this.nextMark++;
    const table = 1000 + mark;
    const session: VpcSession = { namespace, eni, ifname, port: { ifname: portName, mark } };
    const resolver = nth(vpc.cidr, 2);
    router.sessions.add(session);
    const snap = vpcs.snapshot(scope, router.vpcId);
    // Rules name interfaces by string, so they go in while the links are made, not after.
    const links = (async () => {
      await ipBatch([
        `link add ${ifname} netns ${namespace} type veth peer name ${portName} netns ${router.name}`,
      ]);
      await Promise.all([
        ipBatch(
          [
            `addr add ${eni.privateIp}/32 dev ${ifname}`,
            `link set ${ifname} up`,
            `route add ${gateway} dev ${ifname}`,
            `route add default via ${gateway} dev ${ifname}`,
          ],
          namespace,
        ),
        ipBatch(
          [
            `addr add ${gateway}/32 dev ${portName}`,
            `link set ${portName} up`,
            `route replace ${eni.privateIp}/32 dev ${portName}`,
            `route add ${eni.privateIp}/32 dev ${portName} table ${table}`,
            `rule add fwmark ${mark} lookup ${table}`,
          ],
          router.name,
        ),
      ]);
    })();
    const results = await Promise.allSettled([
      links,
      writeResolvConf(namespace, resolver),
      this.applySession(router, session, snap),
      this.applyRouter(router, snap),
    ]);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) {
      router.sessions.delete(session);
      await sh("ip", ["-n", router.name, "link", "del", portName]).catch(() => {});
      await removeResolvConf(namespace);
      throw (failed as PromiseRejectedResult).reason;
    }
    this.pushViews();
    const attachment: SessionAttachment = {
      namespace,
      network,
      ifname,
      resolver,
      detach: async () => {
        if (!this.attachments.delete(attachment)) return;
        router.sessions.delete(session);
        await sh("ip", [
          "-n",
          router.name,
          "rule",
          "del",
          "fwmark",
          String(mark),
          "lookup",
          String(table),
        ]).catch(() => {});
        await sh("ip", ["-n", router.name, "link", "del", portName]).catch(() => {});
        await removeResolvConf(namespace);
        const sharing = [...router.sessions].find((s) => s.eni.privateIp === eni.privateIp);
        if (sharing) {
          await sh("ip", [
            "-n",
            router.name,
            "route",
            "replace",
            `${eni.privateIp}/32`,
            "dev",
            sharing.port.ifname,
          ]).catch(() => {});
        }
        // The router stays for the VPC's next session (a new one costs ~150 ms); stop() removes it.
        this.pushViews();
      },
    };
    return attachment;
  }

  /** Runs nftables changes to one namespace in order, so an older ruleset never lands after a newer one. */
  private serial(key: string, work: () => Promise<unknown>): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const result = previous.then(work).then(() => {});
    const settled = result.catch(() => {});
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return result;
  }

  private applyRouter(router: RouterState, snap: VpcSnapshot | undefined): Promise<void> {
    const ruleset = routerRuleset(
      snap,
      router.uplink,
      [...router.sessions].map((s) => s.port),
    );
    if (ruleset === router.applied) return Promise.resolve();
    router.applied = ruleset;
    return this.serial(router.name, () =>
      nftApply(router.name, ruleset).catch((error) => {
        if (router.applied === ruleset) router.applied = undefined;
        throw error;
      }),
    );
  }

  private applySession(
    router: RouterState,
    session: VpcSession,
    snap: VpcSnapshot | undefined,
  ): Promise<void> {
    const rules = sessionRuleset(snap ?? emptySnapshot(router), session.eni, session.ifname);
    if (rules === session.applied) return Promise.resolve();
    session.applied = rules;
    return this.serial(session.namespace, () =>
      nftApply(session.namespace, rules).catch((error) => {
        if (session.applied === rules) session.applied = undefined;
        throw error;
      }),
    );
  }

  /** Re-reads one VPC from EC2 and applies what changed: router rules, each session's groups. */
  private async syncRouter(router: RouterState): Promise<void> {
    const snap = this.options.vpcs?.snapshot(router.scope, router.vpcId);
    await Promise.all([
      this.applyRouter(router, snap),
      ...[...router.sessions].map((session) => this.applySession(router, session, snap)),
    ]);
  }

  /** The resolver's views, one per VPC router: private DNS names of interface endpoints. */
  private pushViews(): void {
    const inet = this.inet;
    const { vpcs } = this.options;
    if (!inet?.input || !vpcs) return;
    const views: Record<string, Record<string, readonly string[]>> = {};
    for (const router of this.routers.values()) {
      const snap = vpcs.snapshot(router.scope, router.vpcId);
      if (snap) views[router.uplinkAddress] = privateDnsRecords(snap);
    }
    const line = JSON.stringify({ views });
    if (line === inet.views) return;
    inet.views = line;
    inet.input.write(`${line}\n`);
  }

  /** Applies EC2's current state to every running session's network; called on a timer, and after EC2 changes. */
  async syncVpc(): Promise<void> {
    if (this.syncing) return this.syncing;
    const run = (async () => {
      for (const router of [...this.routers.values()]) {
        await router.ready.catch(() => {});
        if (this.routers.get(router.key) !== router) continue;
        await this.syncRouter(router).catch((error) =>
          this.options.log?.(`session network: ${router.vpcId}: ${(error as Error).message.split("\n")[0]}`),
        );
      }
      this.pushViews();
    })();
    this.syncing = run;
    try {
      await run;
    } finally {
      if (this.syncing === run) this.syncing = undefined;
    }
  }

  /** The VPC router namespace a VPC session's traffic goes through (for tests and diagnosis). */
  routerOf(scope: Scope, vpcId: string): string | undefined {
    return this.routers.get(`${scope.account}/${scope.region}/${vpcId}`)?.name;
  }

  /** The namespaces the fabric made itself: the internet stand-in's and the VPC routers'. */
  ownNamespaces(): string[] {
    return [...(this.inet ? [this.inet.name] : []), ...[...this.routers.values()].map((r) => r.name)];
  }

  /** Detaches every session and removes the routers and the internet namespace. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.inetReady?.catch(() => {});
    clearInterval(this.timer);
    this.timer = undefined;
    await this.syncing?.catch(() => {});
    for (const attachment of [...this.attachments]) await attachment.detach();
    for (const namespace of [...this.prewired.keys()]) await this.unwire(namespace);
    for (const router of [...this.routers.values()]) {
      this.routers.delete(router.key);
      await deleteNamespace(router.name);
      router.free();
    }
    await this.stopInet();
  }
}
