import { AwsError } from "../protocol/errors.js";
import type { Store } from "../store/store.js";

/** EC2's answer to a DryRun that would have succeeded: HTTP 412, as the EC2 Query codec renders it. */
export function dryRunOperation(): AwsError {
  return new AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", {}, 412);
}

/**
 * Runs an operation for real, then, for a DryRun, throws DryRunOperation
 * instead of answering: the operation's own checks decide, and the throw
 * rolls back everything it wrote (a nested transaction is a savepoint), so
 * a DryRun never leaves a trace in the state.
 */
export function withDryRun<T>(store: Store, dryRun: boolean | undefined, operation: () => T): T {
  if (!dryRun) return operation();
  return store.transaction(() => {
    operation();
    throw dryRunOperation();
  });
}
