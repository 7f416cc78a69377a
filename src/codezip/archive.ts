import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { UsageError } from "../util/errors.js";

/**
 * A code zip as the managed runtime receives it: every entry with its type,
 * POSIX mode (when the zip stores one) and sizes, and the bytes the checks
 * read (small source and metadata files whole, the head of binaries).
 *
 * Read with yauzl: it reads the central directory, the only place a zip
 * keeps external attributes (the local headers a streaming reader sees have
 * none), follows zip64 records, decodes names as APPNOTE says (CP437 or
 * UTF-8, the Info-ZIP Unicode path field), and checks entry sizes. Names it
 * would refuse (absolute, `..`) are kept as problems instead of failing the
 * whole read, so the report can name them.
 */

export type EntryType = "file" | "directory" | "symlink";

export interface ZipEntry {
  /** Forward slashes, no leading `./`, no trailing `/`. */
  path: string;
  type: EntryType;
  /** Permission bits (`0o755`) when the zip stores POSIX attributes for the entry; undefined when it stores none. */
  mode?: number;
  size: number;
  compressedSize: number;
  /** The bytes read for the checks: the whole file when `complete`, else its head. Undefined when not read. */
  content?: Buffer;
  complete: boolean;
  /** For a symlink: where it points. */
  linkTarget?: string;
}

/** Where a zip's entries came from, for evidence and the report. */
export type ZipSource =
  | { kind: "zip"; path: string }
  | {
      kind: "directory";
      path: string;
      /** How the directory was packaged, stated in the report (which tool's rules, what was left out). */
      packaging: string;
    };

export interface CodeZip {
  source: ZipSource;
  /** The size of the zip file itself. */
  zipBytes: number;
  entries: ZipEntry[];
  /** Host systems named by the entries' "version made by" (APPNOTE 4.4.2): `Unix`, `MS-DOS/Windows`, ... */
  madeBy: string[];
  /** Entries the zip holds but a careful unpacker refuses or cannot read (unsafe names, encryption). */
  problems: { path: string; problem: string }[];
}

const HOSTS: Readonly<Record<number, string>> = {
  0: "MS-DOS/Windows (FAT)",
  3: "Unix",
  10: "Windows NTFS",
  11: "Windows (VFAT)",
  19: "macOS",
};

/** Hosts whose "version made by" means the high 16 bits of the external attributes are a POSIX st_mode. */
const POSIX_HOSTS = new Set([3, 19]);

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const DOS_DIRECTORY = 0x10;

const HEAD_BYTES = 64;
const WHOLE_LIMIT = 4 * 1024 * 1024;

const BINARY_NAME = /\.(so(\.\d+)*|node|pyd|dylib|dll|exe)$/;

/** What of an entry the checks read: all of it, its head, or nothing. */
export function contentWanted(path: string, size: number): "all" | "head" | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const inNodeModules = /(^|\/)node_modules\//.test(path);
  const wantsAll =
    /\.(py|pth)$/.test(name) ||
    /\.dist-info\/(WHEEL|RECORD|top_level\.txt|direct_url\.json)$/.test(path) ||
    /\.egg-info\/top_level\.txt$/.test(path) ||
    name === "package.json" ||
    (!inNodeModules && /\.(m?js|cjs|m?ts|cts)$/.test(name)) ||
    /^bin\/[^/]+$/.test(path);
  if (wantsAll) return size <= WHOLE_LIMIT ? "all" : "head";
  if (BINARY_NAME.test(name) || /\.libs\//.test(path)) return "head";
  return undefined;
}

