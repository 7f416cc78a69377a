import { type Evidence, makeFinding } from "../../findings/index.js";
import type { DiagnoseEvidence } from "../analysis-input.js";
import { matchErrorShapes } from "../error-messages.js";
import { arnScope } from "../evidence.js";
import type { Rule } from "./rule.js";

/**
 * Inbound auth and cross-account refusals, read from the messages AgentCore
 * gave (the one --invoke got, or the one pasted with --error) beside the
 * runtime's own configuration: its JWT authorizer and its resource-based
 * policies. A finding needs both: the message that says what was refused,
 * and the configuration that says why.
 */

interface SeenMessage {
  text: string;
  evidence: Evidence;
  /** Whether diagnose itself sent it (SigV4, through the SDK): then the caller's method is known. */
  ownCall: boolean;
}

function messages(e: DiagnoseEvidence): SeenMessage[] {
  const seen: SeenMessage[] = [];
  const invoke = e.invoke?.value;
  if (invoke && !invoke.ok && invoke.errorMessage) {
    seen.push({
      text: invoke.errorMessage,
      ownCall: true,
      evidence: {
        fact: `InvokeAgentRuntime signed with SigV4 (--invoke) was refused: ${invoke.errorCode}${invoke.statusCode ? ` (HTTP ${invoke.statusCode})` : ""}: ${invoke.errorMessage}`,
        source: e.invoke!.source,
      },
    });
  }
  if (e.reportedError) {
    seen.push({
      text: e.reportedError.value,
      ownCall: false,
      evidence: {
        fact: `the error the caller saw (--error): ${e.reportedError.value}`,
        source: e.reportedError.source,
      },
    });
  }
  return seen;
}

const withShape = (e: DiagnoseEvidence, id: string) =>
  messages(e).filter((m) => matchErrorShapes(m.text).some((s) => s.id === id));

function authorizerFact(e: DiagnoseEvidence): Evidence {
  const r = e.runtime.value;
  const a = r.authorizer;
  const fact = a
    ? `the runtime has an inbound JWT authorizer: discoveryUrl ${a.discoveryUrl}${a.allowedAudience ? `, allowedAudience ${a.allowedAudience.join(", ")}` : ""}${a.allowedClients ? `, allowedClients ${a.allowedClients.join(", ")}` : ""}${a.allowedScopes ? `, allowedScopes ${a.allowedScopes.join(" ")}` : ""}${a.customClaims ? `, customClaims on ${a.customClaims.join(", ")}` : ""}`
    : "the runtime has no authorizerConfiguration: it takes SigV4 (IAM) only";
  return { fact, source: e.runtime.source };
}

/** SigV4 to a JWT runtime, or a bearer token to an IAM one: AgentCore's mismatch. */
export const authMethodMismatch: Rule = (e) => {
  // diagnose's own --invoke signs with SigV4: its refusal by a JWT runtime says nothing of the user's callers.
  const seen = withShape(e, "auth-method-mismatch").filter((m) => !m.ownCall);
  if (seen.length === 0) return [];
  const r = e.runtime.value;
  const jwt = r.authorizer !== undefined;
  const endpoint = `https://bedrock-agentcore.${arnScope(r.runtimeArn).region}.amazonaws.com/runtimes/${encodeURIComponent(r.runtimeArn)}/invocations?qualifier=${r.endpoint.name}`;
  return [
    makeFinding("INBOUND_AUTH_METHOD_MISMATCH", [...seen.map((m) => m.evidence), authorizerFact(e)], {
      expected: jwt ? "OAuth bearer tokens (a JWT authorizer)" : "SigV4 (no JWT authorizer)",
      sent: jwt ? "a SigV4 signature" : "a bearer token",
      remedy: jwt
        ? `Call it as the JWT authorizer wants: a plain HTTPS POST to ${endpoint} with \`Authorization: Bearer <access token from ${r.authorizer!.discoveryUrl.replace(/\/\.well-known\/openid-configuration$/, "")}>\` and the X-Amzn-Bedrock-AgentCore-Runtime-Session-Id header, not an AWS SDK/CLI call (those sign with SigV4); if a client or proxy is meant to send the token, check that it does not drop the Authorization header. Or, to take SigV4, remove the authorizer: \`aws bedrock-agentcore-control update-agent-runtime --agent-runtime-id ${r.runtimeId} ...\` with the whole configuration and no --authorizer-configuration`
        : `Sign the call with SigV4 (an AWS SDK or \`aws bedrock-agentcore invoke-agent-runtime\`) instead of sending a bearer token, or give the runtime a JWT authorizer with \`update-agent-runtime --authorizer-configuration '{"customJWTAuthorizer":{"discoveryUrl":"https://<issuer>/.well-known/openid-configuration","allowedClients":["<client id>"]}}'\` (with the rest of its configuration)`,
    }),
  ];
};

