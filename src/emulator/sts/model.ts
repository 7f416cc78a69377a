import { createHash } from "node:crypto";
import type {
  AssumeRoleCommandInput,
  AssumeRoleWithWebIdentityCommandInput,
  GetSessionTokenCommandInput,
} from "@aws-sdk/client-sts";
import { decodeJwt } from "jose";
import { partitionOf, partitionOfArn } from "../../util/arn.js";
import type { SessionAttributes, UserIdentity } from "../cloudtrail/model.js";
import { assumedRoleIdentity } from "../cloudtrail/service-events.js";
import type { Environment, RequestContext } from "../context.js";
import type { Iam } from "../iam/model/iam.js";
import { parsePolicyDocument } from "../iam/policy-document.js";
import type { EvaluationRequest } from "../iam/policy-evaluation.js";
import { callerIdentity } from "../identity.js";
import { AwsError } from "../protocol/errors.js";
import { GLOBAL_REGION, type Store } from "../store/store.js";

const SESSION = "sts.credentials";
/** AWS's limit for a session made from another role's session (role chaining). */
const CHAINED_MAX_SECONDS = 3600;

type Principal = NonNullable<EvaluationRequest["principal"]>;

/** Temporary credentials as STS stores what it issued: who they stand for, never the secret. */
interface StoredSession {
  accessKeyId: string;
  account: string;
  issuedAt: string;
  expiresAt: string;
  /** AssumeRole and AssumeRoleWithWebIdentity: the role and the session name; GetSessionToken: none (the user itself). */
  role?: { RoleName: string; RoleId: string; Arn: string; sessionName: string };
  webIdentity?: { provider: string; claims: Record<string, string> };
  sourceIdentity?: string;
}

export interface IssuedCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

/** The OAuth 2.0 / OIDC providers a trust policy names by host, not by an IAM OIDC provider ARN. */
const WELL_KNOWN_PROVIDERS = new Set([
  "accounts.google.com",
  "graph.facebook.com",
  "www.amazon.com",
  "cognito-identity.amazonaws.com",
]);

function accessDenied(message: string): AwsError {
  return new AwsError("AccessDenied", message, {}, 403);
}

function validationError(message: string): AwsError {
  return new AwsError("ValidationError", message, {}, 400);
}

/** The ARN a caller is known by in STS's messages and policies (a web identity or service has none). */
function arnOf(identity: UserIdentity): string | undefined {
  return "arn" in identity ? identity.arn : undefined;
}

/** The session ARN STS gives a role's session, in the role's partition. */
function assumedRoleArn(
  account: string,
  role: { RoleName: string; Arn: string },
  sessionName: string,
): string {
  return `arn:${partitionOfArn(role.Arn)}:sts::${account}:assumed-role/${role.RoleName}/${sessionName}`;
}

