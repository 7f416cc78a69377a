import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:net";
import dnsPacket from "dns-packet";
import { type DnsRecords, lookupRecords, publicAddressOf } from "../../net/vpc/public.js";

/**
 * The resolver the session networks use: AWS host names answer with the
 * stand-in's public addresses, except where the asking network's view (a
 * VPC's interface endpoints with private DNS) answers with its own. Views
 * are keyed by the address a query arrives from: each VPC router's uplink.
 */
export interface DnsViews {
  /** source address → names that view answers itself */
  views: Record<string, DnsRecords>;
}

const NXDOMAIN = 3;
const REFUSED = 5;

export function answer(query: Buffer, source: string, state: DnsViews): Buffer {
  const request = dnsPacket.decode(query);
  const question = request.questions?.[0];
  const base = {
    type: "response" as const,
    id: request.id ?? 0,
    questions: request.questions ?? [],
  };
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | (request.flag_rd ? dnsPacket.RECURSION_DESIRED : 0);
  if (!question) return dnsPacket.encode({ ...base, flags: flags | REFUSED });
  const own = lookupRecords(state.views[source] ?? {}, question.name);
  const publicAddress = publicAddressOf(question.name);
  const addresses = own ?? (publicAddress ? [publicAddress] : undefined);
  if (!addresses) return dnsPacket.encode({ ...base, flags: flags | NXDOMAIN });
  const answers =
    question.type === "A"
      ? addresses.map((data) => ({
          type: "A" as const,
          name: question.name,
          ttl: 1,
          class: "IN" as const,
          data,
        }))
      : [];
  return dnsPacket.encode({ ...base, flags: flags | (own && own.length === 0 ? NXDOMAIN : 0), answers });
}

export interface DnsServer {
  udp: Socket;
  tcp: Server;
  close(): Promise<void>;
}

/** UDP and TCP on `host:port`; the views are read on every query, so replacing `state.views` applies at once. */
export async function startDnsServer(host: string, port: number, state: DnsViews): Promise<DnsServer> {
  const udp = createSocket("udp4");
  udp.on("message", (message, remote) => {
    try {
      udp.send(answer(message, remote.address, state), remote.port, remote.address);
    } catch {
      // A packet that is not DNS gets no answer.
    }
  });
  const tcp = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        try {
          const reply = answer(message, socket.remoteAddress?.replace(/^::ffff:/, "") ?? "", state);
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          socket.write(framed);
        } catch {
          socket.destroy();
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(port, host, () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => resolve());
  });
  return {
    udp,
    tcp,
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
