import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import type { Located, Protocol } from "./types.js";

/**
 * The project config of the two tools users deploy with: the AgentCore CLI's
 * `agentcore/agentcore.json` and the older starter toolkit's
 * `.bedrock_agentcore.yaml`. Our own schemas hold the fields those tools act
 * on; unknown keys are the tools' business and pass.
 */
export interface ProjectConfig {
  kind: "agentcore-json" | "bedrock-agentcore-yaml";
  path: string;
  /** The directory the config's paths are relative to. */
  root: string;
  agentName?: string;
  entrypoint?: Located<string>;
  /** agentcore.json: where the agent's code lives, relative to `root`. */
  codeLocation?: string;
  build?: "CodeZip" | "Container";
  /** agentcore.json: the managed runtime of a CodeZip build (`PYTHON_3_12`, `NODE_22`). */
  runtimeVersion?: Located<string>;
  dockerfile?: string;
  protocol?: Located<Protocol>;
  networkMode?: Located<"PUBLIC" | "VPC">;
  subnets: string[];
  securityGroups: string[];
  /** Whether the config asks for OpenTelemetry (yaml: observability.enabled; json: instrumentation.enableOtel, default true). */
  observability?: Located<boolean>;
  platform?: Located<string>;
  region?: string;
  account?: string;
  executionRoleArn?: string;
  runtimeId?: string;
  runtimeArn?: string;
  environment: Record<string, string>;
  problems: Located<string>[];
}

const protocolSchema = z.enum(["HTTP", "MCP", "A2A", "AGUI"]);
const subnetId = z.string().regex(/^subnet-[0-9a-zA-Z]{8,17}$/, "must be a subnet id (subnet-...)");
const groupId = z.string().regex(/^sg-[0-9a-zA-Z]{8,17}$/, "must be a security group id (sg-...)");
const agentName = z
  .string()
  .regex(
    /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/,
    "must start with a letter and hold only letters, digits and _ (at most 48)",
  );

const yamlAgent = z.looseObject({
  name: agentName.optional(),
  entrypoint: z.string().min(1),
  platform: z.string().optional(),
  aws: z
    .looseObject({
      execution_role: z.string().nullish(),
      account: z.union([z.string(), z.number()]).nullish(),
      region: z.string().nullish(),
      network_configuration: z
        .looseObject({
          network_mode: z.enum(["PUBLIC", "VPC"]),
          network_mode_config: z
            .looseObject({
              subnets: z.array(subnetId).min(1).max(16),
              security_groups: z.array(groupId).min(1).max(16),
            })
            .nullish(),
        })
        .nullish(),
      protocol_configuration: z.looseObject({ server_protocol: protocolSchema }).nullish(),
      observability: z.looseObject({ enabled: z.boolean() }).nullish(),
    })
    .nullish(),
  bedrock_agentcore: z
    .looseObject({ agent_id: z.string().nullish(), agent_arn: z.string().nullish() })
    .nullish(),
});

const yamlSchema = z.looseObject({
  default_agent: z.string().nullish(),
  agents: z.record(z.string(), yamlAgent),
});

const jsonRuntime = z.looseObject({
  name: agentName,
  build: z.enum(["CodeZip", "Container"]),
  entrypoint: z
    .string()
    .regex(
      /^[a-zA-Z0-9_][a-zA-Z0-9_/.-]*\.(py|ts|js)(:[a-zA-Z_][a-zA-Z0-9_]*)?$/,
      "must be a .py, .ts or .js file, optionally with :handler",
    ),
  codeLocation: z.string().min(1),
  dockerfile: z.string().optional(),
  runtimeVersion: z.string().optional(),
  envVars: z
    .array(z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.string() }))
    .optional(),
  networkMode: z.enum(["PUBLIC", "VPC"]).optional(),
  networkConfig: z
    .looseObject({
      subnets: z.array(subnetId).min(1).max(16),
      securityGroups: z.array(groupId).min(1).max(16),
    })
    .optional(),
  instrumentation: z.looseObject({ enableOtel: z.boolean().optional() }).optional(),
  protocol: protocolSchema.optional(),
  executionRoleArn: z.string().optional(),
});

