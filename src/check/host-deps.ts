import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, isAbsolute, join, relative } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { ParsedException } from "../agent/crash.js";
import type { OutputLine } from "../agent/launcher.js";
import type { ImageSpec } from "../agent/types.js";
import type { Evidence, EvidenceSource } from "../findings/index.js";

/**
 * Host mode runs the Dockerfile's command with this machine's interpreters
 * and packages, never the image's. So a module or a command the project
 * declares, or its Dockerfile installs, may be missing here and present in
 * the image: that says nothing about AgentCore. This module reads what the
 * project declares and what its Dockerfile installs, and tells such a gap
 * of this machine from a crash the image would have too.
 */

/** One package the project declares or its image installs. */
export interface Provided {
  /** As written (a PyPI distribution or an npm package). */
  name: string;
  ecosystem: "python" | "node" | "system";
  /** What puts it in the image: "declared in requirements.txt", "installed by Dockerfile:7 RUN ...". */
  how: string;
  source: EvidenceSource;
}

export interface ProjectPackages {
  provided: Provided[];
  /** The Dockerfile's RUN lines that install packages, as evidence that the image differs from this machine. */
  installs: { line: number; text: string }[];
  /** The Dockerfile, relative to the agent's directory. */
  dockerfile?: string;
}

const REQUIREMENT_NAME = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/;

/** PEP 503 normalisation, applied to npm names too: `Foo_Bar.baz` → `foo-bar-baz`. */
const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch(() => undefined);
}

/** requirements.txt entries with their lines, following `-r other.txt`. */
async function requirements(dir: string, file: string, seen = new Set<string>()): Promise<Provided[]> {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = await readText(join(dir, file));
  if (text === undefined) return [];
  const found: Provided[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") continue;
    const include = /^(?:-r|--requirement)\s*=?\s*(\S+)/.exec(line);
    if (include) {
      found.push(...(await requirements(dir, join(file, "..", include[1]!), seen)));
      continue;
    }
    if (line.startsWith("-")) continue;
    const egg = /#egg=([A-Za-z0-9._-]+)/.exec(raw)?.[1];
    const name = egg ?? REQUIREMENT_NAME.exec(line)?.[1];
    if (name && !/^(?:https?|git\+|file):/.test(line))
      found.push({
        name,
        ecosystem: "python",
        how: `declared in ${file}`,
        source: { kind: "file", path: file, line: index + 1 },
      });
  }
  return found;
}

/** pyproject.toml: PEP 621 dependencies (and optional ones, dependency groups), Poetry's tables. */
function pyprojectPackages(text: string): Provided[] {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(text) as Record<string, unknown>;
  } catch {
    return [];
  }
  const project = (parsed.project ?? {}) as { dependencies?: unknown; "optional-dependencies"?: unknown };
  const specs: string[] = [];
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];
  specs.push(...strings(project.dependencies));
  for (const group of Object.values((project["optional-dependencies"] ?? {}) as Record<string, unknown>))
    specs.push(...strings(group));
  for (const group of Object.values((parsed["dependency-groups"] ?? {}) as Record<string, unknown>))
    specs.push(...strings(group));
  const poetry = ((parsed.tool ?? {}) as { poetry?: { dependencies?: Record<string, unknown> } }).poetry;
  specs.push(...Object.keys(poetry?.dependencies ?? {}).filter((name) => name !== "python"));
  return specs
    .map((spec) => REQUIREMENT_NAME.exec(spec)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => ({
      name,
      ecosystem: "python" as const,
      how: "declared in pyproject.toml",
      source: { kind: "file" as const, path: "pyproject.toml", ...lineAt(text, name) },
    }));
}

/** The line that names `name` as a package (quoted, or as a key), not one where it is part of a longer name. */
const lineAt = (text: string, name: string) => {
  const pattern = new RegExp(`(^|["'\\s])${escapeRegExp(name)}(?![A-Za-z0-9._-])`, "m");
  const match = pattern.exec(text);
  return match ? { line: text.slice(0, match.index + match[1]!.length).split("\n").length } : {};
};

