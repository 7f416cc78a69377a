import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { type DockerenvState, isolateFromDockerenv } from "./isolation.js";
import { processTree } from "./proc.js";
import type { LaunchPlan } from "./types.js";

export interface OutputLine {
  stream: "stdout" | "stderr";
  text: string;
  /** Milliseconds since the Unix epoch. */
  at: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export interface LaunchOptions {
  plan: LaunchPlan;
  /** Run inside this existing network namespace (`ip netns exec`). */
  netns?: string;
  /** Variables the platform adds on top of the image's (AgentCore sets AWS_REGION, for instance). */
  env?: Record<string, string>;
  /** Pass the caller's AWS_* variables (credentials, region) through, as `check` does; an emulated session does not. */
  inheritAwsEnv?: boolean;
  /** How many of the last output lines to keep. */
  keepLines?: number;
  onOutput?: (line: OutputLine) => void;
}

/** Host variables a process needs to run at all; everything else comes from the image. */
const HOST_ESSENTIALS = ["HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "LOGNAME", "SYSTEMROOT"];

/** Agents still running, killed by group if this process exits without stopping them. */
const live = new Set<LaunchedAgent>();
process.once("exit", () => {
  for (const agent of live) agent.killGroupNow();
});

export class LaunchedAgent {
  readonly startedAt = Date.now();
  exit: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  private readonly lines: OutputLine[] = [];

  constructor(
    private readonly child: ChildProcess,
    readonly command: readonly string[],
    readonly dockerenv: DockerenvState,
    readonly notes: readonly string[],
    private readonly keepLines: number,
    onOutput: ((line: OutputLine) => void) | undefined,
    cleanup: () => Promise<void>,
  ) {
    this.exited = new Promise((resolve) => {
      let resolved = false;
      const settle = () => {
        if (resolved) return;
        resolved = true;
        void cleanup().then(() => resolve(this.exit!));
      };
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exit) return;
        this.exit = { code, signal, at: Date.now() };
        live.delete(this);
        // Children that outlived the leader would keep its pipes open: end them too.
        this.killGroupNow();
        // Its last lines are still in the pipes until they close; a pipe held elsewhere must not stall us.
        setTimeout(settle, 500).unref();
      };
      child.once("error", (error: NodeJS.ErrnoException) => {
        this.record({ stream: "stderr", text: `${command[0]}: ${error.message}`, at: Date.now() }, onOutput);
        finish(error.code === "ENOENT" ? 127 : 126, null);
        settle();
      });
      child.once("exit", finish);
      child.once("close", (code, signal) => {
        finish(code, signal);
        settle();
      });
    });
    for (const [stream, readable] of [
      ["stdout", child.stdout],
      ["stderr", child.stderr],
    ] as const) {
      if (!readable) continue;
      createInterface({ input: readable, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (text) =>
        this.record({ stream, text, at: Date.now() }, onOutput),
      );
    }
    live.add(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines the agent printed, both streams interleaved in arrival order. */
  output(): readonly OutputLine[] {
    return this.lines;
  }

  /** The agent's process and every descendant, for socket and CPU readings. */
  async tree(): Promise<number[]> {
    if (this.exit || this.child.pid === undefined) return [];
    return processTree(this.child.pid);
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves when the leader is gone. */
  async stop(graceMs = 2000): Promise<ExitInfo> {
    if (this.exit) return this.exit;
    this.signalGroup("SIGTERM");
    const timer = setTimeout(() => this.signalGroup("SIGKILL"), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  killGroupNow(): void {
    this.signalGroup("SIGKILL");
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  private record(line: OutputLine, onOutput: ((line: OutputLine) => void) | undefined): void {
    this.lines.push(line);
    if (this.lines.length > this.keepLines) this.lines.shift();
    onOutput?.(line);
  }
}

function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const killOnParentDeath = process.platform === "linux" && hasCommand("setpriv");

/**
 * The Dockerfile's USER as numeric ids on this machine, when it exists here
 * (numeric ids always do). `id`'s complaint about a missing user is the
 * tool's business, never printed above the report.
 */
export function userOnThisMachine(user: string): { uid: string; gid: string } | undefined {
  const [name, group] = user.split(":");
  if (/^\d+$/.test(name!) && (group === undefined || /^\d+$/.test(group)))
    return { uid: name!, gid: group ?? name! };
  const id = (args: string[]) =>
    execFileSync("id", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const uid = id(["-u", name!]);
    const gid = group ?? id(["-g", name!]);
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function buildEnv(options: LaunchOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (HOST_ESSENTIALS.includes(name) || (options.inheritAwsEnv !== false && name.startsWith("AWS_"))) {
      env[name] = value;
    }
  }
  env.PATH = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  Object.assign(env, options.plan.env, options.env);
  return env;
}

/**
 * Starts the agent as AgentCore would start its image: the image's command,
 * environment and working directory, no /.dockerenv, its own process group,
 * killed with this process.
 */
export async function launchAgent(options: LaunchOptions): Promise<LaunchedAgent> {
  const { plan } = options;
  const notes: string[] = [];
  let inner = [...plan.argv];
  if (plan.user && process.getuid?.() === 0) {
    const ids = userOnThisMachine(plan.user);
    if (ids && ids.uid !== "0") {
      inner = ["setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--clear-groups", "--", ...inner];
      notes.push(`runs as USER ${plan.user} (uid ${ids.uid}) as the Dockerfile says`);
    } else if (!ids) {
      notes.push(
        `the Dockerfile's USER ${plan.user} does not exist on this machine: runs as the current user (the tool's limitation, not the agent's)`,
      );
    }
  } else if (plan.user && process.getuid !== undefined) {
    notes.push(
      `the Dockerfile's USER ${plan.user} is not taken: switching users needs root, so it runs as uid ${process.getuid()} (the tool's limitation)`,
    );
  }
  const isolated = await isolateFromDockerenv(inner, plan.cwd);
  let argv = isolated.argv;
  if (options.netns) argv = ["ip", "netns", "exec", options.netns, ...argv];
  if (killOnParentDeath) argv = ["setpriv", "--pdeathsig", "KILL", "--", ...argv];

  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: plan.cwd,
    env: buildEnv(options),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new LaunchedAgent(
    child,
    plan.argv,
    isolated.dockerenv,
    notes,
    options.keepLines ?? 200,
    options.onOutput,
    isolated.cleanup,
  );
}
