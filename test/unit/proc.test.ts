import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isLoopback, isWildcard, parseTcpTable, processTree } from "../../src/agent/proc.js";

// Lines as the kernel prints them (header, then one socket per line).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41001 1 0000000000000000 100 0 0 10 0
   1: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:A1B2 0100007F:0009 02 00000001:00000000 01:00000163 00000002     0        0 41003 2 0000000000000000 200 0 0 1 7
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 52001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 52002 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 52003 1 0000000000000000 100 0 0 10 0
`;

describe("parseTcpTable", () => {
  it("decodes IPv4 addresses, ports and states", () => {
    const sockets = parseTcpTable(TCP, 4);
    expect(sockets.map((s) => [s.localAddress, s.localPort, s.state, s.inode])).toEqual([
      ["127.0.0.1", 8080, "LISTEN", 41001],
      ["0.0.0.0", 8081, "LISTEN", 41002],
      ["127.0.0.1", 41394, "SYN_SENT", 41003],
    ]);
    expect(sockets[2]).toMatchObject({ remoteAddress: "127.0.0.1", remotePort: 9 });
  });

  it("decodes IPv6 loopback, wildcard and v4-mapped addresses", () => {
    expect(parseTcpTable(TCP6, 6).map((s) => `${s.localAddress}:${s.localPort}`)).toEqual([
      "::1:8080",
      ":::8000",
      "::ffff:127.0.0.1:8080",
    ]);
  });

  it("classifies loopback and wildcard addresses", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"].every(isLoopback)).toBe(true);
    expect(isLoopback("0.0.0.0")).toBe(false);
    expect(isWildcard("::") && isWildcard("0.0.0.0")).toBe(true);
  });
});

describe.skipIf(process.platform !== "linux")("processTree", () => {
  it("finds children and grandchildren, each after its parent", async () => {
    // sh -> (sh -> sleep), sleep: a subshell's child is a grandchild of the root.
    const root = spawn("sh", ["-c", "(sleep 30 & wait) & sleep 30 & wait"], { stdio: "ignore" });
    let tree: number[] = [];
    try {
      const ppid = (pid: number) => {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      };
      for (let i = 0; i < 50 && tree.length < 4; i++) {
        await new Promise((r) => setTimeout(r, 20));
        tree = await processTree(root.pid!);
      }
      expect(tree[0]).toBe(root.pid);
      expect(tree).toHaveLength(4);
      for (const pid of tree.slice(1)) expect(tree.indexOf(ppid(pid))).toBeLessThan(tree.indexOf(pid));
      expect(tree.filter((pid) => ppid(pid) === root.pid)).toHaveLength(2);
    } finally {
      // Leaves first, each by its own id (the shells share this process's group).
      for (const pid of [...tree].reverse()) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      root.kill("SIGKILL");
    }
  });
});