/** uv.lock and poetry.lock list every package of the resolution, transitive ones included. */
function lockPackages(text: string, file: string): Provided[] {
  let parsed: { package?: { name?: unknown }[] };
  try {
    parsed = parseToml(text) as typeof parsed;
  } catch {
    return [];
  }
  return (parsed.package ?? [])
    .map((p) => p.name)
    .filter((name): name is string => typeof name === "string")
    .map((name) => ({
      name,
      ecosystem: "python" as const,
      how: `locked in ${file}`,
      source: { kind: "file" as const, path: file, ...lineAt(text, name) },
    }));
}

function packageJsonPackages(text: string): Provided[] {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [];
  }
  const found: Provided[] = [];
  for (const field of ["dependencies", "optionalDependencies", "devDependencies", "peerDependencies"]) {
    for (const name of Object.keys((manifest[field] ?? {}) as Record<string, unknown>)) {
      found.push({
        name,
        ecosystem: "node",
        how: `declared in package.json ${field}`,
        source: { kind: "file", path: "package.json", ...lineAt(text, name) },
      });
    }
  }
  return found;
}

/** The package installers a RUN line calls, and the ecosystem each installs into. */
const INSTALLERS: readonly { pattern: RegExp; ecosystem: Provided["ecosystem"] }[] = [
  {
    pattern: /\b(?:uv\s+pip|pip[\d.]*|python[\d.]*\s+-m\s+pip|pipx|poetry|uv)\s+(?:install|add)\b/g,
    ecosystem: "python",
  },
  {
    pattern: /\b(?:npm\s+(?:install|i|add|ci)|yarn(?:\s+add)?|pnpm\s+(?:add|install|i))\b/g,
    ecosystem: "node",
  },
  { pattern: /\b(?:apt-get|apt|apk|dnf|yum|microdnf)\s+(?:-\S+\s+)*(?:install|add)\b/g, ecosystem: "system" },
];

/** Flags of pip, uv, npm and apt that take a value, whose value is not a package. */
const VALUE_FLAGS =
  /^(?:-[rcteifv]|--(?:requirement|constraint|target|prefix|root|index-url|extra-index-url|find-links|python|trusted-host|platform|only-binary|no-binary|cache-dir|src|editable|save-prefix|registry|workspace|group|extra))$/;

