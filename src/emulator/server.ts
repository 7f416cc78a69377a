import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Duplex, Readable } from "node:stream";
import type { Trail, UserIdentity } from "./cloudtrail/model.js";
import type { Environment, InboundCredentials, RequestContext } from "./context.js";
import { Dispatch, type ServiceBinding } from "./dispatch.js";
import { callerIdentity } from "./identity.js";
import { INTERNAL_PREFIX, type InternalApiContext, internalRoute } from "./internal-api.js";
import { findPathRoute } from "./path-route.js";
import type { MatchedOperation, WireRequest, WireResponse } from "./protocol/codec.js";
import { AwsError } from "./protocol/errors.js";
import type { Store } from "./store/store.js";

export interface ServerOptions {
  host: string;
  port: number;
  account: string;
  defaultRegion: string;
  services: readonly ServiceBinding[];
  store: Store;
  env: Environment;
  trail?: Trail;
  /** Who an access key stands for (STS's sessions); default: the emulator's one IAM user. */
  identify?: (accessKeyId: string, account: string, region: string) => UserIdentity;
  /** The emulator's state as the console reads it (GET /_emulator/state), and whether the console page is served. */
  view?: InternalApiContext["view"];
  log?: (line: string) => void;
  /** The one way into the services, shared with the models that call others in process; default: one over `services`. */
  dispatch?: Dispatch;
}

/** The SigV4 credential scope: `Credential=AKID/20260101/us-east-1/bedrock-agentcore/aws4_request`. Parsed, not verified. */
export function credentialScope(
  authorization: string | undefined,
): { accessKeyId: string; region: string; service: string } | undefined {
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? "");
  return match ? { accessKeyId: match[1]!, region: match[2]!, service: match[3]! } : undefined;
}

