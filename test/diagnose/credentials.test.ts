import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREDENTIAL_CHAIN_OPERATIONS,
  diagnosePolicy,
  sourceProfilePolicy,
} from "../../src/diagnose/allow-list.js";
import { CredentialChainError } from "../../src/diagnose/credentials.js";
import { diagnose } from "../../src/diagnose/run.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";

const ACCOUNT = "123456789012";
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/agentcore-doctor`;
const ISSUER = "https://oidc.ci.example.com";
let emulator: RunningEmulator;
let runtimeId = "";
let dir = "";
/** The SDK reads the shared files from these variables; the test's own are put back after. */
const AWS_VARIABLES = [
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
];
const saved = Object.fromEntries(AWS_VARIABLES.map((name) => [name, process.env[name]]));

const trust = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] });

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, account: ACCOUNT, timing: { readyAfterMs: 0 } });
  const [created] = await seedRuntimes(emulator, runtimeRequest("profiled_agent"));
  runtimeId = created!.agentRuntimeId!;
  const iam = new IAMClient(sdkConfig(emulator));
  for (const [name, document] of [
    ["DiagnoseRole", trust({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" })],
    ["LambdaOnly", trust({ Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" })],
    [
      "CiRole",
      trust({
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.ci.example.com` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { "oidc.ci.example.com:aud": "sts.amazonaws.com" } },
      }),
    ],
  ] as const) {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document }));
  }
  iam.destroy();

  dir = mkdtempSync(join(tmpdir(), "acd-profiles-"));
  const token = new UnsecuredJWT({ sub: "pipeline-7", aud: "sts.amazonaws.com" })
    .setIssuer(ISSUER)
    .setExpirationTime("1h")
    .encode();
  writeFileSync(join(dir, "token"), token);
  writeFileSync(
    join(dir, "config"),
    [
      "[profile base]",
      "aws_access_key_id = AKIDBASEPROFILE",
      "aws_secret_access_key = base-secret",
      "[profile diag]",
      `role_arn = arn:aws:iam::${ACCOUNT}:role/DiagnoseRole`,
      "source_profile = base",
      "role_session_name = acd-diagnose",
      "[profile refused]",
      `role_arn = arn:aws:iam::${ACCOUNT}:role/LambdaOnly`,
      "source_profile = base",
      "[profile ci]",
      `role_arn = arn:aws:iam::${ACCOUNT}:role/CiRole`,
      `web_identity_token_file = ${join(dir, "token")}`,
      "role_session_name = ci-diagnose",
      "[profile ci-refused]",
      `role_arn = arn:aws:iam::${ACCOUNT}:role/LambdaOnly`,
      `web_identity_token_file = ${join(dir, "token")}`,
      "[profile process-ok]",
      `credential_process = ${join(dir, "process-ok.sh")}`,
      "[profile process-fails]",
      `credential_process = ${join(dir, "process-fails.sh")} --account ${ACCOUNT}`,
      "[profile sso]",
      "sso_session = corp",
      `sso_account_id = ${ACCOUNT}`,
      "sso_role_name = DiagnoseReadOnly",
      "region = us-east-1",
      "[sso-session corp]",
      "sso_start_url = https://corp.awsapps.com/start",
      "sso_region = us-east-1",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "credentials"), "");
  writeFileSync(
    join(dir, "process-ok.sh"),
    `#!/bin/sh\necho '{"Version": 1, "AccessKeyId": "AKIDFROMPROCESS", "SecretAccessKey": "process-secret"}'\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(dir, "process-fails.sh"), "#!/bin/sh\necho 'vault: not logged in' >&2\nexit 3\n", {
    mode: 0o755,
  });
  for (const name of AWS_VARIABLES) delete process.env[name];
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
});
afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (profile: string) =>
  diagnose({
    runtime: runtimeId,
    profile,
    endpointUrl: emulator.url,
    region: "us-east-1",
    allowInvoke: false,
  });

describe("diagnose's credential chain inside its guarantees", () => {
  it("assumes a role_arn profile's role once, through the guard, and runs as the role's session", async () => {
    const result = await run("diag");
    expect(result.evidence.runtime.value.runtimeId).toBe(runtimeId);
    // One AssumeRole for every client, counted with the run's calls (no GetCallerIdentity is made).
    expect(result.apiCalls.STS).toBe(1);

    const trail = new CloudTrailClient(sdkConfig(emulator));
    try {
      const assumed = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRole" }],
        }),
      );
      expect(assumed.Events).toHaveLength(1);
      expect(JSON.parse(assumed.Events![0]!.CloudTrailEvent!).userIdentity).toMatchObject({
        type: "IAMUser",
        accessKeyId: "AKIDBASEPROFILE",
      });
      const reads = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetAgentRuntime" }],
        }),
      );
      const identity = JSON.parse(reads.Events![0]!.CloudTrailEvent!).userIdentity;
      expect(identity).toMatchObject({
        type: "AssumedRole",
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/DiagnoseRole/acd-diagnose`,
        sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${ACCOUNT}:role/DiagnoseRole` } },
      });
    } finally {
      trail.destroy();
    }
  });

  it("assumes a web identity profile's role through the guard", async () => {
    const result = await run("ci");
    expect(result.evidence.runtime.value.runtimeId).toBe(runtimeId);
    expect(result.apiCalls.STS).toBe(1);
  });

  it("reports a refused AssumeRole as what it is: the profile, the call, as whom, AWS's words, what to do", async () => {
    const error = (await run("refused").catch((e: unknown) => e)) as CredentialChainError;
    expect(error).toBeInstanceOf(CredentialChainError);
    expect(error.profile).toBe("refused");
    expect(error.call).toBe("sts:AssumeRole");
    expect(error.awsError?.code).toBe("AccessDenied");
    const role = `arn:aws:iam::${ACCOUNT}:role/LambdaOnly`;
    expect(error.message).toContain(
      `profile 'refused': sts:AssumeRole of ${role}, signed by its source profile 'base' (access key AKIDBASEPROFILE), failed: AccessDenied: User: ${USER_ARN} is not authorized to perform: sts:AssumeRole on resource: ${role}`,
    );
    expect(error.message).toContain("docs/diagnose-iam-policy-source-profile.json");
  });

  it("the CLI says so plainly and exits 2, not as an internal error", async () => {
    const result = await runCli(
      [
        "diagnose",
        runtimeId,
        "--profile",
        "refused",
        "--endpoint-url",
        emulator.url,
        "--region",
        "us-east-1",
      ],
      {
        env: { AWS_CONFIG_FILE: join(dir, "config"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials") },
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.stderr).toMatch(/could not get credentials for profile 'refused': sts:AssumeRole of/);
    expect(result.stderr).toMatch(/To fix: allow the source profile 'base''s principal sts:AssumeRole/);
  });

  it("reports a refused AssumeRoleWithWebIdentity as that call, with AWS's words", async () => {
    const error = (await run("ci-refused").catch((e: unknown) => e)) as CredentialChainError;
    expect(error).toBeInstanceOf(CredentialChainError);
    expect(error.call).toBe("sts:AssumeRoleWithWebIdentity");
    expect(error.awsError?.code).toBe("AccessDenied");
    expect(error.message).toContain(
      `profile 'ci-refused': sts:AssumeRoleWithWebIdentity of arn:aws:iam::${ACCOUNT}:role/LambdaOnly failed: AccessDenied`,
    );
  });

  it("runs with a credential_process profile's credentials, no AWS call made to get them", async () => {
    const result = await run("process-ok");
    expect(result.evidence.runtime.value.runtimeId).toBe(runtimeId);
    expect(result.apiCalls.STS ?? 0).toBe(0);
  });

  it("reports a failing credential_process as that program's failure, not an AWS refusal", async () => {
    const error = (await run("process-fails").catch((e: unknown) => e)) as CredentialChainError;
    expect(error).toBeInstanceOf(CredentialChainError);
    expect(error.call).toBe("credential_process");
    expect(error.awsError).toBeUndefined();
    expect(error.message).toContain(
      `profile 'process-fails': its credential_process (${join(dir, "process-fails.sh")} --account ${ACCOUNT}) failed`,
    );
    expect(error.message).toContain("vault: not logged in");
    expect(error.message).toMatch(/To fix: run that command yourself/);
  });

  it("reports an SSO profile without a login as sso:GetRoleCredentials, with the login to run", async () => {
    const error = (await run("sso").catch((e: unknown) => e)) as CredentialChainError;
    expect(error).toBeInstanceOf(CredentialChainError);
    expect(error.call).toBe("sso:GetRoleCredentials");
    expect(error.message).toContain(`for role DiagnoseReadOnly in account ${ACCOUNT}`);
    expect(error.message).toContain("aws sso login --profile sso");
  });

  it("a profile that does not exist is said to be missing", async () => {
    const error = (await run("nope").catch((e: unknown) => e)) as CredentialChainError;
    expect(error).toBeInstanceOf(CredentialChainError);
    expect(error.message).toMatch(/no profile 'nope' in the shared config or credentials file/);
  });

  it("names the chain's calls in the allow-list, for the source principal, apart from the diagnosed role's policy", () => {
    const assumeRole = CREDENTIAL_CHAIN_OPERATIONS.find((o) => o.operation === "AssumeRole");
    expect(assumeRole?.credentialChain?.guarded).toBe(true);
    expect(CREDENTIAL_CHAIN_OPERATIONS.map((o) => `${o.client}:${o.operation}`)).toEqual([
      "STS:AssumeRole",
      "STS:AssumeRoleWithWebIdentity",
      "SSO:GetRoleCredentials",
      "SSOOIDC:CreateToken",
      "Signin:CreateOAuth2Token",
    ]);
    const actions = (diagnosePolicy(true).Statement[0] as { Action: string[] }).Action;
    expect(actions).not.toContain("sts:AssumeRole");
    expect(sourceProfilePolicy().Statement).toEqual([
      expect.objectContaining({ Effect: "Allow", Action: ["sts:AssumeRole"] }),
    ]);
  });
});
