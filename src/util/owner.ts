import { readFileSync } from "node:fs";

/**
 * Who made a namespace, a container or a temporary directory: a process id
 * and its start time (field 22 of /proc/<pid>/stat, clock ticks since boot).
 * The start time is what tells a live owner from a reused pid, so a crashed
 * run's leftovers are reaped and a live run's are never touched.
 */
export interface Owner {
  pid: number;
  /** Absent in records written before start times were kept: then only the pid is checked. */
  start?: string;
}

function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Counted after the parenthesised command name, which may itself hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

let self: Owner | undefined;

/** This process as an owner. */
export function thisOwner(): Owner {
  self ??= { pid: process.pid, ...(startOf(process.pid) ? { start: startOf(process.pid) } : {}) };
  return self;
}

/** Whether the owner still runs: the same pid with the same start time. */
export function ownerAlive(owner: Owner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  const start = startOf(owner.pid);
  if (start === undefined) return false;
  return owner.start === undefined || owner.start === start;
}

/** The one-line form kept in owner record files: `<pid> <start>`. */
export function ownerLine(owner: Owner = thisOwner()): string {
  return `${owner.pid} ${owner.start ?? ""}`.trim();
}

export function parseOwnerLine(line: string): Owner | undefined {
  const [pid, start] = line.trim().split(/\s+/);
  const id = Number(pid);
  if (!Number.isInteger(id) || id <= 0) return undefined;
  return { pid: id, ...(start ? { start } : {}) };
}
