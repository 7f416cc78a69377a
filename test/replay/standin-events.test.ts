import { createSocket } from "node:dgram";
import dnsPacket from "dns-packet";
import { describe, expect, it } from "vitest";
import { type DnsQueryEvent, startDnsServer } from "../../src/emulator/aws-public/dns-server.js";

function query(port: number, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("message", () => {
      socket.close();
      resolve();
    });
    socket.once("error", reject);
    socket.send(
      dnsPacket.encode({ type: "query", id: 7, questions: [{ type: "A", name }] }),
      port,
      "127.0.0.1",
    );
  });
}

describe("the stand-in resolver's query events", () => {
  it("reports each query with the answer it sent, or NXDOMAIN", async () => {
    const events: DnsQueryEvent[] = [];
    const server = await startDnsServer("127.0.0.1", 0, { views: {} }, (e) => events.push(e));
    const port = server.udp.address().port;
    try {
      await query(port, "sts.us-east-1.amazonaws.com");
      await query(port, "example.invalid");
    } finally {
      await server.close();
    }
    expect(events).toEqual([
      {
        source: "127.0.0.1",
        name: "sts.us-east-1.amazonaws.com",
        type: "A",
        rcode: "NOERROR",
        answers: ["198.18.0.10"],
      },
      { source: "127.0.0.1", name: "example.invalid", type: "A", rcode: "NXDOMAIN", answers: [] },
    ]);
  });
});
