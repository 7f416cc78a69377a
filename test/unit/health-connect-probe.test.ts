import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitForHealth } from "../../src/agent/probe.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A port nothing listens on yet: taken, then freed. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

// No process tree to read sockets from: the wait polls the address blind, every pollMs.
const instance = () => ({ startedAt: Date.now(), exit: undefined, tree: async () => [] as number[] });

async function healthyAfter(connectProbe: boolean): Promise<number> {
  const port = await freePort();
  const agent = instance();
  setTimeout(() => {
    server = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ status: "Healthy" }));
    });
    server.listen(port, "127.0.0.1");
  }, 100);
  const health = await waitForHealth(agent, {
    protocol: "HTTP",
    port,
    address: "127.0.0.1",
    startupTimeoutMs: 5_000,
    graceMs: 0,
    pingTimeoutMs: 1_000,
    firstPollMs: 1_000,
    pollMs: 1_000,
    connectProbe,
  });
  expect(health.outcome).toBe("healthy");
  return health.healthyAfterMs!;
}

describe("the health wait's connect probe", () => {
  it("sees a listener within a few ms of it opening, not at the next poll", async () => {
    const probed = await healthyAfter(true);
    expect(probed).toBeGreaterThanOrEqual(100);
    expect(probed).toBeLessThan(400);
  });

  it("without it, the wait is the poll's", async () => {
    expect(await healthyAfter(false)).toBeGreaterThanOrEqual(1_000);
  });
});
