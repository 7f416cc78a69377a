import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

const BINFMT = "/proc/sys/fs/binfmt_misc";
/** Where Debian's qemu-user-static puts its binfmt rules (nothing registers them without systemd). */
const RULES = "/usr/lib/binfmt.d";
/** Holders of a registration this tool made, one file per process, so the last one out unregisters it. */
const HOLDERS = "/run/agentcore-doctor/binfmt";

/** The qemu-user rule name per OCI architecture this host cannot run natively. */
const QEMU_NAME: Readonly<Record<string, string>> = {
  arm64: "qemu-aarch64",
  amd64: "qemu-x86_64",
  arm: "qemu-arm",
  ppc64le: "qemu-ppc64le",
  s390x: "qemu-s390x",
  riscv64: "qemu-riscv64",
};

/** This host's architecture as an OCI platform names it. */
export function hostArchitecture(arch: string = process.arch): string {
  return ({ x64: "amd64", ia32: "386", ppc64: "ppc64le" } as Record<string, string>)[arch] ?? arch;
}

/** The qemu-user rule for `architecture` when binfmt_misc has it registered and enabled, else undefined. */
export function enabledBinfmtRule(architecture: string): string | undefined {
  const name = QEMU_NAME[architecture];
  if (!name) return undefined;
  try {
    return readFileSync(`${BINFMT}/${name}`, "utf8").startsWith("enabled") ? name : undefined;
  } catch {
    return undefined;
  }
}

export type Emulation =
  | { needed: false }
  | {
      needed: true;
      ok: true;
      architecture: string;
      /** The interpreter binfmt runs the image's programs with. */
      by: string;
      /** Whether this call registered the rule (and the release will unregister it when it is the last holder). */
      registered: boolean;
      release(): Promise<void>;
    }
  | { needed: true; ok: false; architecture: string; reason: string };

/**
 * How long a rule is kept after its last user in this process lets it go: sessions
 * started one after another would otherwise each pay the registration's flock and shell.
 */
const LINGER_MS = 30_000;

type Hold = { emulation: Promise<Emulation>; users: number; linger?: NodeJS.Timeout };
// One hold per architecture and process, shared by every user in it: the last release lets the rule go.
const holds = new Map<string, Hold>();

/**
 * Makes programs of `architecture` runnable here (see register below) for as
 * long as the caller holds it: each successful call must be released once, and
 * the process's last release unregisters a rule this process registered.
 */
export async function ensureEmulation(architecture: string): Promise<Emulation> {
  if (architecture === hostArchitecture()) return { needed: false };
  let hold = holds.get(architecture);
  if (!hold) {
    hold = { emulation: register(architecture), users: 0 };
    holds.set(architecture, hold);
  }
  const emulation = await hold.emulation;
  if (!emulation.needed || !emulation.ok) {
    if (holds.get(architecture) === hold) holds.delete(architecture);
    return emulation;
  }
  hold.users += 1;
  clearTimeout(hold.linger);
  let released = false;
  return {
    ...emulation,
    release: async () => {
      if (released) return;
      released = true;
      hold.users -= 1;
      if (hold.users > 0) return;
      hold.linger = setTimeout(() => void letGo(architecture, hold, emulation), LINGER_MS);
      hold.linger.unref();
    },
  };
}

async function letGo(architecture: string, hold: Hold, emulation: Emulation): Promise<void> {
  if (hold.users > 0 || holds.get(architecture) !== hold) return;
  holds.delete(architecture);
  if (emulation.needed && emulation.ok) await emulation.release();
}

// A process that ends while a rule lingers still unregisters one it registered.
process.once("exit", () => {
  for (const [architecture, hold] of holds) {
    if (hold.users > 0 || !hold.linger) continue;
    const name = QEMU_NAME[architecture];
    if (name) releaseNow(name);
  }
});

