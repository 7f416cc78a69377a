import { createHash } from "node:crypto";
import { ARN_PARTITION, partitionOf } from "../../util/arn.js";
import type { Environment, RequestContext } from "../context.js";
import { AwsError, conflict, notFound } from "../protocol/errors.js";
import type { Scope, Store } from "../store/store.js";
import { checkHeaderAllowlist, resolveLifecycle } from "./runtime-rules.js";
import { AgentCoreTags, type TagMap, taggableNotFound, taggedResource } from "./tags.js";
import { placeInVpc, type VpcNetworkDeps } from "./vpc-network.js";

export type RuntimeStatus =
  | "CREATING"
  | "CREATE_FAILED"
  | "UPDATING"
  | "UPDATE_FAILED"
  | "READY"
  | "DELETING";

/** The configuration a version freezes: what CreateAgentRuntime and UpdateAgentRuntime carry. */
export interface RuntimeConfiguration {
  agentRuntimeArtifact: Record<string, unknown>;
  roleArn: string;
  networkConfiguration: {
    networkMode: "PUBLIC" | "VPC";
    networkModeConfig?: { subnets: string[]; securityGroups: string[] };
  };
  description?: string;
  protocolConfiguration?: { serverProtocol: string };
  lifecycleConfiguration: { idleRuntimeSessionTimeout: number; maxLifetime: number };
  environmentVariables?: Record<string, string>;
  authorizerConfiguration?: Record<string, unknown>;
  requestHeaderConfiguration?: { requestHeaderAllowlist?: string[] };
  /** UpdateAgentRuntime's (and GetAgentRuntime's) microVM metadata service setting. */
  metadataConfiguration?: { requireMMDSV2: boolean };
  capacityProviderConfiguration?: Record<string, unknown>;
}

interface StoredRuntime {
  agentRuntimeId: string;
  agentRuntimeName: string;
  agentRuntimeArn: string;
  latestVersion: number;
  createdAt: string;
  lastUpdatedAt: string;
  /** Set by DeleteAgentRuntime: the runtime reads as DELETING until then, and is gone after. */
  goneAt?: string;
}

interface StoredVersion extends RuntimeConfiguration {
  version: number;
  createdAt: string;
  /** CREATING/UPDATING turn READY at this time unless a failure was recorded. */
  readyAt: string;
  failureReason?: string;
}

interface StoredEndpoint {
  name: string;
  id: string;
  agentRuntimeEndpointArn: string;
  targetVersion: number;
  /** The version serving before the target turned READY. */
  previousVersion?: number;
  followsLatest: boolean;
  description?: string;
  createdAt: string;
  lastUpdatedAt: string;
  readyAt: string;
  goneAt?: string;
}

interface StoredToken {
  fingerprint: string;
  response: Record<string, unknown>;
}

const RUNTIME = "agentcore.runtime";
const VERSION = "agentcore.runtime-version";
const ENDPOINT = "agentcore.runtime-endpoint";
const TOKEN = "agentcore.client-token";
const DEFAULT_ENDPOINT = "DEFAULT";

export interface ControlPlaneTiming {
  /** How long CREATING and UPDATING last (AgentCore takes tens of seconds; tests want less). */
  readyAfterMs: number;
  /** How long a deleted runtime or endpoint reads as DELETING. */
  deletingForMs: number;
}

export const DEFAULT_TIMING: ControlPlaneTiming = { readyAfterMs: 2_000, deletingForMs: 1_000 };

export interface RuntimeView extends RuntimeConfiguration {
  agentRuntimeId: string;
  agentRuntimeName: string;
  agentRuntimeArn: string;
  agentRuntimeVersion: string;
  createdAt: Date;
  lastUpdatedAt: Date;
  status: RuntimeStatus;
  failureReason?: string;
  workloadIdentityDetails: { workloadIdentityArn: string };
}

export interface EndpointView {
  name: string;
  id: string;
  agentRuntimeEndpointArn: string;
  agentRuntimeArn: string;
  agentRuntimeId: string;
  targetVersion: string;
  liveVersion?: string;
  status: RuntimeStatus;
  description?: string;
  createdAt: Date;
  lastUpdatedAt: Date;
}

