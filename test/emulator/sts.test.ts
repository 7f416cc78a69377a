import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { CreateRoleCommand, IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
  type STSServiceException,
} from "@aws-sdk/client-sts";
import { UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "../helpers/emulator.js";

const ACCOUNT = "210987654321";
let emulator: RunningEmulator;
let sts: STSClient;
let iam: IAMClient;
const clients: { destroy(): void }[] = [];

const trust = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] });

async function role(name: string, document: string, maxSessionDuration?: number): Promise<string> {
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: document,
      ...(maxSessionDuration ? { MaxSessionDuration: maxSessionDuration } : {}),
    }),
  );
  return created.Role!.Arn!;
}

/** A client signing with temporary credentials (access key, secret, session token). */
function withCredentials<C extends { destroy(): void }>(
  Client: new (config: ReturnType<typeof sdkConfig>) => C,
  credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string },
): C {
  const client = new Client({
    ...sdkConfig(emulator),
    credentials: {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    },
  } as ReturnType<typeof sdkConfig>);
  clients.push(client);
  return client;
}

async function refusal(promise: Promise<unknown>): Promise<STSServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call was expected to fail").toBeDefined();
  return error as STSServiceException;
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, account: ACCOUNT });
  sts = new STSClient(sdkConfig(emulator));
  iam = new IAMClient(sdkConfig(emulator));
});
afterAll(async () => {
  for (const client of [sts, iam, ...clients]) client?.destroy();
  await emulator?.stop();
});

describe("STS GetCallerIdentity through the AWS SDK", () => {
  it("names the emulator's account and its one IAM user", async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(ACCOUNT);
    expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/agentcore-doctor`);
    expect(identity.UserId).toMatch(/^AIDA[0-9A-F]{17}$/);
  });

  it("answers the same identity whichever region the caller signs for", async () => {
    const elsewhere = new STSClient({ ...sdkConfig(emulator), region: "ap-southeast-2" });
    try {
      const identity = await elsewhere.send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/agentcore-doctor`);
    } finally {
      elsewhere.destroy();
    }
  });
});

