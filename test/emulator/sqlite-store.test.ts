import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";

const scope = { account: "123456789012", region: "us-east-1" };
const other = { account: "123456789012", region: "eu-west-1" };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("SqliteStore", () => {
  it("clears exactly the kinds that start with a prefix, in every scope, or everything", () => {
    // Characters LIKE would take as wildcards, prefixes that are whole kinds, and prefixes of nothing.
    const kinds = ["ec2.vpc", "ec2.subnet", "ecr-image", "ecr_image", "e%c", "logs.log-stream:/a", "logs"];
    const cases = [["ec2."], ["ecr-"], ["ecr_"], ["e%"], ["e"], ["logs"], ["logs.", "ec2.subnet"], ["x"], []];
    for (const prefixes of cases) {
      const store = new SqliteStore();
      for (const k of kinds) {
        store.put(k, scope, "x", 1);
        store.put(k, other, "y", 2);
      }
      const gone = kinds.filter((k) => prefixes.some((p) => k.startsWith(p)));
      expect(store.clear(prefixes), prefixes.join()).toBe(gone.length * 2);
      for (const k of kinds) expect(store.listAll(k).length, k).toBe(gone.includes(k) ? 0 : 2);
      expect(store.clear()).toBe((kinds.length - gone.length) * 2);
      store.close();
    }
  });

  it("scopes resources by account and region and keeps creation order across updates", () => {
    const store = new SqliteStore();
    store.put("runtime", scope, "b", { n: 1 });
    store.put("runtime", scope, "a", { n: 2 });
    store.put("runtime", other, "c", { n: 3 });
    store.put("runtime", scope, "b", { n: 4 });
    expect(store.list("runtime", scope)).toEqual([{ n: 4 }, { n: 2 }]);
    expect(store.get("runtime", other, "c")).toEqual({ n: 3 });
    expect(store.get("runtime", other, "a")).toBeUndefined();
    expect(store.listAll("runtime").map((r) => r.id)).toEqual(["b", "a", "c"]);
    expect(store.delete("runtime", scope, "a")).toBe(true);
    expect(store.delete("runtime", scope, "a")).toBe(false);
  });

  it("rolls back every write of a failed transaction", () => {
    const store = new SqliteStore();
    expect(() =>
      store.transaction(() => {
        store.put("eni", scope, "eni-1", {});
        store.put("runtime", scope, "r-1", {});
        throw new Error("InsufficientFreeAddressesInSubnet");
      }),
    ).toThrow();
    expect(store.list("eni", scope)).toEqual([]);
    expect(store.list("runtime", scope)).toEqual([]);
  });

  it("persists to a state directory and resumes", () => {
    const dir = mkdtempSync(join(tmpdir(), "acd-store-"));
    dirs.push(dir);
    const first = new SqliteStore(dir);
    first.transaction(() => first.put("runtime", scope, "r-1", { status: "READY" }));
    first.close();
    const second = new SqliteStore(dir);
    expect(second.get("runtime", scope, "r-1")).toEqual({ status: "READY" });
    second.close();
  });
});