/** Deleted records read as DELETING until `goneAt`, then as absent. */
function isGone(record: { goneAt?: string }, now: Date): boolean {
  return record.goneAt !== undefined && now >= new Date(record.goneAt);
}

/** The list entry of a runtime or version (ListAgentRuntimes, ListAgentRuntimeVersions). */
function summary(v: RuntimeView) {
  return {
    agentRuntimeArn: v.agentRuntimeArn,
    agentRuntimeId: v.agentRuntimeId,
    agentRuntimeVersion: v.agentRuntimeVersion,
    agentRuntimeName: v.agentRuntimeName,
    description: v.description ?? "",
    lastUpdatedAt: v.lastUpdatedAt,
    status: v.status,
  };
}

/** A context for reads the emulator makes itself (no caller, nothing recorded). */
function readerContext(scope: Scope, now: Date): RequestContext {
  return {
    ...scope,
    requestId: "emulator-console",
    accessKeyId: "",
    caller: { type: "AWSService", invokedBy: "emulator console" },
    now,
  };
}

function scopeOf(ctx: RequestContext): Scope {
  return { account: ctx.account, region: ctx.region };
}

/**
 * AgentCore Runtime's control plane: runtimes, their immutable versions, and
 * endpoints. Statuses are derived from recorded times and failures, never
 * from how often someone asked.
 */
export class AgentRuntimes {
  private readonly tags: AgentCoreTags;

  constructor(
    private readonly store: Store,
    private readonly env: Environment,
    private readonly timing: ControlPlaneTiming = DEFAULT_TIMING,
    /** EC2, IAM and CloudTrail as AgentCore's VPC mode uses them; without them VPC settings are kept as data. */
    private readonly network?: VpcNetworkDeps,
  ) {
    this.tags = new AgentCoreTags(store);
  }

  /** A version's failure, if AgentCore could not place it: VPC mode's subnets, groups and interfaces. */
  private placementFailure(ctx: RequestContext, runtimeArn: string, config: RuntimeConfiguration) {
    const vpc = config.networkConfiguration.networkModeConfig;
    if (!this.network || config.networkConfiguration.networkMode !== "VPC" || !vpc) return {};
    const { failureReason } = placeInVpc(this.network, ctx, runtimeArn, vpc);
    return failureReason ? { failureReason } : {};
  }

  private later(ctx: RequestContext, ms: number): string {
    return new Date(ctx.now.getTime() + ms).toISOString();
  }

  private versionStatus(v: StoredVersion, now: Date): RuntimeStatus {
    // A failure shows once the work that found it would have finished, as AgentCore reports it.
    if (now >= new Date(v.readyAt)) {
      if (v.failureReason) return v.version === 1 ? "CREATE_FAILED" : "UPDATE_FAILED";
      return "READY";
    }
    return v.version === 1 ? "CREATING" : "UPDATING";
  }

  private liveRuntime(ctx: RequestContext, id: string): StoredRuntime {
    const runtime = this.store.get<StoredRuntime>(RUNTIME, scopeOf(ctx), id);
    if (!runtime || isGone(runtime, ctx.now)) {
      throw notFound(`AgentRuntime not found: ${id}`);
    }
    return runtime;
  }

  private version(ctx: RequestContext, runtime: StoredRuntime, version: number): StoredVersion {
    const stored = this.store.get<StoredVersion>(
      VERSION,
      scopeOf(ctx),
      `${runtime.agentRuntimeId}:${version}`,
    );
    if (!stored) throw notFound(`Version ${version} of AgentRuntime ${runtime.agentRuntimeId} not found`);
    return stored;
  }

  private view(ctx: RequestContext, runtime: StoredRuntime, v: StoredVersion): RuntimeView {
    const { version, readyAt: _readyAt, failureReason, createdAt: _created, ...config } = v;
    const status = runtime.goneAt ? "DELETING" : this.versionStatus(v, ctx.now);
    return {
      ...config,
      agentRuntimeId: runtime.agentRuntimeId,
      agentRuntimeName: runtime.agentRuntimeName,
      agentRuntimeArn: runtime.agentRuntimeArn,
      agentRuntimeVersion: String(version),
      createdAt: new Date(runtime.createdAt),
      lastUpdatedAt: new Date(runtime.lastUpdatedAt),
      status,
      ...(failureReason && status.endsWith("_FAILED") ? { failureReason } : {}),
      workloadIdentityDetails: {
        workloadIdentityArn: `arn:${partitionOf(ctx.region)}:bedrock-agentcore:${ctx.region}:${ctx.account}:workload-identity-directory/default/workload-identity/${runtime.agentRuntimeId}`,
      },
    };
  }

