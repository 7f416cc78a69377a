import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDockerfileText } from "../../src/agent/dockerfile.js";
import {
  endpointPrefixOf,
  endpointsInEnv,
  scanAwsServiceUsage,
  servicesUsed,
} from "../../src/static-checks/aws-service-usage.js";

const fixture = resolve(import.meta.dirname, "../fixtures/agents/py-boto3-startup-calls");

describe("scanAwsServiceUsage on a Python fixture", () => {
  it("finds each service with file:line, start-up calls (top level, or a function called there) apart from handler calls", async () => {
    const uses = await scanAwsServiceUsage(fixture);
    const brief = uses.map((u) => [u.service, u.file, u.line, u.phase]);
    expect(brief).toEqual([
      ["sts", "app.py", 8, "startup"],
      ["secretsmanager", "app.py", 14, "startup"],
      ["s3", "app.py", 22, "handler"],
      ["bedrock-runtime", "app.py", 24, "handler"],
    ]);
    expect(uses[0]!.detail).toContain('boto3.client("sts") (line 7) called at import');
    expect(uses[1]!.detail).toContain("in load_settings(), called at import");
    expect(servicesUsed(uses).map((u) => `${u.service}:${u.phase}`)).toEqual([
      "bedrock-runtime:handler",
      "s3:handler",
      "secretsmanager:startup",
      "sts:startup",
    ]);
  });
});

describe("scanAwsServiceUsage on inline sources", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aws-usage-"));
    await writeFile(
      join(dir, "agent.py"),
      [
        "from strands import Agent",
        "from bedrock_agentcore.runtime import BedrockAgentCoreApp",
        "import boto3",
        "",
        "session = boto3.Session(region_name='us-east-1')",
        "ddb = session.resource('dynamodb')",
        "agent = Agent(system_prompt='hi')",
        "metrics = boto3.client(service_name='cloudwatch')",
        "",
        "@app.entrypoint",
        "def handler(payload):",
        "    ddb.Table('t').get_item(Key={})",
        "    boto3.client('ecr').describe_images()  # a chained call",
        "    return agent(payload['prompt'])",
        "",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "server.ts"),
      [
        'import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";',
        'import { STSClient as Sts, GetCallerIdentityCommand } from "@aws-sdk/client-sts";',
        'import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";',
        "",
        "const sts = new Sts({});",
        "const who = await sts.send(new GetCallerIdentityCommand({}));",
        "const s3 = new S3Client({ region: 'us-east-1' });",
        "",
        "export async function handler(event: { key: string }) {",
        "  return s3.send(new GetObjectCommand({ Bucket: 'b', Key: event.key }));",
        "}",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "model.mjs"),
      'import { Agent } from "@strands-agents/sdk";\nconst agent = new Agent();\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads boto3 sessions, Strands' default Bedrock model, and the JS SDK's imports and clients", async () => {
    const uses = await scanAwsServiceUsage(dir);
    const brief = uses.map((u) => `${u.file}:${u.line} ${u.service} ${u.phase}`);
    expect(brief).toEqual([
      "agent.py:8 monitoring handler",
      "agent.py:12 dynamodb handler",
      "agent.py:13 ecr.api handler",
      "agent.py:14 bedrock-runtime handler",
      "model.mjs:2 bedrock-runtime handler",
      "server.ts:3 logs handler",
      "server.ts:6 sts startup",
      "server.ts:10 s3 handler",
    ]);
    expect(uses.find((u) => u.service === "monitoring")!.detail).toContain("not called at import");
  });

  it("maps client names to the endpoint prefixes VPC endpoints use", () => {
    expect(
      ["cloudwatch", "ecr", "cloudwatch-logs", "sfn", "bedrock-runtime", "S3"].map(endpointPrefixOf),
    ).toEqual(["monitoring", "ecr.api", "logs", "states", "bedrock-runtime", "s3"]);
  });
});

describe("scanAwsServiceUsage beyond the SDK's top level", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aws-usage-outside-"));
    await writeFile(
      join(dir, "try.mjs"),
      [
        'import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";',
        "let arn;",
        "try {",
        "  const sts = new STSClient({});",
        "  arn = (await sts.send(new GetCallerIdentityCommand({}))).Arn;",
        "} catch {}",
        "",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "raw.js"),
      [
        "const https = require('https');",
        "const BEDROCK = `https://bedrock-runtime.${process.env.AWS_REGION}.amazonaws.com`;",
        "function who() {",
        "  return https.request({ host: 'sts.us-east-1.amazonaws.com', path: '/' });",
        "}",
        "async function main() { await who(); }",
        "main();",
        "module.exports = (req) =>",
        "  fetch(`${BEDROCK}/model/m/converse`, { method: 'POST' });",
        "// https://ssm.us-east-1.amazonaws.com in a comment is no call",
        "",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "signed.py"),
      [
        "import os, requests",
        "import boto3",
        "STS_URL = f\"https://sts.{os.environ.get('AWS_REGION')}.amazonaws.com/\"",
        'secrets = boto3.session.Session().client("secretsmanager")',
        "",
        "def lookup():",
        "    return requests.post(STS_URL, timeout=60)",
        "",
        "def handler(event):",
        "    return secrets.get_secret_value(SecretId='x')",
        "",
        "ACCOUNT = lookup()",
        "",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds SDK calls in top-level blocks, endpoints any HTTP client reaches, and where each runs", async () => {
    const uses = await scanAwsServiceUsage(dir);
    expect(uses.map((u) => `${u.file}:${u.line} ${u.service} ${u.phase}`)).toEqual([
      "raw.js:4 sts startup",
      "raw.js:9 bedrock-runtime handler",
      "signed.py:7 sts startup",
      "signed.py:10 secretsmanager handler",
      "try.mjs:5 sts startup",
    ]);
    expect(uses[0]!.detail).toContain("names the endpoint sts.us-east-1.amazonaws.com");
  });
});

