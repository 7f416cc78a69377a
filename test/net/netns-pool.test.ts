import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { leftovers, NamespacePool, nsExec, reapOrphans } from "../../src/net/netns.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const skip = await namespaceSkipReason();
if (skip) console.log(`netns-pool: skipped: ${skip}`);

const present = async () => new Set((await leftovers()).namespaces);

describe.skipIf(skip !== undefined)("the session namespace pool", () => {
  it("hands out namespaces made ahead, makes one when empty, and removes the rest on close", async () => {
    const pool = new NamespacePool("pt", 2);
    const taken: string[] = [];
    try {
      await pool.fill();
      expect(pool.available).toBe(2);
      const first = await pool.take();
      expect(first.pooled).toBe(true);
      taken.push(first.namespace.name);
      // A namespace made ahead works as one made on the spot: loopback up, its veth addressed.
      expect(await nsExec(first.namespace.name, "ip", ["-4", "-o", "addr", "show"])).toContain(
        first.namespace.address,
      );
      const second = await pool.take();
      const third = await pool.take();
      taken.push(second.namespace.name, third.namespace.name);
      expect([second.pooled, third.pooled]).toEqual([true, false]);
      expect(new Set(taken).size).toBe(3);
      // Refilled: two new ones, none handed out before.
      await pool.fill();
      expect(pool.available).toBe(2);
      const before = await present();
      await pool.close();
      const after = await present();
      const removed = [...before].filter((name) => !after.has(name));
      expect(removed).toHaveLength(2);
      expect(removed.some((name) => taken.includes(name))).toBe(false);
      // Closed: a take makes its own namespace, a fill makes none.
      await pool.fill();
      expect(pool.available).toBe(0);
      const late = await pool.take();
      expect(late.pooled).toBe(false);
      taken.push(late.namespace.name);
    } finally {
      await pool.close();
      for (const name of taken) execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
    }
    const after = await present();
    expect(taken.filter((name) => after.has(name))).toEqual([]);
  });

  it("a crashed run's pool is reaped; a live run's is not touched", async () => {
    const entry = new URL("../../src/net/netns.ts", import.meta.url).pathname;
    const script = `import { NamespacePool } from ${JSON.stringify(entry)};
const pool = new NamespacePool("pc", 2);
await pool.fill();
console.log("filled");
setInterval(() => {}, 1000);`;
    const before = await present();
    const child = spawn(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) =>
      createInterface({ input: child.stdout! }).once("line", () => resolve()),
    );
    const names = [...(await present())].filter((name) => !before.has(name) && name.startsWith("acd-pc-"));
    try {
      expect(names).toHaveLength(2);
      const alive = await reapOrphans();
      expect(alive.filter((name) => names.includes(name))).toEqual([]);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      const reaped = await reapOrphans();
      expect(names.every((name) => reaped.includes(name))).toBe(true);
      const after = await present();
      expect(names.filter((name) => after.has(name))).toEqual([]);
    } finally {
      child.kill("SIGKILL");
      for (const name of names) {
        try {
          execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
        } catch {
          // Already reaped.
        }
      }
    }
  });
});
