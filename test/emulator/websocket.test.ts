import { resolve } from "node:path";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runtimeRequest, seedRuntimes, TEST_CREDENTIALS } from "../helpers/emulator.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";
import { type OidcIssuer, startOidcIssuer } from "../helpers/oidc-issuer.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const SESSION = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id";

const signer = new SignatureV4({
  service: "bedrock-agentcore",
  region: "us-east-1",
  sha256: Sha256,
  credentials: TEST_CREDENTIALS,
});

/** The stream's URL and the SigV4 headers AWS's own signer puts on the upgrade request (as a client library would). */
async function signedHeaders(url: URL, sessionId: string): Promise<Record<string, string>> {
  const signed = await signer.sign(
    new HttpRequest({
      method: "GET",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, [SESSION]: sessionId },
    }),
  );
  return signed.headers as Record<string, string>;
}

async function presigned(url: URL, sessionId: string): Promise<string> {
  const request = await signer.presign(
    new HttpRequest({
      method: "GET",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: { ...Object.fromEntries(url.searchParams), [SESSION]: sessionId },
      headers: { host: url.host },
    }),
    { expiresIn: 300 },
  );
  const query = new URLSearchParams(request.query as Record<string, string>);
  return `ws://${url.host}${url.pathname}?${query}`;
}

function open(target: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolveOpen, reject) => {
    const socket = new WebSocket(target, { headers });
    socket.once("open", () => resolveOpen(socket));
    socket.once("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on("end", () =>
        reject(
          Object.assign(new Error(body), {
            statusCode: response.statusCode,
            type: response.headers["x-amzn-errortype"],
          }),
        ),
      );
    });
    socket.once("error", reject);
  });
}

const next = (socket: WebSocket) =>
  new Promise<{ data: Buffer; binary: boolean }>((resolveMessage) =>
    socket.once("message", (data, binary) => resolveMessage({ data: data as Buffer, binary })),
  );

describe("the data plane's WebSocket stream (/runtimes/{arn}/ws)", () => {
  let emulator: RunningEmulator;
  let arn: string;
  let jwtArn: string;
  let issuer: OidcIssuer;

  beforeAll(async () => {
    issuer = await startOidcIssuer();
    emulator = await startEmulator({
      port: 0,
      images: { [`${REGISTRY}/ts-sdk-websocket`]: resolve(agents, "ts-sdk-websocket") },
      driver: "process",
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 10_000,
    });
    const artifact = { containerConfiguration: { containerUri: `${REGISTRY}/ts-sdk-websocket:1` } };
    const [created, jwt] = await seedRuntimes(
      emulator,
      runtimeRequest("ws_agent", { agentRuntimeArtifact: artifact }),
      runtimeRequest("ws_jwt_agent", {
        agentRuntimeArtifact: artifact,
        authorizerConfiguration: {
          customJWTAuthorizer: { discoveryUrl: issuer.discoveryUrl, allowedClients: ["voice-app"] },
        },
      }),
    );
    arn = created!.agentRuntimeArn!;
    jwtArn = jwt!.agentRuntimeArn!;
  });
  afterAll(async () => {
    await emulator?.stop();
    await issuer?.stop();
    expect(await leftoverAgentProcesses()).toEqual([]);
  });

  const streamUrl = () =>
    new URL(`${emulator.url.replace(/^http/, "ws")}/runtimes/${encodeURIComponent(arn)}/ws`);

  it("round-trips text and binary frames on a SigV4-signed stream, reaching the session's own instance", async () => {
    const sessionId = `ws-session-${"d".repeat(30)}`;
    const url = streamUrl();
    const socket = await open(url.toString(), await signedHeaders(url, sessionId));
    socket.send("hello");
    const text = await next(socket);
    expect(text.data.toString()).toBe(`echo (${sessionId}): hello`);
    socket.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    const binary = await next(socket);
    expect(binary.binary).toBe(true);
    expect([...binary.data]).toEqual([0, 1, 2, 255]);
    const closed = new Promise<number>((r) => socket.once("close", (code) => r(code)));
    socket.close(1000, "done");
    expect(await closed).toBe(1000);
  });

  it("takes a presigned URL with the session id as a query parameter", async () => {
    const sessionId = `ws-presigned-${"e".repeat(30)}`;
    const socket = await open(await presigned(streamUrl(), sessionId));
    socket.send("via query");
    expect((await next(socket)).data.toString()).toBe(`echo (${sessionId}): via query`);
    socket.close();
  });

  it("closes the stream with 1009 on a frame over 32 KB", async () => {
    const sessionId = `ws-big-frame-${"f".repeat(30)}`;
    const url = streamUrl();
    const socket = await open(url.toString(), await signedHeaders(url, sessionId));
    const closed = new Promise<number>((r) => socket.once("close", (code) => r(code)));
    socket.send("x".repeat(32 * 1024 + 1));
    expect(await closed).toBe(1009);
  });

  it("refuses an unsigned upgrade with 401 Missing Authentication Token, before any session starts", async () => {
    const error = (await open(streamUrl().toString()).catch((e: Error) => e)) as Error & {
      statusCode: number;
      type: string;
    };
    expect(error.statusCode).toBe(401);
    expect(error.type).toBe("MissingAuthenticationTokenException");
    expect(JSON.parse(error.message).message).toBe("Missing Authentication Token");
  });

  it("takes a bearer token on a JWT runtime's stream, and refuses SigV4 there with the mismatch", async () => {
    const sessionId = `ws-oauth-${"h".repeat(30)}`;
    const url = new URL(`${emulator.url.replace(/^http/, "ws")}/runtimes/${encodeURIComponent(jwtArn)}/ws`);
    const token = await issuer.sign({ client_id: "voice-app" });
    const socket = await open(url.toString(), { authorization: `Bearer ${token}`, [SESSION]: sessionId });
    socket.send("over oauth");
    expect((await next(socket)).data.toString()).toBe(`echo (${sessionId}): over oauth`);
    socket.close();
    const refused = (await open(url.toString(), await signedHeaders(url, sessionId)).catch(
      (e: Error) => e,
    )) as Error & {
      statusCode: number;
      type: string;
    };
    expect(refused.statusCode).toBe(403);
    expect(refused.type).toBe("AccessDeniedException");
    expect(JSON.parse(refused.message).message).toMatch(/^Authorization method mismatch/);
  });
});
