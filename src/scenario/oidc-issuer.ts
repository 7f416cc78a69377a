import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/**
 * A local OpenID Connect issuer on 127.0.0.1: a discovery document, a JWKS,
 * and tokens signed with its key (jose, RS256). Scenarios and tests point a
 * runtime's customJWTAuthorizer.discoveryUrl at it.
 */
export interface OidcIssuer {
  issuer: string;
  discoveryUrl: string;
  /** A token signed by this issuer; claims override the defaults (iss, iat, exp in one hour, sub). */
  sign(claims: JWTPayload, options?: { expiresIn?: string | number; issuer?: string }): Promise<string>;
  /** A token signed by a key this issuer does not publish. */
  signWithForeignKey(claims: JWTPayload): Promise<string>;
  /** How many times the discovery document and the JWKS were fetched. */
  fetches: { discovery: number; jwks: number };
  stop(): Promise<void>;
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const foreign = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key-1", alg: "RS256", use: "sig" };
  const fetches = { discovery: 0, jwks: 0 };
  let issuer = "";
  const server: Server = createServer((request, response) => {
    if (request.url === "/.well-known/openid-configuration") {
      fetches.discovery++;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json`, token_endpoint: `${issuer}/token` }),
      );
      return;
    }
    if (request.url === "/jwks.json") {
      fetches.jwks++;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signWith = (
    key: Parameters<SignJWT["sign"]>[0],
    kid: string,
    claims: JWTPayload,
    options: { expiresIn?: string | number; issuer?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(options.issuer ?? issuer)
      .setSubject(typeof claims.sub === "string" ? claims.sub : "user-1")
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? "1h")
      .sign(key);
  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    sign: (claims, options) => signWith(privateKey, "test-key-1", claims, options),
    signWithForeignKey: (claims) => signWith(foreign.privateKey, "test-key-1", claims),
    fetches,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
