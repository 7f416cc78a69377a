import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import type { RequestContext } from "../context.js";
import { AwsError } from "../protocol/errors.js";

/**
 * Inbound authorization of the data plane, as AgentCore Runtime applies it
 * before a request reaches a session: a runtime without an authorizer takes
 * SigV4 (IAM); a runtime with `authorizerConfiguration.customJWTAuthorizer`
 * takes only `Authorization: Bearer <JWT>`, validated against the OIDC
 * discovery document its `discoveryUrl` names (issuer, JWKS), then expiry,
 * allowed audiences (`aud`), allowed clients (`client_id`), allowed scopes
 * (`scope`, at least one must match) and custom claims.
 * Sources: devguide inbound-jwt-authorizer and runtime-oauth pages; the
 * mismatch wording from aws/agentcore-cli issue 814 (facts file, "After start-up").
 */

export interface CustomClaim {
  inboundTokenClaimName: string;
  inboundTokenClaimValueType: "STRING" | "STRING_ARRAY";
  authorizingClaimMatchValue: {
    claimMatchOperator: "EQUALS" | "CONTAINS" | "CONTAINS_ANY";
    claimMatchValue: { matchValueString?: string; matchValueStringList?: string[] };
  };
}

export interface CustomJwtAuthorizer {
  discoveryUrl: string;
  allowedAudience?: string[];
  allowedClients?: string[];
  allowedScopes?: string[];
  customClaims?: CustomClaim[];
}

/** AgentCore's answer to a SigV4 request for a JWT runtime, or a bearer request for an IAM one. */
export const AUTH_METHOD_MISMATCH =
  "Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request. (OAuth or SigV4)";

/** The answer to a request with neither a signature nor a token (reported as a 401). */
export const MISSING_AUTHENTICATION_TOKEN = "Missing Authentication Token";

/**
 * The prefix of our refusals of a bearer token. AgentCore's exact wording for a bad
 * token is not documented (facts file: unconfirmed); each refusal names the check that
 * failed so a user (and `diagnose --error`) can tell issuer, audience, client and scope apart.
 */
export const INVALID_TOKEN_PREFIX = "OAuth authorization failed:";

/** Which check refused a token: the reasons `diagnose` tells apart. */
export type TokenRefusal =
  | "malformed"
  | "signature"
  | "expired"
  | "not-yet-valid"
  | "issuer"
  | "audience"
  | "client"
  | "scope"
  | "claim"
  | "discovery";

export class TokenRefused extends AwsError {
  constructor(
    readonly refusal: TokenRefusal,
    detail: string,
  ) {
    super("AccessDeniedException", `${INVALID_TOKEN_PREFIX} ${detail}`, {}, 403);
  }
}

function jwtAuthorizerOf(authorizerConfiguration: unknown): CustomJwtAuthorizer | undefined {
  const config = authorizerConfiguration as { customJWTAuthorizer?: CustomJwtAuthorizer } | undefined;
  return config?.customJWTAuthorizer;
}

function asList(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  return undefined;
}

/** The OAuth `scope` claim: a space-separated string (RFC 8693), or a list as some issuers write it (`scp`). */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === "string") return raw.split(" ").filter(Boolean);
  return asList(raw) ?? [];
}

function claimHolds(payload: JWTPayload, claim: CustomClaim): boolean {
  const value = payload[claim.inboundTokenClaimName];
  const { claimMatchOperator: operator, claimMatchValue: match } = claim.authorizingClaimMatchValue;
  if (claim.inboundTokenClaimValueType === "STRING") {
    return typeof value === "string" && operator === "EQUALS" && value === match.matchValueString;
  }
  const values = Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
  if (!values) return false;
  if (operator === "CONTAINS")
    return match.matchValueString !== undefined && values.includes(match.matchValueString);
  if (operator === "CONTAINS_ANY") return (match.matchValueStringList ?? []).some((v) => values.includes(v));
  return false;
}

interface Discovery {
  issuer: string;
  jwks: ReturnType<typeof createRemoteJWKSet>;
  fetchedAt: number;
}

/** How long a discovery document is reused before it is fetched again. */
const DISCOVERY_TTL_MS = 5 * 60_000;

