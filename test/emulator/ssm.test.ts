import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  paginateGetParametersByPath,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCertificateAuthority } from "../../src/emulator/aws-public/ca.js";
import { createPublicEndpointsServer, listenOn } from "../../src/emulator/aws-public/endpoints-server.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { awsCli, awsCliSkip } from "../helpers/aws-cli.js";
import { sdkConfig } from "../helpers/emulator.js";
import { startEmulatorProcess, stopped } from "../helpers/emulator-process.js";

let emulator: RunningEmulator;
let ssm: SSMClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ssm = new SSMClient(sdkConfig(emulator));
});
afterAll(async () => {
  ssm?.destroy();
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

describe("SSM Parameter Store through the AWS SDK", () => {
  it("puts String, StringList and SecureString parameters, overwrites into versions, reads name:version", async () => {
    expect(
      await ssm.send(new PutParameterCommand({ Name: "/app/url", Value: "https://a", Type: "String" })),
    ).toMatchObject({
      Version: 1,
      Tier: "Standard",
    });
    const again = await rejection(
      ssm.send(new PutParameterCommand({ Name: "/app/url", Value: "x", Type: "String" })),
    );
    expect(again).toBeInstanceOf(ParameterAlreadyExists);
    expect(again.$metadata?.httpStatusCode).toBe(400);
    // Overwrite without Type keeps the type.
    const second = await ssm.send(
      new PutParameterCommand({ Name: "/app/url", Value: "https://b", Overwrite: true }),
    );
    expect(second.Version).toBe(2);

    const current = await ssm.send(new GetParameterCommand({ Name: "/app/url" }));
    expect(current.Parameter).toMatchObject({
      Name: "/app/url",
      Type: "String",
      Value: "https://b",
      Version: 2,
      ARN: "arn:aws:ssm:us-east-1:123456789012:parameter/app/url",
      DataType: "text",
    });
    expect(current.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    const first = await ssm.send(new GetParameterCommand({ Name: "/app/url:1" }));
    expect(first.Parameter).toMatchObject({ Value: "https://a", Version: 1, Selector: ":1" });
    expect(await rejection(ssm.send(new GetParameterCommand({ Name: "/app/url:9" })))).toBeInstanceOf(
      ParameterVersionNotFound,
    );

    await ssm.send(new PutParameterCommand({ Name: "/app/hosts", Value: "a,b,c", Type: "StringList" }));
    expect((await ssm.send(new GetParameterCommand({ Name: "/app/hosts" }))).Parameter?.Type).toBe(
      "StringList",
    );

    await ssm.send(new PutParameterCommand({ Name: "/app/token", Value: "s3cret", Type: "SecureString" }));
    const hidden = await ssm.send(new GetParameterCommand({ Name: "/app/token" }));
    expect(hidden.Parameter?.Type).toBe("SecureString");
    expect(hidden.Parameter?.Value).not.toContain("s3cret");
    const shown = await ssm.send(new GetParameterCommand({ Name: "/app/token", WithDecryption: true }));
    expect(shown.Parameter?.Value).toBe("s3cret");
  });

  it("answers AWS's errors: not found, no type on create, reserved names, pattern mismatch", async () => {
    const missing = await rejection(ssm.send(new GetParameterCommand({ Name: "/nope" })));
    expect(missing).toBeInstanceOf(ParameterNotFound);
    expect(missing.$metadata?.httpStatusCode).toBe(400);
    const noType = await rejection(ssm.send(new PutParameterCommand({ Name: "/typeless", Value: "v" })));
    expect(noType.name).toBe("ValidationException");
    expect(noType.message).toBe("A parameter type is required when you create a parameter.");
    const reserved = await rejection(
      ssm.send(new PutParameterCommand({ Name: "aws-thing", Value: "v", Type: "String" })),
    );
    expect(reserved.name).toBe("ValidationException");
    const pattern = await rejection(
      ssm.send(
        new PutParameterCommand({ Name: "/digits", Value: "abc", Type: "String", AllowedPattern: "^\\d+$" }),
      ),
    );
    expect(pattern.name).toBe("ParameterPatternMismatchException");
    const deleted = await rejection(ssm.send(new DeleteParameterCommand({ Name: "/nope" })));
    expect(deleted).toBeInstanceOf(ParameterNotFound);
  });

  it("GetParameters names the invalid ones; GetParametersByPath is one level unless Recursive, and pages", async () => {
    for (let i = 0; i < 12; i++) {
      await ssm.send(
        new PutParameterCommand({
          Name: `/tree/leaf${String(i).padStart(2, "0")}`,
          Value: `${i}`,
          Type: "String",
        }),
      );
    }
    await ssm.send(new PutParameterCommand({ Name: "/tree/deep/er", Value: "d", Type: "String" }));
    const some = await ssm.send(
      new GetParametersCommand({ Names: ["/tree/leaf00", "/tree/none", "/tree/leaf01:1"] }),
    );
    expect(some.Parameters?.map((p) => p.Name)).toEqual(["/tree/leaf00", "/tree/leaf01"]);
    expect(some.InvalidParameters).toEqual(["/tree/none"]);

    const names = async (recursive: boolean) => {
      const seen: string[] = [];
      for await (const page of paginateGetParametersByPath(
        { client: ssm, pageSize: 5 },
        { Path: "/tree", Recursive: recursive },
      )) {
        expect((page.Parameters ?? []).length).toBeLessThanOrEqual(5);
        seen.push(...(page.Parameters ?? []).map((p) => p.Name!));
      }
      return seen;
    };
    expect(await names(false)).toHaveLength(12);
    expect(await names(true)).toEqual(expect.arrayContaining(["/tree/deep/er", "/tree/leaf11"]));
    expect(await names(true)).toHaveLength(13);
    const first = await ssm.send(new GetParametersByPathCommand({ Path: "/tree/" }));
    expect(first.Parameters).toHaveLength(10);
    expect(first.NextToken).toBeDefined();

    await ssm.send(new DeleteParameterCommand({ Name: "/tree/leaf00" }));
    expect(await rejection(ssm.send(new GetParameterCommand({ Name: "/tree/leaf00" })))).toBeInstanceOf(
      ParameterNotFound,
    );
  });

  it("GetParametersByPath keeps what ParameterFilters Type, KeyId and Label keep, and refuses the keys AWS refuses there", async () => {
    await ssm.send(new PutParameterCommand({ Name: "/pf/list", Value: "a,b", Type: "StringList" }));
    await ssm.send(new PutParameterCommand({ Name: "/pf/plain", Value: "p", Type: "String" }));
    await ssm.send(new PutParameterCommand({ Name: "/pf/secret", Value: "s", Type: "SecureString" }));
    await ssm.send(
      new PutParameterCommand({ Name: "/pf/own-key", Value: "k", Type: "SecureString", KeyId: "alias/mine" }),
    );
    const kept = async (ParameterFilters: { Key: string; Option?: string; Values?: string[] }[]) =>
      (await ssm.send(new GetParametersByPathCommand({ Path: "/pf", ParameterFilters }))).Parameters?.map(
        (p) => p.Name,
      );
    expect(await kept([{ Key: "Type", Values: ["StringList"] }])).toEqual(["/pf/list"]);
    expect(await kept([{ Key: "Type", Option: "Equals", Values: ["String", "SecureString"] }])).toEqual([
      "/pf/own-key",
      "/pf/plain",
      "/pf/secret",
    ]);
    // BeginsWith is a prefix of the type's name: String and StringList, not SecureString.
    expect(await kept([{ Key: "Type", Option: "BeginsWith", Values: ["String"] }])).toEqual([
      "/pf/list",
      "/pf/plain",
    ]);
    // A SecureString put without a key is under the account's default key.
    expect(await kept([{ Key: "KeyId", Values: ["alias/aws/ssm"] }])).toEqual(["/pf/secret"]);
    expect(
      await kept([
        { Key: "Type", Values: ["SecureString"] },
        { Key: "KeyId", Option: "BeginsWith", Values: ["alias/m"] },
      ]),
    ).toEqual(["/pf/own-key"]);
    expect(await kept([{ Key: "Label", Values: ["prod"] }])).toEqual([]);
    for (const key of ["Name", "Path", "Tier"]) {
      const refused = await rejection(kept([{ Key: key, Values: ["x"] }]));
      expect(refused.name).toBe("InvalidFilterKey");
      expect(refused.message).toBe(
        `The following filter key is not valid: ${key}. Valid filter keys include: [Type, KeyId].`,
      );
    }
    expect((await rejection(kept([{ Key: "Label", Option: "BeginsWith", Values: ["p"] }]))).name).toBe(
      "InvalidFilterOption",
    );
  });

  it("refuses an empty value as AWS does, and lists the type enum in AWS's order", async () => {
    const empty = await rejection(
      ssm.send(new PutParameterCommand({ Name: "/e", Value: "", Type: "String" })),
    );
    expect(empty.name).toBe("ValidationException");
    expect(empty.message).toBe(
      "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const badType = await rejection(
      ssm.send(new PutParameterCommand({ Name: "/e", Value: "v", Type: "str" as "String" })),
    );
    expect(badType.message).toBe(
      "1 validation error detected: Value 'str' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]",
    );
  });

  it("takes a top-level name with or without its leading slash as one parameter, found under the path /", async () => {
    await ssm.send(new PutParameterCommand({ Name: "bare-top", Value: "1", Type: "String" }));
    await ssm.send(new PutParameterCommand({ Name: "/slashed-top", Value: "2", Type: "String" }));
    await ssm.send(new PutParameterCommand({ Name: "/under/leaf", Value: "3", Type: "String" }));
    const bare = await ssm.send(new GetParameterCommand({ Name: "/bare-top" }));
    const slashed = await ssm.send(new GetParameterCommand({ Name: "slashed-top" }));
    expect(bare.Parameter?.Value).toBe("1");
    expect(bare.Parameter?.ARN).toMatch(/:parameter\/bare-top$/);
    expect(slashed.Parameter?.Value).toBe("2");
    expect(slashed.Parameter?.ARN).toMatch(/:parameter\/slashed-top$/);
    const again = await rejection(
      ssm.send(new PutParameterCommand({ Name: "/bare-top", Value: "x", Type: "String" })),
    );
    expect(again).toBeInstanceOf(ParameterAlreadyExists);
    const root = await ssm.send(new GetParametersByPathCommand({ Path: "/", MaxResults: 10 }));
    const top = (root.Parameters ?? []).map((p) => p.Value);
    expect(top).toEqual(expect.arrayContaining(["1", "2"]));
    expect(top).not.toContain("3");
    await ssm.send(new DeleteParameterCommand({ Name: "slashed-top" }));
    const gone = await ssm.send(new GetParametersCommand({ Names: ["/slashed-top", "bare-top"] }));
    expect(gone.InvalidParameters).toEqual(["/slashed-top"]);
    expect(gone.Parameters?.map((p) => p.Value)).toEqual(["1"]);
  });

  it("reads by ARN (with a version selector), refuses /aws paths as reserved, and names members lowerCamel when it refuses input", async () => {
    await ssm.send(new PutParameterCommand({ Name: "/arn/read", Value: "one", Type: "String" }));
    await ssm.send(
      new PutParameterCommand({ Name: "/arn/read", Value: "two", Type: "String", Overwrite: true }),
    );
    await ssm.send(new PutParameterCommand({ Name: "arn-top", Value: "top", Type: "String" }));
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: "/arn/read" }));
    expect(Parameter?.ARN).toBe("arn:aws:ssm:us-east-1:123456789012:parameter/arn/read");
    const byArn = await ssm.send(new GetParameterCommand({ Name: Parameter!.ARN! }));
    expect(byArn.Parameter).toMatchObject({ Name: "/arn/read", Value: "two", Version: 2 });
    const first = await ssm.send(new GetParameterCommand({ Name: `${Parameter!.ARN!}:1` }));
    expect(first.Parameter).toMatchObject({ Name: "/arn/read", Value: "one", Selector: ":1" });
    const other = "arn:aws:ssm:us-east-1:210987654321:parameter/arn/read";
    const many = await ssm.send(
      new GetParametersCommand({
        Names: ["arn:aws:ssm:us-east-1:123456789012:parameter/arn-top", other],
      }),
    );
    expect(many.Parameters?.map((p) => p.Name)).toEqual(["arn-top"]);
    expect(many.InvalidParameters).toEqual([other]);

    const reserved = await rejection(
      ssm.send(new PutParameterCommand({ Name: "/aws/mine/x", Value: "v", Type: "String" })),
    );
    expect(reserved.name).toBe("AccessDeniedException");
    expect(reserved.message).toBe("No access to reserved parameter name: aws/mine/x.");
    const ssmPath = await rejection(
      ssm.send(new PutParameterCommand({ Name: "/ssm/mine/x", Value: "v", Type: "String" })),
    );
    expect(ssmPath.name).toBe("ValidationException");

    // AWS's own wording (GetParameters over its limit of ten names): the member as `names`.
    const eleven = Array.from({ length: 11 }, (_, i) => `n${i}`);
    const tooMany = await rejection(ssm.send(new GetParametersCommand({ Names: eleven })));
    expect(tooMany.message).toBe(
      `1 validation error detected: Value '[${eleven.join(", ")}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
    const badType = await rejection(
      ssm.send(new PutParameterCommand({ Name: "/t", Value: "v", Type: "str" as "String" })),
    );
    expect(badType.message).toMatch(/^1 validation error detected: Value 'str' at 'type' failed/);
  });

  it("reads Secrets Manager secrets by reference, as the caller, recorded as Secrets Manager calls made by SSM", async () => {
    const secrets = new SecretsManagerClient(sdkConfig(emulator));
    const trail = new CloudTrailClient(sdkConfig(emulator));
    try {
      const first = await secrets.send(new CreateSecretCommand({ Name: "agent/db", SecretString: "one" }));
      await secrets.send(new PutSecretValueCommand({ SecretId: "agent/db", SecretString: "two" }));
      const name = "/aws/reference/secretsmanager/agent/db";
      const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      expect(Parameter).toMatchObject({
        Name: name,
        Type: "SecureString",
        Value: "two",
        Version: 0,
        ARN: first.ARN,
      });
      expect(JSON.parse(Parameter!.SourceResult!)).toMatchObject({ ARN: first.ARN, Name: "agent/db" });
      const byId = await ssm.send(
        new GetParameterCommand({ Name: `${name}:${first.VersionId}`, WithDecryption: true }),
      );
      expect(byId.Parameter?.Value).toBe("one");
      const byStage = await ssm.send(
        new GetParameterCommand({ Name: `${name}:AWSPREVIOUS`, WithDecryption: true }),
      );
      expect(byStage.Parameter?.Value).toBe("one");

      const undecrypted = await rejection(ssm.send(new GetParameterCommand({ Name: name })));
      expect(undecrypted.name).toBe("ValidationException");
      expect(undecrypted.message).toBe(
        "WithDecryption flag must be True for retrieving a Secret Manager secret.",
      );
      const missing = await rejection(
        ssm.send(
          new GetParameterCommand({ Name: "/aws/reference/secretsmanager/nope", WithDecryption: true }),
        ),
      );
      expect(missing).toBeInstanceOf(ParameterNotFound);
      const mixed = await ssm.send(
        new GetParametersCommand({
          Names: [name, "/aws/reference/secretsmanager/nope"],
          WithDecryption: true,
        }),
      );
      expect(mixed.Parameters?.map((p) => p.Value)).toEqual(["two"]);
      expect(mixed.InvalidParameters).toEqual(["/aws/reference/secretsmanager/nope"]);

      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetSecretValue" }],
        }),
      );
      const made = (events.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!));
      expect(made.length).toBeGreaterThan(0);
      expect(made.every((e) => e.userIdentity?.invokedBy === "ssm.amazonaws.com")).toBe(true);
    } finally {
      secrets.destroy();
      trail.destroy();
    }
  });

  it("records calls in CloudTrail without a SecureString's value, and is cleared by the reset endpoint", async () => {
    await ssm.send(new PutParameterCommand({ Name: "/trail/key", Value: "hunter2", Type: "SecureString" }));
    await ssm.send(new GetParameterCommand({ Name: "/trail/key", WithDecryption: true }));
    const trail = new CloudTrailClient(sdkConfig(emulator));
    try {
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "ssm.amazonaws.com" }],
        }),
      );
      expect((events.Events ?? []).map((e) => e.EventName)).toEqual(
        expect.arrayContaining(["PutParameter", "GetParameter"]),
      );
      expect(JSON.stringify(events.Events)).not.toContain("hunter2");
    } finally {
      trail.destroy();
    }
    const reset = await fetch(`${emulator.url}/_emulator/reset/ssm`, { method: "POST" });
    expect(await reset.json()).toMatchObject({ reset: ["ssm"] });
    expect(await rejection(ssm.send(new GetParameterCommand({ Name: "/trail/key" })))).toBeInstanceOf(
      ParameterNotFound,
    );
  });

  it("is reachable through the stand-in as ssm.<region>.amazonaws.com", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acd-ssm-ca-"));
    const ca = loadCertificateAuthority(dir);
    const standIn = createPublicEndpointsServer(ca, { url: emulator.url });
    const { port } = await listenOn(standIn, "127.0.0.1", 0);
    const client = new SSMClient({
      ...sdkConfig(emulator),
      endpoint: `https://127.0.0.1:${port}`,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ ca: ca.certPem, servername: "ssm.us-east-1.amazonaws.com" }),
      }),
    });
    try {
      await client.send(new PutParameterCommand({ Name: "/via/tls", Value: "ok", Type: "String" }));
      expect((await client.send(new GetParameterCommand({ Name: "/via/tls" }))).Parameter?.Value).toBe("ok");
    } finally {
      client.destroy();
      await new Promise((resolve) => standIn.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("SSM state directory", () => {
  it("keeps an acknowledged parameter and its versions across kill -9", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "acd-ssm-state-"));
    try {
      let { child, url } = await startEmulatorProcess(stateDir, ["--driver", "process"]);
      let client = new SSMClient(sdkConfig({ url }));
      await client.send(new PutParameterCommand({ Name: "/durable", Value: "v1", Type: "String" }));
      await client.send(new PutParameterCommand({ Name: "/durable", Value: "v2", Overwrite: true }));
      client.destroy();
      await stopped(child, "SIGKILL");
      ({ child, url } = await startEmulatorProcess(stateDir, ["--driver", "process"]));
      client = new SSMClient(sdkConfig({ url }));
      try {
        expect((await client.send(new GetParameterCommand({ Name: "/durable" }))).Parameter).toMatchObject({
          Value: "v2",
          Version: 2,
        });
        expect((await client.send(new GetParameterCommand({ Name: "/durable:1" }))).Parameter?.Value).toBe(
          "v1",
        );
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
if (!boto3) console.log("ssm: boto3 test skipped: boto3 is not installed");
if (awsCliSkip) console.log(`ssm: AWS CLI test skipped: ${awsCliSkip}`);

describe.skipIf(!boto3)("SSM Parameter Store through boto3", () => {
  it("puts and reads as boto3 sends them; a missing parameter parses as ParameterNotFound", async () => {
    const script = `
import boto3, json, sys
c = boto3.client("ssm", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="a", aws_secret_access_key="b")
c.put_parameter(Name="/boto/a", Value="1", Type="String")
c.put_parameter(Name="/boto/b", Value="x,y", Type="StringList")
got = c.get_parameters_by_path(Path="/boto")
try:
    c.get_parameter(Name="/boto/none")
    err = None
except c.exceptions.ParameterNotFound as e:
    err = e.response["Error"]["Code"]
print(json.dumps({"names": [p["Name"] for p in got["Parameters"]], "error": err}))
`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile("python3", ["-c", script, emulator.url], (error, stdout, stderr) =>
        error ? reject(new Error(stderr)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(out)).toEqual({ names: ["/boto/a", "/boto/b"], error: "ParameterNotFound" });
  });
});

describe.skipIf(awsCliSkip !== undefined)("SSM Parameter Store through the AWS CLI", () => {
  it("put-parameter, get-parameter --with-decryption", async () => {
    const put = await awsCli(
      emulator.url,
      "ssm",
      "put-parameter",
      "--name",
      "/cli/key",
      "--value",
      "v",
      "--type",
      "SecureString",
    );
    expect(put.status, put.stderr).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ Version: 1 });
    const got = await awsCli(emulator.url, "ssm", "get-parameter", "--name", "/cli/key", "--with-decryption");
    expect(JSON.parse(got.stdout).Parameter).toMatchObject({
      Name: "/cli/key",
      Value: "v",
      Type: "SecureString",
    });
  });
});
