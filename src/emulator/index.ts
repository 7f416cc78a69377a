import { homedir } from "node:os";
import { join } from "node:path";
import type { Platform } from "../agent/image-platform.js";
import { DEFAULT_STARTUP_TIMEOUT_MS } from "../agent/types.js";
import { sessionArtifacts } from "./bedrock-agentcore/artifacts.js";
import type { CodeBaseChoice } from "./bedrock-agentcore/code-base.js";
import { s3CodeFetcher } from "./bedrock-agentcore/code-runtime.js";
import { RuntimeLogDelivery } from "./bedrock-agentcore/runtime-logs.js";
import { type SessionDriver, SessionManager } from "./bedrock-agentcore/sessions.js";
import { AgentRuntimes, type ControlPlaneTiming, DEFAULT_TIMING } from "./bedrock-agentcore-control/model.js";
import { Trail } from "./cloudtrail/model.js";
import { consoleState } from "./console/state.js";
import { type Environment, systemEnvironment } from "./context.js";
import { Dispatch, type ServiceBinding } from "./dispatch.js";
import { Ec2 } from "./ec2/model/ec2.js";
import { MappedImages } from "./ecr/mapped-images.js";
import { Ecr } from "./ecr/model.js";
import { type ResolvedImage, resolveImage } from "./ecr/resolve-image.js";
import { Iam } from "./iam/model/iam.js";
import { Logs } from "./logs/model.js";
import { S3 } from "./s3/model.js";
import { createEmulatorServer, listen } from "./server.js";
import { buildServices } from "./services.js";
import { BlobStore } from "./store/blob-store.js";
import { SqliteStore } from "./store/sqlite-store.js";
import { STATE_ECR_DIR, STATE_S3_DIR } from "./store/state-dir.js";
import { Sts } from "./sts/model.js";

export interface EmulatorOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Persist state here; in memory when unset. */
  stateDir?: string;
  account?: string;
  region?: string;
  timing?: Partial<ControlPlaneTiming>;
  /** containerUri (with or without tag) → the local agent directory standing in for that image. */
  images?: Record<string, string>;
  /** Where the CA for the stand-in AWS endpoints lives; default: `ca/` under the state directory, else under ~/.cache/agentcore-doctor. */
  caDir?: string;
  /** Default: netns where this runs as root on Linux, else process. */
  driver?: SessionDriver;
  /** Session namespaces the netns driver keeps made ahead (default ACD_NETNS_POOL, else 2; 0: none). */
  namespacePool?: number;
  /** How long a new session's instance may take to answer its health check. */
  startupTimeoutMs?: number;
  /**
   * Where code runtimes' zips run: `auto` the linux/arm64 base where this host
   * can run it (else this machine's interpreter, the reason logged), `arm64` only
   * there, `host` this machine's interpreter. Default: ACD_CODE_RUNTIME_BASE, else auto.
   */
  codeRuntimeBase?: CodeBaseChoice;
  /** How long one second of a session's lifecycle (idle timeout, maximum lifetime) lasts, in ms (default 1000; tests shorten it). */
  lifecycleSecondMs?: number;
  /** From when invocations of runtimes without MMDSv2 are refused (ISO date; default 2026-06-30, AWS's date). */
  mmdsv2Cutover?: string;
  /**
   * Every account gets its default VPC in each region on its first EC2 call, as AWS
   * accounts have one (default true); false: accounts as if it had been deleted.
   */
  defaultVpc?: boolean;
  /** Serve the read-only console page at /_emulator/console (the state document /_emulator/state is always served). */
  console?: boolean;
  /** CloudTrail's real limit is 2 LookupEvents per second per account and region; unset: unlimited. */
  cloudTrailLookupsPerSecond?: number;
  /** Access key ids that belong to another account (id → account): such a caller is that account's, as AWS keys are (sts GetAccessKeyInfo); others are the emulator's account. */
  accessKeyAccounts?: Record<string, string>;
  env?: Partial<Environment>;
  log?: (line: string) => void;
}

export interface RunningEmulator {
  url: string;
  /** The console page's address (`emulate --console`), when served. */
  consoleUrl?: string;
  /** How sessions run: each in its own network namespace, or one at a time on this host. */
  driver: SessionDriver;
  port: number;
  /** What a containerUri names in this emulator's ECR (pushed image files, a mapped directory, or why neither), for `platform` (default linux/arm64). */
  resolveImage(uri: string, platform?: Platform): ResolvedImage;
  /** Fills the session namespace pool and resolves when it is full, with how many wait ready (benches: each timed start finds it warm). */
  warmPool(): Promise<number>;
  stop(): Promise<void>;
}

import { DEFAULT_EMULATOR_PORT } from "./defaults.js";

export { DEFAULT_EMULATOR_PORT };
export const DEFAULT_ACCOUNT = "123456789012";

/** A persistent place for the CA when state is in memory: its certificate stays trusted across runs. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "agentcore-doctor");
}

/**
 * The execution role's temporary credentials for one instance, issued by the
 * emulated STS so that the agent's calls are attributed to the role's
 * session (CloudTrail, GetCallerIdentity). The session is named after the
 * runtime session id (AgentCore's own naming is not documented) and lasts the
 * session's maximum lifetime, since an instance cannot refresh variables.
 */
