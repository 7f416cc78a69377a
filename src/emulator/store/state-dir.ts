import { ensurePrivateDir } from "../../util/private-files.js";

/** The database file in a state directory; SQLite adds `-wal`, `-shm` (and `-journal`) beside it. */
export const STATE_DATABASE = "emulator.sqlite";
/** The CA's directory in a state directory (src/emulator/aws-public/ca.ts). */
export const STATE_CA_DIR = "ca";
/** The ECR registry's blobs and uploads (src/emulator/store/blob-store.ts). */
export const STATE_ECR_DIR = "ecr";
/** S3's object and part bytes (the same blob store). */
export const STATE_S3_DIR = "s3";

/** What the emulator itself keeps in a state directory. */
function isStateEntry(name: string): boolean {
  return (
    name.startsWith(STATE_DATABASE) ||
    name === STATE_CA_DIR ||
    name === STATE_ECR_DIR ||
    name === STATE_S3_DIR
  );
}

/**
 * `--state-dir` as the emulator needs it: 0700, since the state holds
 * environment variable values; made when absent, tightened when it holds
 * only the emulator's files, refused with what to do otherwise.
 */
export function ensureStateDir(dir: string): void {
  ensurePrivateDir(dir, "The state directory", isStateEntry);
}
