import type { PythonMinor } from "../facts/python-stdlib-modules.js";
import { MANAGED_RUNTIME_PLATFORM } from "./runtime.js";

/**
 * What native code in a zip was built for, read from the files themselves:
 * ELF headers (`e_machine`, class), Mach-O and PE magic numbers, CPython
 * extension file names (`.cpython-312-aarch64-linux-gnu.so`) and the tags of
 * installed wheels (`*.dist-info/WHEEL`).
 */

/** ELF `e_machine` values (System V ABI, and the processor supplements). */
const ELF_MACHINES: Readonly<Record<number, string>> = {
  3: "x86 (i386)",
  8: "MIPS",
  20: "PowerPC",
  21: "PowerPC 64",
  22: "s390",
  40: "ARM (32-bit)",
  62: "x86-64",
  183: "AArch64",
  243: "RISC-V",
};

export type BinaryKind =
  | { format: "elf"; machine: number; machineName: string; bits: 32 | 64; littleEndian: boolean }
  | { format: "mach-o" }
  | { format: "pe" };

/** The binary format of a file from its first bytes (20 suffice for ELF), or undefined when it is none of these. */
export function binaryKind(head: Uint8Array): BinaryKind | undefined {
  if (head.length >= 20 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
    const littleEndian = head[5] !== 2;
    const machine = littleEndian ? head[18]! | (head[19]! << 8) : (head[18]! << 8) | head[19]!;
    return {
      format: "elf",
      machine,
      machineName: ELF_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`,
      bits: head[4] === 1 ? 32 : 64,
      littleEndian,
    };
  }
  if (head.length >= 4) {
    const word = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(word)) return { format: "mach-o" };
    // 0xcafebabe is also a Java class file; a fat Mach-O has a small architecture count next.
    if (word === 0xcafebabe && head.length >= 8 && head[4] === 0 && head[5] === 0 && head[6] === 0)
      return { format: "mach-o" };
  }
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return { format: "pe" };
  return undefined;
}

const AARCH64 = 0xb7;

/** Why a binary cannot load on linux/arm64, or undefined when it can as far as its header tells. */
export function binaryMismatch(kind: BinaryKind): string | undefined {
  if (kind.format === "mach-o") return "a macOS (Mach-O) binary";
  if (kind.format === "pe") return "a Windows (PE) binary";
  if (kind.machine !== AARCH64) return `an ELF ${kind.bits}-bit binary for ${kind.machineName}`;
  if (kind.bits !== 64 || !kind.littleEndian) return `an ELF ${kind.bits}-bit big-endian AArch64 binary`;
  return undefined;
}

/** A CPython extension's file-name tag: `.cpython-312-x86_64-linux-gnu.so` → minor 12, platform x86_64-linux-gnu. */
export function extensionTag(
  fileName: string,
): { minor: number; freeThreaded: boolean; platform: string } | undefined {
  const m = /\.cpython-3(\d+)(t?)-([\w-]+)\.so$/.exec(fileName);
  if (!m) return undefined;
  return { minor: Number(m[1]), freeThreaded: m[2] === "t", platform: m[3]! };
}

/** Why an extension's file-name tag keeps CPython 3.`minor` on aarch64 Linux from importing it, or undefined. */
export function extensionTagMismatch(
  tag: { minor: number; freeThreaded: boolean; platform: string },
  minor: PythonMinor,
): string | undefined {
  const problems: string[] = [];
  if (tag.minor !== minor) problems.push(`built for CPython 3.${tag.minor}, not 3.${minor}`);
  if (tag.freeThreaded) problems.push("built for the free-threaded (3.Nt) interpreter");
  if (tag.platform !== "aarch64-linux-gnu") problems.push(`built for ${tag.platform}, not aarch64-linux-gnu`);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

export interface WheelTag {
  interpreter: string;
  abi: string;
  platform: string;
}

/** The `Tag:` lines of a `WHEEL` file, compressed tag sets (`py2.py3`) expanded. */
export function wheelTags(wheelFile: string): WheelTag[] {
  const tags: WheelTag[] = [];
  for (const line of wheelFile.split(/\r?\n/)) {
    const m = /^Tag:\s*(\S+)-(\S+)-(\S+)\s*$/.exec(line);
    if (!m) continue;
    for (const interpreter of m[1]!.split("."))
      for (const abi of m[2]!.split("."))
        for (const platform of m[3]!.split(".")) tags.push({ interpreter, abi, platform });
  }
  return tags;
}

export const formatTag = (t: WheelTag) => `${t.interpreter}-${t.abi}-${t.platform}`;

/** Why a wheel tag does not fit CPython 3.`minor` on the managed runtime's linux/arm64 glibc, or undefined. */
export function wheelTagMismatch(tag: WheelTag, minor: PythonMinor): string | undefined {
  const problems: string[] = [];
  const abi = /^cp3(\d+)(t?)$/.exec(tag.abi);
  const interpreter = /^cp3(\d+)$/.exec(tag.interpreter);
  if (abi && Number(abi[1]) !== minor) problems.push(`the CPython 3.${abi[1]} ABI, not 3.${minor}`);
  if (abi?.[2] === "t") problems.push("the free-threaded ABI");
  if (tag.abi === "abi3" && interpreter && Number(interpreter[1]) > minor)
    problems.push(`the stable ABI from CPython 3.${interpreter[1]}, newer than 3.${minor}`);
  if (/^(pp|ip|jy)/.test(tag.interpreter))
    problems.push(`another Python implementation (${tag.interpreter})`);
  const platform = platformMismatch(tag.platform);
  if (platform) problems.push(platform);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

function platformMismatch(platform: string): string | undefined {
  if (platform === "any") return undefined;
  const { glibc } = MANAGED_RUNTIME_PLATFORM;
  const legacy: Record<string, [number, number]> = {
    manylinux1: [2, 5],
    manylinux2010: [2, 12],
    manylinux2014: [2, 17],
  };
  const many = /^(manylinux1|manylinux2010|manylinux2014|manylinux_(\d+)_(\d+))_(\w+)$/.exec(platform);
  if (many) {
    const [major, minor] = many[2] ? [Number(many[2]), Number(many[3])] : legacy[many[1]!]!;
    const arch = many[4]!;
    if (arch !== "aarch64") return `${arch}, not aarch64`;
    if (major > glibc.major || (major === glibc.major && minor > glibc.minor))
      return `glibc ${major}.${minor}, newer than the runtime's ${glibc.major}.${glibc.minor}`;
    return undefined;
  }
  const musl = /^musllinux_\d+_\d+_(\w+)$/.exec(platform);
  if (musl) return `musl libc (${platform}); the runtime has glibc`;
  const linux = /^linux_(\w+)$/.exec(platform);
  if (linux) return linux[1] === "aarch64" ? undefined : `${linux[1]}, not aarch64`;
  if (platform.startsWith("macosx")) return `macOS (${platform})`;
  if (platform.startsWith("win")) return `Windows (${platform})`;
  return `the platform ${platform}`;
}
