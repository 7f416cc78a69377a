import { leftovers } from "../src/net/netns.js";
import { leftoverAgentProcesses } from "./helpers/leftovers.js";

/** After the whole suite: no agent process and no acd- namespace, link, nftables table or /etc/netns entry may be left on the machine. */
export default function setup(): () => Promise<void> {
  return async () => {
    const processes = process.platform === "linux" ? await leftoverAgentProcesses() : [];
    const net = await leftovers();
    const problems = [
      ...processes.map((p) => `leftover agent process ${p}`),
      ...net.namespaces.map((n) => `leftover network namespace ${n}`),
      ...net.links.map((l) => `leftover link ${l}`),
      ...net.tables.map((t) => `leftover nftables table ${t}`),
      ...net.etcNetns.map((n) => `leftover /etc/netns/${n}`),
    ];
    if (problems.length > 0) throw new Error(`The test suite left things behind:\n${problems.join("\n")}`);
  };
}
