import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { parse } from "yaml";
import { diagnose } from "../diagnose/run.js";
import { verdictOf } from "../diagnose/verdict.js";
import { startEmulator } from "../emulator/index.js";
import { fabricSupport } from "../emulator/vpc/fabric.js";
import { UsageError } from "../util/errors.js";
import { diagnosedText, expectedText, judge } from "./accuracy.js";
import { buildScenario, resolveReferences } from "./build.js";
import { codeLocationOf } from "./code-zip.js";
import { type InvocationOutcome, type Observation, observeIncident } from "./incident-view.js";
import type { ScenarioResult } from "./result.js";

export type { InvocationOutcome } from "./incident-view.js";
export type { ScenarioResult } from "./result.js";

import { type OidcIssuer, startOidcIssuer } from "./oidc-issuer.js";
import { pushScenarioImage } from "./push-image.js";
import { type Scenario, scenarioSchema } from "./schema.js";

export const SCENARIO_FILE = "scenario.yaml";
const CREDENTIALS = { accessKeyId: "AKIDSCENARIO", secretAccessKey: "scenario" };
/** The access key of a caller from another account. */
const foreignKey = (account: string) => `AKIDSCENARIO${account}`;

type Invocation = Scenario["invocations"][number];

/**
 * One invocation as its caller makes it: SigV4 through the official SDK (as
 * the scenario's account, or another's), or a plain HTTPS POST with a bearer
 * token (AgentCore's OAuth path) or with no credentials at all. Failures read
 * as the caller sees them: `Code: message`.
 */
async function invokeAs(
  invocation: Invocation,
  arn: string,
  config: { endpoint: string; region: string },
  issuer: OidcIssuer | undefined,
): Promise<Omit<InvocationOutcome, "runtime">> {
  const payload = new TextEncoder().encode(JSON.stringify(invocation.payload));
  if (invocation.auth === "sigv4") {
    const credentials = invocation.callerAccount
      ? { accessKeyId: foreignKey(invocation.callerAccount), secretAccessKey: "scenario" }
      : CREDENTIALS;
    const client = new BedrockAgentCoreClient({ ...config, credentials, maxAttempts: 1 });
    try {
      const output = await client.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          contentType: "application/json",
          accept: "application/json, text/event-stream",
          payload,
        }),
      );
      const body = (await output.response?.transformToString()) ?? "";
      return { ok: true, detail: body.slice(0, 200) };
    } catch (error) {
      return { ok: false, detail: `${(error as Error).name}: ${(error as Error).message}` };
    } finally {
      client.destroy();
    }
  }
  if (invocation.auth === "bearer" && !issuer)
    throw new UsageError("an invocation with auth: bearer needs oidcIssuer: true in the scenario.");
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "x-amzn-bedrock-agentcore-runtime-session-id": `scenario-${crypto.randomUUID()}`,
    ...(invocation.auth === "bearer"
      ? { authorization: `Bearer ${await issuer!.sign(invocation.tokenClaims)}` }
      : {}),
  };
  const answer = await fetch(
    `${config.endpoint}/runtimes/${encodeURIComponent(arn)}/invocations?qualifier=DEFAULT`,
    {
      method: "POST",
      headers,
      body: payload,
    },
  );
  const text = await answer.text();
  if (answer.ok) return { ok: true, detail: text.slice(0, 200) };
  const code = (answer.headers.get("x-amzn-errortype") ?? `HTTP ${answer.status}`).split(":")[0];
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {}
  return { ok: false, detail: `${code}: ${message}` };
}

export interface LoadedScenario {
  name: string;
  dir: string;
  scenario: Scenario;
}

export async function loadScenario(dir: string): Promise<LoadedScenario> {
  const file = join(dir, SCENARIO_FILE);
  if (!existsSync(file)) throw new UsageError(`${dir} has no ${SCENARIO_FILE}.`);
  let raw: unknown;
  try {
    raw = parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  const scenario = parsed.data;
  for (const name of [
    scenario.diagnose.runtime,
    scenario.diagnose.compareWith ?? scenario.diagnose.runtime,
  ]) {
    if (!scenario.runtimes[name])
      throw new UsageError(`${file}: diagnose names runtime ${name}, which it does not define.`);
  }
  return { name: basename(resolve(dir)), dir: resolve(dir), scenario };
}

/** Every scenario under a directory (one folder each), by name. */
export async function listScenarios(root: string): Promise<LoadedScenario[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const dirs = entries
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, SCENARIO_FILE)))
    .map((e) => join(root, e.name))
    .sort();
  return Promise.all(dirs.map(loadScenario));
}

