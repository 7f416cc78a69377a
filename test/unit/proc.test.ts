import { describe, expect, it } from "vitest";
import { isLoopback, isWildcard, parseTcpTable } from "../../src/agent/proc.js";

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
