import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { resolveLaunchPlan } from "../../agent/plan.js";
import { findProjectConfig, type ProjectConfig, parseProjectConfigText } from "../../agent/project-config.js";
import { type AwsServiceUse, scanAwsServiceUsage } from "../../static-checks/aws-service-usage.js";
import { scanHeaderReads } from "../../static-checks/header-usage.js";
import { runStaticChecks } from "../../static-checks/index.js";
import { readTelemetryExport } from "../../static-checks/telemetry.js";
import { partitionOf } from "../../util/arn.js";
import type { DiagnoseEvidence } from "../analysis-input.js";
import type { DiagnoseClients } from "../clients.js";
import { arnScope, collectorFailure, type EvidenceGap, gapFrom, type Sourced } from "../evidence.js";
import { collectTimeline } from "./cloudtrail.js";
import { collectCodeZip } from "./code-zip.js";
import { collectIam } from "./iam.js";
import { collectImage, parseEcrUri } from "./image.js";
import { fetchDeployedImage } from "./image-fetch.js";
import { probeInvoke } from "./invoke.js";
import { collectLogs } from "./logs.js";
import { collectNetwork } from "./network.js";
import { collectReplay } from "./replay.js";
import { collectResourcePolicies } from "./resource-policy.js";
import type { RuntimeEvidence } from "./runtime.js";
import { collectPreviousVersion } from "./versions.js";

/** What the user asked that decides what the collectors read. */
export interface CollectOptions {
  qualifier?: string;
  /** How far back CloudTrail is read. */
  sinceMs?: number;
  /** The project config to compare with the deployed runtime. */
  configFile?: string;
  /** The agent's source, for `check`'s static checks. */
  sourceDir?: string;
  cloudTrailPerSecond?: number;
  /** Make one invocation on a fresh session (the only call that is not read-only). */
  invoke?: boolean;
  /** How long to let the invocation's output reach CloudWatch Logs before reading them. */
  logSettleMs?: number;
  /** --no-replay: do not run the agent (--source) in a twin of the runtime's network. */
  noReplay?: boolean;
  /** --env NAME=VALUE: values for the runtime's environment variables in the replay. */
  env?: Record<string, string>;
  /** How long the replayed agent may take to turn healthy. */
  replayStartupMs?: number;
  /** --error: the message the user saw, pasted. */
  reportedError?: string;
}

/** Everything a collector may read: the runtime (read first, by run.ts), its scope, the clients. */
export interface CollectContext {
  clients: DiagnoseClients;
  options: CollectOptions;
  runtime: Sourced<RuntimeEvidence>;
  region: string;
  account: string;
  qualifier: string;
  since: Date;
  /** Where a collector records what it could not read; the run goes on. */
  gaps: EvidenceGap[];
}

/** The evidence fields collectors fill (the runtime and the gaps are the run's own). */
export type Collected = Partial<Omit<DiagnoseEvidence, "runtime" | "gaps">>;

/**
 * One source of evidence. Collectors run at once, each after the ones it
 * names in `after` (it then sees what they found); one that fails records
 * a gap and leaves its fields unset. One that throws is caught by
 * runCollectors and reported the same way (CollectorFailed, with what to do),
 * never an abort of the diagnosis.
 */
export interface Collector {
  name: string;
  /** How progress names it. */
  label: string;
  /** Whether it applies to this runtime and these options (default: always). */
  when?: (ctx: CollectContext) => boolean;
  after?: readonly string[];
  collect: (ctx: CollectContext, earlier: Collected) => Promise<Collected>;
  /** What the user can do when it throws (default: what any collector's failure asks). */
  ifFails?: (ctx: CollectContext) => string;
}

/** What to do when a collector throws and says nothing more specific. */
const RERUN =
  "the rest of the report stands without this evidence; run diagnose again (a passing failure goes away) and, if it fails the same way, report the message with the command you ran";

