import { Agent, request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import type { CertificateAuthority } from "./ca.js";

/** Where the stand-in sends what it receives: the emulator, over its Unix socket or loopback URL. */
export type Upstream = { socketPath: string } | { url: string };

/**
 * AWS's public endpoints as an agent inside a session's network sees them:
 * TLS for any `*.amazonaws.com` name (a certificate issued on demand by the
 * emulator's CA, picked by SNI), every request passed on unchanged to the
 * emulator, which answers for the services it emulates and with AWS's
 * UnknownOperation error for the rest.
 */
/** A TLS handshake the stand-in saw: the server name asked for, the address it was asked on, whether it was served. */
export interface TlsEvent {
  serverName: string;
  localAddress: string;
  served: boolean;
}

export function createPublicEndpointsServer(
  ca: CertificateAuthority,
  upstream: Upstream,
  onTls?: (event: TlsEvent) => void,
): Server {
  const contexts = new Map<string, SecureContext>();
  const contextFor = (hostname: string) => {
    let context = contexts.get(hostname);
    if (!context) {
      context = createSecureContext(ca.issue(hostname));
      contexts.set(hostname, context);
    }
    return context;
  };
  const fallback = ca.issue("amazonaws.com");
  // A fresh local connection per call: a kept-alive one can be closed by the emulator's idle timeout
  // just as a call is sent on it, which would surface as a spurious 502.
  const agent = new Agent({ keepAlive: false });
  const server = createServer(
    {
      ...fallback,
      SNICallback: (servername, done) => {
        if (!/(^|\.)amazonaws\.com(\.cn)?$/i.test(servername)) {
          done(new Error(`not an AWS host name: ${servername}`));
          return;
        }
        done(null, contextFor(servername.toLowerCase()));
      },
    },
    async (incoming, outgoing) => {
      const target =
        "socketPath" in upstream
          ? { socketPath: upstream.socketPath }
          : { host: new URL(upstream.url).hostname, port: Number(new URL(upstream.url).port) };
      // The whole request in one write: an upstream that answers before reading the body
      // and closes must not turn its answer into a write EPIPE here.
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of incoming) chunks.push(chunk as Buffer);
      } catch {
        // The agent went away mid-request: nobody to answer.
        outgoing.destroy();
        return;
      }
      const body = Buffer.concat(chunks);
      const headers = { ...incoming.headers, "content-length": String(body.length) };
      delete headers["transfer-encoding"];
      let answered = false;
      const forwarded = httpRequest(
        { ...target, agent, method: incoming.method, path: incoming.url, headers },
        (answer) => {
          answered = true;
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on("error", (error) => {
        // Once the answer has begun, it is the agent's to read; an error writing the rest of the request changes nothing.
        if (answered) return;
        outgoing.writeHead(502, { "content-type": "application/json" });
        outgoing.end(JSON.stringify({ message: `the emulator did not answer: ${error.message}` }));
      });
      forwarded.end(body);
    },
  );
  if (onTls) {
    const address = (socket: { localAddress?: string | undefined }) =>
      (socket.localAddress ?? "").replace(/^::ffff:/, "");
    server.on("secureConnection", (socket) => {
      const name = (socket as { servername?: string | false }).servername;
      onTls({ serverName: name || "", localAddress: address(socket), served: true });
    });
    server.on("tlsClientError", (_error, socket) => {
      const name = (socket as { servername?: string | false }).servername;
      onTls({ serverName: name || "", localAddress: address(socket), served: false });
    });
  }
  return server;
}

export function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}
