import { readdir, readFile, readlink } from "node:fs/promises";
import { parseTcpTable, procAvailable } from "../agent/proc.js";

/** A process of this machine that listens on a port: who took the port the agent needs. */
export interface PortHolder {
  address: string;
  port: number;
  pid?: number;
  command?: string;
}

/** The listening sockets on `port` in this process's network namespace, with the processes that hold them. */
export async function portHolders(port: number): Promise<PortHolder[]> {
  if (!procAvailable) return [];
  const [v4, v6] = await Promise.all([
    readFile("/proc/self/net/tcp", "utf8").catch(() => ""),
    readFile("/proc/self/net/tcp6", "utf8").catch(() => ""),
  ]);
  const listening = [...parseTcpTable(v4, 4), ...parseTcpTable(v6, 6)].filter(
    (s) => s.state === "LISTEN" && s.localPort === port,
  );
  if (listening.length === 0) return [];
  const byInode = new Map(listening.map((s) => [s.inode, s]));
  const holders = new Map<number, PortHolder>();
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || holders.size === byInode.size) continue;
    for (const fd of await readdir(`/proc/${entry}/fd`).catch(() => [] as string[])) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => "");
      const inode = Number(/^socket:\[(\d+)\]$/.exec(target)?.[1]);
      const socket = byInode.get(inode);
      if (!socket || holders.has(inode)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
      holders.set(inode, {
        address: socket.localAddress,
        port,
        pid: Number(entry),
        command: cmdline.split("\0").filter(Boolean).join(" ").slice(0, 120),
      });
    }
  }
  return listening.map((s) => holders.get(s.inode) ?? { address: s.localAddress, port });
}

export function describeHolder(holder: PortHolder): string {
  const address = holder.address.includes(":") ? `[${holder.address}]` : holder.address;
  const who =
    holder.pid !== undefined
      ? `pid ${holder.pid}${holder.command ? ` (${holder.command})` : ""}`
      : "a process";
  return `${who} on ${address}:${holder.port}`;
}