/** What to do when a collector reading --source throws. */
const sourceFails = (ctx: CollectContext) =>
  ctx.runtime.value.code
    ? `--source ${ctx.options.sourceDir} is read as the agent's directory; for a code runtime that is the unpacked zip with its entry point (${ctx.runtime.value.code.entryPoint.join(" ") || "none declared"}); without --source, diagnose reads the deployed zip itself`
    : `check that --source ${ctx.options.sourceDir} is the agent's directory (its Docker build context); \`agentcore-doctor check ${ctx.options.sourceDir}\` shows what it cannot read there, and diagnose without --source still reads the deployment`;

const vpcMode = (ctx: CollectContext) =>
  ctx.runtime.value.networkMode === "VPC" && ctx.runtime.value.subnets.length > 0;

async function loadConfig(options: CollectOptions): Promise<ProjectConfig | undefined> {
  if (options.configFile)
    return parseProjectConfigText(options.configFile, await readFile(options.configFile, "utf8"));
  return options.sourceDir ? findProjectConfig(options.sourceDir) : undefined;
}

/** The AWS services the source calls, with paths relative to the working directory (as file evidence is shown). */
async function scanSource(dir: string): Promise<AwsServiceUse[]> {
  // The image's ENV too: AWS_ENDPOINT_URL_* point the SDKs at AWS endpoints (a Dockerfile that cannot be read has none).
  const image = await resolveLaunchPlan(dir).then(
    ({ plan }) => plan.image,
    () => undefined,
  );
  const uses = await scanAwsServiceUsage(dir, image);
  return uses.map((use) => ({ ...use, file: relative(process.cwd(), join(dir, use.file)) || use.file }));
}

