import { closeSync, lstatSync, openSync, readlinkSync, readSync } from "node:fs";
import { join, posix } from "node:path";

/** ELF e_machine values, as OCI names the architectures. */
const MACHINES: Readonly<Record<number, string>> = {
  3: "386",
  40: "arm",
  62: "amd64",
  183: "arm64",
  21: "ppc64le",
  22: "s390x",
  243: "riscv64",
};

export interface EntryBinary {
  /** The program the kernel is asked to run, inside the image (a script's interpreter when the entry is a script). */
  path: string;
  /** How it was reached: "/usr/bin/python3 -> python3.11". */
  chain: string[];
  /** OCI architecture of its ELF header, or undefined when it is no ELF the table knows. */
  architecture?: string;
}

/** Follows symlinks inside `root` (absolute targets are the image's own root), at most 40 hops. */
function resolveInRoot(root: string, path: string, chain: string[]): string | undefined {
  let current = posix.normalize(path);
  for (let hop = 0; hop < 40; hop++) {
    // Resolve each parent directory first: /bin may itself be a link to usr/bin.
    const parts = current.split("/").filter(Boolean);
    let resolved = "/";
    let changed = false;
    for (let i = 0; i < parts.length; i++) {
      const next = posix.join(resolved, parts[i] as string);
      const stat = lstatSync(join(root, next), { throwIfNoEntry: false });
      if (!stat) return undefined;
      if (stat.isSymbolicLink()) {
        const target = readlinkSync(join(root, next));
        chain.push(`${next} -> ${target}`);
        const base = target.startsWith("/") ? target : posix.join(posix.dirname(next), target);
        current = posix.normalize(posix.join(base, ...parts.slice(i + 1)));
        changed = true;
        break;
      }
      resolved = next;
    }
    if (!changed) return resolved;
  }
  return undefined;
}

function head(file: string, bytes: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The program an image's entry command makes the kernel run, read from the
 * unpacked root filesystem: argv[0] looked up on the image's PATH, symlinks
 * followed inside the image, a `#!` script's interpreter (through
 * `/usr/bin/env NAME` too), and the architecture its ELF header names.
 * Undefined when the command cannot be found in the image.
 */
export function entryBinary(root: string, argv: readonly string[], path: string): EntryBinary | undefined {
  const chain: string[] = [];
  let name = argv[0];
  for (let depth = 0; depth < 4 && name; depth++) {
    const candidates = name.includes("/")
      ? [name.startsWith("/") ? name : posix.join("/", name)]
      : path.split(":").map((dir) => posix.join(dir || "/", name as string));
    let found: string | undefined;
    for (const candidate of candidates) {
      const resolved = resolveInRoot(root, candidate, chain);
      if (resolved && lstatSync(join(root, resolved)).isFile()) {
        found = resolved;
        break;
      }
    }
    if (!found) return undefined;
    const bytes = head(join(root, found), 256);
    if (bytes[0] === 0x7f && bytes.subarray(1, 4).toString("latin1") === "ELF") {
      const little = bytes[5] === 1;
      const machine = little ? bytes.readUInt16LE(18) : bytes.readUInt16BE(18);
      const architecture = MACHINES[machine];
      return { path: found, chain, ...(architecture ? { architecture } : {}) };
    }
    if (bytes.subarray(0, 2).toString("latin1") !== "#!") return { path: found, chain };
    const line = bytes.toString("latin1").slice(2).split("\n")[0]?.trim() ?? "";
    const [interpreter, ...args] = line.split(/\s+/);
    chain.push(`${found}: #!${line}`);
    if (interpreter && posix.basename(interpreter) === "env" && args[0]) {
      name = args.find((a) => !a.startsWith("-"));
    } else {
      name = interpreter;
    }
  }
  return undefined;
}