async function collect(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= limit) {
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

function entryType(attributes: number, host: number, name: string): EntryType {
  const st = POSIX_HOSTS.has(host) ? (attributes >>> 16) & S_IFMT : 0;
  if (st === S_IFLNK) return "symlink";
  if (st === S_IFDIR || name.endsWith("/") || (attributes & DOS_DIRECTORY) !== 0) return "directory";
  return "file";
}

/** What one central-directory entry says, or why a careful unpacker refuses it. */
export type DescribedEntry =
  | { refused: true; name: string; problem: string; host: number }
  | { refused: false; name: string; path: string; type: EntryType; mode?: number; host: number };

export function describeEntry(entry: yauzl.Entry): DescribedEntry {
  const name = yauzl.getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    entry.fileNameRaw,
    entry.extraFields,
    false,
  );
  const host = entry.versionMadeBy >>> 8;
  const problem =
    yauzl.validateFileName(name) ?? (entry.isEncrypted() ? "encrypted: the runtime cannot read it" : null);
  if (problem) return { refused: true, name, problem, host };
  const attributes = entry.externalFileAttributes;
  const mode = POSIX_HOSTS.has(host) && attributes >>> 16 !== 0 ? (attributes >>> 16) & 0o7777 : undefined;
  return {
    refused: false,
    name,
    path: name.replace(/^(\.\/)+/, "").replace(/\/+$/, ""),
    type: entryType(attributes, host, name),
    ...(mode !== undefined ? { mode } : {}),
    host,
  };
}

const OPTIONS: yauzl.Options = {
  lazyEntries: true,
  decodeStrings: false,
  validateEntrySizes: true,
  autoClose: false,
};

/** Opens a zip file or buffer for `eachEntry()` with names left raw (decoded and validated by describeEntry). */
export function openZip(source: string | Buffer): Promise<yauzl.ZipFile> {
  return typeof source === "string"
    ? yauzl.openPromise(source, OPTIONS)
    : yauzl.fromBufferPromise(source, OPTIONS);
}

async function readEntries(zipfile: yauzl.ZipFile, source: ZipSource, zipBytes: number): Promise<CodeZip> {
  const entries: ZipEntry[] = [];
  const problems: CodeZip["problems"] = [];
  const hosts = new Set<string>();
  try {
    for await (const entry of zipfile.eachEntry()) {
      const described = describeEntry(entry);
      hosts.add(HOSTS[described.host] ?? `host ${described.host}`);
      if (described.refused) {
        problems.push({ path: described.name, problem: described.problem });
        continue;
      }
      const { path, type, mode } = described;
      if (path === "") continue;
      const record: ZipEntry = {
        path,
        type,
        ...(mode !== undefined ? { mode } : {}),
        size: entry.uncompressedSize,
        compressedSize: entry.compressedSize,
        complete: false,
      };
      if (type === "symlink") {
        record.linkTarget = (await collect(await zipfile.openReadStreamPromise(entry), 4096)).toString(
          "utf8",
        );
      } else if (type === "file") {
        const wanted = contentWanted(path, entry.uncompressedSize);
        if (wanted) {
          const limit = wanted === "all" ? entry.uncompressedSize : HEAD_BYTES;
          record.content = await collect(await zipfile.openReadStreamPromise(entry), limit);
          record.complete = wanted === "all";
        }
      }
      entries.push(record);
    }
  } finally {
    zipfile.close();
  }
  return { source, zipBytes, entries, madeBy: [...hosts].sort(), problems };
}

function unreadable(what: string, error: unknown): UsageError {
  const reason = error instanceof Error ? error.message : String(error);
  return new UsageError(`${what} is not a zip that can be read (${reason}). Pass the code zip you deploy.`);
}

/** Reads a code zip file. */
export async function readCodeZip(path: string): Promise<CodeZip> {
  const { size } = await stat(path);
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await openZip(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  return readEntries(zipfile, { kind: "zip", path }, size).catch((error: unknown) => {
    throw unreadable(path, error);
  });
}

/** Reads a code zip held in memory (a packaged directory, or an object fetched from S3). */
export async function readCodeZipBuffer(buffer: Buffer, source: ZipSource): Promise<CodeZip> {
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await openZip(buffer);
  } catch (error) {
    throw unreadable(source.path, error);
  }
  return readEntries(zipfile, source, buffer.length);
}
