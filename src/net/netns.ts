import { execFile } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { childInput } from "../util/child-stdin.js";
import { ownerAlive, ownerLine, parseOwnerLine } from "../util/owner.js";

const execFileAsync = promisify(execFile);

/** Every namespace, veth and nftables table this tool makes starts with this, so leftovers can be found and reaped. */
export const NET_PREFIX = "acd-";

/** Per-namespace files `ip netns exec` binds over /etc (resolv.conf). */
const ETC_NETNS = "/etc/netns";

/**
 * Runs a command and resolves with its stdout; `input` goes to its stdin.
 * A command that exits before reading its input fails with its own exit
 * status, or, when that was 0, with an error that says the input was not read.
 */
export async function sh(command: string, args: readonly string[], input?: string): Promise<string> {
  if (input === undefined) return (await execFileAsync(command, args)).stdout;
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, async (error, stdout) => {
      if (error) return reject(error);
      await stdin.closed;
      const unread = stdin.error;
      if (unread) {
        return reject(
          new Error(
            `${command} ${args.join(" ")} exited before reading its input (${unread.code ?? unread.message})`,
          ),
        );
      }
      resolve(stdout);
    });
    const stdin = childInput(child);
    stdin.end(input);
  });
}

export interface NetnsSupport {
  ok: boolean;
  reason?: string;
}

let support: Promise<NetnsSupport> | undefined;

/** Whether network namespaces can be made here: Linux, root, iproute2. Probed once. */
export function netnsSupport(): Promise<NetnsSupport> {
  support ??= (async () => {
    if (process.platform !== "linux")
      return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
    if (process.getuid?.() !== 0) return { ok: false, reason: "network namespaces need root" };
    const probe = `${NET_PREFIX}probe-${randomBytes(3).toString("hex")}`;
    try {
      await sh("ip", ["netns", "add", probe]);
      await sh("ip", ["netns", "del", probe]);
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: `ip netns add failed: ${(error as Error).message.split("\n")[0]}` };
    }
  })();
  return support;
}

export interface Namespace {
  name: string;
  /** The host end of the veth pair and its address. */
  hostInterface: string;
  hostAddress: string;
  /** The namespace's own interface address: where the platform reaches the instance. */
  address: string;
  destroy(): Promise<void>;
}

async function usedAddresses(): Promise<Set<string>> {
  const out = await sh("ip", ["-4", "-o", "addr", "show"]);
  return new Set([...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!));
}

/**
 * A /30 from 169.254.0.0/16 for a point-to-point veth: link-local never
 * routes off this machine. 169.254.169.0/24 and .170.0/24 stay free, because
 * instance metadata and container credentials live there.
 */
async function pickLinkAddresses(): Promise<{ host: string; instance: string }> {
  const used = await usedAddresses();
  for (;;) {
    let third = randomInt(0, 256);
    if (third === 169 || third === 170) third = 171;
    const block = randomInt(0, 64) * 4;
    const host = `169.254.${third}.${block + 1}`;
    const instance = `169.254.${third}.${block + 2}`;
    if (!used.has(host) && !used.has(instance)) return { host, instance };
  }
}

/** Which process made each namespace, so a later start can tell a crashed run's leftovers from a live run's. */
const OWNERS = "/run/acd-netns";

/** `ip netns add`, recording this process as the namespace's owner; `then`: host-side `ip` commands run in the same batch. */
export async function addNamespace(name: string, then: readonly string[] = []): Promise<void> {
  await ipBatch([`netns add ${name}`, ...then]);
  await mkdir(OWNERS, { recursive: true }).catch(() => {});
  await writeFile(join(OWNERS, name), `${ownerLine()}\n`).catch(() => {});
}

/** `ip netns del` (its links, routes and nftables tables go with it) and the namespace's files. */
export async function deleteNamespace(name: string): Promise<void> {
  await sh("ip", ["netns", "del", name]).catch(() => {});
  await rm(join(OWNERS, name), { force: true });
  await rm(join(ETC_NETNS, name), { recursive: true, force: true });
}