/** No credentials at all: 401 Missing Authentication Token. */
export const tokenMissing: Rule = (e) => {
  const seen = withShape(e, "missing-authentication-token").filter((m) => !m.ownCall);
  if (seen.length === 0) return [];
  const r = e.runtime.value;
  return [
    makeFinding("INBOUND_TOKEN_MISSING", [...seen.map((m) => m.evidence), authorizerFact(e)], {
      remedy: r.authorizer
        ? `Send \`Authorization: Bearer <access token>\` (issued by ${r.authorizer.discoveryUrl.replace(/\/\.well-known\/openid-configuration$/, "")}) with every request; check that the client reads the token it was given and that no proxy strips the header.`
        : "This runtime takes SigV4: call it through an AWS SDK or the AWS CLI (which sign), or sign the HTTP request with SigV4 for service bedrock-agentcore.",
    }),
  ];
};

/** Which check a refusal names, read off the message; undefined: the message does not say. */
function refusedCheck(text: string): string | undefined {
  if (/\baud(ience)?\b/i.test(text)) return "audience (aud) not in allowedAudience";
  if (/\bclient(_id)?\b/i.test(text)) return "client (client_id) not in allowedClients";
  if (/\bscopes?\b/i.test(text)) return "no scope in allowedScopes";
  if (/\biss(uer)?\b/i.test(text)) return "issuer (iss) not the discovery URL's issuer";
  if (/\bexpired?\b|\bexp\b/i.test(text)) return "the token has expired";
  if (/\bsignature\b|\bjwks\b/i.test(text)) return "signature matches no key of the issuer";
  if (/\bclaim\b/i.test(text)) return "a customClaims rule does not hold";
  return undefined;
}

const REMEDY: Record<string, (e: DiagnoseEvidence) => string> = {
  "audience (aud) not in allowedAudience": (e) =>
    `Request the token for an audience the runtime allows (${e.runtime.value.authorizer?.allowedAudience?.join(", ") ?? "allowedAudience is not set"}), or add the token's aud to allowedAudience with update-agent-runtime. Cognito access tokens carry no aud: use allowedClients for them.`,
  "client (client_id) not in allowedClients": (e) =>
    `Get the token with a client the runtime allows (${e.runtime.value.authorizer?.allowedClients?.join(", ") ?? "allowedClients is not set"}), or add the client id to allowedClients. ID tokens carry the client in aud, not client_id: send an access token.`,
  "no scope in allowedScopes": (e) =>
    `Request one of the runtime's allowedScopes (${e.runtime.value.authorizer?.allowedScopes?.join(" ") ?? "none set"}) when getting the token (the scope parameter of the token request).`,
  "issuer (iss) not the discovery URL's issuer": (e) =>
    `Use a token from the issuer the runtime's discoveryUrl names (${e.runtime.value.authorizer?.discoveryUrl ?? "?"}): another user pool, tenant or stage issues tokens the runtime cannot verify.`,
  "the token has expired": () => "Refresh the token before it expires (its exp claim) and retry.",
  "signature matches no key of the issuer": (e) =>
    `The token was signed by a key the issuer at ${e.runtime.value.authorizer?.discoveryUrl ?? "?"} does not publish: use a token from that issuer.`,
  "a customClaims rule does not hold": (e) =>
    `Issue the token with the claims the runtime's customClaims rules check (${e.runtime.value.authorizer?.customClaims?.join(", ") ?? "?"}).`,
};

