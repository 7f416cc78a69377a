import { resolve } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  type CustomJWTAuthorizerConfiguration,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { HttpBearerAuthSigner } from "@smithy/core";
import type { TokenIdentity } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "../helpers/emulator.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";
import { type OidcIssuer, startOidcIssuer } from "../helpers/oidc-issuer.js";

const agents = resolve(import.meta.dirname, "../fixtures/agents");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const MISMATCH =
  "Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request. (OAuth or SigV4)";

/** The official data-plane client sending `Authorization: Bearer <token>` instead of a SigV4 signature. */
function bearerClient(emulator: RunningEmulator, token: string): BedrockAgentCoreClient {
  return new BedrockAgentCoreClient({
    ...sdkConfig(emulator),
    httpAuthSchemes: [
      {
        schemeId: "smithy.api#httpBearerAuth",
        identityProvider: () => async (): Promise<TokenIdentity> => ({ token }),
        signer: new HttpBearerAuthSigner(),
      },
    ],
    httpAuthSchemeProvider: () => [{ schemeId: "smithy.api#httpBearerAuth" }],
  });
}

type SdkError = Error & { $metadata: { httpStatusCode?: number } };

describe("inbound JWT auth on InvokeAgentRuntime", () => {
  let emulator: RunningEmulator;
  let issuer: OidcIssuer;
  let jwtArn: string;
  let iamArn: string;
  const sessionId = `jwt-session-${"a".repeat(30)}`;
  const payload = new TextEncoder().encode('{"prompt":"hi"}');

  beforeAll(async () => {
    issuer = await startOidcIssuer();
    emulator = await startEmulator({
      port: 0,
      images: { [`${REGISTRY}/py-healthy`]: resolve(agents, "py-healthy") },
      driver: "process",
      timing: { readyAfterMs: 0 },
      startupTimeoutMs: 5_000,
    });
    const control = new BedrockAgentCoreControlClient(sdkConfig(emulator));
    const authorizer: CustomJWTAuthorizerConfiguration = {
      discoveryUrl: issuer.discoveryUrl,
      allowedAudience: ["agents-api"],
      allowedClients: ["web-client"],
      allowedScopes: ["agent/invoke"],
      customClaims: [
        {
          inboundTokenClaimName: "groups",
          inboundTokenClaimValueType: "STRING_ARRAY",
          authorizingClaimMatchValue: {
            claimMatchOperator: "CONTAINS_ANY",
            claimMatchValue: { matchValueStringList: ["support", "admins"] },
          },
        },
      ],
    };
    const base = {
      agentRuntimeArtifact: { containerConfiguration: { containerUri: `${REGISTRY}/py-healthy:1` } },
      roleArn: "arn:aws:iam::123456789012:role/AgentRuntimeRole",
      networkConfiguration: { networkMode: "PUBLIC" as const },
    };
    jwtArn = (
      await control.send(
        new CreateAgentRuntimeCommand({
          ...base,
          agentRuntimeName: "jwt_agent",
          authorizerConfiguration: { customJWTAuthorizer: authorizer },
        }),
      )
    ).agentRuntimeArn!;
    iamArn = (await control.send(new CreateAgentRuntimeCommand({ ...base, agentRuntimeName: "iam_agent" })))
      .agentRuntimeArn!;
    control.destroy();
  });
  afterAll(async () => {
    await emulator?.stop();
    await issuer?.stop();
    expect(await leftoverAgentProcesses()).toEqual([]);
  });

  const good = {
    aud: "agents-api",
    client_id: "web-client",
    scope: "openid agent/invoke",
    groups: ["support"],
  };

  /** Invokes with a bearer token through the SDK; the status and the body read before the client goes. */
  async function invokeWithToken(arn: string, token: string) {
    const client = bearerClient(emulator, token);
    try {
      const answer = await client.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          runtimeSessionId: sessionId,
          payload,
          contentType: "application/json",
          accept: "application/json",
        }),
      );
      return { statusCode: answer.statusCode, body: await answer.response!.transformToString() };
    } finally {
      client.destroy();
    }
  }

  it("lets a valid token in through the official SDK with a bearer token provider", async () => {
    const answer = await invokeWithToken(jwtArn, await issuer.sign(good));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toBeTruthy();
    expect(issuer.fetches.discovery).toBe(1);
  });

  it("takes a plain HTTPS-style POST with Authorization: Bearer (no SigV4)", async () => {
    const token = await issuer.sign(good);
    const answer = await fetch(
      `${emulator.url}/runtimes/${encodeURIComponent(jwtArn)}/invocations?qualifier=DEFAULT`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "x-amzn-bedrock-agentcore-runtime-session-id": sessionId,
        },
        body: '{"prompt":"plain"}',
      },
    );
    expect(answer.status).toBe(200);
    expect(await answer.json()).toBeTruthy();
  });

  it.each([
    ["a wrong audience", { ...good, aud: "other-api" }, /audience \(aud: other-api\)/],
    ["another client", { ...good, client_id: "cli-client" }, /client \(client_id: cli-client\)/],
    ["no allowed scope", { ...good, scope: "openid" }, /scopes \(openid\)/],
    ["a custom claim that does not match", { ...good, groups: ["guests"] }, /claim groups/],
  ])(
    "refuses a token with %s, naming the check (403 AccessDeniedException)",
    async (_what, claims, detail) => {
      const error = (await invokeWithToken(jwtArn, await issuer.sign(claims)).catch(
        (e: SdkError) => e,
      )) as SdkError;
      expect(error.name).toBe("AccessDeniedException");
      expect(error.$metadata.httpStatusCode).toBe(403);
      expect(error.message).toMatch(/^OAuth authorization failed: /);
      expect(error.message).toMatch(detail);
    },
  );

  it("refuses an expired token, another issuer's token and a token signed with an unknown key", async () => {
    const expired = (await invokeWithToken(
      jwtArn,
      await issuer.sign(good, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
    ).catch((e: SdkError) => e)) as SdkError;
    expect(expired.message).toMatch(/expired/);
    const otherIssuer = (await invokeWithToken(
      jwtArn,
      await issuer.sign(good, { issuer: "https://login.example.com" }),
    ).catch((e: SdkError) => e)) as SdkError;
    expect(otherIssuer.message).toMatch(/issuer \(iss\)/);
    const foreign = (await invokeWithToken(jwtArn, await issuer.signWithForeignKey(good)).catch(
      (e: SdkError) => e,
    )) as SdkError;
    expect(foreign.message).toMatch(/signature/);
  });

  it("answers SigV4 to a JWT runtime, and a bearer token to an IAM runtime, with AgentCore's mismatch", async () => {
    const sigv4 = new BedrockAgentCoreClient(sdkConfig(emulator));
    const error = (await sigv4
      .send(new InvokeAgentRuntimeCommand({ agentRuntimeArn: jwtArn, runtimeSessionId: sessionId, payload }))
      .catch((e: SdkError) => e)) as SdkError;
    sigv4.destroy();
    expect(error.name).toBe("AccessDeniedException");
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(MISMATCH);
    const bearer = (await invokeWithToken(iamArn, await issuer.sign(good)).catch(
      (e: SdkError) => e,
    )) as SdkError;
    expect(bearer.name).toBe("AccessDeniedException");
    expect(bearer.message).toBe(MISMATCH);
  });

  it("answers a request with neither a signature nor a token with 401 Missing Authentication Token", async () => {
    const answer = await fetch(`${emulator.url}/runtimes/${encodeURIComponent(jwtArn)}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("x-amzn-errortype")).toMatch(/^MissingAuthenticationTokenException/);
    expect(((await answer.json()) as { message: string }).message).toBe("Missing Authentication Token");
  });
});
