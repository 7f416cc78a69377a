import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemEnvironment } from "../../src/emulator/context.js";
import { Ec2 } from "../../src/emulator/ec2/model/ec2.js";
import { ec2VpcState } from "../../src/emulator/ec2/vpc-snapshot.js";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";
import { SessionFabric } from "../../src/emulator/vpc/fabric.js";
import { sh } from "../../src/net/netns.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const skip = await namespaceSkipReason();
if (skip) console.log(`fabric-stop: skipped: ${skip}`);

describe.skipIf(skip !== undefined)("the session network stops", () => {
  const dir = mkdtempSync(join(tmpdir(), "acd-fabric-stop-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("when Ctrl-C already killed its internet stand-in (same process group): stop ends and removes the namespace", async () => {
    const fabric = new SessionFabric({
      vpcs: ec2VpcState(new Ec2(new SqliteStore(), systemEnvironment)),
      caDir: dir,
      upstream: { socketPath: join(dir, "none.sock") },
    });
    await fabric.prepare();
    const [inet] = fabric.ownNamespaces();
    expect(inet).toMatch(/^acd-inet-/);
    // The stand-in runs in the namespace: a terminal's SIGINT to the group kills it before stop() runs.
    const pids = (await sh("ip", ["netns", "pids", inet!])).split(/\s+/).filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, "SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await fabric.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await sh("ip", ["netns", "list"])).includes(inet!)).toBe(false);
  }, 20_000);
});