describe("scanAwsServiceUsage across Python modules", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aws-usage-modules-"));
    await mkdir(join(dir, "pkg"));
    await writeFile(join(dir, "pkg", "__init__.py"), "");
    await writeFile(
      join(dir, "pkg", "config.py"),
      'import boto3\n_sm = boto3.client("secretsmanager")\n\ndef dsn():\n    return _sm.get_secret_value(SecretId="db")\n\ndef later():\n    return boto3.client("s3").list_buckets()\n',
    );
    await writeFile(
      join(dir, "pkg", "__main__.py"),
      "from pkg.config import dsn, later as _later\n\nDSN = dsn()\n\ndef handler():\n    return _later()\n",
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a function another module imports and calls at import runs at start-up; one it calls in a handler does not", async () => {
    const uses = await scanAwsServiceUsage(dir);
    expect(uses.map((u) => `${u.file}:${u.line} ${u.service} ${u.phase}`)).toEqual([
      "pkg/config.py:5 secretsmanager startup",
      "pkg/config.py:8 s3 handler",
    ]);
    expect(uses[0]!.detail).toContain("called at import by a module that imports it");
  });
});

describe("AWS endpoints in the image's environment (AWS_ENDPOINT_URL_*, AWS_ENDPOINT_URL)", () => {
  const at = (value: string, line: number) => ({ value, line });
  it("lists the AWS host an endpoint variable names, at start-up when the source calls that service then", () => {
    const known = [
      { service: "sts", file: "app.py", line: 4, phase: "startup" as const, detail: "boto3 sts at import" },
    ];
    const found = endpointsInEnv(
      {
        env: {
          AWS_ENDPOINT_URL_STS: at("https://sts.us-west-2.amazonaws.com", 3),
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: at("https://bedrock-runtime.us-east-1.amazonaws.com/", 4),
          // An endpoint's own DNS name works without private DNS; a host outside AWS is not an AWS path.
          AWS_ENDPOINT_URL_SECRETS_MANAGER: at(
            "https://vpce-0a1b-xyz.secretsmanager.us-east-1.vpce.amazonaws.com",
            5,
          ),
          AWS_ENDPOINT_URL_S3: at("http://minio.internal:9000", 6),
          MY_URL: at("https://sqs.us-east-1.amazonaws.com", 7),
        },
      },
      "Dockerfile",
      known,
    );
    expect(found.map((u) => [u.service, u.line, u.phase])).toEqual([
      ["sts", 3, "startup"],
      ["bedrock-runtime", 4, "handler"],
    ]);
    expect(found[0]!.detail).toContain("AWS_ENDPOINT_URL_STS=https://sts.us-west-2.amazonaws.com");
  });

  it("scanAwsServiceUsage reads them from the Dockerfile it is given", async () => {
    const dir = await mkdtemp(join(tmpdir(), "acd-endpoint-env-"));
    try {
      await writeFile(join(dir, "app.py"), "print('hello')\n");
      const dockerfile =
        'FROM python:3.12\nENV AWS_ENDPOINT_URL=https://ssm.us-east-1.amazonaws.com\nCMD ["python3", "app.py"]\n';
      await writeFile(join(dir, "Dockerfile"), dockerfile);
      const uses = await scanAwsServiceUsage(dir, parseDockerfileText(dockerfile, join(dir, "Dockerfile")));
      expect(uses.map((u) => [u.service, u.file, u.line, u.phase])).toEqual([
        ["ssm", "Dockerfile", 2, "handler"],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("scanAwsServiceUsage reads Python with Python's ast", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aws-usage-ast-"));
    await writeFile(
      join(dir, "agent.py"),
      [
        '"""Talks to https://bedrock-runtime.us-east-1.amazonaws.com/ when asked."""',
        "import asyncio, os",
        "import boto3 as b3",
        "import httpx",
        "from boto3 import client as make_client",
        "from aiobotocore.session import get_session",
        'REGION = os.environ.get("AWS_REGION", "us-east-1")',
        'STS = f"https://sts.{REGION}.amazonaws.com/"',
        'secrets = b3.session.Session().client("secretsmanager")',
        'value = secrets.get_secret_value(SecretId="x")',
        'ssm = make_client("ssm")',
        "async def warm():",
        "    session = get_session()",
        '    async with session.create_client("s3") as s3:',
        "        await s3.list_buckets()",
        "asyncio.run(warm())",
        "def handler(event):",
        '    ssm.get_parameter(Name="p")',
        '    return httpx.post(STS, data="Action=GetCallerIdentity")',
        "",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("sees clients under aliases, sessions and aiobotocore's create_client, and no endpoint in a docstring", async () => {
    const uses = await scanAwsServiceUsage(dir);
    expect(uses.map((u) => `${u.file}:${u.line} ${u.service} ${u.phase}`)).toEqual([
      "agent.py:10 secretsmanager startup",
      "agent.py:15 s3 startup",
      "agent.py:18 ssm handler",
      "agent.py:19 sts handler",
    ]);
    expect(uses[0]!.detail).toContain('b3.session.Session().client("secretsmanager")');
    expect(uses[1]!.detail).toContain('session.create_client("s3")');
    expect(uses[1]!.detail).toContain("in warm(), called at import");
    expect(uses[3]!.detail).toContain("names the endpoint sts.*.amazonaws.com");
  });
});
