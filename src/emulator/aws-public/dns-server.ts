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

/** One query as the resolver saw it and what it answered (rcode names as RFC 1035 gives them). */
export interface DnsQueryEvent {
  /** Where the query came from: a VPC router's uplink (the view it was answered in). */
  source: string;
  name: string;
  type: string;
  rcode: string;
  answers: string[];
}

const RCODES: Record<number, string> = { 0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED" };

/** What a reply says, read back from the bytes sent. */
function describeReply(source: string, reply: Buffer): DnsQueryEvent | undefined {
  const decoded = dnsPacket.decode(reply);
  const question = decoded.questions?.[0];
  if (!question) return undefined;
  return {
    source,
    name: question.name,
    type: question.type,
    rcode: RCODES[(decoded.flags ?? 0) & 0xf] ?? String((decoded.flags ?? 0) & 0xf),
    answers: (decoded.answers ?? []).flatMap((a) =>
      "data" in a && typeof a.data === "string" ? [a.data] : [],
    ),
  };
}

export interface DnsServer {
  udp: Socket;
  tcp: Server;
  close(): Promise<void>;
}

/** UDP and TCP on `host:port`; the views are read on every query, so replacing `state.views` applies at once. */
export async function startDnsServer(
  host: string,
  port: number,
  state: DnsViews,
  onQuery?: (event: DnsQueryEvent) => void,
): Promise<DnsServer> {
  const reply = (message: Buffer, source: string) => {
    const bytes = answer(message, source, state);
    if (onQuery) {
      const event = describeReply(source, bytes);
      if (event) onQuery(event);
    }
    return bytes;
  };
  const udp = createSocket("udp4");
  udp.on("message", (message, remote) => {
    try {
      udp.send(reply(message, remote.address), remote.port, remote.address);
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
          const bytes = reply(message, socket.remoteAddress?.replace(/^::ffff:/, "") ?? "");
          const framed = Buffer.alloc(2 + bytes.length);
          framed.writeUInt16BE(bytes.length, 0);
          bytes.copy(framed, 2);
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
