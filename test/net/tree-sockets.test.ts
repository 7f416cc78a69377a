import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treeSockets } from "../../src/agent/proc.js";
import type { Namespace } from "../../src/net/netns.js";
import { namespaceSkipReason, namespaceWithBlackhole } from "../helpers/netns.js";

const skip = await namespaceSkipReason();
if (skip) console.log(`tree-sockets: skipped: ${skip}`);

/** A Python program in the namespace; resolves once it printed its first line (its socket is made then). */
async function inNamespace(ns: string, program: string): Promise<ChildProcess> {
  const child = spawn("ip", ["netns", "exec", ns, "python3", "-u", "-c", program], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await once(child.stdout!, "data");
  return child;
}

// The tables of a namespace that holds no TCP socket are not read (sockstat says so); these check
// that the sockets of one that holds some are still all found, and an empty one yields none.
describe.skipIf(skip !== undefined)("treeSockets in a session's own namespace", () => {
  let ns: Namespace;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    ns = await namespaceWithBlackhole(9);
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await ns?.destroy();
  });

  it("finds none where the namespace holds no socket, then the listener and the hanging connect", async () => {
    const idle = await inNamespace(ns.name, "import time; print('up'); time.sleep(30)");
    children.push(idle);
    expect(await treeSockets([idle.pid!])).toEqual([]);

    const server = await inNamespace(
      ns.name,
      "import socket, time; s = socket.socket(); s.bind(('0.0.0.0', 8080)); s.listen(); print('up'); time.sleep(30)",
    );
    children.push(server);
    // A SYN to port 9 is dropped: the connect stays in SYN_SENT.
    const client = await inNamespace(
      ns.name,
      "import socket; c = socket.socket(); c.setblocking(False); c.connect_ex(('127.0.0.1', 9)); print('up'); import time; time.sleep(30)",
    );
    children.push(client);
    expect(await treeSockets([idle.pid!])).toEqual([]);
    expect((await treeSockets([server.pid!])).map((s) => [s.state, s.localAddress, s.localPort])).toEqual([
      ["LISTEN", "0.0.0.0", 8080],
    ]);
    expect((await treeSockets([client.pid!])).map((s) => [s.state, s.remoteAddress, s.remotePort])).toEqual([
      ["SYN_SENT", "127.0.0.1", 9],
    ]);
  });
});