/** Packages named on a Dockerfile's install lines, and the requirement files and projects they install. */
async function dockerfileInstalls(
  dir: string,
  image: ImageSpec,
  dockerfile: string,
): Promise<{ provided: Provided[]; installs: { line: number; text: string }[]; project: boolean }> {
  const provided: Provided[] = [];
  const installs: { line: number; text: string }[] = [];
  let project = false;
  for (const run of image.runs ?? []) {
    // One shell command at a time: `a && b; c`.
    for (const command of run.value.split(/&&|\|\||;|\|/)) {
      for (const { pattern, ecosystem } of INSTALLERS) {
        pattern.lastIndex = 0;
        const match = pattern.exec(command);
        if (!match) continue;
        installs.push({ line: run.line, text: run.value.trim() });
        const how = `installed by ${dockerfile}:${run.line} RUN ${command.trim()}`;
        const source: EvidenceSource = { kind: "file", path: dockerfile, line: run.line };
        const words = command
          .slice(match.index + match[0].length)
          .trim()
          .split(/\s+/)
          .filter(Boolean);
        if (/\b(?:uv\s+sync|poetry\s+install|npm\s+ci)\b/.test(command) || words.length === 0) project = true;
        for (let i = 0; i < words.length; i++) {
          const word = words[i]!.replace(/^["']|["']$/g, "");
          if (VALUE_FLAGS.test(word)) {
            const value = words[++i]?.replace(/^["']|["']$/g, "");
            if (value && /^(?:-r|--requirement)$/.test(word)) {
              if (/\.toml$/.test(value)) project = true;
              else provided.push(...installedFrom(await requirements(dir, value), dockerfile, run.line));
            }
            continue;
          }
          if (word.startsWith("-")) {
            const inline = /^--requirement=(.+)$/.exec(word)?.[1];
            if (inline)
              provided.push(...installedFrom(await requirements(dir, inline), dockerfile, run.line));
            continue;
          }
          // `.`, `./pkg`, a wheel: the project itself or a local path.
          if (/^[./]|\.whl$|\.tar\.gz$/.test(word)) {
            project = true;
            continue;
          }
          const name = REQUIREMENT_NAME.exec(word)?.[1];
          if (name && !/^\$/.test(word)) provided.push({ name, ecosystem, how, source });
        }
      }
    }
  }
  return { provided, installs, project };
}

/** Requirements a RUN line installs: declared in their file, and the image has them. */
function installedFrom(found: Provided[], dockerfile: string, line: number): Provided[] {
  return found.map((p) => ({ ...p, how: `${p.how}, which ${dockerfile}:${line} installs` }));
}

/** One entry per package: the first reason given (the Dockerfile's, when it installs it). */
function unique(provided: readonly Provided[]): Provided[] {
  const seen = new Set<string>();
  return provided.filter((p) => {
    const key = `${p.ecosystem}:${normalize(p.name)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What the project declares (requirements, pyproject.toml, lock files, package.json) and what its Dockerfile installs. */
export async function projectPackages(dir: string, image?: ImageSpec): Promise<ProjectPackages> {
  const provided: Provided[] = [];
  provided.push(...(await requirements(dir, "requirements.txt")));
  const pyproject = await readText(join(dir, "pyproject.toml"));
  if (pyproject) provided.push(...pyprojectPackages(pyproject));
  for (const lock of ["uv.lock", "poetry.lock"]) {
    const text = await readText(join(dir, lock));
    if (text) provided.push(...lockPackages(text, lock));
  }
  const manifest = await readText(join(dir, "package.json"));
  if (manifest) provided.push(...packageJsonPackages(manifest));
  if (!image) return { provided: unique(provided), installs: [] };
  const dockerfile = relative(dir, image.path) || image.path;
  const installed = await dockerfileInstalls(dir, image, dockerfile);
  return {
    provided: unique([...installed.provided, ...provided]),
    installs: installed.installs,
    dockerfile,
  };
}

/** Import names that differ from their distribution's name, for the common packages of agents. */
const PYTHON_ALIASES: Readonly<Record<string, readonly string[]>> = {
  yaml: ["pyyaml"],
  PIL: ["pillow"],
  cv2: ["opencv-python", "opencv-python-headless"],
  sklearn: ["scikit-learn"],
  bs4: ["beautifulsoup4"],
  dateutil: ["python-dateutil"],
  dotenv: ["python-dotenv"],
  jwt: ["pyjwt"],
  attr: ["attrs"],
  docx: ["python-docx"],
  pptx: ["python-pptx"],
  magic: ["python-magic"],
  Crypto: ["pycryptodome"],
  OpenSSL: ["pyopenssl"],
  fitz: ["pymupdf"],
  git: ["gitpython"],
  zmq: ["pyzmq"],
  websocket: ["websocket-client"],
  psycopg2: ["psycopg2-binary"],
  opentelemetry: ["aws-opentelemetry-distro", "opentelemetry-distro"],
  a2a: ["a2a-sdk"],
  strands_tools: ["strands-agents-tools"],
  google: ["protobuf"],
};

/** Whether distribution `dist` plausibly provides the top-level module `module`. */
function provides(dist: string, module: string, ecosystem: Provided["ecosystem"]): boolean {
  const d = normalize(dist);
  const m = normalize(module);
  if (d === m) return true;
  if (ecosystem === "node") return false;
  if ((PYTHON_ALIASES[module] ?? []).includes(d)) return true;
  return d.startsWith(`${m}-`) || d.endsWith(`-${m}`) || d === `py${m}` || d === `python-${m}`;
}

/** The top-level module a Python ModuleNotFoundError or a Node module error names, when it is a package. */
export function missingModule(
  exception: ParsedException,
): { name: string; ecosystem: "python" | "node" } | undefined {
  if (exception.language === "python") {
    if (exception.type !== "ModuleNotFoundError") return undefined;
    const name = /No module named '([^']+)'/.exec(exception.message)?.[1];
    return name ? { name: name.split(".")[0]!, ecosystem: "python" } : undefined;
  }
  const spec = /Cannot find (?:package|module) '([^']+)'/.exec(exception.message)?.[1];
  if (!spec || /^[./]|^node:/.test(spec) || isAbsolute(spec)) return undefined;
  const parts = spec.split("/");
  return { name: spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!, ecosystem: "node" };
}

/** Commands a Python distribution installs under another name. */
const COMMAND_PROVIDERS: Readonly<Record<string, readonly string[]>> = {
  "opentelemetry-instrument": [
    "aws-opentelemetry-distro",
    "opentelemetry-distro",
    "opentelemetry-instrumentation",
  ],
  "opentelemetry-bootstrap": [
    "aws-opentelemetry-distro",
    "opentelemetry-distro",
    "opentelemetry-instrumentation",
  ],
  fastmcp: ["fastmcp"],
  mcp: ["mcp"],
  agentcore: ["bedrock-agentcore-starter-toolkit"],
};

/** Interpreters and package runners a base image provides (python:3.12-slim, node:22, uv's images). */
const BASE_IMAGE_COMMANDS =
  /^(?:python[\d.]*|pip[\d.]*|node|npm|npx|corepack|yarn|pnpm|uv|uvx|bun|bunx|deno|sh|bash)$/;

/** The command a run could not start, read from what the shell, setpriv, chroot or spawn printed. */
export function missingCommand(output: readonly OutputLine[], argv: readonly string[]): string | undefined {
  const patterns = [
    /: (?:\d+: )?(?:exec: )?([^\s:]+): (?:command )?not found$/,
    /failed to execute ([^\s:]+): No such file or directory/,
    /failed to run command ['‘"]?([^'’"\s]+)['’"]?: No such file or directory/,
    /exec of "([^"]+)" failed: No such file or directory/,
    /^env: ['‘]?([^'’:]+)['’]?: No such file or directory/,
    /^(\S+): spawn \S+ ENOENT$/,
  ];
  for (const line of [...output].reverse()) {
    for (const pattern of patterns) {
      const match = pattern.exec(line.text.trim());
      if (match) return match[1]!;
    }
  }
  return argv[0];
}

export interface HostGap {
  kind: "module" | "command";
  name: string;
  evidence: Evidence[];
  /** What to run here to close the gap, for the finding's fix. */
  install: string;
}

function providedEvidence(p: Provided): Evidence {
  return { fact: `${p.name} is ${p.how}`, source: p.source };
}

function installHint(
  packages: ProjectPackages,
  dir: string,
  ecosystem: "python" | "node" | "system",
): string {
  if (ecosystem === "node") return "`npm install`";
  if (ecosystem === "system") return "the package that provides it";
  const venv = existsSync(join(dir, ".venv")) ? "" : "`python3 -m venv .venv && . .venv/bin/activate`, then ";
  if (existsSync(join(dir, "uv.lock"))) return `\`uv sync\` (check then uses .venv)`;
  if (packages.provided.some((p) => p.how.startsWith("declared in requirements")))
    return `${venv}\`pip install -r requirements.txt\``;
  if (existsSync(join(dir, "pyproject.toml"))) return `${venv}\`pip install .\``;
  return `${venv}\`pip install ${packages.provided.find((p) => p.ecosystem === "python")?.name ?? "<package>"}\``;
}

/**
 * A start-up that ended with a missing module, when the project declares it
 * or its Dockerfile installs it: this machine's gap, not the image's. The
 * import made by an installed third-party package counts too when the
 * project declares dependencies (the image's installer resolves them; this
 * machine's environment is partial).
 */
export function moduleGap(
  exception: ParsedException,
  packages: ProjectPackages,
  dir: string,
): HostGap | undefined {
  const missing = missingModule(exception);
  if (!missing) return undefined;
  const candidates = packages.provided.filter(
    (p) => p.ecosystem === missing.ecosystem && provides(p.name, missing.name, missing.ecosystem),
  );
  const evidence: Evidence[] = [
    {
      fact: `${exception.type}: ${exception.message}`,
      source: exception.location
        ? { kind: "file", path: relativeTo(dir, exception.location.file), line: exception.location.line }
        : { kind: "process", detail: "stderr" },
    },
  ];
  const fromLibrary =
    exception.location && /\/(?:site-packages|dist-packages|node_modules)\//.test(exception.location.file);
  const ownDeclared = packages.provided.filter((p) => p.ecosystem === missing.ecosystem);
  if (candidates.length > 0) {
    evidence.push(...candidates.slice(0, 3).map(providedEvidence));
  } else if (fromLibrary && ownDeclared.length > 0) {
    evidence.push({
      fact: `${missing.name} is imported by an installed package, not by the agent's own code; the image's installer resolves what ${ownDeclared
        .slice(0, 3)
        .map((p) => p.name)
        .join(", ")} need, this machine's environment lacks it`,
      source: { kind: "file", path: exception.location!.file, line: exception.location!.line },
    });
  } else {
    return undefined;
  }
  return {
    kind: "module",
    name: missing.name,
    evidence,
    install: installHint(packages, dir, missing.ecosystem),
  };
}

function relativeTo(dir: string, file: string): string {
  const rel = relative(dir, file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

/**
 * A start-up that ended because the command is not on this machine, when
 * the image would have it: an interpreter its base provides, a command a
 * package it installs puts on PATH, or a path in the image's filesystem.
 */
export function commandGap(
  command: string,
  packages: ProjectPackages,
  image: ImageSpec | undefined,
): HostGap | undefined {
  const name = basename(command);
  const evidence: Evidence[] = [
    {
      fact: `the command was not found on this machine: ${command}`,
      source: { kind: "process", detail: "exit 127" },
    },
  ];
  const providers = packages.provided.filter(
    (p) =>
      normalize(p.name) === normalize(name) ||
      (COMMAND_PROVIDERS[name] ?? []).includes(normalize(p.name)) ||
      (p.ecosystem === "system" && normalize(p.name) === normalize(name)),
  );
  const mentioned = (image?.runs ?? []).find((r) =>
    new RegExp(`(^|[\\s/])${escapeRegExp(name)}(\\s|$)`).test(r.value),
  );
  if (providers.length > 0) {
    evidence.push(...providers.slice(0, 3).map(providedEvidence));
  } else if (mentioned && packages.dockerfile) {
    evidence.push({
      fact: `the Dockerfile's build makes it: RUN ${mentioned.value.trim()}`,
      source: { kind: "file", path: packages.dockerfile, line: mentioned.line },
    });
  } else if (image && BASE_IMAGE_COMMANDS.test(name)) {
    evidence.push({
      fact: `${name} comes with the image's base${image.baseImage ? ` (${image.baseImage.value})` : ""}`,
      source: {
        kind: "file",
        path: packages.dockerfile ?? "Dockerfile",
        ...(image.baseImage ? { line: image.baseImage.line } : {}),
      },
    });
  } else if (image && isAbsolute(command) && !existsSync(command)) {
    evidence.push({
      fact: `${command} is a path in the image's filesystem, which this machine does not have`,
      source: { kind: "file", path: packages.dockerfile ?? "Dockerfile" },
    });
  } else {
    return undefined;
  }
  const provider = providers[0];
  const install =
    provider?.ecosystem === "python"
      ? `\`pip install ${provider.name}\` (into the project's .venv, which check uses)`
      : provider?.ecosystem === "node"
        ? "`npm install`"
        : `${name} (as the image's build does)`;
  return { kind: "command", name, evidence, install };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
