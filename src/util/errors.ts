/**
 * An error in how the tool was called or what it was pointed at: the CLI
 * prints the message (which says what to do next) and exits 2, no stack.
 */
export class UsageError extends Error {
  override name = "UsageError";
}
