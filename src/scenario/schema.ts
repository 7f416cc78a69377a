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
  /** The agent directory (relative to the scenario) standing in for the image; for a code runtime, also a .zip file uploaded as it is. */
  agent: z.string(),
  /** The CreateAgentRuntime request, as the SDK takes it, with `${kind:name}` references. */
  request: z.record(z.string(), z.unknown()),
  /** Optional `.bedrock_agentcore.yaml` (relative) to compare with the deployed runtime. */
  projectConfig: z.string().optional(),
  /**
   * A code runtime (codeConfiguration): `agent` is zipped with its files'
   * modes and put at the request's S3 location; these paths get the octal
   * mode given instead (what the user's zip tool stored, which a checkout cannot keep).
   */
  zipModes: z.record(z.string(), z.string().regex(/^[0-7]{3,4}$/, "an octal mode such as 600")).optional(),
  /**
   * A real image instead of the mapped directory: `agent` copied to /app on a
   * Debian base (scripts/build-test-images.sh), pushed with skopeo to the
   * emulator's ECR at the request's containerUri, as a user's pipeline would.
   */
  image: z
    .strictObject({
      architecture: z.enum(["arm64", "amd64"]).default("arm64"),
      cmd: z.array(z.string()).min(1),
      user: z.string().optional(),
      env: z.array(z.string()).default([]),
    })
    .optional(),
  /**
   * What the team did after creating it, in order: a named endpoint
   * (CreateAgentRuntimeEndpoint, at a version or the latest), an
   * UpdateAgentRuntime request exactly as their script sends it (what it
   * omits is gone, as in AWS), or an endpoint moved to a version. Each
   * waits for READY before the next.
   */
  afterCreate: z
    .array(
      z.union([
        z.strictObject({ endpoint: z.strictObject({ name: z.string(), version: z.string().optional() }) }),
        z.strictObject({ update: z.record(z.string(), z.unknown()) }),
        z.strictObject({
          updateEndpoint: z.strictObject({ name: z.string(), version: z.string().optional() }),
        }),
      ]),
    )
    .default([]),
});

/**
 * The services a scenario may seed, by the name of their SDK v3 client
 * (`@aws-sdk/client-<name>`): every AWS SDK client this project depends on.
 */
export const SEED_SERVICES = [
  "cloudwatch-logs",
  "ec2",
  "ecr",
  "iam",
  "secrets-manager",
  "ssm",
  "sts",
] as const;
const seedService = z.enum(SEED_SERVICES);

const seedCall = z.strictObject({
  /** The API action, as AWS names it: `PutParameter`, `CreateSecret`, `CreateLogGroup`. */
  action: z.string().regex(/^[A-Z][A-Za-z0-9]+$/, "an AWS action name such as PutParameter"),
  input: z.record(z.string(), z.unknown()).default({}),
  /** New references from the call's output: `"secret:db": "ARN"` (a dotted path in the output). */
  refs: z.record(z.string().regex(/^[a-z]+:[\w-]+$/, "kind:name"), z.string()).default({}),
});

export const scenarioSchema = z.strictObject({
  /** One paragraph: what the user did and what they saw. */
  story: z.string().min(20),
  region: z.string().default("us-east-1"),
  vpcs: z.array(vpc).default([]),
  roles: z.array(role).default([]),
  runtimes: z.record(name, runtime).refine((r) => Object.keys(r).length > 0, "at least one runtime"),
  /** Start a local OIDC issuer; runtimes name its discovery URL as `${oidc:discoveryUrl}` (inbound JWT auth). */
  oidcIssuer: z.boolean().default(false),
  invocations: z
    .array(
      z.strictObject({
        runtime: z.string(),
        payload: z.unknown().default({ prompt: "hello" }),
        /** How the caller authenticates: SigV4 through the SDK, a bearer token from the scenario's issuer, or nothing. */
        auth: z.enum(["sigv4", "bearer", "none"]).default("sigv4"),
        /** With auth bearer: the token's claims (iss, iat, exp and sub are the issuer's). */
        tokenClaims: z.record(z.string(), z.unknown()).default({}),
        /** With auth sigv4: the caller is a principal of this other account. */
        callerAccount: z
          .string()
          .regex(/^\d{12}$/)
          .optional(),
      }),
    )
    .default([]),
  /** How long a session may take to turn healthy (seconds); short keeps scenarios fast. */
  startupTimeoutSeconds: z.number().positive().default(5),
  diagnose: z.strictObject({
    runtime: z.string(),
    compareWith: z.string().optional(),
    invoke: z.boolean().default(true),
    /**
     * Pass the runtime's agent directory as --source (its static reading and the replay).
     * Default: for a container runtime (its image's build context); false: diagnose as a user
     * without the code would.
     */
    source: z.boolean().optional(),
    /** Pass the first failed invocation's message as --error, as a user would paste it. */
    error: z.boolean().default(false),
    /** A message the user's own client printed (not one of the invocations above), pasted as --error. */
    errorText: z.string().optional(),
    /** The endpoint the user calls, diagnosed and invoked there (--qualifier); default DEFAULT. */
    qualifier: z.string().optional(),
  }),
  /**
   * Data the agent reads at start-up, made through the AWS API after the
   * network and the roles and before the runtimes: per service, the calls
   * to make, in order, as the SDK takes them (`${kind:name}` references
   * resolved). A call's output fields can name new references for later
   * calls and the runtimes' requests (`refs: { "secret:db": "ARN" }`).
   * Only services the emulator serves answer; another fails the build.
   */
  seed: z.partialRecord(seedService, z.array(seedCall)).default({}),
  expect: z
    .strictObject({
      /** The one root cause `diagnose` must name. */
      rootCause: findingId.optional(),
      /** Several acceptable root causes (two causes at once): the verdict must be one of them. */
      rootCauses: z.array(findingId).min(1).optional(),
      /** A healthy control: no failure observed and no problem found (verdict "healthy"). */
      healthy: z.literal(true).optional(),
      /** Findings that must be among the report's (supporting evidence). */
      findings: z.array(findingId).default([]),
      /** Findings that must not be in the report (a wrong cause, a false alarm). */
      absentFindings: z.array(findingId).default([]),
    })
    .refine(
      (e) =>
        [e.rootCause !== undefined, e.rootCauses !== undefined, e.healthy === true].filter(Boolean).length ===
        1,
      "expect says exactly one of rootCause, rootCauses or healthy: true",
    ),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioVpc = z.infer<typeof vpc>;
export type ScenarioRule = z.infer<typeof rule>;
export type ScenarioExpect = Scenario["expect"];
export type SeedService = (typeof SEED_SERVICES)[number];
export type SeedCall = z.infer<typeof seedCall>;