describe("STS AssumeRole", () => {
  it("issues credentials the emulator then attributes to the role's session, in GetCallerIdentity and CloudTrail", async () => {
    const arn = await role(
      "Deployer",
      trust({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }),
    );
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "ci-run-42" }));
    const { Credentials, AssumedRoleUser } = assumed;
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(Credentials?.SecretAccessKey).toHaveLength(40);
    expect(Credentials?.SessionToken?.length).toBeGreaterThan(100);
    const expiresIn = Credentials!.Expiration!.getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect(AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/ci-run-42`);
    expect(AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:ci-run-42$/);

    const asRole = withCredentials(STSClient, Credentials!);
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Arn: AssumedRoleUser!.Arn,
      UserId: AssumedRoleUser!.AssumedRoleId,
      Account: ACCOUNT,
    });

    // A call made with the session's credentials (signed with its token) is the role's in CloudTrail.
    await withCredentials(IAMClient, Credentials!).send(new ListRolesCommand({}));
    const trail = withCredentials(CloudTrailClient, Credentials!);
    const listed = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: Credentials!.AccessKeyId! }],
      }),
    );
    const event = listed.Events!.find((e) => e.EventName === "ListRoles")!;
    expect(event.Username).toBe("ci-run-42");
    expect(JSON.parse(event.CloudTrailEvent!).userIdentity).toMatchObject({
      type: "AssumedRole",
      arn: AssumedRoleUser!.Arn,
      principalId: AssumedRoleUser!.AssumedRoleId,
      accessKeyId: Credentials!.AccessKeyId,
      sessionContext: {
        sessionIssuer: { type: "Role", arn, userName: "Deployer", accountId: ACCOUNT },
        attributes: { mfaAuthenticated: "false" },
      },
    });
    // The AssumeRole call itself: by the user, naming the role, the secret hidden.
    const assumeEvents = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRole" }],
      }),
    );
    const record = JSON.parse(assumeEvents.Events![0]!.CloudTrailEvent!);
    expect(record).toMatchObject({
      eventSource: "sts.amazonaws.com",
      userIdentity: { type: "IAMUser", userName: "agentcore-doctor" },
    });
    // Member names as the record builder spells them (the model's, or CloudTrail's lowerCamel).
    const flat = JSON.stringify(record).toLowerCase();
    expect(flat).toContain(`"rolearn":"${arn.toLowerCase()}"`);
    expect(flat).toContain(`"accesskeyid":"${Credentials!.AccessKeyId!.toLowerCase()}"`);
    expect(flat).not.toContain(Credentials!.SecretAccessKey!.toLowerCase());
    expect(assumeEvents.Events![0]!.Resources).toContainEqual({
      ResourceType: "AWS::IAM::Role",
      ResourceName: arn,
    });
  });

  it("refuses a role whose trust policy does not name the caller, as AWS words it", async () => {
    const arn = await role(
      "ServiceOnly",
      trust({ Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" }),
    );
    const error = await refusal(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "s1" })));
    expect(error.name).toBe("AccessDenied");
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/agentcore-doctor is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    );
    // A role that does not exist reads the same: STS does not say which roles exist.
    const missing = `arn:aws:iam::${ACCOUNT}:role/Nobody`;
    const absent = await refusal(
      sts.send(new AssumeRoleCommand({ RoleArn: missing, RoleSessionName: "s1" })),
    );
    expect([absent.name, absent.message]).toEqual([
      "AccessDenied",
      `User: arn:aws:iam::${ACCOUNT}:user/agentcore-doctor is not authorized to perform: sts:AssumeRole on resource: ${missing}`,
    ]);
  });

  it("evaluates the trust policy's conditions and explicit denies (sts:ExternalId, a Deny for the account)", async () => {
    const arn = await role(
      "ThirdParty",
      trust({
        Principal: { AWS: ACCOUNT },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": "e-123" } },
      }),
    );
    expect(
      (await refusal(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "x1" })))).name,
    ).toBe("AccessDenied");
    const ok = await sts.send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "x1", ExternalId: "e-123" }),
    );
    expect(ok.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/ThirdParty/x1`);

    const denied = await role(
      "Denied",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" },
          { Effect: "Deny", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" },
        ],
      }),
    );
    expect(
      (await refusal(sts.send(new AssumeRoleCommand({ RoleArn: denied, RoleSessionName: "x1" })))).name,
    ).toBe("AccessDenied");
  });

  it("asks the trust policy for sts:TagSession when tags are passed", async () => {
    const arn = await role("NoTags", trust({ Principal: { AWS: ACCOUNT }, Action: "sts:AssumeRole" }));
    const error = await refusal(
      sts.send(
        new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "t1", Tags: [{ Key: "team", Value: "a" }] }),
      ),
    );
    expect(error.message).toMatch(/is not authorized to perform: sts:TagSession on resource: /);
    const tagging = await role(
      "Tags",
      trust({ Principal: { AWS: ACCOUNT }, Action: ["sts:AssumeRole", "sts:TagSession"] }),
    );
    const ok = await sts.send(
      new AssumeRoleCommand({ RoleArn: tagging, RoleSessionName: "t1", Tags: [{ Key: "team", Value: "a" }] }),
    );
    expect(ok.PackedPolicySize).toBeGreaterThan(0);
  });

  it("holds DurationSeconds to the role's MaxSessionDuration, and a chained session to one hour", async () => {
    const arn = await role("Short", trust({ Principal: { AWS: ACCOUNT }, Action: "sts:AssumeRole" }), 7200);
    const tooLong = await refusal(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "d1", DurationSeconds: 7201 })),
    );
    expect([tooLong.name, tooLong.message, tooLong.$metadata.httpStatusCode]).toEqual([
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      400,
    ]);
    const first = await sts.send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "d1", DurationSeconds: 7200 }),
    );
    const chained = withCredentials(STSClient, first.Credentials!);
    const error = await refusal(
      chained.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "d2", DurationSeconds: 7200 })),
    );
    expect(error.message).toBe(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
    const second = await chained.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "d2" }));
    expect(second.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Short/d2`);
    // Below the model's minimum, the SDK's request still reaches the emulator, which answers as STS does.
    const short = await refusal(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "d1", DurationSeconds: 60 })),
    );
    expect(short.name).toBe("ValidationError");
    expect(short.message).toMatch(
      /'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900/,
    );
  });

  it("refuses a session policy that is not a policy", async () => {
    const arn = await role("Scoped", trust({ Principal: { AWS: ACCOUNT }, Action: "sts:AssumeRole" }));
    const error = await refusal(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "p1", Policy: "{not json" })),
    );
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(["MalformedPolicyDocumentException", 400]);
  });
});

describe("STS AssumeRoleWithWebIdentity", () => {
  const issuer = "https://token.actions.githubusercontent.com";
  const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
  const token = (claims: Record<string, unknown>, expiresIn = "1h") =>
    new UnsecuredJWT(claims).setIssuer(issuer).setIssuedAt().setExpirationTime(expiresIn).encode();

  it("trusts a Federated principal by the token's issuer, sub and aud, unsigned, and names the web identity in CloudTrail", async () => {
    const arn = await role(
      "GithubDeploy",
      trust({
        Principal: { Federated: provider },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
          StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/agent:*" },
        },
      }),
    );
    // No credentials at all: the SDK sends this call unsigned.
    const anonymous = new STSClient({ endpoint: emulator.url, region: "us-east-1", maxAttempts: 1 });
    clients.push(anonymous);
    const good = token({ sub: "repo:acme/agent:ref:refs/heads/main", aud: "sts.amazonaws.com" });
    const assumed = await anonymous.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: arn, RoleSessionName: "gha", WebIdentityToken: good }),
    );
    expect(assumed).toMatchObject({
      SubjectFromWebIdentityToken: "repo:acme/agent:ref:refs/heads/main",
      Audience: "sts.amazonaws.com",
      Provider: issuer,
      AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/GithubDeploy/gha` },
    });
    const identity = await withCredentials(STSClient, assumed.Credentials!).send(
      new GetCallerIdentityCommand({}),
    );
    expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/GithubDeploy/gha`);

    const wrongRepo = token({ sub: "repo:evil/agent:ref:refs/heads/main", aud: "sts.amazonaws.com" });
    const denied = await refusal(
      anonymous.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: arn,
          RoleSessionName: "gha",
          WebIdentityToken: wrongRepo,
        }),
      ),
    );
    expect([denied.name, denied.message, denied.$metadata.httpStatusCode]).toEqual([
      "AccessDenied",
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
      403,
    ]);

    const events = await sts.send(new GetCallerIdentityCommand({})).then(() =>
      withCredentials(CloudTrailClient, assumed.Credentials!).send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }],
        }),
      ),
    );
    const [refused, accepted] = events.Events!.map((e) => JSON.parse(e.CloudTrailEvent!));
    expect(refused).toMatchObject({
      errorCode: "AccessDenied",
      userIdentity: { type: "WebIdentityUser", userName: "repo:evil/agent:ref:refs/heads/main" },
    });
    expect(accepted.userIdentity).toEqual({
      type: "WebIdentityUser",
      principalId:
        "token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/agent:ref:refs/heads/main",
      userName: "repo:acme/agent:ref:refs/heads/main",
      identityProvider: "token.actions.githubusercontent.com",
    });
  });

  it("answers a token that is not a JWT, and an expired one, with STS's codes", async () => {
    const arn = await role(
      "AnyWeb",
      trust({ Principal: { Federated: provider }, Action: "sts:AssumeRoleWithWebIdentity" }),
    );
    const anonymous = new STSClient({ endpoint: emulator.url, region: "us-east-1", maxAttempts: 1 });
    clients.push(anonymous);
    const garbage = await refusal(
      anonymous.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: arn,
          RoleSessionName: "w1",
          WebIdentityToken: "not-a-jwt",
        }),
      ),
    );
    expect([garbage.name, garbage.$metadata.httpStatusCode]).toEqual(["InvalidIdentityTokenException", 400]);
    const expired = await refusal(
      anonymous.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: arn,
          RoleSessionName: "w1",
          WebIdentityToken: token({ sub: "someone" }, "-10m"),
        }),
      ),
    );
    expect([expired.name, expired.$metadata.httpStatusCode]).toEqual(["ExpiredTokenException", 400]);
    expect(expired.message).toMatch(
      /^Token expired: current date\/time \d+ must be before the expiration date\/time\d+$/,
    );
  });
});

describe("STS GetSessionToken", () => {
  it("issues the user's own temporary credentials, attributed to the user, and refuses session credentials", async () => {
    const session = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(session.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const expiresIn = session.Credentials!.Expiration!.getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(800_000);
    expect(expiresIn).toBeLessThanOrEqual(900_000);
    const asSession = withCredentials(STSClient, session.Credentials!);
    const identity = await asSession.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/agentcore-doctor`);
    const again = await refusal(asSession.send(new GetSessionTokenCommand({})));
    expect([again.name, again.message]).toEqual([
      "AccessDenied",
      "Cannot call GetSessionToken with session credentials",
    ]);
    const arn = await role("ForSessions", trust({ Principal: { AWS: ACCOUNT }, Action: "sts:AssumeRole" }));
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "r1" }));
    const fromRole = await refusal(
      withCredentials(STSClient, assumed.Credentials!).send(new GetSessionTokenCommand({})),
    );
    expect(fromRole.name).toBe("AccessDenied");
  });
});
