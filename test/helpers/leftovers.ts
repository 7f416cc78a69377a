import { readdir, readFile, readlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const FIXTURES = resolve(import.meta.dirname, "../fixtures");
const ISOLATED_ROOT = join(tmpdir(), "acd-root-");
/** The CLI as tests spawn it (src/cli/main.ts under tsx): an emulator or check left running is a leak too. */
const CLI_ENTRY = resolve(import.meta.dirname, "../../src/cli/main.ts");
/** This checkout: agents another checkout's tests run on the same machine are not this suite's. */
const CHECKOUT = resolve(import.meta.dirname, "../..");

/** Processes a test left running: agents (rooted in an isolation root, or working in a fixture directory) and CLI children. */
export async function leftoverAgentProcesses(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const [root, cwd, cmdline] = await Promise.all([
      readlink(`/proc/${pid}/root`).catch(() => ""),
      readlink(`/proc/${pid}/cwd`).catch(() => ""),
      readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => ""),
    ]);
    const cliChild = cmdline.includes(CLI_ENTRY);
    // An isolated agent's cwd is its directory under the isolation root.
    const inCheckout = cwd.startsWith(`${CHECKOUT}/`) || cwd.includes(`${CHECKOUT}/`);
    if (cliChild || (inCheckout && (root.startsWith(ISOLATED_ROOT) || cwd.includes(FIXTURES)))) {
      found.push(`${pid}: ${cmdline.replace(/\0/g, " ").trim()} (cwd ${cwd})`);
    }
  }
  return found;
}
