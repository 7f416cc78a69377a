/**
 * The public-endpoints stand-in as its own process, so it can run inside a
 * network namespace (`ip netns exec <ns> node … endpoints-process.ts`):
 * `--listen HOST:PORT --upstream SOCKET --ca-dir DIR`. Prints "ready" once
 * listening; exits when its parent closes stdin.
 */
import { loadCertificateAuthority } from "./ca.js";
import { createPublicEndpointsServer, listenOn } from "./endpoints-server.js";

function flag(name: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : undefined;
  if (!value) {
    process.stderr.write(`endpoints-process: --${name} is required\n`);
    process.exit(2);
  }
  return value;
}

const [host, port] = flag("listen").split(/:(?=\d+$)/) as [string, string];
const server = createPublicEndpointsServer(loadCertificateAuthority(flag("ca-dir")), {
  socketPath: flag("upstream"),
});
await listenOn(server, host, Number(port));
process.stdout.write("ready\n");
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
