import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { type AwsServiceUse, scanAwsServiceUsage } from "../agent/aws-service-usage.js";
import { resolveLaunchPlan } from "../agent/plan.js";
import { findProjectConfig, type ProjectConfig, parseProjectConfigText } from "../agent/project-config.js";
import { type Finding, mergeFindings, sortFindings } from "../findings/index.js";
import { runStaticChecks } from "../static-checks/index.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { type ClientOptions, createClients } from "./clients.js";
import { collectTimeline } from "./collect/cloudtrail.js";
import { collectIam } from "./collect/iam.js";
import { collectImage, parseEcrUri } from "./collect/image.js";
import { probeInvoke } from "./collect/invoke.js";
import { collectLogs } from "./collect/logs.js";
import { collectNetwork } from "./collect/network.js";
import { collectRuntime, resolveRuntimeId } from "./collect/runtime.js";
import { type ComparisonRow, compareRuntimes } from "./compare.js";
import { type EvidenceGap, gapFrom } from "./evidence.js";
import { type Hypothesis, rankHypotheses } from "./hypotheses.js";
import { applyRules } from "./rules/index.js";

export interface DiagnoseOptions extends ClientOptions {
  /** A runtime id, ARN or name. */
  runtime: string;
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
  /** Another runtime (id, ARN or name) to diagnose the same way and set side by side. */
  compareWith?: string;
  onProgress?: (step: string) => void;
}

/** What the collectors could not cover yet, said plainly in every report (nothing, as of the network collector). */
export const NOT_YET_COLLECTED: readonly string[] = [];

export interface Diagnosis {
  evidence: DiagnoseEvidence;
  findings: Finding[];
  hypotheses: Hypothesis[];
  gaps: EvidenceGap[];
  apiCalls: Record<string, number>;
  elapsedMs: number;
  comparison?: { other: Diagnosis; rows: ComparisonRow[] };
}

async function loadConfig(
  file: string | undefined,
  sourceDir: string | undefined,
): Promise<ProjectConfig | undefined> {
  if (file) return parseProjectConfigText(file, await readFile(file, "utf8"));
  return sourceDir ? findProjectConfig(sourceDir) : undefined;
}

/** The AWS services the source calls, with paths relative to the working directory (as file evidence is shown). */
async function scanSource(dir: string): Promise<AwsServiceUse[]> {
  const uses = await scanAwsServiceUsage(dir);
  return uses.map((use) => ({ ...use, file: relative(process.cwd(), join(dir, use.file)) || use.file }));
}

/**
 * Collects, applies the rules, ranks the causes; with `compareWith`, does
 * the same for the other runtime (after, so CloudTrail's pace holds) and
 * sets the two side by side.
 */
export async function diagnose(options: DiagnoseOptions): Promise<Diagnosis> {
  const { compareWith, ...single } = options;
  const main = await diagnoseOne(single);
  if (!compareWith) return main;
  options.onProgress?.(`the other runtime, ${compareWith}`);
  const other = await diagnoseOne({ ...single, runtime: compareWith });
  return {
    ...main,
    comparison: { other, rows: compareRuntimes(main, other) },
    elapsedMs: main.elapsedMs + other.elapsedMs,
  };
}

/** One runtime. Read-only: every client is guarded. */
async function diagnoseOne(options: DiagnoseOptions): Promise<Diagnosis> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const apiCalls: Record<string, number> = {};
  const clients = createClients({
    ...options,
    onCall: (service) => {
      apiCalls[service] = (apiCalls[service] ?? 0) + 1;
    },
  });
  try {
    progress("runtime");
    const runtimeId = await resolveRuntimeId(clients.control, options.runtime);
    const runtime = await collectRuntime(clients.control, runtimeId, options.qualifier ?? "DEFAULT");
    const gaps: EvidenceGap[] = [];
    const since = new Date(Date.now() - (options.sinceMs ?? 24 * 3600 * 1000));

    const r = runtime.value;
    const [, , , region, account] = r.runtimeArn.split(":");
    const qualifier = options.qualifier ?? "DEFAULT";
    progress(
      options.invoke
        ? `invoking once on a new session; CloudTrail, IAM, image,${r.networkMode === "VPC" ? " network," : ""} project config, source`
        : `CloudTrail, IAM, logs, image,${r.networkMode === "VPC" ? " network," : ""} project config, source`,
    );
    // The invocation's own output is the freshest log there is: read the logs after it.
    const invokeThenLogs = (async () => {
      const invoke = options.invoke
        ? await probeInvoke(clients.data, { runtimeArn: r.runtimeArn, qualifier })
        : undefined;
      if (invoke) await new Promise((resolve) => setTimeout(resolve, options.logSettleMs ?? 1_500));
      const logs = await collectLogs(clients.logs, { runtimeId, endpointName: r.endpoint.name }, gaps);
      return { invoke, logs };
    })();
    const iamScope = {
      roleArn: r.roleArn,
      runtimeId,
      endpointName: r.endpoint.name,
      region: region!,
      account: account!,
      networkMode: r.networkMode,
      ...(r.containerUri && parseEcrUri(r.containerUri)
        ? { repositoryArn: parseEcrUri(r.containerUri)!.repositoryArn }
        : {}),
    };
    const [timeline, config, sourceFindings, iam, image, network, awsServices, { invoke, logs }] =
      await Promise.all([
        collectTimeline(
          clients.cloudtrail,
          { runtimeId, runtimeName: runtime.value.name, subnets: runtime.value.subnets, since },
          options.cloudTrailPerSecond ?? 2,
        ).catch((error: unknown) => {
          gaps.push(gapFrom("timeline", "cloudtrail", "LookupEvents", "cloudtrail", error));
          return undefined;
        }),
        loadConfig(options.configFile, options.sourceDir),
        options.sourceDir
          ? resolveLaunchPlan(options.sourceDir).then(({ plan, protocol, config: projectConfig }) =>
              runStaticChecks({
                dir: plan.dir,
                protocol,
                ...(plan.image ? { image: plan.image } : {}),
                ...(projectConfig ? { config: projectConfig } : {}),
              }),
            )
          : undefined,
        collectIam(clients.iam, iamScope, gaps),
        r.containerUri ? collectImage(clients.ecr, r.containerUri, gaps) : undefined,
        r.networkMode === "VPC" && r.subnets.length > 0
          ? collectNetwork(
              clients.ec2,
              { region: region!, subnetIds: r.subnets, groupIds: r.securityGroups },
              gaps,
            )
          : undefined,
        options.sourceDir ? scanSource(options.sourceDir) : undefined,
        invokeThenLogs,
      ]);
    const evidence: DiagnoseEvidence = {
      runtime,
      ...(timeline ? { timeline } : {}),
      iam,
      ...(image ? { image } : {}),
      ...(network ? { network } : {}),
      ...(awsServices ? { awsServices } : {}),
      ...(logs ? { logs } : {}),
      ...(invoke ? { invoke } : {}),
      ...(config ? { config } : {}),
      ...(sourceFindings ? { sourceFindings } : {}),
      gaps,
    };
    const findings = sortFindings(mergeFindings([...applyRules(evidence), ...(sourceFindings ?? [])]));
    return {
      evidence,
      findings,
      hypotheses: rankHypotheses(evidence, findings),
      gaps,
      apiCalls,
      elapsedMs: Date.now() - started,
    };
  } finally {
    clients.destroy();
  }
}
