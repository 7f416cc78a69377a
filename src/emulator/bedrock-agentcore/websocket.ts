import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { REQUEST_ID_HEADER, SESSION_HEADER } from "../../agent/probe.js";
import type { RequestContext } from "../context.js";
import { AwsError } from "../protocol/errors.js";
import type { Admission } from "./adapter.js";
import { specFor } from "./adapter.js";
import type { SessionManager } from "./sessions.js";

/**
 * The data plane's WebSocket stream, `wss://bedrock-agentcore.<region>.amazonaws.com/runtimes/<arn>/ws`
 * (devguide runtime-get-started-websocket): authenticated as InvokeAgentRuntime is (SigV4
 * headers, a SigV4 presigned URL, or an OAuth bearer token), admitted by the same checks,
 * routed by the session id (header or query parameter) to that session's instance, where
 * the container serves WebSocket on port 8080 at /ws. Frames are relayed both ways as they
 * come; one larger than the limit closes the stream with 1009 (message too big).
 */

/** The frame limit: 32 KB (a summary of AWS's WebSocket page; the page itself not read here). */
export const WEBSOCKET_MAX_FRAME_BYTES = 32 * 1024;

const WS_PATH = /^\/runtimes\/([^/]+)\/ws\/?$/;

/** Whether an upgrade request is for the data plane's stream. */
export function isRuntimeWebSocket(path: string): boolean {
  return WS_PATH.test(path);
}

function refuse(socket: Duplex, error: AwsError, requestId: string): void {
  const status = error.status ?? (error.code === "ResourceNotFoundException" ? 404 : 400);
  const body = JSON.stringify({ message: error.message });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : status === 404 ? "Not Found" : "Bad Request"}\r\n` +
      `content-type: application/json\r\nx-amzn-errortype: ${error.code}\r\nx-amzn-requestid: ${requestId}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The upgrade handler: admits the caller, starts (or finds) the session, and relays frames. */
export function runtimeWebSocket(
  sessions: SessionManager,
  admitted: Admission,
  log: (line: string) => void = () => {},
) {
  const server = new WebSocketServer({ noServer: true, maxPayload: WEBSOCKET_MAX_FRAME_BYTES });
  return async (
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    ctx: RequestContext,
  ): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://emulator");
    const arn = decodeURIComponent(WS_PATH.exec(url.pathname)![1]!);
    const qualifier = url.searchParams.get("qualifier") ?? undefined;
    const sessionId =
      (request.headers[SESSION_HEADER.toLowerCase()] as string | undefined) ??
      [...url.searchParams].find(([name]) => name.toLowerCase() === SESSION_HEADER.toLowerCase())?.[1] ??
      randomUUID();
    let connection: Awaited<ReturnType<SessionManager["connect"]>>;
    try {
      if (sessionId.length < 33 || sessionId.length > 256) {
        throw new AwsError(
          "ValidationException",
          `Invalid length for parameter runtimeSessionId, value: ${sessionId.length}, valid min length: 33`,
          { reason: "FieldValidationFailed" },
        );
      }
      const view = await admitted(ctx, "InvokeAgentRuntime", arn, qualifier);
      connection = await sessions.connect(specFor(view, ctx, qualifier, sessionId));
    } catch (error) {
      const refusal =
        error instanceof AwsError
          ? error
          : new AwsError("InternalServerException", "The emulator failed to open the stream.", {}, 500);
      log(`${ctx.requestId} ws ${refusal.code}: ${refusal.message}`);
      refuse(socket, refusal, ctx.requestId);
      return;
    }
    const upstream = new WebSocket(`ws://${connection.address}:${connection.port}/ws`, {
      headers: { [SESSION_HEADER]: sessionId, [REQUEST_ID_HEADER]: ctx.requestId },
      maxPayload: WEBSOCKET_MAX_FRAME_BYTES,
    });
    upstream.once("error", (error) => {
      connection.done();
      log(`${ctx.requestId} ws upstream: ${error.message}`);
      if (!socket.destroyed)
        refuse(
          socket,
          new AwsError(
            "RuntimeClientError",
            `The runtime did not accept the WebSocket on /ws: ${error.message}. Please check your CloudWatch logs for more information`,
            {},
            424,
          ),
          ctx.requestId,
        );
    });
    upstream.once("open", () => {
      server.handleUpgrade(request, socket, head, (client) => {
        const closing = (code: number, reason: Buffer) => {
          const sendable = code >= 1000 && code <= 4999 && ![1005, 1006, 1015].includes(code);
          return { code: sendable ? code : 1000, reason: reason.toString("utf8") };
        };
        client.on("message", (data, isBinary) => upstream.send(data, { binary: isBinary }));
        upstream.on("message", (data, isBinary) => client.send(data, { binary: isBinary }));
        client.on("close", (code, reason) => {
          const c = closing(code, reason);
          upstream.close(c.code, c.reason);
          connection.done();
        });
        upstream.on("close", (code, reason) => {
          const c = closing(code, reason);
          client.close(c.code, c.reason);
          connection.done();
        });
        client.on("error", () => upstream.close(1009));
        upstream.on("error", () => client.close(1011));
      });
    });
  };
}
