import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Adapter } from "./adapter.js";
import { apiCallRecord } from "./cloudtrail/api-call.js";
import type { Trail } from "./cloudtrail/model.js";
import type { Environment, RequestContext } from "./context.js";
import type { PathRoute } from "./path-route.js";
import type { ProtocolCodec } from "./protocol/codec.js";
import { AwsError } from "./protocol/errors.js";
import { pageOutput } from "./protocol/paginator.js";
import type { Operation } from "./protocol/service-model.js";
import { validateInput } from "./protocol/validate.js";
import type { Store } from "./store/store.js";

/** A service the endpoint serves: its signing name, its codec over the model, its adapter. */
export interface ServiceBinding {
  signingName: string;
  codec: ProtocolCodec;
  adapter: Adapter;
  /** false for services whose operations wait on agents: they open their own transactions. */
  transactional?: boolean;
  /** CloudTrail's eventSource for management calls (e.g. bedrock-agentcore.amazonaws.com); unset: not recorded (data events). */
  eventSource?: string;
  /** Operations CloudTrail logs as data events (S3's object-level calls): not in the event history LookupEvents reads. */
  dataEvents?: ReadonlySet<string>;
  /** Plain HTTP the service serves under a path prefix besides its API (ECR's registry, `/v2/`). */
  pathRoutes?: readonly PathRoute[];
  /** An HTTP upgrade the service takes (the data plane's WebSocket stream, `/runtimes/{arn}/ws`). */
  upgrade?: {
    matches: (path: string) => boolean;
    handle: (request: IncomingMessage, socket: Duplex, head: Buffer, ctx: RequestContext) => Promise<void>;
  };
  /** What `POST /_emulator/reset/<signingName>` clears: the store kinds (by prefix) this service keeps, and its work around the clearing. */
  state?: ServiceState;
}

/** A service's share of the emulator's state, for the reset endpoint. */
export interface ServiceState {
  /** Store kind prefixes (`ec2.`, `ecr-`). */
  kinds: readonly string[];
  /** Before the rows go: stop what uses them (running sessions). */
  beforeReset?: () => Promise<void>;
  /** After they went (committed): drop what hung off them (ECR's blob files). */
  afterReset?: () => void;
}

/** Where a call came from, as CloudTrail records it: the caller's address and agent, or the service that made it. */
export interface CallOrigin {
  sourceIPAddress: string;
  userAgent: string;
}

export interface DispatchOptions {
  store: Store;
  env: Environment;
  trail?: Trail;
  /** The services, late: the models that call others in process are built before the bindings are. */
  services: () => readonly ServiceBinding[];
}

/**
 * The one way into a service, for a wire request and for a call a service
 * makes on the account's behalf alike (AgentCore placing a VPC runtime's
 * interface with its service-linked role): the input validated against the
 * operation's shape, the adapter run in one store transaction, the page cut
 * (botocore's paginators), the call recorded in CloudTrail once, a failed
 * call too (after its writes were rolled back).
 */
export class Dispatch {
  constructor(private readonly options: DispatchOptions) {}

  /**
   * Runs one operation of a service. `parse` yields the input (a wire
   * request's parser, whose refusal is recorded as the call's error).
   */
  async run(
    service: ServiceBinding,
    operation: Operation,
    parse: () => Record<string, unknown>,
    ctx: RequestContext,
    origin: CallOrigin,
  ): Promise<Record<string, unknown>> {
    if (service.transactional !== false) return this.runInTransaction(service, operation, parse, ctx, origin);
    const handler = this.handlerOf(service, operation);
    let input: Record<string, unknown> = {};
    try {
      input = this.validated(service, operation, parse(), handler);
      return pageOutput(service.codec.model, operation.name, input, await handler!(input, ctx));
    } catch (error) {
      if (error instanceof AwsError && handler)
        this.recordError(service, operation, input, ctx, origin, error);
      throw error;
    }
  }

  /**
   * A call a service makes in process, on the account's behalf: `ctx.caller`
   * is who makes it (a service-linked role's session, `invokedBy` the
   * service), `origin` the service. Synchronous, inside the caller's own
   * transaction (its writes a savepoint of it); throws the service's AwsError.
   */
  call(
    signingName: string,
    operationName: string,
    input: Record<string, unknown>,
    ctx: RequestContext,
    origin: CallOrigin,
  ): Record<string, unknown> {
    const service = this.options
      .services()
      .find((s) => s.signingName === signingName && Object.hasOwn(s.codec.model.operations, operationName));
    if (!service || service.transactional === false) {
      throw new Error(`no transactional service ${signingName} serves ${operationName} in process`);
    }
    const operation = { ...service.codec.model.operations[operationName]!, name: operationName };
    return this.runInTransaction(
      service,
      operation,
      () => input,
      { ...ctx, requestId: this.options.env.uuid() },
      origin,
    );
  }

  private handlerOf(service: ServiceBinding, operation: Operation) {
    return Object.hasOwn(service.adapter, operation.name) ? service.adapter[operation.name] : undefined;
  }

  /** Input the model refuses is refused as AWS refuses it, implemented or not; valid input to an operation the emulator does not serve gets the documented 501. */
  private validated(
    service: ServiceBinding,
    operation: Operation,
    input: Record<string, unknown>,
    handler: unknown,
  ): Record<string, unknown> {
    if (operation.input) validateInput(service.codec.model, operation.input.shape, input);
    if (!handler) {
      throw new AwsError(
        "NotImplementedException",
        `The emulator does not implement ${operation.name} yet.`,
        {},
        501,
      );
    }
    return input;
  }

  private runInTransaction(
    service: ServiceBinding,
    operation: Operation,
    parse: () => Record<string, unknown>,
    ctx: RequestContext,
    origin: CallOrigin,
  ): Record<string, unknown> {
    const handler = this.handlerOf(service, operation);
    let input: Record<string, unknown> = {};
    try {
      input = this.validated(service, operation, parse(), handler);
      return this.options.store.transaction(() => {
        const output = pageOutput(
          service.codec.model,
          operation.name,
          input,
          handler!(input, ctx) as Record<string, unknown>,
        );
        this.record(service, operation, input, ctx, origin, { output });
        return output;
      });
    } catch (error) {
      if (error instanceof AwsError && handler)
        this.recordError(service, operation, input, ctx, origin, error);
      throw error;
    }
  }

  /** The failed call's writes were rolled back; the call itself is still history. */
  private recordError(
    service: ServiceBinding,
    operation: Operation,
    input: unknown,
    ctx: RequestContext,
    origin: CallOrigin,
    error: AwsError,
  ): void {
    this.options.store.transaction(() => this.record(service, operation, input, ctx, origin, { error }));
  }

  private record(
    service: ServiceBinding,
    operation: Operation,
    input: unknown,
    ctx: RequestContext,
    origin: CallOrigin,
    outcome: { output?: Record<string, unknown>; error?: AwsError },
  ): void {
    const { trail } = this.options;
    if (!trail || !service.eventSource || service.dataEvents?.has(operation.name)) return;
    const naming = service.codec.model.patches?.cloudTrail;
    const awsRegion = naming?.eventRegion ?? ctx.region;
    trail.append(
      { account: ctx.account, region: awsRegion },
      apiCallRecord({
        model: service.codec.model,
        operation,
        eventSource: service.eventSource,
        account: ctx.account,
        awsRegion,
        identity: ctx.caller,
        ...origin,
        requestId: ctx.requestId,
        time: ctx.now,
        input,
        ...outcome,
        ...(naming?.faultPrefixedErrors ? { faultPrefixedErrors: true } : {}),
      }),
    );
  }
}
