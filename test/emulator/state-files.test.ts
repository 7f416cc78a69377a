import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { caBundlePath, loadCertificateAuthority } from "../../src/emulator/aws-public/ca.js";
import { BlobStore } from "../../src/emulator/store/blob-store.js";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";
import { UsageError } from "../../src/util/errors.js";

const scope = { account: "123456789012", region: "us-east-1" };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "acd-state-test-"));
  dirs.push(dir);
  return dir;
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every file under `dir` with its mode, relative names. */
function modes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) out[name] = mode(join(dir, name));
  return out;
}

describe("state files are private", () => {
  it("makes a new state directory 0700 and the database with its -wal and -shm 0600, whatever the umask", () => {
    const dir = join(scratch(), "state", "nested");
    const umask = process.umask(0o022);
    try {
      const store = new SqliteStore(dir);
      store.transaction(() =>
        store.put("runtime", scope, "r-1", { environmentVariables: { TOKEN: "s3cret" } }),
      );
      expect(mode(dir)).toBe(0o700);
      expect(mode(dirname(dir))).toBe(0o700);
      const files = modes(dir);
      expect(Object.keys(files).sort()).toEqual([
        "emulator.sqlite",
        "emulator.sqlite-shm",
        "emulator.sqlite-wal",
      ]);
      for (const [name, fileMode] of Object.entries(files)) expect([name, fileMode]).toEqual([name, 0o600]);
      store.close();
    } finally {
      process.umask(umask);
    }
  });

  it("tightens an existing 0755 state directory and 0644 files left by an older run", () => {
    const dir = scratch();
    const first = new SqliteStore(dir);
    first.transaction(() => first.put("runtime", scope, "r-1", {}));
    first.close();
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "emulator.sqlite"), 0o644);
    mkdirSync(join(dir, "ca"), { mode: 0o755 });
    // An empty journal is not a hot one: SQLite ignores it, but it is still a state file.
    writeFileSync(join(dir, "emulator.sqlite-journal"), "", { mode: 0o644 });
    const second = new SqliteStore(dir);
    second.transaction(() => second.put("runtime", scope, "r-2", {}));
    expect(mode(dir)).toBe(0o700);
    for (const name of readdirSync(dir).filter((n) => n.startsWith("emulator.sqlite")))
      expect([name, mode(join(dir, name))]).toEqual([name, 0o600]);
    second.close();
  });

  it("keeps the registry's blobs and uploads private too", () => {
    const dir = scratch();
    new SqliteStore(dir).close();
    const blobs = BlobStore.at(join(dir, "ecr"));
    const uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    blobs.startUpload(uuid);
    for (const sub of ["ecr", "ecr/blobs", "ecr/blobs/sha256", "ecr/uploads"])
      expect([sub, mode(join(dir, sub))]).toEqual([sub, 0o700]);
    expect(mode(join(dir, "ecr", "uploads", uuid))).toBe(0o600);
    // A state directory holding the registry is still the emulator's own: tightened, not refused.
    chmodSync(dir, 0o755);
    new SqliteStore(dir).close();
    expect(mode(dir)).toBe(0o700);
  });

  it("refuses a wide directory holding files that are not the emulator's, and says what to do", () => {
    const dir = scratch();
    writeFileSync(join(dir, "notes.txt"), "mine");
    chmodSync(dir, 0o755);
    expect(() => new SqliteStore(dir)).toThrow(UsageError);
    expect(() => new SqliteStore(dir)).toThrow(
      /mode 0755 .*notes\.txt.*Pass a new directory, or run chmod 700/,
    );
    // Untouched: the directory is someone else's to change.
    expect(mode(dir)).toBe(0o755);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
  });

  it("keeps the CA's key and certificate 0600 in a 0700 directory, and tightens an older one", () => {
    const dir = join(scratch(), "ca");
    loadCertificateAuthority(dir);
    expect(mode(dir)).toBe(0o700);
    expect(modes(dir)).toEqual({ "acd-ca.key.pem": 0o600, "acd-ca.pem": 0o600 });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "acd-ca.pem"), 0o644);
    chmodSync(join(dir, "acd-ca.key.pem"), 0o644);
    loadCertificateAuthority(dir);
    expect(mode(dir)).toBe(0o700);
    expect(modes(dir)).toEqual({ "acd-ca.key.pem": 0o600, "acd-ca.pem": 0o600 });
  });

  it("hands agents a copy of the certificate that another user can read, never the key", () => {
    const dir = join(scratch(), "ca");
    const ca = loadCertificateAuthority(dir);
    const bundle = caBundlePath(dir);
    expect(bundle).toBe(ca.bundlePath);
    expect(bundle.startsWith(dir)).toBe(false);
    expect(mode(bundle)).toBe(0o644);
    expect(mode(dirname(bundle))).toBe(0o755);
    expect(readdirSync(dirname(bundle))).toEqual(["acd-ca.pem"]);
    if (process.getuid?.() === 0) {
      // As a Dockerfile's USER would read it (uid 65534, nobody).
      const read = execFileSync(
        "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", "cat", bundle],
        {
          encoding: "utf8",
        },
      );
      expect(read).toBe(ca.certPem);
    }
  });
});
