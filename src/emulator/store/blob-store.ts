import { createHash, randomUUID } from "node:crypto";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

const SHA256_DIGEST = /^sha256:([0-9a-f]{64})$/;

/** `sha256:<64 hex>`, the only digest blobs are stored under. */
export function isSha256Digest(digest: string): boolean {
  return SHA256_DIGEST.test(digest);
}

/** Thrown when an upload's bytes are more than the caller allowed (a Content-Range or Content-Length that lied). */
export class UploadTooLong extends Error {}

/** Thrown when an upload's file no longer holds the bytes its record acknowledged (it was completed, or lost in a crash). */
export class UploadLost extends Error {}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A service's bytes on disk (ECR's registry layers, S3's objects and parts),
 * one store per service directory: blobs content-addressed under
 * `blobs/sha256/<hex>`, uploads in progress under `uploads/<uuid>`. A blob
 * file is complete before it has its name (written, fsynced, then renamed,
 * the directory fsynced), so a `kill -9` leaves either no blob or the whole
 * of it; what the service acknowledged is recorded in SQLite after that, and
 * a file no record names is an unacknowledged leftover that `sweep` removes.
 */
export class BlobStore {
  private readonly blobs: string;
  private readonly uploads: string;

  private constructor(
    readonly root: string,
    private readonly temporary: boolean,
  ) {
    this.blobs = join(root, "blobs", "sha256");
    this.uploads = join(root, "uploads");
    // Private as the rest of the state directory: 0700 directories, 0600 files (a blob is a renamed upload).
    mkdirSync(this.blobs, { recursive: true, mode: 0o700 });
    mkdirSync(this.uploads, { recursive: true, mode: 0o700 });
  }

  /** Blobs kept in `dir` (the state directory's `ecr/` or `s3/`): they outlive the emulator. */
  static at(dir: string): BlobStore {
    return new BlobStore(dir, false);
  }

  /** Blobs in a fresh temporary directory, removed by `close()`: for an emulator whose state is in memory. */
  static temporary(service = "ecr"): BlobStore {
    return new BlobStore(mkdtempSync(join(tmpdir(), `acd-${service}-`)), true);
  }

  /** Where the blob with `digest` is; undefined when the store has no such blob. */
  pathOf(digest: string): string | undefined {
    const hex = SHA256_DIGEST.exec(digest)?.[1];
    if (!hex) return undefined;
    const path = join(this.blobs, hex);
    return existsSync(path) ? path : undefined;
  }

  sizeOf(digest: string): number | undefined {
    const path = this.pathOf(digest);
    return path ? statSync(path).size : undefined;
  }

  /** A read of the blob, whole or from `start` to `end` inclusive. */
  read(digest: string, range?: { start: number; end: number }): Readable {
    const path = this.pathOf(digest);
    if (!path) throw new Error(`no blob ${digest}`);
    // Opened now, not on the next tick: a blob removed meanwhile (its last record deleted) is still read whole.
    return createReadStream(path, { ...(range ?? {}), fd: openSync(path, "r") });
  }

