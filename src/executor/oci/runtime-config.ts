import { trustVariables } from "../../util/ca-trust.js";

/** The parts of an OCI image config (`config` of the image's config blob) a run honours. */
export interface ImageRunConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

/** Where the instance's CA bundle is mounted inside the container. */
export const CONTAINER_CA_PATH = "/etc/agentcore-doctor/ca.pem";

export interface RuntimeConfigInput {
  image: ImageRunConfig;
  /** The rootfs's /etc/passwd and /etc/group text, to resolve a named USER (empty when the image has none). */
  passwd: string;
  group: string;
  /** What the platform adds on top of the image's Env (AWS_REGION, credentials); wins over the image's. */
  env?: Record<string, string>;
  /** A host PEM bundle: mounted read-only at CONTAINER_CA_PATH and trusted by the SDKs, OpenSSL and Node. */
  caBundle?: string;
  /** A network namespace path (/var/run/netns/NAME) the container joins; without it, a new empty one. */
  netnsPath?: string;
  hostname?: string;
  /** Host directories bound into the container (a code runtime's unpacked zip). */
  binds?: { source: string; destination: string; writable?: boolean }[];
}

export type UserResolution =
  | { ok: true; uid: number; gid: number; additionalGids: number[]; home?: string; name?: string }
  | { ok: false; message: string };

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function table(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}

/**
 * The image's USER as a container runtime reads it: `user`, `uid`,
 * `user:group` or `uid:gid`, names looked up in the image's own /etc/passwd
 * and /etc/group (a numeric uid need not be listed; its gid is then 0, as
 * runc and containerd do). A name the image does not list cannot run.
 */
export function resolveUser(spec: string | undefined, passwd: string, group: string): UserResolution {
  const [userPart = "", groupPart] = (spec ?? "").split(":", 2);
  const users = table(passwd);
  const groups = table(group);
  let uid = 0;
  let gid = 0;
  let home: string | undefined;
  let name: string | undefined;
  if (userPart === "") {
    const root = users.find((u) => u[2] === "0");
    home = root?.[5] || "/root";
    name = root?.[0];
  } else if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const entry = users.find((u) => u[2] === userPart);
    if (entry) {
      gid = Number(entry[3] ?? 0);
      home = entry[5];
      name = entry[0];
    }
  } else {
    const entry = users.find((u) => u[0] === userPart);
    if (!entry)
      return { ok: false, message: `unable to find user ${userPart}: no matching entries in passwd file` };
    uid = Number(entry[2]);
    gid = Number(entry[3] ?? 0);
    home = entry[5];
    name = userPart;
  }
  if (groupPart !== undefined && groupPart !== "") {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const entry = groups.find((g) => g[0] === groupPart);
      if (!entry)
        return { ok: false, message: `unable to find group ${groupPart}: no matching entries in group file` };
      gid = Number(entry[2]);
    }
  }
  // Supplementary groups of a named user, as runc's user lookup adds them (only without an explicit group).
  const additionalGids =
    name && groupPart === undefined
      ? groups
          .filter((g) => (g[3] ?? "").split(",").includes(name as string))
          .map((g) => Number(g[2]))
          .filter((g) => g !== gid)
      : [];
  return { ok: true, uid, gid, additionalGids, ...(home ? { home } : {}), ...(name ? { name } : {}) };
}

/** The argv an image runs: Entrypoint then Cmd, as a container engine joins them. */
export function imageArgs(image: ImageRunConfig): string[] {
  return [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])];
}

function mergeEnv(image: readonly string[], added: Record<string, string>): string[] {
  const map = new Map<string, string>();
  for (const entry of image) {
    const at = entry.indexOf("=");
    if (at > 0) map.set(entry.slice(0, at), entry.slice(at + 1));
  }
  for (const [key, value] of Object.entries(added)) map.set(key, value);
  if (!map.has("PATH")) map.set("PATH", DEFAULT_PATH);
  return [...map].map(([k, v]) => `${k}=${v}`);
}

/**
 * The OCI runtime config (config.json) for an unpacked image: its
 * Entrypoint+Cmd, Env, WorkingDir and User, the platform's variables on top,
 * the CA mounted read-only and trusted, in the given network namespace; no
 * /.dockerenv (nothing puts one there). Throws when the image's USER cannot
 * be resolved, as the runtime would refuse to start it.
 */
export function buildRuntimeConfig(input: RuntimeConfigInput): Record<string, unknown> {
  const args = imageArgs(input.image);
  if (args.length === 0) throw new Error("the image has neither Entrypoint nor Cmd: there is nothing to run");
  const user = resolveUser(input.image.User, input.passwd, input.group);
  if (!user.ok) throw new Error(user.message);
  const added: Record<string, string> = {
    ...(user.home ? { HOME: user.home } : {}),
    ...(input.env ?? {}),
    ...(input.caBundle ? trustVariables(CONTAINER_CA_PATH) : {}),
  };
  const env = mergeEnv(input.image.Env ?? [], added);
  // Without a HOME from passwd, engines use "/"; keep the image's own HOME if it set one.
  if (!env.some((e) => e.startsWith("HOME="))) env.push("HOME=/");
  const mounts: Record<string, unknown>[] = [
    { destination: "/proc", type: "proc", source: "proc" },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
    },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
    },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"] },
  ];
  for (const bind of input.binds ?? []) {
    mounts.push({
      destination: bind.destination,
      type: "bind",
      source: bind.source,
      options: ["rbind", bind.writable ? "rw" : "ro"],
    });
  }
  if (input.caBundle) {
    mounts.push({
      destination: CONTAINER_CA_PATH,
      type: "bind",
      source: input.caBundle,
      options: ["rbind", "ro"],
    });
  }
  const caps = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
  ];
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: {
        uid: user.uid,
        gid: user.gid,
        ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}),
      },
      args,
      env,
      cwd: input.image.WorkingDir || "/",
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: false },
    hostname: input.hostname ?? "localhost",
    mounts,
    linux: {
      namespaces: [
        { type: "pid" },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
        input.netnsPath ? { type: "network", path: input.netnsPath } : { type: "network" },
      ],
      maskedPaths: [
        "/proc/acpi",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
      ],
      readonlyPaths: [
        "/proc/asound",
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
      ],
    },
  };
}
