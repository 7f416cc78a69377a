/** The container contract's server protocols and the port AgentCore sends each to. */
export type Protocol = "HTTP" | "MCP" | "A2A" | "AGUI";

export const PROTOCOL_PORTS: Readonly<Record<Protocol, number>> = {
  HTTP: 8080,
  MCP: 8000,
  A2A: 9000,
  AGUI: 8080,
};

/**
 * How long a start-up may take before it counts as failed, and how long one
 * /ping may take: AgentCore states neither exactly (see
 * ../shared/reference/agentcore-facts.md), so check, the emulator and the
 * replay share these defaults and let the user change the first.
 */
export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;
export const PING_TIMEOUT_MS = 5_000;

/** The path AgentCore forwards InvokeAgentRuntime to, per protocol. */
export const PROTOCOL_INVOKE_PATHS: Readonly<Record<Protocol, string>> = {
  HTTP: "/invocations",
  MCP: "/mcp",
  A2A: "/",
  AGUI: "/invocations",
};

/** A value read from a file, with the 1-based line it came from. */
export interface Located<T> {
  value: T;
  line: number;
}

export type CommandForm = "exec" | "shell";

export interface DockerCommand {
  /** As written: exec form is the JSON array, shell form is one string in a one-element array. */
  args: string[];
  form: CommandForm;
  line: number;
}

/** What a Dockerfile's final stage says about how the image runs. */
export interface ImageSpec {
  path: string;
  /** FROM of the final stage, after ARG substitution. */
  baseImage?: Located<string>;
  /** FROM --platform of the final stage, after ARG substitution (e.g. "linux/arm64"). */
  platform?: Located<string>;
  /** ENV of the final stage (inherited from earlier stages it builds FROM), values expanded. */
  env: Record<string, Located<string>>;
  /** ARG names and default values visible in the final stage. */
  args: Record<string, Located<string | undefined>>;
  workdir?: Located<string>;
  user?: Located<string>;
  /** EXPOSE ports (TCP; a `/udp` port is ignored). */
  expose: Located<number>[];
  entrypoint?: DockerCommand;
  cmd?: DockerCommand;
  /** The argv the container runs, from ENTRYPOINT and CMD with Docker's rules; undefined if neither is set. */
  argv?: string[];
  /** Every stage's RUN commands, variables expanded: what the build installs (a later stage may copy it in). */
  runs?: Located<string>[];
  /** Problems reading the file (unknown instruction, bad JSON in exec form): reported, never fatal. */
  warnings: Located<string>[];
}

/** How the agent is started: what `check` probes and what an emulated session runs. */
export interface LaunchPlan {
  /** The agent's directory (the image's build context). */
  dir: string;
  argv: string[];
  /** Where the process runs on this machine. */
  cwd: string;
  /** The image's environment (Dockerfile ENV and the variables AgentCore sets), not the caller's shell. */
  env: Record<string, string>;
  /** Where the command came from, in words: "Dockerfile:12 CMD", "--cmd", "detected: Python BedrockAgentCoreApp in app.py". */
  origin: string;
  image?: ImageSpec;
  /** The Dockerfile's USER, if any: run as that user when it exists here and we are root. */
  user?: string;
}