/** The message a user would paste: the first failed invocation's `Code: message`. */
function failedMessage(invocations: readonly InvocationOutcome[]): string | undefined {
  return invocations.find((i) => !i.ok)?.detail;
}

/**
 * --source for diagnose: the agent's directory wherever the scenario has it in a form the
 * replay and the static reading take (a container image's build context), unless the
 * scenario says `source: false`. A code runtime's directory is not passed by default: its
 * entry point lives in the runtime's codeConfiguration, which neither reads yet.
 */
function sourceOf(
  wanted: boolean | undefined,
  agentDir: string,
  request: Record<string, unknown>,
): { sourceDir?: string } {
  if (wanted === false) return {};
  if (wanted === true) return { sourceDir: agentDir };
  const image = !codeLocationOf(request) && statSync(agentDir, { throwIfNoEntry: false })?.isDirectory();
  return image ? { sourceDir: agentDir } : {};
}

function containerUriOf(request: Record<string, unknown>): string | undefined {
  // A code runtime's agent is zipped into S3 (scenario/code-zip.ts), not mapped to an image.
  if (codeLocationOf(request)) return undefined;
  const uri = (
    request.agentRuntimeArtifact as { containerConfiguration?: { containerUri?: string } } | undefined
  )?.containerConfiguration?.containerUri;
  if (!uri)
    throw new UsageError(
      "each scenario runtime's request needs agentRuntimeArtifact.containerConfiguration.containerUri, or codeConfiguration.code.s3 (bucket, prefix) for a code zip",
    );
  return uri;
}

/**
 * Runs a scenario end to end: an embedded emulator, the account built only
 * through the AWS API, the invocations, then `diagnose` (with --compare and
 * --invoke as the scenario says), judged against the expected root cause.
 */