/**
 * Makes programs of `architecture` runnable on this host through qemu-user's
 * binfmt_misc rule (flag F: the interpreter is opened at registration, so it
 * works inside a container's root filesystem): mounts binfmt_misc where it is
 * not, registers the rule qemu-user-static installed when it is not
 * registered, and counts holders so the last process that needed a rule it
 * registered unregisters it. A rule that was already there is left alone.
 */
async function register(architecture: string): Promise<Emulation> {
  if (architecture === hostArchitecture()) return { needed: false };
  const name = QEMU_NAME[architecture];
  const fail = (reason: string): Emulation => ({ needed: true, ok: false, architecture, reason });
  if (!name) return fail(`no qemu-user emulator is known for ${architecture}`);
  if (process.platform !== "linux") return fail(`binfmt_misc needs Linux (this is ${process.platform})`);
  if (process.getuid?.() !== 0) return fail("registering a binfmt_misc rule needs root");
  const rulePath = `${RULES}/${name}.conf`;
  if (!existsSync(rulePath))
    return fail(`${rulePath} is missing (qemu-user-static; scripts/ensure-system-deps.sh installs it)`);
  const script = `
set -e
[ -e ${BINFMT}/register ] || mount -t binfmt_misc binfmt_misc ${BINFMT}
mkdir -p ${HOLDERS}
cd ${HOLDERS}
for h in ${name}.*; do
  [ -e "$h" ] || continue
  kill -0 "\${h#${name}.}" 2>/dev/null || rm -f "$h"
done
if [ ! -e ${BINFMT}/${name} ]; then
  grep -v '^#' ${rulePath} | grep . | head -n 1 > ${BINFMT}/register
  touch ${name}.ours
  echo registered
fi
[ -e ${name}.ours ] && touch ${name}.$PPID_OF_HOLDER
true`;
  try {
    mkdirSync(HOLDERS, { recursive: true });
    const { stdout } = await run("flock", [`${HOLDERS}.lock`, "sh", "-c", script], {
      env: { ...process.env, PPID_OF_HOLDER: String(process.pid) },
    });
    const rule = readFileSync(`${BINFMT}/${name}`, "utf8");
    if (!/^enabled/m.test(rule)) return fail(`the binfmt_misc rule ${name} is registered but disabled`);
    const by = /^interpreter (.+)$/m.exec(rule)?.[1] ?? name;
    const flags = /^flags: (.*)$/m.exec(rule)?.[1] ?? "";
    if (!flags.includes("F"))
      return fail(
        `the binfmt_misc rule ${name} lacks flag F: its interpreter ${by} is not visible inside a container`,
      );
    return {
      needed: true,
      ok: true,
      architecture,
      by,
      registered: stdout.includes("registered"),
      release: () => releaseEmulation(name),
    };
  } catch (error) {
    return fail(`could not register ${name}: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** Drops this process's hold on `name`; the last live holder unregisters a rule this tool registered. */
function releaseScript(name: string): string {
  return `
cd ${HOLDERS} 2>/dev/null || exit 0
rm -f ${name}.${process.pid}
for h in ${name}.*; do
  [ -e "$h" ] || continue
  case "$h" in *.ours) continue ;; esac
  kill -0 "\${h#${name}.}" 2>/dev/null && exit 0
  rm -f "$h"
done
if [ -e ${name}.ours ]; then
  [ -e ${BINFMT}/${name} ] && echo -1 > ${BINFMT}/${name}
  rm -f ${name}.ours
fi
true`;
}

async function releaseEmulation(name: string): Promise<void> {
  await run("flock", [`${HOLDERS}.lock`, "sh", "-c", releaseScript(name)]).catch(() => undefined);
}

function releaseNow(name: string): void {
  try {
    execFileSync("flock", [`${HOLDERS}.lock`, "sh", "-c", releaseScript(name)], { stdio: "ignore" });
  } catch {
    // The next registration finds the stale holder and reuses the rule.
  }
}