/** How a request authenticated: a SigV4 Authorization header or presigned query, a bearer token, or nothing. */
export function inboundCredentials(
  authorization: string | undefined,
  query?: URLSearchParams,
): InboundCredentials {
  const header = authorization?.trim() ?? "";
  if (/^AWS4-HMAC-SHA256\s/i.test(header)) return { kind: "sigv4" };
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return { kind: "bearer", token: bearer[1]! };
  if (query?.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256" && query.has("X-Amz-Credential"))
    return { kind: "sigv4" };
  return { kind: "none" };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, wire: WireResponse, requestId: string): void {
  response.writeHead(wire.status, { ...wire.headers, "x-amzn-requestid": requestId });
  if (wire.body instanceof Readable) wire.body.pipe(response);
  else response.end(wire.body);
}

/**
 * The request target as a URL. A path that starts with `//` (S3's empty
 * bucket label) is a path, not a scheme-relative URL naming a host.
 */
function requestUrl(target: string): URL | undefined {
  try {
    return target.startsWith("/") ? new URL(`http://emulator${target}`) : new URL(target, "http://emulator/");
  } catch {
    return undefined;
  }
}

/** The answer when no emulated service is named: JSON, as no protocol's clients are known to be listening. */
function noService(message: string, status = 404): WireResponse {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": "UnknownOperationException" },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/**
 * The service a request is for and, when it names one, its operation: among
 * the services signed for (all, unsigned), the first whose codec matches an
 * operation, else the first that claims the request, else (signed for a
 * service we serve) that service, so its errors come in its protocol's shape.
 * Matching never throws; a codec that fails to match does not match.
 */
function pickService(
  services: readonly ServiceBinding[],
  signingName: string | undefined,
  wire: WireRequest,
): { service?: ServiceBinding; matched?: MatchedOperation } {
  const candidates = services.filter((s) => !signingName || s.signingName === signingName);
  const safely = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch {
      return undefined;
    }
  };
  for (const service of candidates) {
    const matched = safely(() => service.codec.match(wire));
    if (matched) return { service, matched };
  }
  const claiming = candidates.find((s) => safely(() => s.codec.claims(wire)));
  if (claiming) return { service: claiming };
  return signingName && candidates[0] ? { service: candidates[0] } : {};
}

/**
 * The emulator's one endpoint. The handler chain, in order: a service's path
 * route (the ECR registry's `/v2/`) takes its requests as they stream in;
 * otherwise read the request,
 * pick the service (SigV4 signing name, then path), match the operation,
 * bind and validate its input, run the adapter in one store transaction,
 * render the output; any AwsError becomes the protocol's error envelope and
 * anything else an InternalServerException, never a stack trace.
 */
export function createEmulatorServer(options: ServerOptions): Server {
  const log = options.log ?? (() => {});
  const dispatch =
    options.dispatch ??
    new Dispatch({
      store: options.store,
      env: options.env,
      ...(options.trail ? { trail: options.trail } : {}),
      services: () => options.services,
    });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = options.env.uuid();
    const url = requestUrl(request.url ?? "/");
    if (!url) {
      send(
        response,
        noService(`The request target ${JSON.stringify(request.url)} is not a URL path.`, 400),
        requestId,
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]),
    );
    const pathRoute = findPathRoute(
      options.services,
      url.pathname,
      credentialScope(headers.authorization)?.service,
    );
    if (pathRoute) {
      const streaming = {
        method: request.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers,
        body: request,
        remoteAddress: request.socket.remoteAddress ?? "127.0.0.1",
        requestId,
      };
      send(response, await pathRoute.handle(streaming), requestId);
      return;
    }
    const wire: WireRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: await readBody(request),
    };
    if (wire.path.startsWith(INTERNAL_PREFIX)) {
      const defaults = { account: options.account, region: options.defaultRegion };
      send(
        response,
        await internalRoute(
          {
            store: options.store,
            services: options.services,
            defaults,
            ...(options.view ? { view: options.view } : {}),
          },
          wire,
        ),
        requestId,
      );
      return;
    }
    const scope = credentialScope(headers.authorization);
    const { service, matched } = pickService(options.services, scope?.service, wire);
    if (!service) {
      const sender = scope?.service ?? "unsigned requests";
      send(
        response,
        noService(`No emulated service serves ${wire.method} ${wire.path} for ${sender}.`),
        requestId,
      );
      return;
    }
    const { codec } = service;
    try {
      if (!matched) throw codec.unknownOperation(wire);
      const { operation } = matched;
      const accessKeyId = scope?.accessKeyId ?? "anonymous";
      const ctx: RequestContext = {
        account: options.account,
        region: scope?.region ?? options.defaultRegion,
        requestId,
        accessKeyId,
        caller: (options.identify ?? callerIdentity)(
          accessKeyId,
          options.account,
          scope?.region ?? options.defaultRegion,
        ),
        now: options.env.clock(),
        inbound: inboundCredentials(headers.authorization, url.searchParams),
        ...(headers.host ? { host: headers.host } : {}),
        headers,
      };
      const output = await dispatch.run(service, operation, () => codec.parseInput(matched, wire), ctx, {
        sourceIPAddress: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      });
      log(`${operation.name} ${requestId} ok`);
      send(response, codec.serializeOutput(operation, output, requestId), requestId);
    } catch (error) {
      if (error instanceof AwsError) {
        log(`${requestId} ${error.code}: ${error.message}`);
        send(response, codec.serializeError(error, requestId), requestId);
        return;
      }
      log(`${requestId} internal error: ${(error as Error).stack ?? String(error)}`);
      send(
        response,
        codec.serializeError(
          new AwsError("InternalServerException", "The emulator failed to process the request.", {}, 500),
          requestId,
        ),
        requestId,
      );
    }
  }

  // The answers still being written on each connection: a client error waits for them (below).
  const inFlight = new WeakMap<Duplex, Set<ServerResponse>>();
  const server = createServer((request, response) => {
    const pending = inFlight.get(request.socket) ?? new Set<ServerResponse>();
    inFlight.set(request.socket, pending);
    pending.add(response);
    response.once("close", () => pending.delete(response));
    handle(request, response).catch((error: unknown) => {
      log(`unhandled: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  // Bytes after a request that HTTP cannot parse (a body longer than its Content-Length): answer the
  // requests already read first, then 400 and close. Node's default destroys the connection at once,
  // an answer in flight with it.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const refuse = () => {
      if (socket.writable && error.code !== "ECONNRESET") {
        socket.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      } else socket.destroy();
    };
    const pending = [...(inFlight.get(socket) ?? [])];
    if (pending.length === 0) return refuse();
    let left = pending.length;
    for (const response of pending) response.once("close", () => --left === 0 && refuse());
  });
  // WebSocket upgrades go to the service that takes the path, with the caller read as for any call
  // (SigV4 from the Authorization header or a presigned URL's X-Amz-Credential, a bearer token, or nothing).
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = requestUrl(request.url ?? "/");
    if (!url) {
      socket.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      return;
    }
    const service = options.services.find((s) => s.upgrade?.matches(url.pathname));
    if (!service?.upgrade) {
      socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      return;
    }
    const authorization =
      typeof request.headers.authorization === "string" ? request.headers.authorization : undefined;
    const credential = url.searchParams.get("X-Amz-Credential");
    const scope = credentialScope(authorization ?? (credential ? `Credential=${credential}` : undefined));
    const accessKeyId = scope?.accessKeyId ?? "anonymous";
    const ctx: RequestContext = {
      account: options.account,
      region: scope?.region ?? options.defaultRegion,
      requestId: options.env.uuid(),
      accessKeyId,
      caller: (options.identify ?? callerIdentity)(
        accessKeyId,
        options.account,
        scope?.region ?? options.defaultRegion,
      ),
      now: options.env.clock(),
      inbound: inboundCredentials(authorization, url.searchParams),
      ...(request.headers.host ? { host: request.headers.host } : {}),
    };
    service.upgrade.handle(request, socket, head, ctx).catch((error: unknown) => {
      log(`upgrade: ${(error as Error).stack ?? String(error)}`);
      socket.destroy();
    });
  });
  return server;
}

export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}