function executionRoleCredentials(
  sts: Sts,
  spec: { account: string; roleArn: string; sessionId: string; maxLifetimeSeconds: number },
  now: Date,
): Record<string, string> {
  const duration = Math.min(Math.max(spec.maxLifetimeSeconds, 900), 43_200);
  const credentials = sts.issueForService(spec.account, spec.roleArn, spec.sessionId, duration, now);
  return {
    AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: credentials.SessionToken,
  };
}

/** Starts the local AgentCore Runtime on one HTTP endpoint; `stop()` closes it and its state. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const env: Environment = { ...systemEnvironment, ...options.env };
  const store = new SqliteStore(options.stateDir);
  const trail = new Trail(store, env, options.cloudTrailLookupsPerSecond);
  const ec2 = new Ec2(store, env, options.defaultVpc ?? true);
  const logs = new Logs(store, env);
  const iam = new Iam(store, env);
  // Registry blobs beside the state (ecr/ in the state directory), or in a temporary directory removed on stop.
  const blobs = options.stateDir
    ? BlobStore.at(join(options.stateDir, STATE_ECR_DIR))
    : BlobStore.temporary();
  const ecr = new Ecr(store, env, blobs, new MappedImages(options.images ?? {}, env.clock()));
  ecr.recover();
  const s3Blobs = options.stateDir
    ? BlobStore.at(join(options.stateDir, STATE_S3_DIR))
    : BlobStore.temporary("s3");
  const s3 = new S3(store, env, s3Blobs);
  s3.recover();
  const sts = new Sts(store, env, iam);
  // The one way into the services, for the wire and for the calls AgentCore makes in process.
  let services: ServiceBinding[] = [];
  const dispatch = new Dispatch({ store, env, trail, services: () => services });
  // AgentCore's service side: VPC placement by its service-linked role, container output by the execution role.
  const runtimes = new AgentRuntimes(
    store,
    env,
    { ...DEFAULT_TIMING, ...options.timing },
    { ec2, roles: iam, env, dispatch },
  );
  const logDelivery = new RuntimeLogDelivery(store, logs, iam);
  let upstreamUrl = "";
  const sessions = new SessionManager({
    onOutput: (source, line) => logDelivery.accept(source, line),
    instanceEnvironment: (spec) =>
      store.transaction(() => {
        const now = env.clock();
        iam.markRoleUsed(spec.account, spec.roleArn, spec.region, now);
        return executionRoleCredentials(sts, spec, now);
      }),
    network: {
      ec2,
      caDir: options.caDir ?? join(options.stateDir ?? defaultCacheDir(), "ca"),
      upstream: () => ({ url: upstreamUrl }),
    },
    artifacts: sessionArtifacts(ecr, options.images ?? {}),
    fetchCode: s3CodeFetcher(s3, iam),
    ...(options.codeRuntimeBase ? { codeRuntimeBase: options.codeRuntimeBase } : {}),
    startupTimeoutMs: options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
    ...(options.lifecycleSecondMs ? { lifecycleSecondMs: options.lifecycleSecondMs } : {}),
    ...(options.driver ? { driver: options.driver } : {}),
    ...(options.namespacePool !== undefined ? { namespacePool: options.namespacePool } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  services = buildServices({
    store,
    env,
    trail,
    runtimes,
    sessions,
    ec2,
    logs,
    iam,
    ecr,
    s3,
    sts,
    dispatch,
    ...(options.mmdsv2Cutover ? { dataPlane: { mmdsv2Cutover: options.mmdsv2Cutover } } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const server = createEmulatorServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? DEFAULT_EMULATOR_PORT,
    account: options.account ?? DEFAULT_ACCOUNT,
    defaultRegion: options.region ?? "us-east-1",
    store,
    env,
    trail,
    identify: (accessKeyId, account, region) =>
      sts.identify(accessKeyId, options.accessKeyAccounts?.[accessKeyId] ?? account, region),
    view: {
      console: options.console ?? false,
      state: () => consoleState({ store, runtimes, sessions, ec2, trail, logs }, env.clock()),
    },
    dispatch,
    services,
    ...(options.log ? { log: options.log } : {}),
  });
  const host = options.host ?? "127.0.0.1";
  const address = await listen(server, host, options.port ?? DEFAULT_EMULATOR_PORT);
  upstreamUrl = `http://${host === "0.0.0.0" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host}:${address.port}`;
  const driver = await sessions.resolveDriver();
  return {
    driver,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    ...(options.console
      ? { consoleUrl: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}/_emulator/console` }
      : {}),
    resolveImage: (uri, platform) => resolveImage(ecr, options.images ?? {}, uri, platform),
    warmPool: () => sessions.warmPool(),
    stop: async () => {
      await sessions.stopAll();
      logDelivery.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
      blobs.close();
      s3Blobs.close();
    },
  };
}