  private uploadPath(uuid: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) throw new Error(`not an upload id: ${uuid}`);
    return join(this.uploads, uuid);
  }

  /** Whether the upload's file still holds at least the `length` bytes acknowledged. */
  holds(uuid: string, length: number): boolean {
    const path = this.uploadPath(uuid);
    return existsSync(path) && statSync(path).size >= length;
  }

  startUpload(uuid: string): void {
    closeSync(openSync(this.uploadPath(uuid), "w", 0o600));
  }

  /**
   * Appends `body` to the upload from byte `offset` (what was acknowledged
   * so far: bytes a killed request left beyond it are dropped first) and
   * makes the bytes durable. At most `maxBytes` are accepted. Returns the
   * upload's new length.
   */
  async append(
    uuid: string,
    offset: number,
    body: Readable,
    maxBytes = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    const path = this.uploadPath(uuid);
    if (!this.holds(uuid, offset)) throw new UploadLost(`upload ${uuid} no longer holds ${offset} bytes`);
    truncateSync(path, offset);
    let received = 0;
    const out = createWriteStream(path, { flags: "a" });
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          received += chunk.length;
          if (received > maxBytes) throw new UploadTooLong(`more than ${maxBytes} bytes`);
          yield chunk;
        }
      },
      out,
    );
    fsyncPath(path);
    return offset + received;
  }

  /** The digest of the upload's first `length` bytes (what was acknowledged). */
  async digestOfUpload(uuid: string, length: number): Promise<string> {
    const hash = createHash("sha256");
    if (length > 0) {
      await pipeline(createReadStream(this.uploadPath(uuid), { start: 0, end: length - 1 }), hash);
    }
    return `sha256:${hash.digest("hex")}`;
  }

  /** Gives the upload's first `length` bytes the name `digest` (already verified), durably. */
  promote(uuid: string, length: number, digest: string): string {
    const hex = SHA256_DIGEST.exec(digest)?.[1];
    if (!hex) throw new Error(`not a sha256 digest: ${digest}`);
    const source = this.uploadPath(uuid);
    const target = join(this.blobs, hex);
    if (existsSync(target)) {
      unlinkSync(source);
      return target;
    }
    truncateSync(source, length);
    fsyncPath(source);
    renameSync(source, target);
    fsyncPath(this.blobs);
    return target;
  }

  /**
   * Stores bytes already in hand (a request body, or parts read one after
   * another) as one blob, durably, before the caller records it: written to
   * an upload file and fsynced, then named by its digest. Synchronous, so a
   * service can call it inside its store transaction; a rolled-back record
   * leaves a blob no record names, which `sweep` removes.
   */
  putSync(chunks: Iterable<Uint8Array>): { digest: string; size: number; path: string } {
    const uuid = randomUUID();
    const path = this.uploadPath(uuid);
    const hash = createHash("sha256");
    let size = 0;
    const fd = openSync(path, "w", 0o600);
    try {
      for (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        let written = 0;
        while (written < chunk.length) written += writeSync(fd, chunk, written);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const digest = `sha256:${hash.digest("hex")}`;
    return { digest, size, path: this.promote(uuid, size, digest) };
  }

  /** A blob's bytes in pieces of at most `pieceBytes`, read synchronously (to be copied into another blob). */
  *readSync(digest: string, pieceBytes = 1 << 20): Generator<Buffer> {
    const path = this.pathOf(digest);
    if (!path) throw new Error(`no blob ${digest}`);
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(pieceBytes);
      for (;;) {
        const n = readSync(fd, buffer, 0, pieceBytes, null);
        if (n === 0) return;
        yield Buffer.from(buffer.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Bytes `start` to `end` inclusive of a blob, read synchronously (a range copied into another blob). */
  readRangeSync(digest: string, start: number, end: number): Buffer {
    const path = this.pathOf(digest);
    if (!path) throw new Error(`no blob ${digest}`);
    const out = Buffer.alloc(Math.max(0, end - start + 1));
    const fd = openSync(path, "r");
    try {
      let read = 0;
      while (read < out.length) {
        const n = readSync(fd, out, read, out.length - read, start + read);
        if (n === 0) break;
        read += n;
      }
      return out.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }

  discardUpload(uuid: string): void {
    rmSync(this.uploadPath(uuid), { force: true });
  }

  removeBlob(digest: string): void {
    const path = this.pathOf(digest);
    if (path) rmSync(path, { force: true });
  }

  /**
   * Removes what no record names: blobs of uploads completed but never
   * acknowledged, uploads whose record was rolled back. Run before serving.
   */
  sweep(liveBlobs: ReadonlySet<string>, liveUploads: ReadonlySet<string>): void {
    for (const hex of readdirSync(this.blobs)) {
      if (!liveBlobs.has(`sha256:${hex}`)) rmSync(join(this.blobs, hex), { force: true });
    }
    for (const uuid of readdirSync(this.uploads)) {
      if (!liveUploads.has(uuid)) rmSync(join(this.uploads, uuid), { force: true });
    }
  }

  close(): void {
    if (this.temporary) rmSync(this.root, { recursive: true, force: true });
  }
}