const jsonSchema = z.looseObject({
  name: z.string().min(1),
  version: z.number().int().min(1),
  runtimes: z.array(jsonRuntime).default([]),
});

interface SourceMap {
  lineOf(path: readonly (string | number)[]): number;
}

function parseWithLines(text: string): { value: unknown; map: SourceMap; problems: Located<string>[] } {
  const lineCounter = new LineCounter();
  // JSON is YAML 1.2, so one parser gives both formats their line numbers.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problems = doc.errors.map((e) => ({
    value: e.message.split("\n")[0]!,
    line: e.linePos?.[0]?.line ?? 1,
  }));
  const map: SourceMap = {
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth), true) as
          | { range?: [number, number, number] }
          | undefined;
        if (node?.range) return lineCounter.linePos(node.range[0]).line;
      }
      return 1;
    },
  };
  return { value: problems.length > 0 ? undefined : doc.toJS(), map, problems };
}

function zodProblems(error: z.ZodError, map: SourceMap): Located<string>[] {
  return error.issues.map((issue) => ({
    value: `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    line: map.lineOf(issue.path as (string | number)[]),
  }));
}

function at<T>(
  value: T | null | undefined,
  map: SourceMap,
  path: (string | number)[],
): Located<T> | undefined {
  return value === undefined || value === null ? undefined : { value, line: map.lineOf(path) };
}

function fromYaml(path: string, text: string): ProjectConfig {
  const base: ProjectConfig = {
    kind: "bedrock-agentcore-yaml",
    path,
    root: dirname(path),
    subnets: [],
    securityGroups: [],
    environment: {},
    problems: [],
  };
  const { value, map, problems } = parseWithLines(text);
  if (!value) return { ...base, problems };
  const parsed = yamlSchema.safeParse(value);
  if (!parsed.success) return { ...base, problems: zodProblems(parsed.error, map) };
  const names = Object.keys(parsed.data.agents);
  const name = parsed.data.default_agent ?? names[0];
  if (parsed.data.default_agent && !parsed.data.agents[parsed.data.default_agent]) {
    base.problems.push({
      value: `default_agent: ${parsed.data.default_agent} is not one of the agents (${names.join(", ")})`,
      line: map.lineOf(["default_agent"]),
    });
  }
  const agent = name ? parsed.data.agents[name] : undefined;
  if (!agent || !name)
    return {
      ...base,
      problems: [...base.problems, { value: "agents: no agent defined", line: map.lineOf(["agents"]) }],
    };
  const p = ["agents", name];
  const aws = agent.aws;
  const network = aws?.network_configuration;
  if (network?.network_mode === "VPC" && !network.network_mode_config) {
    base.problems.push({
      value: "network_mode VPC needs network_mode_config with subnets and security_groups",
      line: map.lineOf([...p, "aws", "network_configuration"]),
    });
  }
  const protocol = at(aws?.protocol_configuration?.server_protocol, map, [
    ...p,
    "aws",
    "protocol_configuration",
    "server_protocol",
  ]);
  const networkMode = at(network?.network_mode, map, [...p, "aws", "network_configuration", "network_mode"]);
  const observability = at(aws?.observability?.enabled, map, [...p, "aws", "observability", "enabled"]);
  const platform = at(agent.platform, map, [...p, "platform"]);
  return {
    ...base,
    agentName: agent.name ?? name,
    entrypoint: { value: agent.entrypoint, line: map.lineOf([...p, "entrypoint"]) },
    build: "Container",
    ...(protocol ? { protocol } : {}),
    ...(networkMode ? { networkMode } : {}),
    subnets: network?.network_mode_config?.subnets ?? [],
    securityGroups: network?.network_mode_config?.security_groups ?? [],
    ...(observability ? { observability } : {}),
    ...(platform ? { platform } : {}),
    ...(aws?.region ? { region: aws.region } : {}),
    ...(aws?.account ? { account: String(aws.account) } : {}),
    ...(aws?.execution_role ? { executionRoleArn: aws.execution_role } : {}),
    ...(agent.bedrock_agentcore?.agent_id ? { runtimeId: agent.bedrock_agentcore.agent_id } : {}),
    ...(agent.bedrock_agentcore?.agent_arn ? { runtimeArn: agent.bedrock_agentcore.agent_arn } : {}),
  };
}

function fromJson(path: string, text: string, agentDir: string): ProjectConfig {
  const root = dirname(dirname(path));
  const base: ProjectConfig = {
    kind: "agentcore-json",
    path,
    root,
    subnets: [],
    securityGroups: [],
    environment: {},
    problems: [],
  };
  const { value, map, problems } = parseWithLines(text);
  if (!value) return { ...base, problems };
  const parsed = jsonSchema.safeParse(value);
  if (!parsed.success) return { ...base, problems: zodProblems(parsed.error, map) };
  // The runtime whose code is the directory being checked, else the first.
  const index = Math.max(
    0,
    parsed.data.runtimes.findIndex((r) => resolve(root, r.codeLocation) === resolve(agentDir)),
  );
  const runtime = parsed.data.runtimes[index];
  if (!runtime)
    return { ...base, problems: [{ value: "runtimes: no runtime defined", line: map.lineOf(["runtimes"]) }] };
  const p = ["runtimes", index];
  if (runtime.networkMode === "VPC" && !runtime.networkConfig) {
    base.problems.push({
      value: `runtimes.${index}.networkConfig is required when networkMode is VPC`,
      line: map.lineOf([...p, "networkMode"]),
    });
  }
  if (runtime.networkMode !== "VPC" && runtime.networkConfig) {
    base.problems.push({
      value: `runtimes.${index}.networkConfig is only allowed when networkMode is VPC`,
      line: map.lineOf([...p, "networkConfig"]),
    });
  }
  const protocol = at(runtime.protocol, map, [...p, "protocol"]);
  const networkMode = at(runtime.networkMode, map, [...p, "networkMode"]);
  const runtimeVersion = at(runtime.runtimeVersion, map, [...p, "runtimeVersion"]);
  return {
    ...base,
    agentName: runtime.name,
    entrypoint: { value: runtime.entrypoint, line: map.lineOf([...p, "entrypoint"]) },
    codeLocation: runtime.codeLocation,
    build: runtime.build,
    ...(runtimeVersion ? { runtimeVersion } : {}),
    ...(runtime.dockerfile ? { dockerfile: runtime.dockerfile } : {}),
    ...(protocol ? { protocol } : {}),
    ...(networkMode ? { networkMode } : {}),
    subnets: runtime.networkConfig?.subnets ?? [],
    securityGroups: runtime.networkConfig?.securityGroups ?? [],
    observability: {
      value: runtime.instrumentation?.enableOtel ?? true,
      line: map.lineOf([...p, "instrumentation"]),
    },
    ...(runtime.executionRoleArn ? { executionRoleArn: runtime.executionRoleArn } : {}),
    environment: Object.fromEntries((runtime.envVars ?? []).map((v) => [v.name, v.value])),
  };
}

/** Finds the project config for an agent directory: in it, or in a parent up to three levels. */
export async function findProjectConfig(agentDir: string): Promise<ProjectConfig | undefined> {
  let dir = resolve(agentDir);
  for (let level = 0; level < 4; level++) {
    const json = join(dir, "agentcore", "agentcore.json");
    if (existsSync(json)) return fromJson(json, await readFile(json, "utf8"), agentDir);
    const yaml = join(dir, ".bedrock_agentcore.yaml");
    if (existsSync(yaml)) return fromYaml(yaml, await readFile(yaml, "utf8"));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

export function parseProjectConfigText(path: string, text: string, agentDir = dirname(path)): ProjectConfig {
  return path.endsWith(".json") ? fromJson(path, text, agentDir) : fromYaml(path, text);
}
