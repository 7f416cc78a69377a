import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import {
  type Arg,
  DockerfileParser,
  type Env,
  type From,
  type Instruction,
  type JSONInstruction,
} from "dockerfile-ast";
import type { DockerCommand, ImageSpec, Located } from "./types.js";

/** What one build stage has accumulated; a later `FROM <stage>` starts from a copy. */
interface Stage extends Omit<ImageSpec, "path" | "argv" | "warnings"> {
  name?: string;
  shell: string[];
}

const DEFAULT_SHELL = ["/bin/sh", "-c"];

/**
 * Docker's variable substitution: $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt};
 * `\$` stays literal. Unknown variables expand to "", as in a build, except the
 * platform ARGs BuildKit fills at build time, which stay as written.
 */
export function expandVariables(value: string, vars: Readonly<Record<string, string | undefined>>): string {
  return value.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      match,
      braced: string | undefined,
      op: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      if (match === "\\$") return "$";
      const name = (braced ?? bare)!;
      const current = vars[name];
      if (current === undefined && /^(BUILD|TARGET)(PLATFORM|OS|ARCH|VARIANT)$/.test(name)) return match;
      if (op === "-") return current ? current : (word ?? "");
      if (op === "+") return current ? (word ?? "") : "";
      return current ?? "";
    },
  );
}

function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

function stageVars(stage: Stage): Record<string, string | undefined> {
  const vars: Record<string, string | undefined> = {};
  for (const [name, arg] of Object.entries(stage.args)) vars[name] = arg.value;
  for (const [name, env] of Object.entries(stage.env)) vars[name] = env.value;
  return vars;
}

function commandOf(instruction: JSONInstruction, stage: Stage, warnings: Located<string>[]): DockerCommand {
  const line = lineOf(instruction);
  if (instruction.getOpeningBracket() !== null) {
    if (instruction.getClosingBracket() === null) {
      warnings.push({
        value: `${instruction.getKeyword()} looks like exec form but its JSON array is not closed`,
        line,
      });
    }
    return { args: instruction.getJSONStrings().map((s) => s.getJSONValue()), form: "exec", line };
  }
  const text = (instruction.getArgumentsContent() ?? "").replace(/\s+/g, " ").trim();
  return { args: [...stage.shell, text], form: "shell", line };
}

/** The argv a container runs, from ENTRYPOINT and CMD with Docker's rules. */
export function effectiveArgv(
  entrypoint: DockerCommand | undefined,
  cmd: DockerCommand | undefined,
): string[] | undefined {
  if (entrypoint?.form === "shell") return entrypoint.args;
  if (entrypoint) return [...entrypoint.args, ...(cmd?.args ?? [])];
  return cmd?.args;
}

function parseExpose(value: string, line: number, warnings: Located<string>[]): Located<number>[] {
  const [ports, protocol = "tcp"] = value.split("/");
  if (protocol.toLowerCase() !== "tcp") return [];
  const [from, to = from] = (ports ?? "").split("-").map(Number);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from! < 1 || to! > 65535 || to! < from!) {
    warnings.push({ value: `EXPOSE ${value} is not a port or port range`, line });
    return [];
  }
  const result: Located<number>[] = [];
  for (let port = from!; port <= to! && result.length < 100; port++) result.push({ value: port, line });
  return result;
}

