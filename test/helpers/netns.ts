import { createNamespace, type Namespace, netnsSupport, nsExec } from "../../src/net/netns.js";

/**
 * A namespace where connections to `port` on the instance's own loopback hang:
 * an nftables rule drops their SYNs, so the connect sits in SYN_SENT as it
 * does in a private subnet with no route out, and no packet leaves the machine.
 */
export async function namespaceWithBlackhole(port: number): Promise<Namespace> {
  const ns = await createNamespace("test");
  try {
    await nsExec(
      ns.name,
      "nft",
      ["-f", "-"],
      `table inet acd-blackhole {
  chain output {
    type filter hook output priority 0; policy accept;
    tcp dport ${port} tcp flags & (syn | ack) == syn drop
  }
}
`,
    );
  } catch (error) {
    await ns.destroy();
    throw error;
  }
  return ns;
}

/** Why namespace tests cannot run here, or undefined when they can. */
export async function namespaceSkipReason(): Promise<string | undefined> {
  const support = await netnsSupport();
  if (!support.ok) return support.reason;
  try {
    const { execFileSync } = await import("node:child_process");
    execFileSync("nft", ["--version"], { stdio: "ignore" });
  } catch {
    return "nft (nftables) is not installed";
  }
  return undefined;
}