export async function runScenario(
  loaded: LoadedScenario,
  options: { keep?: boolean; observe?: boolean; console?: boolean; onProgress?: (step: string) => void } = {},
): Promise<ScenarioResult> {
  const started = Date.now();
  const { scenario, dir } = loaded;
  const progress = options.onProgress ?? (() => {});
  const images = Object.fromEntries(
    Object.values(scenario.runtimes).flatMap((r) =>
      // A runtime with an image of its own gets it pushed to the registry below, not mapped; otherwise
      // the agent directory stands in for the image of the create request and of each update.
      r.image
        ? []
        : [r.request, ...r.afterCreate.flatMap((step) => ("update" in step ? [step.update] : []))].flatMap(
            (request) => {
              const uri = containerUriOf(request);
              return uri ? [[uri, resolve(dir, r.agent)]] : [];
            },
          ),
    ),
  );
  const needsNetwork = Object.values(scenario.runtimes).some(
    (r) => (r.request.networkConfiguration as { networkMode?: string } | undefined)?.networkMode === "VPC",
  );
  if (needsNetwork && (scenario.invocations.length > 0 || scenario.diagnose.invoke)) {
    const support = await fabricSupport();
    if (!support.ok) {
      throw new UsageError(
        `${loaded.name} runs a VPC runtime's sessions, which needs the session network (network namespaces and nftables, as root on Linux): ${support.reason}. Run it as root on Linux (CI does), or pick a scenario without VPC invocations.`,
      );
    }
  }
  const foreignAccounts = [
    ...new Set(scenario.invocations.flatMap((i) => (i.callerAccount ? [i.callerAccount] : []))),
  ];
  const issuer = scenario.oidcIssuer ? await startOidcIssuer() : undefined;
  const emulator = await startEmulator({
    port: 0,
    region: scenario.region,
    images,
    timing: { readyAfterMs: 200, deletingForMs: 200 },
    startupTimeoutMs: scenario.startupTimeoutSeconds * 1000,
    ...(options.console ? { console: true } : {}),
    ...(foreignAccounts.length > 0
      ? { accessKeyAccounts: Object.fromEntries(foreignAccounts.map((a) => [foreignKey(a), a])) }
      : {}),
  }).catch(async (error: unknown) => {
    await issuer?.stop();
    throw error;
  });
  const stopAll = async () => {
    await emulator.stop();
    await issuer?.stop();
  };
  const config = { endpoint: emulator.url, region: scenario.region, credentials: CREDENTIALS };
  try {
    for (const r of Object.values(scenario.runtimes)) {
      const uri = containerUriOf(r.request);
      if (!r.image || !uri) continue;
      progress(`building and pushing ${uri} (skopeo)`);
      await pushScenarioImage(config, emulator.port, uri, resolve(dir, r.agent), r.image).catch(
        (error: Error) => {
          throw new UsageError(
            `${loaded.name}: the image ${uri} could not be built and pushed: ${error.message}`,
          );
        },
      );
    }
    progress("building the account through the AWS API");
    const initial = new Map(issuer ? [["oidc:discoveryUrl", issuer.discoveryUrl]] : []);
    const { refs, runtimeIds } = await buildScenario(scenario, config, dir, initial).catch((error: Error) => {
      throw new UsageError(
        `${loaded.name}: building the scenario through the AWS API failed: ${error.name}: ${error.message}`,
      );
    });
    const invocations: InvocationOutcome[] = [];
    for (const invocation of scenario.invocations) {
      progress(`invoking ${invocation.runtime}`);
      const arn = refs.get(`runtime:${invocation.runtime}`);
      if (!arn)
        throw new UsageError(
          `an invocation names runtime ${invocation.runtime}, which the scenario does not define.`,
        );
      invocations.push({ runtime: invocation.runtime, ...(await invokeAs(invocation, arn, config, issuer)) });
    }
    const target = scenario.runtimes[scenario.diagnose.runtime]!;
    let observations: Observation[] | undefined;
    if (options.observe) {
      progress("looking at it as the engineer did");
      const request = resolveReferences(target.request, refs) as {
        networkConfiguration?: { networkModeConfig?: { subnets?: string[] } };
      };
      observations = await observeIncident(
        config,
        {
          name: scenario.diagnose.runtime,
          id: runtimeIds[scenario.diagnose.runtime]!,
          subnets: request.networkConfiguration?.networkModeConfig?.subnets ?? [],
        },
        invocations,
      );
    }
    progress("diagnose");
    const diagnosis = await diagnose({
      runtime: runtimeIds[scenario.diagnose.runtime]!,
      ...(scenario.diagnose.compareWith ? { compareWith: runtimeIds[scenario.diagnose.compareWith]! } : {}),
      endpointUrl: emulator.url,
      region: scenario.region,
      credentials: CREDENTIALS,
      allowInvoke: scenario.diagnose.invoke,
      invoke: scenario.diagnose.invoke,
      logSettleMs: 400,
      // The emulator started above sets no LookupEvents limit (cloudTrailLookupsPerSecond unset), so
      // pacing at CloudTrail's 2 per second would only wait: 2.5 s of every scenario's diagnosis.
      cloudTrailPerSecond: Number.POSITIVE_INFINITY,
      ...sourceOf(scenario.diagnose.source, resolve(dir, target.agent), target.request),
      ...(target.projectConfig ? { configFile: resolve(dir, target.projectConfig) } : {}),
      ...(scenario.diagnose.error && failedMessage(invocations)
        ? { reportedError: failedMessage(invocations)! }
        : {}),
      ...(scenario.diagnose.errorText ? { reportedError: scenario.diagnose.errorText } : {}),
      ...(scenario.diagnose.qualifier ? { qualifier: scenario.diagnose.qualifier } : {}),
    });
    const verdict = verdictOf(diagnosis.hypotheses, diagnosis.findings, diagnosis.error);
    const judgement = judge(scenario.expect, {
      verdict,
      hypotheses: diagnosis.hypotheses,
      findings: diagnosis.findings.map((f) => f.id),
    });
    return {
      name: loaded.name,
      expected: expectedText(scenario.expect),
      rootCause: verdict.rootCause ?? undefined,
      diagnosed: diagnosedText(verdict),
      ...judgement,
      invocations,
      diagnosis,
      ...(observations ? { observations } : {}),
      elapsedMs: Date.now() - started,
      ...(options.keep
        ? {
            kept: {
              url: emulator.url,
              ...(emulator.consoleUrl ? { consoleUrl: emulator.consoleUrl } : {}),
              stop: stopAll,
            },
          }
        : {}),
    };
  } catch (error) {
    // A failed run keeps nothing running, even with `keep`.
    if (options.keep) await stopAll();
    throw error;
  } finally {
    if (!options.keep) await stopAll();
  }
}