/**
 * Removes what crashed runs left: namespaces whose recorded owner process
 * is gone, and owner records and /etc/netns entries of namespaces that no
 * longer exist. Safe while other runs are active: their namespaces have
 * live owners.
 */
export async function reapOrphans(): Promise<string[]> {
  const { namespaces, etcNetns } = await leftovers();
  const owners = await readdir(OWNERS).catch(() => [] as string[]);
  const reaped: string[] = [];
  for (const name of namespaces) {
    const record = await readFile(join(OWNERS, name), "utf8").catch(() => undefined);
    if (!record) continue;
    const owner = parseOwnerLine(record);
    if (owner?.start !== undefined && ownerAlive(owner)) continue;
    await deleteNamespace(name);
    reaped.push(name);
  }
  const present = new Set(namespaces);
  for (const name of owners) if (!present.has(name)) await rm(join(OWNERS, name), { force: true });
  for (const name of etcNetns) {
    if (!present.has(name)) await rm(join(ETC_NETNS, name), { recursive: true, force: true });
  }
  return reaped;
}

/** Runs a command inside the namespace. */
export function nsExec(
  ns: string,
  command: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  return sh("ip", ["netns", "exec", ns, command, ...args], input);
}

/** `ip [-n ns] -batch -`: many changes for one process start. */
export function ipBatch(commands: readonly string[], ns?: string): Promise<string> {
  return sh("ip", [...(ns ? ["-n", ns] : []), "-batch", "-"], `${commands.join("\n")}\n`);
}

/**
 * Makes a network namespace with loopback up and a veth pair to the host, so
 * the host reaches the instance on its own interface address, never through
 * the instance's loopback. Two `ip -batch` runs (the host's side, then the
 * namespace's), not one `ip` per change: each process start costs ~10 ms.
 */
export async function createNamespace(purpose: string): Promise<Namespace> {
  const id = randomBytes(3).toString("hex");
  const name = `${NET_PREFIX}${purpose}-${id}`;
  const hostInterface = `${NET_PREFIX}h${id}`;
  const peer = `${NET_PREFIX}i${id}`;
  const { host, instance } = await pickLinkAddresses();
  const destroy = async () => {
    await sh("ip", ["link", "del", hostInterface]).catch(() => {});
    await deleteNamespace(name);
  };
  try {
    await addNamespace(name, [
      `link add ${hostInterface} type veth peer name ${peer} netns ${name}`,
      `addr add ${host}/30 dev ${hostInterface}`,
      `link set ${hostInterface} up`,
    ]);
    await ipBatch(["link set lo up", `addr add ${instance}/30 dev ${peer}`, `link set ${peer} up`], name);
  } catch (error) {
    await destroy();
    throw error;
  }
  return { name, hostInterface, hostAddress: host, address: instance, destroy };
}

/** How many session namespaces are kept made ahead (ACD_NETNS_POOL; 0 turns the pool off). */
export const DEFAULT_NAMESPACE_POOL = (() => {
  const size = Number(process.env.ACD_NETNS_POOL ?? 2);
  return Number.isInteger(size) && size >= 0 ? size : 2;
})();

/**
 * Namespaces made ahead of the sessions that take them, as AgentCore keeps
 * capacity warm: a take hands over a fresh namespace made by
 * createNamespace (never one a session used before) and the taker destroys
 * it; an empty pool makes one on the spot. Each is an ordinary acd-
 * namespace with this process's owner record, so a crashed run's pool is
 * reaped like any other leftover and a live run's is never touched.
 * `fill` makes namespaces until `size` are ready, one at a time, in the
 * background of whoever calls it, each handed to `prepare` (the owner's
 * wiring made ahead, such as a session's link to the internet) before it is
 * ready; `close` waits for a fill under way and removes what is left.
 */
