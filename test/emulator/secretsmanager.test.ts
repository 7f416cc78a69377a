import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type FilterNameStringType,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  paginateListSecrets,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCertificateAuthority } from "../../src/emulator/aws-public/ca.js";
import { createPublicEndpointsServer, listenOn } from "../../src/emulator/aws-public/endpoints-server.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { awsCli, awsCliSkip } from "../helpers/aws-cli.js";
import { sdkConfig } from "../helpers/emulator.js";
import { startEmulatorProcess, stopped } from "../helpers/emulator-process.js";

let emulator: RunningEmulator;
let sm: SecretsManagerClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  sm = new SecretsManagerClient(sdkConfig(emulator));
});
afterAll(async () => {
  sm?.destroy();
  await emulator?.stop();
});

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error("the call succeeded");
};

describe("Secrets Manager through the AWS SDK", () => {
  it("creates a secret, moves AWSCURRENT/AWSPREVIOUS on new values, reads by name, ARN, partial ARN, version and stage", async () => {
    const created = await sm.send(
      new CreateSecretCommand({ Name: "app/db", SecretString: '{"password":"one"}' }),
    );
    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:app\/db-[A-Za-z0-9]{6}$/,
    );
    expect(created.Name).toBe("app/db");
    // The SDK fills ClientRequestToken (an idempotency token): the first version's id.
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/);

    const put = await sm.send(
      new PutSecretValueCommand({ SecretId: "app/db", SecretString: '{"password":"two"}' }),
    );
    expect(put.VersionStages).toEqual(["AWSCURRENT"]);

    const byName = await sm.send(new GetSecretValueCommand({ SecretId: "app/db" }));
    expect(byName).toMatchObject({
      SecretString: '{"password":"two"}',
      VersionId: put.VersionId,
      VersionStages: ["AWSCURRENT"],
    });
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN! }));
    expect(byArn.SecretString).toBe('{"password":"two"}');
    const byPartialArn = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN!.slice(0, -7) }));
    expect(byPartialArn.Name).toBe("app/db");
    const previous = await sm.send(
      new GetSecretValueCommand({ SecretId: "app/db", VersionStage: "AWSPREVIOUS" }),
    );
    expect(previous).toMatchObject({ SecretString: '{"password":"one"}', VersionId: created.VersionId });
    const byVersion = await sm.send(
      new GetSecretValueCommand({ SecretId: "app/db", VersionId: created.VersionId! }),
    );
    expect(byVersion.VersionStages).toEqual(["AWSPREVIOUS"]);

    // A third value: the first version loses its label (and is no longer listed), the second is AWSPREVIOUS.
    const third = await sm.send(new PutSecretValueCommand({ SecretId: "app/db", SecretString: "three" }));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: created.ARN! }));
    expect(described.VersionIdsToStages).toEqual({
      [put.VersionId!]: ["AWSPREVIOUS"],
      [third.VersionId!]: ["AWSCURRENT"],
    });
    expect(described.LastAccessedDate).toBeInstanceOf(Date);
    expect(described.CreatedDate).toBeInstanceOf(Date);
  });

  it("keeps binary values as bytes and answers a retried request with the same token as the first", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const token = "a".repeat(32);
    const first = await sm.send(
      new CreateSecretCommand({ Name: "bin", SecretBinary: bytes, ClientRequestToken: token }),
    );
    const again = await sm.send(
      new CreateSecretCommand({ Name: "bin", SecretBinary: bytes, ClientRequestToken: token }),
    );
    expect(again).toMatchObject({ ARN: first.ARN, VersionId: token });
    const got = await sm.send(new GetSecretValueCommand({ SecretId: "bin" }));
    expect(Array.from(got.SecretBinary!)).toEqual(Array.from(bytes));
    expect(got.SecretString).toBeUndefined();
    const reused = await rejection(
      sm.send(new PutSecretValueCommand({ SecretId: "bin", SecretString: "x", ClientRequestToken: token })),
    );
    expect(reused).toBeInstanceOf(ResourceExistsException);
  });

  it("refuses a create that reuses a version's token with other data as a used token; a first put is AWSCURRENT whatever its labels", async () => {
    const token = "b".repeat(32);
    const made = await sm.send(
      new CreateSecretCommand({ Name: "token-reuse", SecretString: "Hello", ClientRequestToken: token }),
    );
    const other = await rejection(
      sm.send(
        new CreateSecretCommand({ Name: "token-reuse", SecretString: "Hi", ClientRequestToken: token }),
      ),
    );
    expect(other).toBeInstanceOf(ResourceExistsException);
    expect(other.message).toBe(
      `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${made.ARN}.`,
    );
    const plain = await rejection(
      sm.send(new CreateSecretCommand({ Name: "token-reuse", SecretString: "Hi" })),
    );
    expect(plain.message).toBe("The operation failed because the secret token-reuse already exists.");

    await sm.send(new CreateSecretCommand({ Name: "empty-first" }));
    const first = await sm.send(
      new PutSecretValueCommand({
        SecretId: "empty-first",
        SecretString: "v1",
        VersionStages: ["AWSPENDING"],
      }),
    );
    expect(first.VersionStages).toEqual(["AWSPENDING", "AWSCURRENT"]);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "empty-first" }))).SecretString).toBe("v1");
    const second = await sm.send(
      new PutSecretValueCommand({
        SecretId: "empty-first",
        SecretString: "v2",
        VersionStages: ["AWSPENDING"],
      }),
    );
    expect(second.VersionStages).toEqual(["AWSPENDING"]);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "empty-first" }))).SecretString).toBe("v1");

    // Replication is not served: refused (501), and nothing is made.
    const replicated = await rejection(
      sm.send(
        new CreateSecretCommand({
          Name: "replicated",
          SecretString: "r",
          AddReplicaRegions: [{ Region: "eu-west-1" }],
        }),
      ),
    );
    expect(replicated.name).toBe("NotImplementedException");
    expect(replicated.$metadata?.httpStatusCode).toBe(501);
    const none = await rejection(sm.send(new DescribeSecretCommand({ SecretId: "replicated" })));
    expect(none).toBeInstanceOf(ResourceNotFoundException);
  });

  it("answers AWS's errors: not found, exists, both values, bad versions, bad windows", async () => {
    const missing = await rejection(sm.send(new GetSecretValueCommand({ SecretId: "nope" })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.message).toBe("Secrets Manager can't find the specified secret.");
    expect(missing.$metadata?.httpStatusCode).toBe(400);

    await sm.send(new CreateSecretCommand({ Name: "dup", SecretString: "v" }));
    const exists = await rejection(sm.send(new CreateSecretCommand({ Name: "dup", SecretString: "v" })));
    expect(exists).toBeInstanceOf(ResourceExistsException);
    expect(exists.message).toBe("The operation failed because the secret dup already exists.");

    const both = await rejection(
      sm.send(
        new CreateSecretCommand({ Name: "both", SecretString: "s", SecretBinary: new Uint8Array([1]) }),
      ),
    );
    expect(both).toBeInstanceOf(InvalidParameterException);
    // A valueless put is refused for what it is before the secret is looked up.
    const valueless = await rejection(sm.send(new PutSecretValueCommand({ SecretId: "never-made" })));
    expect(valueless).toBeInstanceOf(InvalidParameterException);
    expect(valueless.message).toBe("You must provide either SecretString or SecretBinary.");
    const badName = await rejection(sm.send(new CreateSecretCommand({ Name: "has space" })));
    expect(badName).toBeInstanceOf(InvalidParameterException);

    const badStage = await rejection(
      sm.send(new GetSecretValueCommand({ SecretId: "dup", VersionStage: "AWSPREVIOUS" })),
    );
    expect(badStage).toBeInstanceOf(ResourceNotFoundException);
    expect(badStage.message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    );
    const badVersion = await rejection(
      sm.send(new GetSecretValueCommand({ SecretId: "dup", VersionId: "b".repeat(32) })),
    );
    expect(badVersion.message).toBe(
      `Secrets Manager can't find the specified secret value for VersionId: ${"b".repeat(32)}`,
    );
    // Made without a value: no version to read.
    await sm.send(new CreateSecretCommand({ Name: "empty" }));
    expect(await rejection(sm.send(new GetSecretValueCommand({ SecretId: "empty" })))).toBeInstanceOf(
      ResourceNotFoundException,
    );

    const window = await rejection(
      sm.send(new DeleteSecretCommand({ SecretId: "dup", RecoveryWindowInDays: 3 })),
    );
    expect(window).toBeInstanceOf(InvalidParameterException);
    const conflict = await rejection(
      sm.send(
        new DeleteSecretCommand({
          SecretId: "dup",
          RecoveryWindowInDays: 7,
          ForceDeleteWithoutRecovery: true,
        }),
      ),
    );
    expect(conflict).toBeInstanceOf(InvalidParameterException);
    // An unknown JSON member type is refused by the wire layer before the model.
    const wrongType = await rejection(
      sm.send(new GetSecretValueCommand({ SecretId: 5 as unknown as string })),
    );
    expect(wrongType.$metadata?.httpStatusCode).toBe(400);
  });

  it("deletes with a recovery window: hidden from reads and lists, restorable; forced delete frees the name", async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: "gone", SecretString: "v" }));
    const before = Date.now();
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: "gone", RecoveryWindowInDays: 7 }));
    expect(deleted.ARN).toBe(created.ARN);
    expect(deleted.DeletionDate!.getTime()).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 1000);
    const read = await rejection(sm.send(new GetSecretValueCommand({ SecretId: "gone" })));
    expect(read).toBeInstanceOf(InvalidRequestException);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: "gone" }))).DeletedDate).toBeInstanceOf(Date);
    const names = async (include?: boolean) =>
      ((await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: include }))).SecretList ?? []).map(
        (s) => s.Name,
      );
    expect(await names()).not.toContain("gone");
    expect(await names(true)).toContain("gone");
    expect(await rejection(sm.send(new CreateSecretCommand({ Name: "gone" })))).toBeInstanceOf(
      InvalidRequestException,
    );

    await sm.send(new RestoreSecretCommand({ SecretId: "gone" }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "gone" }))).SecretString).toBe("v");

    await sm.send(new DeleteSecretCommand({ SecretId: "gone", ForceDeleteWithoutRecovery: true }));
    expect(await rejection(sm.send(new DescribeSecretCommand({ SecretId: "gone" })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
    const remade = await sm.send(new CreateSecretCommand({ Name: "gone", SecretString: "w" }));
    expect(remade.ARN).not.toBe(created.ARN);
    // Forcing the delete of a secret that never was succeeds; without force it is not found.
    const never = await sm.send(
      new DeleteSecretCommand({ SecretId: "never-was", ForceDeleteWithoutRecovery: true }),
    );
    expect(never).toMatchObject({ Name: "never-was" });
    expect(never.ARN).toBeUndefined();
    expect(await rejection(sm.send(new DeleteSecretCommand({ SecretId: "never-was" })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it("lists by filters and pages with the SDK's paginator; tags", async () => {
    for (let i = 0; i < 7; i++)
      await sm.send(new CreateSecretCommand({ Name: `page/${i}`, Description: `Page ${i}` }));
    await sm.send(new TagResourceCommand({ SecretId: "page/3", Tags: [{ Key: "team", Value: "agents" }] }));
    const seen: string[] = [];
    for await (const page of paginateListSecrets(
      { client: sm, pageSize: 3 },
      { Filters: [{ Key: "name", Values: ["page/"] }] },
    )) {
      expect((page.SecretList ?? []).length).toBeLessThanOrEqual(3);
      seen.push(...(page.SecretList ?? []).map((s) => s.Name!));
    }
    expect(seen).toEqual(["page/0", "page/1", "page/2", "page/3", "page/4", "page/5", "page/6"]);
    const tagged = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: "tag-value", Values: ["agents"] }] }),
    );
    expect(tagged.SecretList?.map((s) => [s.Name, s.Tags])).toEqual([
      ["page/3", [{ Key: "team", Value: "agents" }]],
    ]);
    const described = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: "description", Values: ["page 5"] }] }),
    );
    expect(described.SecretList?.map((s) => s.Name)).toEqual(["page/5"]);
    // A filter without values is refused, not taken as matching nothing.
    const valueless = await sm
      .send(new ListSecretsCommand({ Filters: [{ Key: "description" }] }))
      .catch((error: Error) => error);
    expect(valueless).toMatchObject({
      name: "InvalidParameterException",
      message: "Invalid filter values for key: description",
    });
    // Once tagged, a secret whose last tag goes lists Tags: []; one never tagged has no Tags.
    await sm.send(new UntagResourceCommand({ SecretId: "page/3", TagKeys: ["team"] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: "page/3" }))).Tags).toEqual([]);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: "page/4" }))).Tags).toBeUndefined();
  });

  it("matches description and all by words as the user guide's search does: any order, prefixes, camelCase and digits split", async () => {
    const names = async (filters: { Key: FilterNameStringType; Values: string[] }[]) =>
      ((await sm.send(new ListSecretsCommand({ Filters: filters }))).SecretList ?? [])
        .map((s) => s.Name!)
        .filter((n) => n.startsWith("words/"));
    await sm.send(new CreateSecretCommand({ Name: "words/a", Description: "Rotated by the ops team" }));
    await sm.send(new CreateSecretCommand({ Name: "words/b", Description: "ops" }));
    await sm.send(
      new CreateSecretCommand({
        Name: "words/dbCreds@892",
        Tags: [{ Key: "stage", Value: "PRODUCTIONhosts" }],
      }),
    );
    // Words of the value in any order, each the start of a word; not case-sensitive.
    expect(await names([{ Key: "description", Values: ["team OPS"] }])).toEqual(["words/a"]);
    expect(await names([{ Key: "description", Values: ["rot t"] }])).toEqual(["words/a"]);
    expect(await names([{ Key: "description", Values: ["tated"] }])).toEqual([]);
    // Two filters with one key both hold; two values of one filter either.
    expect(
      await names([
        { Key: "description", Values: ["ops"] },
        { Key: "description", Values: ["team"] },
      ]),
    ).toEqual(["words/a"]);
    expect(await names([{ Key: "description", Values: ["team", "ops"] }])).toEqual(["words/a", "words/b"]);
    // all: name, description and tags, split at case changes, digits and punctuation.
    expect(await names([{ Key: "all", Values: ["creds"] }])).toEqual(["words/dbCreds@892"]);
    expect(await names([{ Key: "all", Values: ["892"] }])).toEqual(["words/dbCreds@892"]);
    expect(await names([{ Key: "all", Values: ["Nhosts"] }])).toEqual(["words/dbCreds@892"]);
    expect(await names([{ Key: "all", Values: ["hosts"] }])).toEqual([]);
    expect(await names([{ Key: "all", Values: ["!ops"] }])).toEqual(["words/dbCreds@892"]);
  });

  it("records management events in CloudTrail without the secret's value", async () => {
    await sm.send(new CreateSecretCommand({ Name: "trailed", SecretString: "hunter2" }));
    await sm.send(new GetSecretValueCommand({ SecretId: "trailed" }));
    const trail = new CloudTrailClient(sdkConfig(emulator));
    try {
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "secretsmanager.amazonaws.com" }],
        }),
      );
      const names = (events.Events ?? []).map((e) => e.EventName);
      expect(names).toEqual(expect.arrayContaining(["CreateSecret", "GetSecretValue"]));
      const text = JSON.stringify(events.Events);
      expect(text).not.toContain("hunter2");
      const create = events.Events!.find(
        (e) => e.EventName === "CreateSecret" && e.CloudTrailEvent!.includes("trailed"),
      );
      const record = JSON.parse(create!.CloudTrailEvent!);
      expect(record.requestParameters.SecretString).toBe("HIDDEN_DUE_TO_SECURITY_REASONS");
      expect(record.readOnly).toBe(false);
    } finally {
      trail.destroy();
    }
  });

  it("is cleared by the reset endpoint, alone or with everything", async () => {
    await sm.send(new CreateSecretCommand({ Name: "reset/me", SecretString: "v" }));
    const reset = await fetch(`${emulator.url}/_emulator/reset/secretsmanager`, { method: "POST" });
    expect(await reset.json()).toMatchObject({ reset: ["secretsmanager"] });
    expect((await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList).toEqual([]);
  });

  it("is reachable through the stand-in for AWS's public endpoints as secretsmanager.<region>.amazonaws.com", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acd-sm-ca-"));
    const ca = loadCertificateAuthority(dir);
    const standIn = createPublicEndpointsServer(ca, { url: emulator.url });
    const { port } = await listenOn(standIn, "127.0.0.1", 0);
    const client = new SecretsManagerClient({
      ...sdkConfig(emulator),
      endpoint: `https://127.0.0.1:${port}`,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ ca: ca.certPem, servername: "secretsmanager.us-east-1.amazonaws.com" }),
      }),
    });
    try {
      await client.send(new CreateSecretCommand({ Name: "via/stand-in", SecretString: "tls" }));
      expect((await client.send(new GetSecretValueCommand({ SecretId: "via/stand-in" }))).SecretString).toBe(
        "tls",
      );
    } finally {
      client.destroy();
      await new Promise((resolve) => standIn.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Secrets Manager state directory", () => {
  it("keeps an acknowledged secret across kill -9", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "acd-sm-state-"));
    try {
      let { child, url } = await startEmulatorProcess(stateDir, ["--driver", "process"]);
      let client = new SecretsManagerClient({ ...sdkConfig({ url }) });
      await client.send(new CreateSecretCommand({ Name: "durable", SecretString: "kept" }));
      await client.send(new PutSecretValueCommand({ SecretId: "durable", SecretString: "kept-2" }));
      client.destroy();
      await stopped(child, "SIGKILL");
      ({ child, url } = await startEmulatorProcess(stateDir, ["--driver", "process"]));
      client = new SecretsManagerClient({ ...sdkConfig({ url }) });
      try {
        expect((await client.send(new GetSecretValueCommand({ SecretId: "durable" }))).SecretString).toBe(
          "kept-2",
        );
        const previous = await client.send(
          new GetSecretValueCommand({ SecretId: "durable", VersionStage: "AWSPREVIOUS" }),
        );
        expect(previous.SecretString).toBe("kept");
      } finally {
        client.destroy();
        await stopped(child, "SIGTERM");
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

const boto3 = await new Promise<boolean>((resolve) =>
  execFile("python3", ["-c", "import boto3"], (error) => resolve(!error)),
);
if (!boto3) console.log("secretsmanager: boto3 test skipped: boto3 is not installed");
if (awsCliSkip) console.log(`secretsmanager: AWS CLI test skipped: ${awsCliSkip}`);

describe.skipIf(!boto3)("Secrets Manager through boto3", () => {
  it("creates, puts, reads and describes as boto3 sends them; errors parse as boto3's exception classes", async () => {
    const script = `
import boto3, json, sys
c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="a", aws_secret_access_key="b")
c.create_secret(Name="boto/one", SecretString="first")
c.put_secret_value(SecretId="boto/one", SecretBinary=b"\\x00\\xff")
cur = c.get_secret_value(SecretId="boto/one")
prev = c.get_secret_value(SecretId="boto/one", VersionStage="AWSPREVIOUS")
d = c.describe_secret(SecretId="boto/one")
try:
    c.get_secret_value(SecretId="boto/none")
    err = None
except c.exceptions.ResourceNotFoundException as e:
    err = e.response["Error"]["Code"]
print(json.dumps({"binary": list(cur["SecretBinary"]), "previous": prev["SecretString"],
                  "stages": sorted(s for v in d["VersionIdsToStages"].values() for s in v), "error": err}))
`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile("python3", ["-c", script, emulator.url], (error, stdout, stderr) =>
        error ? reject(new Error(stderr)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(out)).toEqual({
      binary: [0, 255],
      previous: "first",
      stages: ["AWSCURRENT", "AWSPREVIOUS"],
      error: "ResourceNotFoundException",
    });
  });
});

describe.skipIf(awsCliSkip !== undefined)("Secrets Manager through the AWS CLI", () => {
  it("create-secret, get-secret-value, list-secrets", async () => {
    const created = await awsCli(
      emulator.url,
      "secretsmanager",
      "create-secret",
      "--name",
      "cli/one",
      "--secret-string",
      "from-cli",
    );
    expect(created.status, created.stderr).toBe(0);
    const got = await awsCli(emulator.url, "secretsmanager", "get-secret-value", "--secret-id", "cli/one");
    expect(JSON.parse(got.stdout)).toMatchObject({
      Name: "cli/one",
      SecretString: "from-cli",
      VersionStages: ["AWSCURRENT"],
    });
    const listed = await awsCli(
      emulator.url,
      "secretsmanager",
      "list-secrets",
      "--filters",
      "Key=name,Values=cli/",
    );
    expect(JSON.parse(listed.stdout).SecretList.map((s: { Name: string }) => s.Name)).toEqual(["cli/one"]);
    const missing = await awsCli(
      emulator.url,
      "secretsmanager",
      "describe-secret",
      "--secret-id",
      "cli/none",
    );
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("ResourceNotFoundException");
  });
});
