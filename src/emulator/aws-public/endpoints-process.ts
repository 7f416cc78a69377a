/**
 * The public-endpoints stand-in as its own process, so it can run inside a
 * network namespace (`ip netns exec <ns> node … endpoints-process.ts`):
 * `--listen HOST:PORT --upstream SOCKET --ca-dir DIR [--dns HOST:PORT]`.
 * Prints "ready" once listening; with --dns, each stdin line is a JSON
 * DnsViews that replaces the resolver's views. With --events, each DNS query
 * and TLS handshake it sees is a stdout line `event {"dns": …}` / `event {"tls": …}`.
 * Exits when its parent closes stdin.
 */
import { createInterface } from "node:readline";
import { loadCertificateAuthority } from "./ca.js";
import { type DnsViews, startDnsServer } from "./dns-server.js";
import { createPublicEndpointsServer, listenOn } from "./endpoints-server.js";

function flag(name: string, required = true): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : undefined;
  if (!value && required) {
    process.stderr.write(`endpoints-process: --${name} is required\n`);
    process.exit(2);
  }
  return value;
}

const hostPort = (text: string) => text.split(/:(?=\d+$)/) as [string, string];

const [host, port] = hostPort(flag("listen")!);
const events = process.argv.includes("--events");
const emit = (event: unknown) => process.stdout.write(`event ${JSON.stringify(event)}\n`);
const server = createPublicEndpointsServer(
  loadCertificateAuthority(flag("ca-dir")!),
  { socketPath: flag("upstream")! },
  events ? (tls) => emit({ tls }) : undefined,
);
await listenOn(server, host, Number(port));
const dns = flag("dns", false);
const state: DnsViews = { views: {} };
if (dns) {
  const [dnsHost, dnsPort] = hostPort(dns);
  await startDnsServer(dnsHost, Number(dnsPort), state, events ? (dns) => emit({ dns }) : undefined);
}
process.stdout.write("ready\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  try {
    const next = JSON.parse(line) as DnsViews;
    state.views = next.views ?? {};
    process.stdout.write("views\n");
  } catch (error) {
    process.stderr.write(`endpoints-process: bad views line: ${(error as Error).message}\n`);
  }
});
process.stdin.on("end", () => process.exit(0));
