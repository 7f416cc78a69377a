import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { leftovers, reapOrphans } from "../../src/net/netns.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const skip = await namespaceSkipReason();
if (skip) console.log(`reap: skipped: ${skip}`);

describe.skipIf(skip !== undefined)("a start after a crash", () => {
  it("reaps the namespaces a killed run left, and only those", async () => {
    const entry = new URL("../../src/net/netns.ts", import.meta.url).pathname;
    const script = `import { createNamespace } from ${JSON.stringify(entry)};
const ns = await createNamespace("crash");
console.log(ns.name);
setInterval(() => {}, 1000);`;
    const child = spawn(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const name = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once("line", (line) => resolve(line.trim())),
    );
    try {
      // Alive: its namespace is not anyone's leftover.
      expect(await reapOrphans()).not.toContain(name);
      expect((await leftovers()).namespaces).toContain(name);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      expect(await reapOrphans()).toContain(name);
      expect((await leftovers()).namespaces).not.toContain(name);
    } finally {
      child.kill("SIGKILL");
      const { execFileSync } = await import("node:child_process");
      try {
        execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
      } catch {
        // Already reaped.
      }
    }
  });
});
