import { z } from "zod";
import { FINDING_IDS, type FindingId } from "../findings/index.js";

const findingId = z.enum(FINDING_IDS as [FindingId, ...FindingId[]]);

/**
 * scenarios/<name>/scenario.yaml: an account built only through the AWS
 * API (network, roles, runtimes), the invocations to make, and the root
 * cause `diagnose` must name. Names given here (`private_a`, `agent_sg`)
 * stand for the ids AWS assigns; `${kind:name}` in a runtime's request is
 * replaced by that id (`${subnet:private_a}` → `subnet-0abc…`).
 */
const name = z.string().regex(/^[a-zA-Z][\w-]*$/, "a name of letters, digits, - and _");

const rule = z.strictObject({
  protocol: z.enum(["tcp", "udp", "icmp", "-1"]).default("tcp"),
  /** One port, or "from-to". */
  ports: z.union([z.number().int(), z.string().regex(/^\d+-\d+$/)]).optional(),
  cidr: z.string().optional(),
  /** Another group of the scenario (or "self"). */
  group: z.string().optional(),
});

const route = z.strictObject({
  destination: z.string(),
  /** `nat:<name>`, `igw:<name>` (the scenario's gateways). */
  target: z.string().regex(/^(nat|igw):[\w-]+$/),
});

const vpc = z.strictObject({
  name,
  cidr: z.string(),
  enableDnsSupport: z.boolean().default(true),
  enableDnsHostnames: z.boolean().default(true),
  subnets: z
    .array(
      z.strictObject({
        name,
        cidr: z.string(),
        availabilityZoneId: z.string(),
        /** The route table it is associated with; else the VPC's main table. */
        routeTable: z.string().optional(),
        /** Use up its free addresses first (other workloads' interfaces), as a busy subnet has. */
        full: z.boolean().default(false),
      }),
    )
    .min(1),
  internetGateways: z.array(z.strictObject({ name })).default([]),
  natGateways: z.array(z.strictObject({ name, subnet: z.string() })).default([]),
  routeTables: z.array(z.strictObject({ name, routes: z.array(route).default([]) })).default([]),
  securityGroups: z
    .array(
      z.strictObject({
        name,
        description: z.string().default("scenario security group"),
        ingress: z.array(rule).default([]),
        /** Replaces the default allow-all egress when given. */
        egress: z.array(rule).optional(),
      }),
    )
    .default([]),
  endpoints: z
    .array(
      z.strictObject({
        /** The service's short name: `logs`, `ecr.dkr`, `s3`, `bedrock-runtime`, ... */
        service: z.string(),
        type: z.enum(["Interface", "Gateway"]).default("Interface"),
        subnets: z.array(z.string()).default([]),
        securityGroups: z.array(z.string()).default([]),
        routeTables: z.array(z.string()).default([]),
        privateDns: z.boolean().default(true),
      }),
    )
    .default([]),
});

const role = z.strictObject({
  name,
  /** Service principals trusted to assume it. */
  trust: z.array(z.string()).default(["bedrock-agentcore.amazonaws.com"]),
  /** Inline policies: name → policy document. */
  inlinePolicies: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  managedPolicies: z.array(z.string()).default([]),
});

const runtime = z.strictObject({
  /** The agent directory (relative to the scenario) standing in for the image. */
  agent: z.string(),
  /** The CreateAgentRuntime request, as the SDK takes it, with `${kind:name}` references. */
  request: z.record(z.string(), z.unknown()),
  /** Optional `.bedrock_agentcore.yaml` (relative) to compare with the deployed runtime. */
  projectConfig: z.string().optional(),
});

export const scenarioSchema = z.strictObject({
  /** One paragraph: what the user did and what they saw. */
  story: z.string().min(20),
  region: z.string().default("us-east-1"),
  vpcs: z.array(vpc).default([]),
  roles: z.array(role).default([]),
  runtimes: z.record(name, runtime).refine((r) => Object.keys(r).length > 0, "at least one runtime"),
  invocations: z
    .array(z.strictObject({ runtime: z.string(), payload: z.unknown().default({ prompt: "hello" }) }))
    .default([]),
  /** How long a session may take to turn healthy (seconds); short keeps scenarios fast. */
  startupTimeoutSeconds: z.number().positive().default(5),
  diagnose: z.strictObject({
    runtime: z.string(),
    compareWith: z.string().optional(),
    invoke: z.boolean().default(true),
    /** Pass the runtime's agent directory as --source. */
    source: z.boolean().default(false),
  }),
  expect: z.strictObject({
    rootCause: findingId,
    /** Findings that must be among the report's (supporting evidence). */
    findings: z.array(findingId).default([]),
  }),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioVpc = z.infer<typeof vpc>;
export type ScenarioRule = z.infer<typeof rule>;
