import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Zippable, zipSync } from "fflate";
import yazl from "yazl";
import { repoRoot } from "./cli.js";

/** One file or directory of a fixture zip. `mode` is the POSIX permission bits (default 644 files, 755 directories). */
export interface FixtureEntry {
  path: string;
  data?: string | Buffer;
  mode?: number;
  directory?: boolean;
}

/** A zip made as `zip -r` on Linux makes it: POSIX modes in the external attributes (yazl, version made by Unix). */
export function unixZip(
  entries: readonly FixtureEntry[],
  options: { zip64?: boolean } = {},
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.directory) zip.addEmptyDirectory(e.path, { mode: 0o040000 | (e.mode ?? 0o755) });
    else
      zip.addBuffer(Buffer.from(e.data ?? ""), e.path, {
        mode: 0o100000 | (e.mode ?? 0o644),
        ...(options.zip64 ? { forceZip64Format: true } : {}),
      });
  }
  zip.end({ comment: "", forceZip64Format: options.zip64 ?? false });
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolvePromise(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
}

/**
 * A zip made as the AgentCore CLI's packager makes it (fflate `zipSync`,
 * level 6, no attributes: host MS-DOS, no POSIX modes), which is also what a
 * Windows zip tool gives. fflate also writes names yazl refuses (`../x`).
 */
export function dosZip(entries: readonly FixtureEntry[]): Buffer {
  const files: Zippable = {};
  for (const e of entries) files[e.path] = [Buffer.from(e.data ?? ""), { level: 6 }];
  return Buffer.from(zipSync(files));
}

/** A real ELF file of this machine's architecture: better-sqlite3's native module, which the project installs. */
export function hostElf(): Buffer {
  return readFileSync(resolve(repoRoot, "node_modules/better-sqlite3/build/Release/better_sqlite3.node"));
}

/**
 * A minimal valid ELF64 little-endian header (64 bytes, ET_DYN) for
 * `machine`: no arm64 ELF file ships with this project or is sure to be on a
 * CI machine, so the AArch64 fixture is this header, written by hand per the
 * System V ABI (0xB7 = EM_AARCH64, 0x3E = EM_X86_64).
 */
export function elfHeader(machine: number): Buffer {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, SYSV ABI
  b.writeUInt16LE(3, 16); // e_type ET_DYN
  b.writeUInt16LE(machine, 18); // e_machine
  b.writeUInt32LE(1, 20); // e_version
  b.writeUInt16LE(64, 52); // e_ehsize
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(64, 58); // e_shentsize
  return b;
}

export const EM_AARCH64 = 0xb7;
export const EM_X86_64 = 0x3e;

/** The machine of this host's ELF fixture, read from its header. */
export const hostElfMachine = () => hostElf().readUInt16LE(18);
