/**
 * The emulator's fixed names, apart from the emulator itself: the CLI reads them to define its
 * options without loading every service (a second of CPU at each start of any command).
 */
export const DEFAULT_EMULATOR_PORT = 4599;

/** The emulator's own routes, apart from every AWS API: what `emulate logs` reads, and the reset tests call. */
export const INTERNAL_PREFIX = "/_emulator/";
