import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCertificateAuthority, trustVariables } from "../../src/emulator/aws-public/ca.js";
import { createPublicEndpointsServer, listenOn } from "../../src/emulator/aws-public/endpoints-server.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

const dir = mkdtempSync(join(tmpdir(), "acd-ca-"));
let emulator: RunningEmulator;
let server: ReturnType<typeof createPublicEndpointsServer>;
let port = 0;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  server = createPublicEndpointsServer(loadCertificateAuthority(dir), { url: emulator.url });
  port = (await listenOn(server, "127.0.0.1", 0)).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

function call(servername: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: "127.0.0.1",
        port,
        servername,
        ca,
        method: "POST",
        path: "/runtimes/",
        headers: {
          host: servername,
          "content-type": "application/json",
          authorization:
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=0",
        },
      },
      (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end("{}");
  });
}

describe("AWS public endpoints stand-in", () => {
  it("serves any regional AWS host name over TLS trusted through the CA, and passes calls to the emulator", async () => {
    const ca = loadCertificateAuthority(dir);
    const answer = await call("bedrock-agentcore-control.us-east-1.amazonaws.com", ca.certPem);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ agentRuntimes: [] });
    expect(trustVariables(ca.bundlePath)).toMatchObject({
      AWS_CA_BUNDLE: ca.bundlePath,
      SSL_CERT_FILE: ca.bundlePath,
    });
  });

  it("keeps the CA across restarts and is not trusted without it", async () => {
    expect(loadCertificateAuthority(dir).certPem).toBe(loadCertificateAuthority(dir).certPem);
    await expect(call("sts.us-east-1.amazonaws.com", "")).rejects.toThrow(/certificate/i);
  });

  it("passes on an upstream's answer given before it read the body, and closed", async () => {
    const socketPath = join(dir, "hasty.sock");
    // Answers on the headers alone and closes: the body's write would then meet a closed socket.
    const hasty = createServer((_req, res) => {
      res.writeHead(403, { "content-type": "application/json", connection: "close" }).end('{"m":"no"}');
      res.socket?.destroy();
    });
    await new Promise<void>((resolve) => hasty.listen(socketPath, resolve));
    const ca = loadCertificateAuthority(dir);
    const standIn = createPublicEndpointsServer(ca, { socketPath });
    const at = (await listenOn(standIn, "127.0.0.1", 0)).port;
    try {
      for (let i = 0; i < 20; i++) {
        const answer = await new Promise<number>((resolve, reject) => {
          const outgoing = request(
            {
              host: "127.0.0.1",
              port: at,
              servername: "sts.us-east-1.amazonaws.com",
              ca: ca.certPem,
              method: "POST",
              path: "/",
            },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          );
          outgoing.on("error", reject);
          // An SDK request's size: it goes in one write with its headers.
          outgoing.end("x".repeat(8_000));
        });
        expect(answer).toBe(403);
      }
    } finally {
      await new Promise((resolve) => standIn.close(resolve));
      await new Promise((resolve) => hasty.close(resolve));
    }
  });
});
