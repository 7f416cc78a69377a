import { readFile } from "node:fs/promises";
import { leftovers } from "../src/net/netns.js";
import { leftoverAgentProcesses } from "./helpers/leftovers.js";

/** A namespace whose recorded owner is a live process outside this suite belongs to another run on the machine. */
async function ownedByAnotherLiveRun(name: string): Promise<boolean> {
  const record = await readFile(`/run/acd-netns/${name}`, "utf8").catch(() => undefined);
  if (!record) return false;
  let pid = Number(record.trim().split(" ")[0]);
  const owner = pid;
  for (let hops = 0; pid > 1 && hops < 64; hops++) {
    if (pid === process.pid) return false;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
    if (!stat) return pid !== owner;
    pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  }
  return true;
}

/**
 * After the whole suite: no agent process and no acd- namespace, link,
 * nftables table or /etc/netns entry this suite made may be left on the
 * machine. What another live run owns (an emulator started by hand, another
 * checkout's tests) is theirs, as the reaper treats it.
 */
export default function setup(): () => Promise<void> {
  return async () => {
    const processes = process.platform === "linux" ? await leftoverAgentProcesses() : [];
    const net = await leftovers();
    const foreign = new Set<string>();
    for (const ns of net.namespaces) if (await ownedByAnotherLiveRun(ns)) foreign.add(ns);
    // Links, tables and /etc/netns entries carry their namespace's id.
    const ids = [...foreign].map((ns) => ns.slice(ns.lastIndexOf("-") + 1));
    const ours = (name: string) => !foreign.has(name) && !ids.some((id) => name.endsWith(id));
    const problems = [
      ...processes.map((p) => `leftover agent process ${p}`),
      ...net.namespaces.filter(ours).map((n) => `leftover network namespace ${n}`),
      ...net.links.filter(ours).map((l) => `leftover link ${l}`),
      ...net.tables.filter(ours).map((t) => `leftover nftables table ${t}`),
      ...net.etcNetns.filter(ours).map((n) => `leftover /etc/netns/${n}`),
    ];
    if (problems.length > 0) throw new Error(`The test suite left things behind:\n${problems.join("\n")}`);
  };
}
