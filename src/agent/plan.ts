import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { UsageError } from "../util/errors.js";
import { parseDockerfile } from "./dockerfile.js";
import { findProjectConfig, type ProjectConfig } from "./project-config.js";
import type { ImageSpec, LaunchPlan, Protocol } from "./types.js";

export interface PlanOptions {
  /** A shell command line that replaces the image's command. */
  cmd?: string;
  protocol?: Protocol;
}

export interface ResolvedPlan {
  plan: LaunchPlan;
  /** No Dockerfile, deployed by the starter toolkit (why we think so): judged as the image it generates. */
  starterToolkit?: string;
  protocol: Protocol;
  /** Where the protocol came from when no flag or project config said it: what the sources serve. */
  protocolOrigin?: string;
  config?: ProjectConfig;
}

const SHELL_OPERATORS = /[|&;<>()$`\\"'*?[\]#~=%{}]/;

/** `--cmd` as argv: plain words split on spaces; anything with shell syntax runs under /bin/sh -c. */
function splitCommand(cmd: string): string[] {
  const trimmed = cmd.trim();
  if (SHELL_OPERATORS.test(trimmed)) return ["/bin/sh", "-c", trimmed];
  return trimmed.split(/\s+/);
}

/** The entry file of a project config as a command, the way its managed runtime starts it. */
function commandForEntrypoint(entry: string): string[] {
  const file = entry.split(":")[0]!;
  if (file.endsWith(".py")) return ["python3", file];
  if (file.endsWith(".ts")) return ["npx", "--no-install", "tsx", file];
  return ["node", file];
}

const SKIP_DIRS = new Set([
  "node_modules",
  ".git",
  ".venv",
  "venv",
  "__pycache__",
  "dist",
  "build",
  "site-packages",
  ".aws-sam",
]);

/** Source files under `dir` with these extensions, at most `depth` levels down. */
export async function listSources(dir: string, extensions: readonly string[], depth = 3): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string, level: number) => {
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory() && level < depth && !SKIP_DIRS.has(entry.name) && !entry.name.startsWith("."))
        await walk(path, level + 1);
      else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) found.push(path);
    }
  };
  await walk(dir, 0);
  return found.sort();
}

const PREFERRED_ENTRY = ["main", "app", "agent", "server", "index"];

function byPreference(files: string[], dir: string): string[] {
  const rank = (file: string) => {
    const rel = relative(dir, file);
    const stem = rel.replace(/\.[^.]+$/, "");
    const index = PREFERRED_ENTRY.indexOf(stem);
    return (index < 0 ? PREFERRED_ENTRY.length : index) + rel.split("/").length * 10;
  };
  return [...files].sort((a, b) => rank(a) - rank(b));
}

/** An MCP server built on the MCP SDK: FastMCP (mcp.server.fastmcp or the fastmcp package), its low-level Server, or the TypeScript McpServer. */
const MCP_SERVER_PY =
  /\bFastMCP\s*\(|^\s*from\s+mcp\.server(?:\.lowlevel)?\s+import\s+[^\n]*\bServer\b|\bStreamableHTTPSessionManager\s*\(/m;
const MCP_SERVER_JS = /@modelcontextprotocol\/sdk\/server\/(?:mcp|index|streamableHttp)(?:\.js)?["']/;

/** Servers the sources start, each serving one protocol: the SDK's A2A and AG-UI servers, an MCP SDK server. */
const SDK_SERVERS: readonly { protocol: Protocol; what: string; py: RegExp; js?: RegExp }[] = [
  { protocol: "A2A", what: "the SDK's serve_a2a()", py: /^[^#\n]*\bserve_a2a\s*\(/m },
  {
    protocol: "A2A",
    what: "an A2A server",
    py: /^[^#\n]*\b(?:A2AServer|A2AStarletteApplication|A2AFastAPIApplication)\s*\(/m,
  },
  { protocol: "AGUI", what: "the SDK's AG-UI server", py: /^[^#\n]*\b(?:serve_ag_ui|AGUIApp)\s*\(/m },
  { protocol: "MCP", what: "an MCP SDK server", py: MCP_SERVER_PY, js: MCP_SERVER_JS },
];

/** The files under `dir` that start a non-HTTP server, unless a BedrockAgentCoreApp (an HTTP agent) is there too. */
async function protocolServers(dir: string): Promise<{ file: string; protocol: Protocol; what: string }[]> {
  const found: { file: string; protocol: Protocol; what: string }[] = [];
  for (const file of byPreference(await listSources(dir, [".py", ".js", ".mjs", ".ts"], 2), dir)) {
    const source = await readFile(file, "utf8");
    if (/BedrockAgentCoreApp\s*\(|bedrock-agentcore\/runtime/.test(source)) return [];
    const server = SDK_SERVERS.find((s) => (file.endsWith(".py") ? s.py : s.js)?.test(source));
    if (server) found.push({ file, protocol: server.protocol, what: server.what });
  }
  return found;
}

/** The protocol the sources serve, when they say it: an MCP server is probed as MCP, serve_a2a as A2A. */
async function detectProtocol(dir: string): Promise<{ protocol: Protocol; origin: string } | undefined> {
  const [server] = await protocolServers(dir);
  if (!server) return undefined;
  return { protocol: server.protocol, origin: `detected: ${server.what} in ${relative(dir, server.file)}` };
}

/** Why the first of several candidate entry files was run, and how to run another. */
function chosenAmong(candidates: readonly string[]): string {
  if (candidates.length < 2) return "";
  return ` (candidates: ${candidates.join(", ")}; ran the first by name (${PREFERRED_ENTRY.join(", ")}) and depth; pass --cmd "python3 ${candidates[1]}" for another)`;
}

/** Without a Dockerfile or a config entrypoint: the common layouts of AgentCore agents. */
async function detectLayout(dir: string): Promise<{ argv: string[]; origin: string } | undefined> {
  const apps: string[] = [];
  for (const file of byPreference(await listSources(dir, [".py"], 2), dir)) {
    if ((await readFile(file, "utf8")).includes("BedrockAgentCoreApp(")) apps.push(relative(dir, file));
  }
  if (apps.length > 0) {
    const [rel] = apps as [string, ...string[]];
    return {
      argv: ["python3", rel],
      origin: `detected: Python BedrockAgentCoreApp in ${rel}${chosenAmong(apps)}`,
    };
  }
  const servers = (await protocolServers(dir)).filter((s) => s.file.endsWith(".py"));
  if (servers.length > 0) {
    const [first] = servers as [(typeof servers)[number], ...typeof servers];
    const rel = relative(dir, first.file);
    return {
      argv: ["python3", rel],
      origin: `detected: ${first.what} in ${rel}${chosenAmong(servers.map((s) => relative(dir, s.file)))}`,
    };
  }
  const manifestPath = join(dir, "package.json");
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as {
      main?: string;
      scripts?: Record<string, string>;
      dependencies?: Record<string, string>;
    };
    if (manifest.scripts?.start)
      return { argv: ["npm", "start"], origin: "detected: package.json start script" };
    const candidates = byPreference(await listSources(dir, [".js", ".mjs", ".ts"], 2), dir);
    for (const file of manifest.main ? [resolve(dir, manifest.main), ...candidates] : candidates) {
      if (!existsSync(file)) continue;
      if ((await readFile(file, "utf8")).includes("bedrock-agentcore/runtime")) {
        const rel = relative(dir, file);
        return {
          argv: commandForEntrypoint(rel),
          origin: `detected: TypeScript SDK app (bedrock-agentcore/runtime) in ${rel}`,
        };
      }
    }
  }
  return undefined;
}

function imageCommand(image: ImageSpec): { argv: string[]; origin: string } | undefined {
  if (!image.argv) return undefined;
  const source = image.entrypoint ?? image.cmd!;
  const keyword = image.entrypoint ? "ENTRYPOINT" : "CMD";
  return { argv: image.argv, origin: `Dockerfile:${source.line} ${keyword} (${source.form} form)` };
}

/**
 * Why a project without a Dockerfile will be deployed by the starter toolkit,
 * whose `agentcore launch` generates the Dockerfile (with ENV DOCKER_CONTAINER=1):
 * its `.bedrock_agentcore.yaml`, or the toolkit among the declared dependencies
 * (the samples' requirements.txt lists it before `agentcore configure` has run).
 */
export async function starterToolkitDeploy(
  dir: string,
  config: ProjectConfig | undefined,
): Promise<string | undefined> {
  if (existsSync(join(dir, "Dockerfile"))) return undefined;
  if (config?.kind === "bedrock-agentcore-yaml") return relative(dir, config.path) || config.path;
  if (config) return undefined;
  for (const file of ["requirements.txt", "pyproject.toml"]) {
    const text = await readFile(join(dir, file), "utf8").catch(() => "");
    if (/(^|["'\s])bedrock[-_.]agentcore[-_.]starter[-_.]toolkit(?![\w.-])/im.test(text))
      return `${file} declares bedrock-agentcore-starter-toolkit`;
  }
  return undefined;
}

/** The image's environment as the process gets it: Dockerfile ENV, then what AgentCore sets. */
function imageEnvironment(
  image: ImageSpec | undefined,
  config: ProjectConfig | undefined,
  toolkit: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(image?.env ?? {})) env[name] = value.value;
  // The base image's PATH is unknown here: this machine's stands in for it, after the Dockerfile's own entries.
  if (env.PATH !== undefined)
    env.PATH = [env.PATH.replace(/:+$/, ""), process.env.PATH].filter(Boolean).join(":");
  // No Dockerfile in a starter toolkit project: `agentcore launch` generates one, and it sets DOCKER_CONTAINER=1.
  if (!image && toolkit) env.DOCKER_CONTAINER ??= "1";
  const region = config?.region;
  if (region) {
    env.AWS_REGION ??= region;
    env.AWS_DEFAULT_REGION ??= region;
  }
  return { ...config?.environment, ...env };
}

/**
 * Decides how `check` (and an emulated session) starts the agent in `dir`:
 * the Dockerfile's command and environment, `--cmd`, or a detected layout.
 */
export async function resolveLaunchPlan(dir: string, options: PlanOptions = {}): Promise<ResolvedPlan> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UsageError(`${dir} is not a directory. Pass the agent's directory (its Docker build context).`);
  }
  const config = await findProjectConfig(root);
  // An AgentCore CLI project checked from its root: the agent's code is in its codeLocation.
  const agentDir =
    config?.kind === "agentcore-json" && config.codeLocation && resolve(config.root) === root
      ? resolve(config.root, config.codeLocation)
      : root;
  const dockerfilePath = join(agentDir, config?.dockerfile ?? "Dockerfile");
  const image = existsSync(dockerfilePath) ? await parseDockerfile(dockerfilePath) : undefined;
  const detected = (options.protocol ?? config?.protocol?.value) ? undefined : await detectProtocol(agentDir);
  const protocol = options.protocol ?? config?.protocol?.value ?? detected?.protocol ?? "HTTP";
  const toolkit = image ? undefined : await starterToolkitDeploy(agentDir, config);

  const command =
    options.cmd !== undefined
      ? { argv: splitCommand(options.cmd), origin: "--cmd" }
      : ((image && imageCommand(image)) ??
        (config?.entrypoint && !image
          ? {
              argv: commandForEntrypoint(config.entrypoint.value),
              origin: `${relative(root, config.path)}:${config.entrypoint.line} entrypoint`,
            }
          : undefined) ??
        (image ? undefined : await detectLayout(agentDir)));
  if (!command || command.argv.length === 0) {
    throw new UsageError(
      image
        ? `${relative(process.cwd(), dockerfilePath)} has no CMD or ENTRYPOINT, so there is nothing to run. Add one, or pass --cmd "python3 app.py".`
        : `No Dockerfile, project config entrypoint, Python BedrockAgentCoreApp, MCP, A2A or AG-UI server or TypeScript bedrock-agentcore/runtime app found in ${dir}. Pass the command with --cmd "python3 app.py".`,
    );
  }
  return {
    plan: {
      dir: agentDir,
      argv: command.argv,
      cwd: agentDir,
      env: imageEnvironment(image, config, toolkit),
      origin: command.origin,
      ...(image ? { image } : {}),
      ...(image?.user ? { user: image.user.value } : {}),
    },
    protocol,
    ...(detected ? { protocolOrigin: detected.origin } : {}),
    ...(toolkit ? { starterToolkit: toolkit } : {}),
    ...(config ? { config } : {}),
  };
}