  /** Same clientToken and same request: the first answer again; same token, other request: rejected. */
  private idempotent(
    ctx: RequestContext,
    operation: string,
    token: string | undefined,
    input: unknown,
    run: () => Record<string, unknown>,
  ) {
    if (!token) return run();
    const fingerprint = createHash("sha256").update(JSON.stringify(input)).digest("hex");
    const key = `${operation}:${token}`;
    const seen = this.store.get<StoredToken>(TOKEN, scopeOf(ctx), key);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw new AwsError(
          "ValidationException",
          "The clientToken was already used with a different request.",
          {
            reason: "IdempotentParameterMismatchException",
          },
        );
      }
      return seen.response;
    }
    const response = run();
    this.store.put<StoredToken>(TOKEN, scopeOf(ctx), key, { fingerprint, response });
    return response;
  }

  /**
   * The configuration a version keeps: exactly what the request carried (an
   * update replaces the whole configuration, so what it omits is gone), with
   * AgentCore's defaults and rules applied.
   */
  private withDefaults(config: RuntimeConfiguration): RuntimeConfiguration {
    checkHeaderAllowlist(
      config.requestHeaderConfiguration?.requestHeaderAllowlist,
      config.authorizerConfiguration?.customJWTAuthorizer !== undefined,
    );
    return {
      ...config,
      // Optional in the model, always in GetAgentRuntime's answer: a runtime without one is PUBLIC.
      networkConfiguration: config.networkConfiguration ?? { networkMode: "PUBLIC" },
      lifecycleConfiguration: resolveLifecycle(
        config.lifecycleConfiguration,
        config.capacityProviderConfiguration !== undefined,
      ),
    };
  }

  createRuntime(
    ctx: RequestContext,
    input: RuntimeConfiguration & { agentRuntimeName: string; clientToken?: string; tags?: TagMap },
  ) {
    const { clientToken, agentRuntimeName, tags, ...rest } = input;
    return this.idempotent(ctx, "CreateAgentRuntime", clientToken, input, () => {
      const scope = scopeOf(ctx);
      const taken = this.store
        .list<StoredRuntime>(RUNTIME, scope)
        .some((r) => r.agentRuntimeName === agentRuntimeName && !isGone(r, ctx.now));
      if (taken) throw conflict(`An agent runtime with the name ${agentRuntimeName} already exists.`);
      const id = `${agentRuntimeName}-${this.env.randomAlphanumeric(10)}`;
      const now = ctx.now.toISOString();
      const runtime: StoredRuntime = {
        agentRuntimeId: id,
        agentRuntimeName,
        agentRuntimeArn: `arn:${partitionOf(ctx.region)}:bedrock-agentcore:${ctx.region}:${ctx.account}:runtime/${id}`,
        latestVersion: 1,
        createdAt: now,
        lastUpdatedAt: now,
      };
      const config = this.withDefaults(rest);
      const version: StoredVersion = {
        ...config,
        version: 1,
        createdAt: now,
        readyAt: this.later(ctx, this.timing.readyAfterMs),
        ...this.placementFailure(ctx, runtime.agentRuntimeArn, config),
      };
      this.store.put(RUNTIME, scope, id, runtime);
      this.store.put(VERSION, scope, `${id}:1`, version);
      this.tags.setInitial(ctx, runtime.agentRuntimeArn, tags);
      this.store.put<StoredEndpoint>(ENDPOINT, scope, `${id}:${DEFAULT_ENDPOINT}`, {
        name: DEFAULT_ENDPOINT,
        id: `${DEFAULT_ENDPOINT}`,
        agentRuntimeEndpointArn: `${runtime.agentRuntimeArn}/runtime-endpoint/${DEFAULT_ENDPOINT}`,
        targetVersion: 1,
        followsLatest: true,
        createdAt: now,
        lastUpdatedAt: now,
        readyAt: version.readyAt,
      });
      const view = this.view(ctx, runtime, version);
      return {
        agentRuntimeArn: view.agentRuntimeArn,
        agentRuntimeId: id,
        agentRuntimeVersion: "1",
        createdAt: view.createdAt,
        // AgentCore answers a create with CREATING whatever follows (READY or CREATE_FAILED), however soon.
        status: "CREATING" as const,
        workloadIdentityDetails: view.workloadIdentityDetails,
      };
    });
  }

  getRuntime(ctx: RequestContext, id: string, version?: string): RuntimeView {
    const runtime = this.liveRuntime(ctx, id);
    return this.view(
      ctx,
      runtime,
      this.version(ctx, runtime, version ? Number(version) : runtime.latestVersion),
    );
  }

  updateRuntime(ctx: RequestContext, id: string, input: RuntimeConfiguration & { clientToken?: string }) {
    const { clientToken, ...rest } = input;
    return this.idempotent(ctx, `UpdateAgentRuntime:${id}`, clientToken, input, () => {
      const scope = scopeOf(ctx);
      const runtime = this.liveRuntime(ctx, id);
      if (runtime.goneAt) throw conflict(`AgentRuntime ${id} is being deleted.`);
      const current = this.version(ctx, runtime, runtime.latestVersion);
      const status = this.versionStatus(current, ctx.now);
      if (status === "CREATING" || status === "UPDATING") {
        throw conflict(`AgentRuntime ${id} is ${status}; retry when it is READY.`);
      }
      const number = runtime.latestVersion + 1;
      const now = ctx.now.toISOString();
      const config = this.withDefaults(rest);
      const version: StoredVersion = {
        ...config,
        version: number,
        createdAt: now,
        readyAt: this.later(ctx, this.timing.readyAfterMs),
        ...this.placementFailure(ctx, runtime.agentRuntimeArn, config),
      };
      const updated = { ...runtime, latestVersion: number, lastUpdatedAt: now };
      this.store.put(RUNTIME, scope, id, updated);
      this.store.put(VERSION, scope, `${id}:${number}`, version);
      for (const endpoint of this.store.list<StoredEndpoint>(ENDPOINT, scope)) {
        if (
          !endpoint.agentRuntimeEndpointArn.startsWith(`${runtime.agentRuntimeArn}/`) ||
          !endpoint.followsLatest
        )
          continue;
        this.store.put<StoredEndpoint>(ENDPOINT, scope, `${id}:${endpoint.name}`, {
          ...endpoint,
          previousVersion: this.liveVersion(ctx, runtime, endpoint),
          targetVersion: number,
          lastUpdatedAt: now,
          readyAt: version.readyAt,
        });
      }
      const view = this.view(ctx, updated, version);
      return {
        agentRuntimeArn: view.agentRuntimeArn,
        agentRuntimeId: id,
        agentRuntimeVersion: String(number),
        createdAt: view.createdAt,
        lastUpdatedAt: view.lastUpdatedAt,
        status: "UPDATING" as const,
        workloadIdentityDetails: view.workloadIdentityDetails,
      };
    });
  }

  deleteRuntime(ctx: RequestContext, id: string) {
    const scope = scopeOf(ctx);
    const runtime = this.liveRuntime(ctx, id);
    const goneAt = runtime.goneAt ?? this.later(ctx, this.timing.deletingForMs);
    this.store.put<StoredRuntime>(RUNTIME, scope, id, { ...runtime, goneAt });
    for (const endpoint of this.store.list<StoredEndpoint>(ENDPOINT, scope)) {
      if (endpoint.agentRuntimeEndpointArn.startsWith(`${runtime.agentRuntimeArn}/`)) {
        this.store.put<StoredEndpoint>(ENDPOINT, scope, `${id}:${endpoint.name}`, { ...endpoint, goneAt });
      }
    }
    return {
      status: "DELETING" as const,
      agentRuntimeId: id,
      agentRuntimeVersion: String(runtime.latestVersion),
    };
  }

  /** Every live runtime (the wire layer cuts the page the caller asked for). */
  listRuntimes(ctx: RequestContext) {
    const runtimes = this.store
      .list<StoredRuntime>(RUNTIME, scopeOf(ctx))
      .filter((r) => !isGone(r, ctx.now))
      .map((r) => this.view(ctx, r, this.version(ctx, r, r.latestVersion)));
    return { agentRuntimes: runtimes.map(summary) };
  }

  /** Every version of a runtime, newest first (the wire layer pages). */
  listVersions(ctx: RequestContext, id: string) {
    const runtime = this.liveRuntime(ctx, id);
    const versions = [];
    for (let n = runtime.latestVersion; n >= 1; n--)
      versions.push(this.view(ctx, runtime, this.version(ctx, runtime, n)));
    return { agentRuntimes: versions.map(summary) };
  }

  /** The version an endpoint serves now: its target once READY, else the one before. */
  private liveVersion(
    ctx: RequestContext,
    runtime: StoredRuntime,
    endpoint: StoredEndpoint,
  ): number | undefined {
    const target = this.version(ctx, runtime, endpoint.targetVersion);
    return this.versionStatus(target, ctx.now) === "READY"
      ? endpoint.targetVersion
      : endpoint.previousVersion;
  }

  private endpointView(ctx: RequestContext, runtime: StoredRuntime, endpoint: StoredEndpoint): EndpointView {
    const target = this.version(ctx, runtime, endpoint.targetVersion);
    const live = this.liveVersion(ctx, runtime, endpoint);
    const targetStatus = this.versionStatus(target, ctx.now);
    const status: RuntimeStatus = endpoint.goneAt
      ? "DELETING"
      : targetStatus === "READY" && ctx.now < new Date(endpoint.readyAt)
        ? "UPDATING"
        : targetStatus;
    return {
      name: endpoint.name,
      id: endpoint.id,
      agentRuntimeEndpointArn: endpoint.agentRuntimeEndpointArn,
      agentRuntimeArn: runtime.agentRuntimeArn,
      agentRuntimeId: runtime.agentRuntimeId,
      targetVersion: String(endpoint.targetVersion),
      ...(live !== undefined ? { liveVersion: String(live) } : {}),
      status,
      ...(endpoint.description ? { description: endpoint.description } : {}),
      createdAt: new Date(endpoint.createdAt),
      lastUpdatedAt: new Date(endpoint.lastUpdatedAt),
    };
  }

  private liveEndpoint(ctx: RequestContext, runtime: StoredRuntime, name: string): StoredEndpoint {
    const endpoint = this.store.get<StoredEndpoint>(
      ENDPOINT,
      scopeOf(ctx),
      `${runtime.agentRuntimeId}:${name}`,
    );
    if (!endpoint || isGone(endpoint, ctx.now)) {
      throw notFound(`AgentRuntimeEndpoint not found: ${name}`);
    }
    return endpoint;
  }

  createEndpoint(
    ctx: RequestContext,
    input: {
      agentRuntimeId: string;
      name: string;
      agentRuntimeVersion?: string;
      description?: string;
      clientToken?: string;
      tags?: TagMap;
    },
  ) {
    return this.idempotent(
      ctx,
      `CreateAgentRuntimeEndpoint:${input.agentRuntimeId}`,
      input.clientToken,
      input,
      () => {
        const scope = scopeOf(ctx);
        const runtime = this.liveRuntime(ctx, input.agentRuntimeId);
        const existing = this.store.get<StoredEndpoint>(
          ENDPOINT,
          scope,
          `${runtime.agentRuntimeId}:${input.name}`,
        );
        if (existing && !isGone(existing, ctx.now)) {
          throw conflict(
            `An endpoint with the name ${input.name} already exists for AgentRuntime ${runtime.agentRuntimeId}.`,
          );
        }
        const version = input.agentRuntimeVersion ? Number(input.agentRuntimeVersion) : runtime.latestVersion;
        this.version(ctx, runtime, version);
        const now = ctx.now.toISOString();
        const endpoint: StoredEndpoint = {
          name: input.name,
          id: `${input.name}-${this.env.randomAlphanumeric(10)}`,
          agentRuntimeEndpointArn: `${runtime.agentRuntimeArn}/runtime-endpoint/${input.name}`,
          targetVersion: version,
          followsLatest: false,
          ...(input.description ? { description: input.description } : {}),
          createdAt: now,
          lastUpdatedAt: now,
          readyAt: this.later(ctx, this.timing.readyAfterMs),
        };
        this.store.put(ENDPOINT, scope, `${runtime.agentRuntimeId}:${input.name}`, endpoint);
        this.tags.setInitial(ctx, endpoint.agentRuntimeEndpointArn, input.tags);
        const view = this.endpointView(ctx, runtime, endpoint);
        return {
          targetVersion: view.targetVersion,
          agentRuntimeEndpointArn: view.agentRuntimeEndpointArn,
          agentRuntimeArn: view.agentRuntimeArn,
          agentRuntimeId: view.agentRuntimeId,
          endpointName: view.name,
          status: "CREATING" as const,
          createdAt: view.createdAt,
        };
      },
    );
  }

  getEndpoint(ctx: RequestContext, runtimeId: string, name: string): EndpointView {
    const runtime = this.liveRuntime(ctx, runtimeId);
    return this.endpointView(ctx, runtime, this.liveEndpoint(ctx, runtime, name));
  }

  updateEndpoint(
    ctx: RequestContext,
    input: {
      agentRuntimeId: string;
      endpointName: string;
      agentRuntimeVersion?: string;
      description?: string;
      clientToken?: string;
    },
  ) {
    return this.idempotent(
      ctx,
      `UpdateAgentRuntimeEndpoint:${input.agentRuntimeId}`,
      input.clientToken,
      input,
      () => {
        const scope = scopeOf(ctx);
        const runtime = this.liveRuntime(ctx, input.agentRuntimeId);
        const endpoint = this.liveEndpoint(ctx, runtime, input.endpointName);
        const version = input.agentRuntimeVersion ? Number(input.agentRuntimeVersion) : runtime.latestVersion;
        this.version(ctx, runtime, version);
        const now = ctx.now.toISOString();
        const updated: StoredEndpoint = {
          ...endpoint,
          previousVersion: this.liveVersion(ctx, runtime, endpoint),
          targetVersion: version,
          followsLatest: endpoint.name === DEFAULT_ENDPOINT && input.agentRuntimeVersion === undefined,
          ...(input.description !== undefined ? { description: input.description } : {}),
          lastUpdatedAt: now,
          readyAt: this.later(ctx, this.timing.readyAfterMs),
        };
        this.store.put(ENDPOINT, scope, `${runtime.agentRuntimeId}:${endpoint.name}`, updated);
        const view = this.endpointView(ctx, runtime, updated);
        return {
          ...(view.liveVersion ? { liveVersion: view.liveVersion } : {}),
          targetVersion: view.targetVersion,
          agentRuntimeEndpointArn: view.agentRuntimeEndpointArn,
          agentRuntimeArn: view.agentRuntimeArn,
          status: "UPDATING" as const,
          createdAt: view.createdAt,
          lastUpdatedAt: view.lastUpdatedAt,
        };
      },
    );
  }

  deleteEndpoint(ctx: RequestContext, runtimeId: string, name: string) {
    const runtime = this.liveRuntime(ctx, runtimeId);
    const endpoint = this.liveEndpoint(ctx, runtime, name);
    if (name === DEFAULT_ENDPOINT)
      throw conflict("The DEFAULT endpoint is deleted with its runtime and cannot be deleted alone.");
    this.store.put<StoredEndpoint>(ENDPOINT, scopeOf(ctx), `${runtimeId}:${name}`, {
      ...endpoint,
      goneAt: endpoint.goneAt ?? this.later(ctx, this.timing.deletingForMs),
    });
    return { status: "DELETING" as const, agentRuntimeId: runtimeId, endpointName: name };
  }

  /**
   * What InvokeAgentRuntime reaches: the runtime named by ARN or id, and the
   * version its endpoint (qualifier, DEFAULT when absent) serves now.
   */
  resolveInvocationTarget(ctx: RequestContext, arnOrId: string, qualifier = DEFAULT_ENDPOINT): RuntimeView {
    const match = new RegExp(`^arn:${ARN_PARTITION}:bedrock-agentcore:([^:]+):(\\d{12}):runtime/(.+)$`).exec(
      arnOrId,
    );
    if (match && (match[1] !== ctx.region || match[2] !== ctx.account)) {
      throw notFound(`AgentRuntime not found: ${arnOrId}`);
    }
    const runtime = this.liveRuntime(ctx, match ? match[3]! : arnOrId);
    if (runtime.goneAt) throw notFound(`AgentRuntime ${runtime.agentRuntimeId} is being deleted`);
    const endpoint = this.liveEndpoint(ctx, runtime, qualifier);
    const live = this.liveVersion(ctx, runtime, endpoint);
    if (live === undefined) {
      throw new AwsError(
        "ResourceNotFoundException",
        `Endpoint ${qualifier} of AgentRuntime ${runtime.agentRuntimeId} has no READY version yet.`,
      );
    }
    return this.view(ctx, runtime, this.version(ctx, runtime, live));
  }

  /** Every live endpoint of a runtime (the wire layer pages). */
  listEndpoints(ctx: RequestContext, runtimeId: string) {
    const runtime = this.liveRuntime(ctx, runtimeId);
    const endpoints = this.store
      .list<StoredEndpoint>(ENDPOINT, scopeOf(ctx))
      .filter(
        (e) => e.agentRuntimeEndpointArn.startsWith(`${runtime.agentRuntimeArn}/`) && !isGone(e, ctx.now),
      )
      .map((e) => this.endpointView(ctx, runtime, e));
    return { runtimeEndpoints: endpoints };
  }

  // ---- read-only views for the emulator's console

  /** The accounts and regions that hold runtimes (deleted ones included until they are gone). */
  scopes(): Scope[] {
    return this.store.listAll<StoredRuntime>(RUNTIME).map((r) => r.scope);
  }

  /** Every live runtime of a scope with all its versions (newest first) and endpoints, as Get* answers them. */
  overview(
    scope: Scope,
    now: Date,
  ): Array<RuntimeView & { versions: RuntimeView[]; endpoints: EndpointView[] }> {
    const ctx = readerContext(scope, now);
    return this.store
      .list<StoredRuntime>(RUNTIME, scope)
      .filter((r) => !isGone(r, now))
      .map((runtime) => {
        const versions: RuntimeView[] = [];
        for (let n = runtime.latestVersion; n >= 1; n--)
          versions.push(this.view(ctx, runtime, this.version(ctx, runtime, n)));
        const endpoints = this.store
          .list<StoredEndpoint>(ENDPOINT, scope)
          .filter(
            (e) => e.agentRuntimeEndpointArn.startsWith(`${runtime.agentRuntimeArn}/`) && !isGone(e, now),
          )
          .map((e) => this.endpointView(ctx, runtime, e));
        return { ...versions[0]!, versions, endpoints };
      });
  }

  // ---- tags (TagResource, UntagResource, ListTagsForResource)

  /** The runtime or endpoint an ARN names, live in the caller's account and region; anything else is not found. */
  /** A runtime or endpoint ARN of this account and region that exists (tags, resource policies); ResourceNotFoundException otherwise. */
  requireTaggable(ctx: RequestContext, arn: string): void {
    const resource = taggedResource(arn);
    if (!resource || resource.region !== ctx.region || resource.account !== ctx.account)
      throw taggableNotFound(arn);
    const runtime = this.liveRuntime(ctx, resource.runtimeId);
    if (resource.endpointName) this.liveEndpoint(ctx, runtime, resource.endpointName);
  }

  tagResource(ctx: RequestContext, arn: string, tags: TagMap) {
    this.requireTaggable(ctx, arn);
    this.tags.tag(ctx, arn, tags);
    return {};
  }

  untagResource(ctx: RequestContext, arn: string, keys: readonly string[]) {
    this.requireTaggable(ctx, arn);
    this.tags.untag(ctx, arn, keys);
    return {};
  }

  listTagsForResource(ctx: RequestContext, arn: string) {
    this.requireTaggable(ctx, arn);
    return { tags: this.tags.list(ctx, arn) };
  }
}