/** A bearer token the runtime's JWT authorizer refused, the check named where the message names it. */
export const tokenRejected: Rule = (e) => {
  const r = e.runtime.value;
  if (!r.authorizer) return [];
  const seen = withShape(e, "token-refused");
  if (seen.length === 0) return [];
  const check = seen.map((m) => refusedCheck(m.text)).find((c) => c !== undefined);
  return [
    makeFinding("INBOUND_TOKEN_REJECTED", [...seen.map((m) => m.evidence), authorizerFact(e)], {
      ...(check ? { check } : {}),
      remedy: check
        ? REMEDY[check]!(e)
        : "Decode the token (its payload is base64url JSON) and compare iss, aud, client_id, scope and exp with the runtime's authorizer configuration above.",
    }),
  ];
};

const CROSS_ACCOUNT =
  /User: (arn:aws[^:]*:(?:iam|sts)::(\d{12}):\S+) is not authorized to perform: (bedrock-agentcore:[A-Za-z]+) on resource: (\S+) because no resource-based policy allows/i;

/** A caller of another account refused for want of a resource-based policy that allows it. */
export const crossAccountRefused: Rule = (e) => {
  const r = e.runtime.value;
  const owner = arnScope(r.runtimeArn).account;
  for (const m of messages(e)) {
    const match = CROSS_ACCOUNT.exec(m.text);
    if (!match) continue;
    const [, principal, callerAccount, action] = match as unknown as [string, string, string, string];
    if (callerAccount === owner) continue;
    const policies = e.resourcePolicies?.value;
    const policyFacts: Evidence[] = policies
      ? [
          {
            fact:
              policies.runtime === null && policies.endpoint === null
                ? `neither the runtime nor its endpoint ${r.endpoint.name} has a resource-based policy`
                : `the resource-based policies (runtime: ${policies.runtime === null ? "none" : policies.runtime.includes(callerAccount) ? `names ${callerAccount}` : `does not name ${callerAccount}`}; endpoint: ${policies.endpoint === null ? "none" : policies.endpoint.includes(callerAccount) ? `names ${callerAccount}` : `does not name ${callerAccount}`})`,
            source: e.resourcePolicies!.source,
          },
        ]
      : [];
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: {
            AWS: principal.replace(
              /^arn:(aws[^:]*):sts::(\d{12}):assumed-role\/([^/]+)\/.*$/,
              "arn:$1:iam::$2:role/$3",
            ),
          },
          Action: action,
          Resource: r.runtimeArn,
        },
      ],
    });
    return [
      makeFinding(
        "CROSS_ACCOUNT_NOT_ALLOWED",
        [
          m.evidence,
          {
            fact: `the caller ${principal} is of account ${callerAccount}; the runtime is of account ${owner}`,
            source: e.runtime.source,
          },
          ...policyFacts,
        ],
        {
          callerAccount,
          action,
          remedy: `Allow the caller on the runtime (the account that owns it runs this): \`aws bedrock-agentcore-control put-resource-policy --resource-arn ${r.runtimeArn} --policy '${policy}'\`; the caller's own identity policy must allow ${action} too.`,
        },
      ),
    ];
  }
  return [];
};

export const inboundAuthRules: readonly Rule[] = [
  authMethodMismatch,
  tokenMissing,
  tokenRejected,
  crossAccountRefused,
];
