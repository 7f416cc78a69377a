import type { ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";

/**
 * A child's stdin with its errors handled. A child that exits before it
 * has read all its input makes the next write fail with EPIPE (or
 * ECONNRESET), and an `error` event nobody listens to ends this whole
 * process. Every write to a child's stdin goes through here.
 */
export interface ChildInput {
  /** Writes and returns at once; a failure is reported to `onError`, once. */
  write(data: string): void;
  end(data?: string): void;
  /** The first error the pipe gave, if any. */
  readonly error: NodeJS.ErrnoException | undefined;
  /** Resolves once the pipe is closed, whether all was written or it failed. */
  readonly closed: Promise<void>;
}

export function childInput(
  child: ChildProcess,
  onError: (error: NodeJS.ErrnoException) => void = () => {},
): ChildInput {
  const stdin: Writable | null = child.stdin;
  let failed: NodeJS.ErrnoException | undefined;
  const fail = (error: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = error;
    onError(error);
  };
  stdin?.on("error", fail);
  const closed = new Promise<void>((resolve) => {
    if (!stdin || stdin.closed) resolve();
    else stdin.once("close", () => resolve());
  });
  const usable = () => stdin !== null && !failed && !stdin.destroyed && !stdin.writableEnded;
  return {
    write(data) {
      if (usable()) stdin!.write(data);
    },
    end(data) {
      if (!usable()) return;
      if (data === undefined) stdin!.end();
      else stdin!.end(data);
    },
    get error() {
      return failed;
    },
    closed,
  };
}
