import {
  chmodSync,
  closeSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
} from "node:fs";
import { UsageError } from "./errors.js";

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, "0");

/**
 * A directory only its owner can enter (0700), for state that holds secrets
 * (environment variable values, the CA's key). Made so when absent. An
 * existing one with wider modes is tightened when everything in it is ours
 * (`ownEntry` says which names are); otherwise it is refused, so a shared
 * directory (a home, /tmp) is never chmod-ed from under its other users.
 */
export function ensurePrivateDir(dir: string, what: string, ownEntry: (name: string) => boolean): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
    // mkdir's mode is masked by the umask; a umask can only narrow 0700, but say it exactly.
    chmodSync(dir, PRIVATE_DIR);
    return;
  }
  if (!stat.isDirectory()) throw new UsageError(`${what} ${dir} is not a directory.`);
  if ((stat.mode & 0o077) === 0) return;
  const foreign = readdirSync(dir).filter((name) => !ownEntry(name));
  if (foreign.length > 0) {
    throw new UsageError(
      `${what} ${dir} is mode ${octal(stat.mode)} and holds files that are not the emulator's (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); ` +
        "its state holds environment variable values and must be in a directory of its own that only you can read. " +
        `Pass a new directory, or run chmod 700 ${dir} yourself.`,
    );
  }
  try {
    chmodSync(dir, PRIVATE_DIR);
  } catch (error) {
    throw new UsageError(
      `${what} ${dir} is mode ${octal(stat.mode)} and could not be made 0700 (${(error as NodeJS.ErrnoException).code}): pass a directory you own.`,
    );
  }
}

/**
 * Creates `path` as an empty 0600 file when absent, or narrows an existing
 * one to 0600: SQLite gives its -wal, -shm and -journal files the mode of the
 * database file, so a database made this way keeps all of them private.
 */
export function ensurePrivateFile(path: string): void {
  // "a": create if absent, never truncate; O_CREAT's mode applies only to a new file.
  const fd = openSync(path, "a", PRIVATE_FILE);
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, PRIVATE_FILE);
  } finally {
    closeSync(fd);
  }
}

/** Narrows an existing file to 0600 (a -wal or -shm left by an older run); nothing when absent. */
export function tightenIfPresent(path: string): void {
  try {
    if ((lstatSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