/** Every source of evidence `diagnose` reads, after the runtime itself; a new source is one more row. */
export const COLLECTORS: readonly Collector[] = [
  {
    // Not read from AWS: the message the user saw, as evidence beside what is.
    name: "reported-error",
    label: "the error you saw",
    when: (ctx) => ctx.options.reportedError !== undefined,
    collect: async ({ options }) => ({
      reportedError: {
        value: options.reportedError!,
        source: {
          kind: "reported",
          detail: "the message passed with --error, as the caller's client printed it",
        },
      },
    }),
  },
  {
    name: "versions",
    label: "the previous version",
    when: (ctx) => Number(ctx.runtime.value.version) > 1,
    collect: async ({ clients, runtime, gaps }) => ({
      previousVersion: await collectPreviousVersion(
        clients.control,
        runtime.value.runtimeId,
        runtime.value.version,
        gaps,
      ),
    }),
  },
  {
    name: "header-reads",
    label: "the headers the source reads",
    when: (ctx) => ctx.options.sourceDir !== undefined,
    ifFails: sourceFails,
    collect: async ({ options }) => ({
      headerReads: (await scanHeaderReads(options.sourceDir!)).map((r) => ({
        ...r,
        file: relative(process.cwd(), join(options.sourceDir!, r.file)) || r.file,
      })),
    }),
  },
  {
    name: "invoke",
    label: "invoking once on a new session",
    when: (ctx) => ctx.options.invoke === true,
    collect: async ({ clients, runtime, qualifier, options, gaps }) => {
      // diagnose signs with SigV4: a runtime with a JWT authorizer refuses that before any session starts.
      if (runtime.value.authorizer) {
        gaps.push({
          collector: "invoke",
          service: "bedrock-agentcore",
          operation: "InvokeAgentRuntime",
          errorCode: "InvokeNotPossible",
          message: `the runtime takes OAuth bearer tokens from ${runtime.value.authorizer.discoveryUrl} (a JWT authorizer); diagnose signs with SigV4, which AgentCore refuses with 'Authorization method mismatch', so --invoke cannot probe it`,
        });
        return {};
      }
      const invoke = await probeInvoke(clients.data, { runtimeArn: runtime.value.runtimeArn, qualifier });
      // Let the invocation's own output, the freshest log there is, reach CloudWatch Logs.
      await new Promise((resolve) => setTimeout(resolve, options.logSettleMs ?? 1_500));
      return { invoke };
    },
  },
  {
    name: "logs",
    label: "logs",
    after: ["invoke"],
    collect: async ({ clients, runtime, gaps }) => {
      const r = runtime.value;
      return {
        logs: await collectLogs(
          clients.logs,
          { runtimeId: r.runtimeId, endpointName: r.endpoint.name },
          gaps,
        ),
      };
    },
  },
  {
    name: "cloudtrail",
    label: "CloudTrail",
    collect: async ({ clients, runtime, since, options, gaps }) => {
      const r = runtime.value;
      try {
        const timeline = await collectTimeline(
          clients.cloudtrail,
          { runtimeId: r.runtimeId, runtimeName: r.name, subnets: r.subnets, since },
          options.cloudTrailPerSecond ?? 2,
        );
        return { timeline };
      } catch (error) {
        gaps.push(gapFrom("timeline", "cloudtrail", "LookupEvents", "cloudtrail", error));
        return {};
      }
    },
  },
  {
    name: "resource-policy",
    label: "resource-based policies",
    collect: async ({ clients, runtime, gaps }) => {
      const resourcePolicies = await collectResourcePolicies(
        clients.control,
        { runtimeArn: runtime.value.runtimeArn, endpointName: runtime.value.endpoint.name },
        gaps,
      );
      return resourcePolicies ? { resourcePolicies } : {};
    },
  },
  {
    name: "iam",
    label: "IAM",
    collect: async ({ clients, runtime, region, account, gaps }) => {
      const r = runtime.value;
      const ecr = r.containerUri ? parseEcrUri(r.containerUri) : undefined;
      const iam = await collectIam(
        clients.iam,
        {
          roleArn: r.roleArn,
          runtimeId: r.runtimeId,
          endpointName: r.endpoint.name,
          region,
          account,
          networkMode: r.networkMode,
          ...(ecr ? { repositoryArn: ecr.repositoryArn } : {}),
          ...(r.code
            ? { codeObjectArn: `arn:${partitionOf(region)}:s3:::${r.code.bucket}/${r.code.prefix}` }
            : {}),
        },
        gaps,
      );
      return { iam };
    },
  },
  {
    name: "image",
    label: "image",
    when: (ctx) => ctx.runtime.value.containerUri !== undefined,
    collect: async ({ clients, runtime, gaps }) => ({
      image: await collectImage(clients.ecr, runtime.value.containerUri!, gaps),
    }),
  },
  {
    name: "code-zip",
    label: "code zip",
    when: (ctx) => ctx.runtime.value.code !== undefined,
    collect: async ({ clients, runtime, options, gaps }) => {
      const codeZip = await collectCodeZip(clients.s3, runtime.value.code!, gaps);
      if (!codeZip) return {};
      // The zip is the deployed source: without --source, its own modules say which AWS services the agent calls.
      return options.sourceDir === undefined
        ? { codeZip, awsServices: codeZip.value.awsServices }
        : { codeZip };
    },
  },
  {
    name: "network",
    label: "network",
    when: vpcMode,
    collect: async ({ clients, runtime, region, gaps }) => ({
      network: await collectNetwork(
        clients.ec2,
        { region, subnetIds: runtime.value.subnets, groupIds: runtime.value.securityGroups },
        gaps,
      ),
    }),
  },
  {
    // The replay rebuilds the network the network collector read (PUBLIC runtimes get the stand-in internet).
    name: "replay",
    label: "replay in a twin of the runtime's network",
    when: (ctx) =>
      ctx.options.sourceDir !== undefined ||
      (!ctx.options.noReplay && parseEcrUri(ctx.runtime.value.containerUri ?? "") !== undefined),
    after: ["network"],
    ifFails: (ctx) =>
      `${ctx.options.sourceDir ? `${sourceFails(ctx)}; ` : ""}--no-replay leaves the replay out, the rest of the diagnosis reads AWS as before`,
    collect: async ({ clients, runtime, region, account, options, gaps }, earlier) => {
      // The program actually deployed: its image, fetched read-only through ECR's pull API, replayed
      // instead of --source; without the permissions, a gap naming them and --source if given.
      const work = await mkdtemp(join(tmpdir(), "acd-diagnose-image-"));
      try {
        const deployedImage =
          !options.noReplay && runtime.value.containerUri
            ? await fetchDeployedImage(clients.ecr, runtime.value.containerUri, gaps, work)
            : undefined;
        const replay = await collectReplay(
          {
            runtime: runtime.value,
            region,
            account,
            ...(options.sourceDir ? { sourceDir: options.sourceDir } : {}),
            ...(deployedImage
              ? {
                  image: {
                    layout: deployedImage.value.layout,
                    tag: deployedImage.value.tag,
                    label: `${deployedImage.value.uri} (${deployedImage.value.digest.slice(0, 19)}, fetched through ECR)`,
                  },
                }
              : {}),
            ...(options.noReplay ? { disabled: true } : {}),
            ...(options.env ? { env: options.env } : {}),
            ...(options.replayStartupMs ? { startupTimeoutMs: options.replayStartupMs } : {}),
          },
          earlier.network,
          gaps,
        );
        return { replay, ...(deployedImage ? { deployedImage } : {}) };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  },
  {
    name: "config",
    label: "project config",
    collect: async ({ options }) => {
      const config = await loadConfig(options);
      return config ? { config } : {};
    },
  },
  {
    name: "static-checks",
    label: "source",
    when: (ctx) => ctx.options.sourceDir !== undefined,
    ifFails: sourceFails,
    collect: async ({ options }) => {
      const { plan, protocol, config } = await resolveLaunchPlan(options.sourceDir!);
      const sourceFindings = await runStaticChecks({
        dir: plan.dir,
        protocol,
        ...(plan.image ? { image: plan.image } : {}),
        ...(config ? { config } : {}),
      });
      const telemetryConfig = (await readTelemetryExport(plan.dir, plan.image)).map((x) =>
        x.source.kind === "file"
          ? { ...x, source: { ...x.source, path: relative(process.cwd(), join(plan.dir, x.source.path)) } }
          : x,
      );
      return { sourceFindings, telemetryConfig };
    },
  },
  {
    name: "aws-services",
    label: "the source's AWS calls",
    when: (ctx) => ctx.options.sourceDir !== undefined,
    ifFails: sourceFails,
    collect: async ({ options }) => ({ awsServices: await scanSource(options.sourceDir!) }),
  },
];

/** The scope every collector reads the runtime in. */
export function collectContext(
  clients: DiagnoseClients,
  options: CollectOptions,
  runtime: Sourced<RuntimeEvidence>,
  gaps: EvidenceGap[],
): CollectContext {
  const { region, account } = arnScope(runtime.value.runtimeArn);
  return {
    clients,
    options,
    runtime,
    region,
    account,
    qualifier: options.qualifier ?? "DEFAULT",
    since: new Date(Date.now() - (options.sinceMs ?? 24 * 3600 * 1000)),
    gaps,
  };
}

/** Runs the collectors that apply, each after those it names, and gathers their evidence in one object. */
export async function runCollectors(
  ctx: CollectContext,
  collectors: readonly Collector[] = COLLECTORS,
  onProgress: (step: string) => void = () => {},
): Promise<DiagnoseEvidence> {
  const active = collectors.filter((c) => c.when?.(ctx) ?? true);
  onProgress(active.map((c) => c.label).join(", "));
  const running = new Map<string, Promise<Collected>>();
  const start = (c: Collector): Promise<Collected> => {
    const known = running.get(c.name);
    if (known) return known;
    const promise = (async () => {
      const earlier: Collected = {};
      for (const name of c.after ?? []) {
        const before = active.find((other) => other.name === name);
        if (before) Object.assign(earlier, await start(before));
      }
      try {
        return await c.collect(ctx, earlier);
      } catch (error) {
        // A collector that throws costs its own evidence, never the diagnosis: the report says what failed.
        ctx.gaps.push(collectorFailure(c.name, c.label, error, c.ifFails?.(ctx) ?? RERUN));
        return {};
      }
    })();
    running.set(c.name, promise);
    return promise;
  };
  const found = Object.entries(Object.assign({}, ...(await Promise.all(active.map(start)))));
  return {
    runtime: ctx.runtime,
    ...Object.fromEntries(found.filter(([, value]) => value !== undefined)),
    gaps: ctx.gaps,
  } as DiagnoseEvidence;
}
