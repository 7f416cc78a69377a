import { existsSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";

/** A TCP socket of the agent's process tree, read from /proc/<pid>/net/tcp{,6}. */
export interface TcpSocket {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: TcpState;
  inode: number;
}

export type TcpState =
  | "ESTABLISHED"
  | "SYN_SENT"
  | "SYN_RECV"
  | "FIN_WAIT1"
  | "FIN_WAIT2"
  | "TIME_WAIT"
  | "CLOSE"
  | "CLOSE_WAIT"
  | "LAST_ACK"
  | "LISTEN"
  | "CLOSING"
  | "NEW_SYN_RECV";

// include/net/tcp_states.h
const TCP_STATES: Record<number, TcpState> = {
  1: "ESTABLISHED",
  2: "SYN_SENT",
  3: "SYN_RECV",
  4: "FIN_WAIT1",
  5: "FIN_WAIT2",
  6: "TIME_WAIT",
  7: "CLOSE",
  8: "CLOSE_WAIT",
  9: "LAST_ACK",
  10: "LISTEN",
  11: "CLOSING",
  12: "NEW_SYN_RECV",
};

export const procAvailable = process.platform === "linux";

/**
 * The kernel's list of each task's children (/proc/<pid>/task/<tid>/children,
 * CONFIG_PROC_CHILDREN): a tree is read from its own processes, not from a
 * scan of every process on the machine (25 ms of CPU with 100 processes, and
 * a starting session's health probe asks ten times a second).
 */
const childrenFiles = procAvailable && existsSync(`/proc/self/task/${process.pid}/children`);

/** The children of `pid`, from every one of its threads' children lists. */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, "utf8").catch(() => "")),
  );
  return lists.flatMap((list) => list.split(" ").filter(Boolean).map(Number));
}

/** Every process's children, from the ppid field of /proc/<pid>/stat (kernels without children lists). */
async function childrenTable(): Promise<Map<number, number[]>> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => undefined);
    if (!stat) continue;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

/** Every descendant of `root` (itself included), parents before their children. */
export async function processTree(root: number): Promise<number[]> {
  const table = childrenFiles ? undefined : await childrenTable();
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(table ? (table.get(pid) ?? []) : await childrenOf(pid)));
  }
  return tree;
}

async function socketInodes(pids: readonly number[]): Promise<Set<number>> {
  const inodes = new Set<number>();
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(Number(match[1]));
    }
  }
  return inodes;
}

/**
 * How many TCP sockets (IPv4 and IPv6) are hashed in the network namespace
 * `pid` is in, from its sockstat counters: listening, connecting and
 * connected sockets all count (time-wait ones, which belong to no process,
 * do not). Undefined where the counters cannot be read.
 */
async function tcpSocketsInUse(pid: number): Promise<number | undefined> {
  const [v4, v6] = await Promise.all([
    readFile(`/proc/${pid}/net/sockstat`, "utf8").catch(() => undefined),
    readFile(`/proc/${pid}/net/sockstat6`, "utf8").catch(() => ""),
  ]);
  const tcp = v4 === undefined ? undefined : /^TCP: inuse (\d+)/m.exec(v4)?.[1];
  if (tcp === undefined) return undefined;
  return Number(tcp) + Number(/^TCP6: inuse (\d+)/m.exec(v6 ?? "")?.[1] ?? 0);
}

/**
 * The TCP sockets the process tree holds, each read in the network namespace
 * of a process of the tree: once per namespace among them (a container's
 * processes are not in their runtime's, `runc run` stays in the host's).
 * A namespace whose counters say it holds no TCP socket is not read: its
 * tables list none of the tree's sockets, and reading /proc/<pid>/net/tcp
 * walks every bucket of the kernel's connection table, shared by all
 * namespaces (262,144 here: 8.6 ms of CPU for tcp and tcp6), which a
 * starting session's health wait did at every poll.
 */
export async function treeSockets(pids: readonly number[]): Promise<TcpSocket[]> {
  if (pids.length === 0) return [];
  const readers = new Map<string, number>();
  for (const pid of pids) {
    const ns = await readlink(`/proc/${pid}/ns/net`).catch(() => `pid:${pid}`);
    if (!readers.has(ns)) readers.set(ns, pid);
  }
  const holding: number[] = [];
  for (const pid of readers.values()) if ((await tcpSocketsInUse(pid)) !== 0) holding.push(pid);
  if (holding.length === 0) return [];
  const inodes = await socketInodes(pids);
  if (inodes.size === 0) return [];
  const sockets: TcpSocket[] = [];
  for (const pid of holding) {
    const [tcp, tcp6] = await Promise.all([
      readFile(`/proc/${pid}/net/tcp`, "utf8").catch(() => ""),
      readFile(`/proc/${pid}/net/tcp6`, "utf8").catch(() => ""),
    ]);
    sockets.push(...parseTcpTable(tcp, 4), ...parseTcpTable(tcp6, 6));
  }
  const seen = new Set<number>();
  return sockets.filter((s) => inodes.has(s.inode) && !seen.has(s.inode) && seen.add(s.inode));
}

export function parseTcpTable(text: string, family: 4 | 6): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [local, remote, state] = [fields[1]!, fields[2]!, fields[3]!];
    const [localHex, localPort] = local.split(":");
    const [remoteHex, remotePort] = remote.split(":");
    sockets.push({
      family,
      localAddress: decodeAddress(localHex!, family),
      localPort: Number.parseInt(localPort!, 16),
      remoteAddress: decodeAddress(remoteHex!, family),
      remotePort: Number.parseInt(remotePort!, 16),
      state: TCP_STATES[Number.parseInt(state, 16)] ?? "CLOSE",
      inode: Number(fields[9]),
    });
  }
  return sockets;
}

/** /proc prints each 32-bit word of the address in host byte order (little-endian here). */
function decodeAddress(hex: string, family: 4 | 6): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => [6, 4, 2, 0].map((i) => Number.parseInt(word.slice(i, i + 2), 16)));
  if (family === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join(".")}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return compressIpv6(groups);
}

function compressIpv6(groups: string[]): string {
  // Longest run of zero groups becomes "::" (RFC 5952).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === "0") j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(":");
  const head = groups.slice(0, best.start).join(":");
  const tail = groups.slice(best.start + best.length).join(":");
  return `${head}::${tail}`;
}

export function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}

export function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

/** CPU time (user + system, in clock ticks) a process has used: tells a busy start from an idle one. */
export async function cpuTicks(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}