/** A JWT's claims, unverified: the emulator, as with SigV4, does not check signatures. */
function jwtClaims(token: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

const stringClaims = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
      ? value.filter((v) => typeof v === "string")
      : [];

/**
 * AWS STS: temporary credentials for roles (AssumeRole, trust policy
 * evaluated by the emulated IAM; AssumeRoleWithWebIdentity, a JWT's claims
 * against a Federated trust) and for the caller itself (GetSessionToken).
 * What it issued is kept, so a later request signed with those credentials
 * is attributed to the session (GetCallerIdentity, CloudTrail's
 * userIdentity). Signatures, session tokens and expiry are not checked, as
 * no signature is; session policies and tags are kept as data, not enforced.
 */
export class Sts {
  constructor(
    private readonly store: Store,
    private readonly env: Environment,
    private readonly iam: Iam,
  ) {}

  /** Who the holder of `accessKeyId` is: the session STS issued it to, else the emulator's one IAM user. */
  identify(accessKeyId: string, account: string, region: string): UserIdentity {
    const session = this.store.get<StoredSession>(SESSION, { account, region: GLOBAL_REGION }, accessKeyId);
    const user = callerIdentity(accessKeyId, account, region);
    if (!session) return user;
    const attributes: SessionAttributes = { creationDate: session.issuedAt, mfaAuthenticated: "false" };
    if (!session.role) return { ...user, sessionContext: { attributes } };
    const { role } = session;
    return assumedRoleIdentity(session.account, role, role.sessionName, undefined, accessKeyId, {
      ...(session.webIdentity
        ? {
            webIdFederationData: {
              federatedProvider: session.webIdentity.provider,
              attributes: session.webIdentity.claims,
            },
          }
        : {}),
      attributes,
    });
  }

  /** The caller under every name a trust policy may give it: its ARN, its role's ARN, its account. */
  private principalsOf(caller: UserIdentity, account: string): Principal[] {
    const names = new Set<string>();
    const arn = arnOf(caller);
    if (arn) names.add(arn);
    if (caller.type === "AssumedRole") names.add(caller.sessionContext.sessionIssuer.arn);
    if (arn) {
      names.add(`arn:${partitionOfArn(arn)}:iam::${account}:root`);
      names.add(account);
    }
    return [...names].map((id) => ({ type: "AWS", id }));
  }

  /** The global condition keys of a signed request (aws:PrincipalArn is the role's ARN for a role session). */
  private principalContext(caller: UserIdentity, account: string): Record<string, string[]> {
    const context: Record<string, string[]> = {
      "aws:PrincipalAccount": [account],
      "aws:MultiFactorAuthPresent": ["false"],
    };
    if (caller.type === "IAMUser") {
      context["aws:PrincipalArn"] = [caller.arn];
      context["aws:PrincipalType"] = ["User"];
      context["aws:username"] = [caller.userName];
      context["aws:userid"] = [caller.principalId];
    } else if (caller.type === "AssumedRole") {
      context["aws:PrincipalArn"] = [caller.sessionContext.sessionIssuer.arn];
      context["aws:PrincipalType"] = ["AssumedRole"];
      context["aws:userid"] = [caller.principalId];
    }
    return context;
  }

  private issue(
    account: string,
    now: Date,
    durationSeconds: number,
    session: Omit<StoredSession, "accessKeyId" | "account" | "issuedAt" | "expiresAt">,
  ): IssuedCredentials {
    const accessKeyId = `ASIA${this.env.randomAlphanumeric(16).toUpperCase()}`;
    const expiration = new Date(now.getTime() + durationSeconds * 1000);
    this.store.put<StoredSession>(SESSION, { account, region: GLOBAL_REGION }, accessKeyId, {
      accessKeyId,
      account,
      issuedAt: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      expiresAt: expiration.toISOString(),
      ...session,
    });
    return {
      AccessKeyId: accessKeyId,
      SecretAccessKey: this.env.randomAlphanumeric(40),
      // The shape of AWS's tokens (a base64 blob that starts so); its contents mean nothing here.
      SessionToken: `IQoJb3JpZ2luX2Vj${this.env.randomAlphanumeric(600)}`,
      Expiration: expiration,
    };
  }

  /** A session policy is checked as IAM checks an inline policy; STS answers MalformedPolicyDocument. */
  private checkSessionPolicy(policy: string | undefined): void {
    if (policy === undefined) return;
    try {
      parsePolicyDocument(policy, "identity");
    } catch (error) {
      if (error instanceof AwsError) throw new AwsError("MalformedPolicyDocumentException", error.message);
      throw error;
    }
  }

  /**
   * STS's packed size of the session policy and tags, as a percent of the
   * limit. AWS's packing is a compressed binary form; this is the plain
   * text's share of 2,048 characters, an estimate that is never over 100.
   */
  private packedSize(input: {
    Policy?: string;
    PolicyArns?: unknown[];
    Tags?: { Key?: string; Value?: string }[];
  }) {
    if (input.Policy === undefined && !input.PolicyArns?.length && !input.Tags?.length) return {};
    const text =
      (input.Policy ?? "").replace(/\s+/g, "").length +
      (input.PolicyArns?.length ?? 0) * 64 +
      (input.Tags ?? []).reduce((n, t) => n + (t.Key?.length ?? 0) + (t.Value?.length ?? 0), 0);
    return { PackedPolicySize: Math.min(100, Math.max(1, Math.ceil((100 * text) / 2048))) };
  }

  private checkDuration(requested: number, maxSession: number, chained: boolean): void {
    if (chained && requested > CHAINED_MAX_SECONDS) {
      throw validationError(
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      );
    }
    if (requested > maxSession) {
      throw validationError(
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
    }
  }

  assumeRole(ctx: RequestContext, input: AssumeRoleCommandInput) {
    const caller = ctx.caller;
    const callerArn = arnOf(caller) ?? "anonymous";
    const roleArn = input.RoleArn!;
    const sessionName = input.RoleSessionName!;
    const tags = input.Tags ?? [];
    const context: Record<string, string[]> = {
      ...this.principalContext(caller, ctx.account),
      "sts:RoleSessionName": [sessionName],
      ...(input.ExternalId !== undefined ? { "sts:ExternalId": [input.ExternalId] } : {}),
      ...(input.SourceIdentity !== undefined
        ? { "sts:SourceIdentity": [input.SourceIdentity], "aws:SourceIdentity": [input.SourceIdentity] }
        : {}),
      ...(tags.length > 0 ? { "aws:TagKeys": tags.map((t) => t.Key!) } : {}),
      ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, [t.Value!]])),
    };
    const principals = this.principalsOf(caller, ctx.account);
    // Every action the request needs must be trusted; AWS names the first one refused.
    const actions = [
      "sts:AssumeRole",
      ...(tags.length > 0 ? ["sts:TagSession"] : []),
      ...(input.SourceIdentity !== undefined ? ["sts:SetSourceIdentity"] : []),
    ];
    let role: { RoleName: string; RoleId: string; Arn: string; MaxSessionDuration: number } | undefined;
    for (const action of actions) {
      const trust = this.iam.trustDecision(ctx.account, roleArn, action, principals, context);
      if (trust?.decision !== "allowed") {
        throw accessDenied(
          `User: ${callerArn} is not authorized to perform: ${action} on resource: ${roleArn}`,
        );
      }
      role = trust.role;
    }
    const duration = input.DurationSeconds ?? 3600;
    this.checkDuration(duration, role!.MaxSessionDuration, caller.type === "AssumedRole");
    this.checkSessionPolicy(input.Policy);
    const credentials = this.issue(ctx.account, ctx.now, duration, {
      role: { RoleName: role!.RoleName, RoleId: role!.RoleId, Arn: role!.Arn, sessionName },
      ...(input.SourceIdentity !== undefined ? { sourceIdentity: input.SourceIdentity } : {}),
    });
    return {
      Credentials: credentials,
      AssumedRoleUser: {
        AssumedRoleId: `${role!.RoleId}:${sessionName}`,
        Arn: assumedRoleArn(ctx.account, role!, sessionName),
      },
      ...this.packedSize(input),
      ...(input.SourceIdentity !== undefined ? { SourceIdentity: input.SourceIdentity } : {}),
    };
  }

  /**
   * The token's claims are read, not verified (no JWKS is fetched), and no
   * IAM OIDC provider needs to exist: the role's trust policy, evaluated for
   * the token's issuer as Federated principal with its `sub`, `aud` and
   * `amr` as condition keys, decides.
   */
  assumeRoleWithWebIdentity(ctx: RequestContext, input: AssumeRoleWithWebIdentityCommandInput) {
    const claims = jwtClaims(input.WebIdentityToken!);
    const issuer = typeof claims?.iss === "string" ? claims.iss : undefined;
    if (!claims || !issuer) {
      throw new AwsError(
        "InvalidIdentityTokenException",
        "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
      );
    }
    const provider = issuer.replace(/^https:\/\//, "").replace(/\/$/, "");
    const subject = typeof claims.sub === "string" ? claims.sub : "";
    const audiences = stringClaims(claims.aud);
    // Unsigned: the token is the only word on who calls, for CloudTrail too.
    ctx.caller = {
      type: "WebIdentityUser",
      principalId: `${provider}:${audiences[0] ?? ""}:${subject}`,
      userName: subject,
      identityProvider: provider,
    };
    const nowSeconds = Math.floor(ctx.now.getTime() / 1000);
    if (typeof claims.exp === "number" && claims.exp <= nowSeconds) {
      throw new AwsError(
        "ExpiredTokenException",
        `Token expired: current date/time ${nowSeconds} must be before the expiration date/time${claims.exp}`,
      );
    }
    const federated =
      input.ProviderId ??
      (WELL_KNOWN_PROVIDERS.has(provider)
        ? provider
        : `arn:${partitionOf(ctx.region)}:iam::${ctx.account}:oidc-provider/${provider}`);
    const context: Record<string, string[]> = {
      "aws:FederatedProvider": [federated],
      "sts:RoleSessionName": [input.RoleSessionName!],
      [`${provider}:sub`]: [subject],
      ...(audiences.length > 0 ? { [`${provider}:aud`]: audiences } : {}),
      ...(stringClaims(claims.amr).length > 0 ? { [`${provider}:amr`]: stringClaims(claims.amr) } : {}),
    };
    const trust = this.iam.trustDecision(
      ctx.account,
      input.RoleArn!,
      "sts:AssumeRoleWithWebIdentity",
      [{ type: "Federated", id: federated }],
      context,
    );
    if (trust?.decision !== "allowed") {
      throw accessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
    }
    const duration = input.DurationSeconds ?? 3600;
    this.checkDuration(duration, trust.role.MaxSessionDuration, false);
    this.checkSessionPolicy(input.Policy);
    const sessionName = input.RoleSessionName!;
    const credentials = this.issue(ctx.account, ctx.now, duration, {
      role: { RoleName: trust.role.RoleName, RoleId: trust.role.RoleId, Arn: trust.role.Arn, sessionName },
      webIdentity: {
        provider: federated,
        claims: Object.fromEntries(
          Object.entries(context)
            .filter(([key]) => key.startsWith(`${provider}:`))
            .map(([k, v]) => [k, v.join(",")]),
        ),
      },
    });
    return {
      Credentials: credentials,
      SubjectFromWebIdentityToken: subject,
      AssumedRoleUser: {
        AssumedRoleId: `${trust.role.RoleId}:${sessionName}`,
        Arn: assumedRoleArn(ctx.account, trust.role, sessionName),
      },
      ...this.packedSize(input),
      Provider: input.ProviderId ?? issuer,
      ...(audiences[0] ? { Audience: audiences[0] } : {}),
    };
  }

  getSessionToken(ctx: RequestContext, input: GetSessionTokenCommandInput) {
    const caller = ctx.caller;
    if (caller.type !== "IAMUser" || caller.sessionContext) {
      throw accessDenied("Cannot call GetSessionToken with session credentials");
    }
    return { Credentials: this.issue(ctx.account, ctx.now, input.DurationSeconds ?? 43_200, {}) };
  }

  getCallerIdentity(ctx: RequestContext) {
    const caller = ctx.caller;
    if (caller.type !== "IAMUser" && caller.type !== "AssumedRole") {
      throw new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", {}, 403);
    }
    return { UserId: caller.principalId, Account: caller.accountId, Arn: caller.arn };
  }

  /**
   * A role's credentials as a service gets them for the account's workload
   * (AgentCore's execution role for an instance), without the API: the
   * service's own AssumeRole is not one of the caller's calls. A role that
   * does not exist (yet) still gets a session, named as its ARN says.
   */
  issueForService(
    account: string,
    roleArn: string,
    sessionName: string,
    durationSeconds: number,
    now: Date,
  ): IssuedCredentials {
    const roleName = roleArn.split("/").pop() ?? roleArn;
    const role = this.iam.roleSummary(account, roleArn) ?? {
      RoleName: roleName,
      RoleId: `AROA${createHash("sha256").update(roleArn).digest("hex").slice(0, 17).toUpperCase()}`,
      Arn: roleArn,
    };
    const name = sessionName
      .replace(/[^\w+=,.@-]/g, "-")
      .slice(0, 64)
      .padEnd(2, "-");
    return this.issue(account, now, durationSeconds, {
      role: { RoleName: role.RoleName, RoleId: role.RoleId, Arn: role.Arn, sessionName: name },
    });
  }
}