export class NamespacePool {
  private readonly ready: Namespace[] = [];
  private filling: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly purpose: string,
    readonly size: number,
    private readonly log?: (line: string) => void,
    private readonly prepare?: (namespace: Namespace) => Promise<void>,
  ) {}

  /** How many namespaces are made and waiting. */
  get available(): number {
    return this.ready.length;
  }

  /** A namespace made ahead if one is ready, else a new one; `pooled` says which. */
  async take(): Promise<{ namespace: Namespace; pooled: boolean }> {
    const namespace = this.ready.shift();
    if (namespace) return { namespace, pooled: true };
    return { namespace: await createNamespace(this.purpose), pooled: false };
  }

  /** Makes namespaces until `size` are ready; resolves when the pool is full, closed, or a namespace could not be made (logged). */
  fill(): Promise<void> {
    if (this.closed || this.ready.length >= this.size) return this.filling ?? Promise.resolve();
    this.filling ??= (async () => {
      try {
        while (!this.closed && this.ready.length < this.size) {
          const namespace = await createNamespace(this.purpose);
          if (!this.closed) {
            // Unprepared, a namespace would reach a session without what the owner counts on.
            await this.prepare?.(namespace).catch(async (error: unknown) => {
              await namespace.destroy();
              throw error;
            });
          }
          if (this.closed) {
            await namespace.destroy();
            break;
          }
          this.ready.push(namespace);
        }
      } catch (error) {
        this.log?.(`namespace pool: not refilled (${(error as Error).message.split("\n")[0]})`);
      } finally {
        this.filling = undefined;
      }
    })();
    return this.filling;
  }

  /** Removes the namespaces not taken, after a fill under way; later takes make their own. */
  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    await Promise.all(this.ready.splice(0).map((namespace) => namespace.destroy()));
  }
}

/**
 * Lists what this tool made and has not removed: namespaces, host-side
 * links, host nftables tables, and the per-namespace files under
 * /etc/netns (resolv.conf) that `ip netns exec` binds into a namespace.
 */
export async function leftovers(): Promise<{
  namespaces: string[];
  links: string[];
  tables: string[];
  etcNetns: string[];
}> {
  const namespaces = (await sh("ip", ["netns", "list"]).catch(() => ""))
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter((name) => name.startsWith(NET_PREFIX));
  const links = [...(await sh("ip", ["-o", "link", "show"]).catch(() => "")).matchAll(/^\d+: ([^:@]+)[@:]/gm)]
    .map((m) => m[1]!)
    .filter((name) => name.startsWith(NET_PREFIX));
  const tables = [...(await sh("nft", ["list", "tables"]).catch(() => "")).matchAll(/^table (\S+) (\S+)$/gm)]
    .filter((m) => m[2]!.startsWith(NET_PREFIX))
    .map((m) => `${m[1]} ${m[2]}`);
  const etcNetns = (await readdir(ETC_NETNS).catch(() => [] as string[])).filter((name) =>
    name.startsWith(NET_PREFIX),
  );
  return { namespaces, links, tables, etcNetns };
}

/** Removes what a crashed run left behind. Call only when no other run of this tool is active on the machine. */
export async function reapLeftovers(): Promise<void> {
  const { namespaces, links, tables, etcNetns } = await leftovers();
  for (const link of links) await sh("ip", ["link", "del", link]).catch(() => {});
  // A namespace takes its links, routes and nftables tables with it.
  for (const ns of namespaces) await sh("ip", ["netns", "del", ns]).catch(() => {});
  for (const table of tables) await sh("nft", ["delete", "table", ...table.split(" ")]).catch(() => {});
  for (const name of etcNetns) await rm(join(ETC_NETNS, name), { recursive: true, force: true });
  for (const name of await readdir(OWNERS).catch(() => [] as string[])) {
    if (name.startsWith(NET_PREFIX)) await rm(join(OWNERS, name), { force: true });
  }
}
