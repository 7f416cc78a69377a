import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ownerAlive, ownerLine, parseOwnerLine, thisOwner } from "../../src/util/owner.js";

describe("owner records", () => {
  it("this process is alive; its pid with another start time is not (a reused pid)", () => {
    const self = thisOwner();
    expect(self.pid).toBe(process.pid);
    expect(ownerAlive(self)).toBe(true);
    expect(ownerAlive({ pid: self.pid, start: `${Number(self.start) + 1}` })).toBe(false);
    expect(parseOwnerLine(ownerLine())).toEqual(self);
  });

  it("a process that has exited is not alive", () => {
    const child = spawnSync(process.execPath, ["-e", "0"]);
    expect(ownerAlive({ pid: child.pid! })).toBe(false);
    expect(parseOwnerLine("not a pid")).toBeUndefined();
  });

  it("a CA copy published by a dead run is swept; a live run's is kept", async () => {
    // The first publication in this process (this file imports ca.ts only here) sweeps.
    const self = thisOwner();
    const dead = join(tmpdir(), `acd-trust-${self.pid}.${Number(self.start) + 7}-test${Date.now()}`);
    const live = join(tmpdir(), `acd-trust-${self.pid}.${self.start}-test${Date.now()}`);
    mkdirSync(dead);
    mkdirSync(live);
    try {
      const { caBundlePath } = await import("../../src/emulator/aws-public/ca.js");
      const caDir = join(tmpdir(), `acd-ca-owner-test-${Date.now()}`);
      const bundle = caBundlePath(caDir);
      expect(existsSync(bundle)).toBe(true);
      expect(readdirSync(tmpdir())).not.toContain(dead.slice(tmpdir().length + 1));
      expect(existsSync(live)).toBe(true);
      rmSync(caDir, { recursive: true, force: true });
    } finally {
      rmSync(dead, { recursive: true, force: true });
      rmSync(live, { recursive: true, force: true });
    }
  });
});