/** Reads what a Dockerfile's final stage says about how its image runs. */
export function parseDockerfileText(text: string, path: string): ImageSpec {
  const dockerfile = DockerfileParser.parse(text);
  const warnings: Located<string>[] = [];
  const globalArgs: Record<string, Located<string | undefined>> = {};
  const stages: Stage[] = [];
  const runs: Located<string>[] = [];
  let stage: Stage | undefined;

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const line = lineOf(instruction);
    if (keyword === "FROM") {
      const from = instruction as From;
      const globals = Object.fromEntries(Object.entries(globalArgs).map(([k, v]) => [k, v.value]));
      const image = expandVariables(from.getImage() ?? "", globals);
      const parent = stages.find((s) => s.name !== undefined && s.name.toLowerCase() === image.toLowerCase());
      const platform = from.getPlatformFlag()?.getValue();
      stage = {
        ...(parent ? structuredClone(parent) : { env: {}, args: {}, expose: [], shell: DEFAULT_SHELL }),
        baseImage: parent?.baseImage ?? { value: image, line },
        args: {},
      };
      const name = from.getBuildStage();
      if (name) stage.name = name;
      else delete stage.name;
      if (platform) stage.platform = { value: expandVariables(platform, globals), line };
      else if (!parent) delete stage.platform;
      stages.push(stage);
      continue;
    }
    if (keyword === "ARG") {
      const property = (instruction as Arg).getProperty();
      if (!property) continue;
      const name = property.getName();
      const raw = property.getValue();
      if (!stage) {
        globalArgs[name] = { value: raw ?? undefined, line };
      } else {
        // `ARG NAME` inside a stage brings a global ARG's default into it.
        const value = raw !== null ? expandVariables(raw, stageVars(stage)) : globalArgs[name]?.value;
        stage.args[name] = { value, line };
      }
      continue;
    }
    if (!stage) {
      warnings.push({ value: `${keyword} before the first FROM`, line });
      continue;
    }
    const vars = stageVars(stage);
    switch (keyword) {
      case "ENV":
        for (const property of (instruction as Env).getProperties()) {
          stage.env[property.getName()] = { value: expandVariables(property.getValue() ?? "", vars), line };
        }
        break;
      case "WORKDIR": {
        const dir = expandVariables(instruction.getArgumentsContent() ?? "", vars).trim();
        stage.workdir = { value: posix.resolve(stage.workdir?.value ?? "/", dir), line };
        break;
      }
      case "USER":
        stage.user = { value: expandVariables(instruction.getArgumentsContent() ?? "", vars).trim(), line };
        break;
      case "EXPOSE":
        for (const argument of instruction.getArguments()) {
          stage.expose.push(...parseExpose(expandVariables(argument.getValue(), vars), line, warnings));
        }
        break;
      case "SHELL": {
        const shell = commandOf(instruction as JSONInstruction, stage, warnings);
        if (shell.form === "exec" && shell.args.length > 0) stage.shell = shell.args;
        else warnings.push({ value: "SHELL must be a JSON array", line });
        break;
      }
      case "ENTRYPOINT":
        stage.entrypoint = commandOf(instruction as JSONInstruction, stage, warnings);
        // Setting ENTRYPOINT clears a CMD inherited from the base.
        delete stage.cmd;
        break;
      case "CMD":
        stage.cmd = commandOf(instruction as JSONInstruction, stage, warnings);
        break;
      case "RUN": {
        const run = commandOf(instruction as JSONInstruction, stage, warnings);
        const text = run.form === "exec" ? run.args.join(" ") : run.args.at(-1)!;
        runs.push({ value: expandVariables(text, vars), line });
        break;
      }
      default:
        break;
    }
  }

  const final = stages.at(-1);
  if (!final) {
    warnings.push({ value: "no FROM instruction: not a Dockerfile Docker can build", line: 1 });
    return { path, env: {}, args: globalArgs, expose: [], warnings };
  }
  const argv = effectiveArgv(final.entrypoint, final.cmd);
  return {
    path,
    ...(final.baseImage ? { baseImage: final.baseImage } : {}),
    ...(final.platform ? { platform: final.platform } : {}),
    env: final.env,
    args: final.args,
    ...(final.workdir ? { workdir: final.workdir } : {}),
    ...(final.user ? { user: final.user } : {}),
    expose: final.expose,
    ...(final.entrypoint ? { entrypoint: final.entrypoint } : {}),
    ...(final.cmd ? { cmd: final.cmd } : {}),
    ...(argv ? { argv } : {}),
    ...(runs.length > 0 ? { runs } : {}),
    warnings,
  };
}

export async function parseDockerfile(path: string): Promise<ImageSpec> {
  return parseDockerfileText(await readFile(path, "utf8"), path);
}