/** The validator: OIDC discovery documents and key sets cached per discovery URL. */
export class InboundAuth {
  private readonly discoveries = new Map<string, Discovery>();

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  private async discovery(url: string): Promise<Discovery> {
    const cached = this.discoveries.get(url);
    if (cached && Date.now() - cached.fetchedAt < DISCOVERY_TTL_MS) return cached;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const answer = await this.fetchImpl(url, { signal: AbortSignal.timeout(5_000) });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      document = (await answer.json()) as typeof document;
    } catch (error) {
      throw new TokenRefused(
        "discovery",
        `the discovery URL ${url} could not be read (${(error as Error).message}).`,
      );
    }
    if (typeof document.issuer !== "string" || typeof document.jwks_uri !== "string") {
      throw new TokenRefused("discovery", `the discovery document at ${url} names no issuer or jwks_uri.`);
    }
    const found: Discovery = {
      issuer: document.issuer,
      jwks: createRemoteJWKSet(new URL(document.jwks_uri), { timeoutDuration: 5_000 }),
      fetchedAt: Date.now(),
    };
    this.discoveries.set(url, found);
    return found;
  }

  /** Verifies a token against one authorizer; the claims when valid, a TokenRefused naming the failed check otherwise. */
  async verify(authorizer: CustomJwtAuthorizer, token: string, now: Date): Promise<JWTPayload> {
    const { issuer, jwks } = await this.discovery(authorizer.discoveryUrl);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, currentDate: now }));
    } catch (error) {
      throw refusalOf(error, issuer);
    }
    if (authorizer.allowedAudience) {
      const audiences = asList(payload.aud) ?? [];
      if (!audiences.some((a) => authorizer.allowedAudience!.includes(a))) {
        throw new TokenRefused(
          "audience",
          `the token's audience (aud: ${audiences.join(", ") || "none"}) is not among the runtime's allowedAudience.`,
        );
      }
    }
    if (authorizer.allowedClients) {
      const client = typeof payload.client_id === "string" ? payload.client_id : undefined;
      if (!client || !authorizer.allowedClients.includes(client)) {
        throw new TokenRefused(
          "client",
          `the token's client (client_id: ${client ?? "none"}) is not among the runtime's allowedClients.`,
        );
      }
    }
    if (authorizer.allowedScopes) {
      const scopes = scopesOf(payload);
      if (!scopes.some((s) => authorizer.allowedScopes!.includes(s))) {
        throw new TokenRefused(
          "scope",
          `none of the token's scopes (${scopes.join(" ") || "none"}) is among the runtime's allowedScopes.`,
        );
      }
    }
    for (const claim of authorizer.customClaims ?? []) {
      if (!claimHolds(payload, claim)) {
        throw new TokenRefused(
          "claim",
          `the token's claim ${claim.inboundTokenClaimName} does not match the runtime's customClaims rule (${claim.authorizingClaimMatchValue.claimMatchOperator}).`,
        );
      }
    }
    return payload;
  }

  /** AgentCore's front door: a request with neither a signature nor a token is refused before any runtime is looked up. */
  requireCredentials(ctx: Pick<RequestContext, "inbound">): void {
    if (ctx.inbound?.kind === "none") {
      throw new AwsError("MissingAuthenticationTokenException", MISSING_AUTHENTICATION_TOKEN, {}, 401);
    }
  }

  /**
   * Refuses a request whose credentials the runtime does not take, before any
   * session starts: the mismatch (403), the missing token (401), a token that
   * fails validation (403). Resolves to the token's claims on a JWT runtime.
   */
  async authorize(
    authorizerConfiguration: unknown,
    ctx: Pick<RequestContext, "now" | "inbound">,
  ): Promise<JWTPayload | undefined> {
    const inbound = ctx.inbound ?? { kind: "sigv4" };
    const authorizer = jwtAuthorizerOf(authorizerConfiguration);
    this.requireCredentials(ctx);
    if (!authorizer) {
      if (inbound.kind === "bearer")
        throw new AwsError("AccessDeniedException", AUTH_METHOD_MISMATCH, {}, 403);
      return undefined;
    }
    if (inbound.kind !== "bearer") throw new AwsError("AccessDeniedException", AUTH_METHOD_MISMATCH, {}, 403);
    return this.verify(authorizer, inbound.token, ctx.now);
  }
}

function refusalOf(error: unknown, issuer: string): TokenRefused {
  if (error instanceof joseErrors.JWTExpired)
    return new TokenRefused("expired", "the token has expired (exp).");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "iss") {
      return new TokenRefused(
        "issuer",
        `the token's issuer (iss) is not ${issuer}, the issuer of the runtime's discovery URL.`,
      );
    }
    if (error.claim === "nbf" || error.claim === "iat") {
      return new TokenRefused("not-yet-valid", `the token is not valid yet (${error.claim}).`);
    }
    return new TokenRefused("malformed", `the token's ${error.claim} claim is invalid (${error.reason}).`);
  }
  if (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWSSignatureVerificationFailed
  ) {
    return new TokenRefused("signature", "the token's signature matches no key of the issuer's JWKS.");
  }
  if (error instanceof joseErrors.JOSEError) {
    return new TokenRefused("malformed", `the token is not a valid JWT (${error.code}).`);
  }
  return new TokenRefused("malformed", `the token could not be verified (${(error as Error).message}).`);
}
