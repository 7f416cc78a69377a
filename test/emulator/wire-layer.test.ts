import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { javaPattern } from "../../src/emulator/protocol/java-regex.js";
import { quote } from "../../src/emulator/protocol/validate.js";
import { xmlText } from "../../src/util/markup.js";

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator?.stop();
});

/** A request signed (in scope only: the emulator reads, never verifies, SigV4) for a service. */
async function raw(
  service: string,
  init: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${emulator.url}${init.path ?? "/"}`, {
    method: init.method ?? "POST",
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const logs = (target: string, body: string) =>
  raw("logs", {
    headers: { "x-amz-target": `Logs_20140328.${target}`, "content-type": "application/x-amz-json-1.1" },
    body,
  });

const ec2 = (body: string) =>
  raw("ec2", { headers: { "content-type": "application/x-www-form-urlencoded" }, body });

function jsonError(text: string): { __type?: string; message?: string } {
  return JSON.parse(text) as { __type?: string; message?: string };
}

describe("the wire layer refuses what the model does not allow, before any handler", () => {
  it("refuses a value of the wrong JSON type with SerializationException and stores nothing", async () => {
    for (const body of ['{"logGroupName": false}', '{"logGroupName": ["a"]}', '{"logGroupName": {"a":1}}']) {
      const answer = await logs("CreateLogGroup", body);
      expect(answer.status).toBe(400);
      expect(jsonError(answer.text).__type).toBe("SerializationException");
    }
    const described = await logs("DescribeLogGroups", "{}");
    expect(described.status).toBe(200);
    expect(JSON.parse(described.text)).toEqual({ logGroups: [] });
  });

  it("refuses a JSON 1.1 body that is not an object, or nests too deep", async () => {
    for (const body of [
      "[]",
      '"x"',
      "123",
      "null",
      "true",
      `{"logGroupNamePrefix":${"[".repeat(5000)}${"]".repeat(5000)}}`,
    ]) {
      const answer = await logs("DescribeLogGroups", body);
      expect(answer.status, body.slice(0, 20)).toBe(400);
      expect(jsonError(answer.text).__type).toBe("SerializationException");
    }
  });

  it("looks operations up by own property only; an unknown JSON 1.1 operation is 400 UnknownOperationException", async () => {
    for (const target of ["hasOwnProperty", "constructor", "__proto__", "toString", "NoSuchOperation"]) {
      const answer = await logs(target, "{}");
      expect(answer.status, target).toBe(400);
      expect(answer.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
      expect(jsonError(answer.text).__type).toBe("UnknownOperationException");
    }
  });

  it("answers malformed percent-encoding in a REST path in restJson1's error shape", async () => {
    const answer = await raw("bedrock-agentcore", { method: "GET", path: "/runtimes/%C0%AF/" });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("x-amzn-errortype")).toBe("SerializationException");
    expect(JSON.parse(answer.text)).toHaveProperty("message");
  });

  it("takes a path that starts with // as a path (S3's empty bucket label), not a URL naming a host", async () => {
    const answer = await raw("s3", { method: "PUT", path: "///a%7Cb?acl", body: "" });
    expect(answer.status).toBeLessThan(500);
    expect(answer.text).toMatch(/^<\?xml[^>]*>\s*<Error><Code>[^<]+<\/Code>/);
  });

  it("answers the request it read before bytes HTTP cannot parse, then 400, instead of dropping the connection", async () => {
    const { port } = new URL(emulator.url);
    const auth =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0";
    const head = [
      "POST / HTTP/1.1",
      "host: 127.0.0.1",
      `authorization: ${auth}`,
      "x-amz-target: Logs_20140328.DescribeLogGroups",
      "content-type: application/x-amz-json-1.1",
      "content-length: 2",
    ].join("\r\n");
    // A Content-Length shorter than the body: what follows "{}" is no HTTP request.
    const received = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write(`${head}\r\n\r\n{}\u0001garbage\r\n\r\n`),
      );
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toContain('"logGroups"');
    expect(received).toMatch(/HTTP\/1\.1 400 Bad Request/);
  });

  it("answers a request for a known service that names none of its operations in that service's protocol", async () => {
    const query = await ec2("Action=NoSuchThing&Version=2016-11-15");
    expect(query.status).toBe(400);
    expect(query.text).toContain("<Response><Errors><Error><Code>InvalidAction</Code>");
    const noAction = await ec2("Foo=bar");
    expect(noAction.status).toBe(400);
    expect(noAction.text).toContain("<Errors><Error><Code>");
    const iam = await raw("iam", {
      body: "Action=Nope&Version=2010-05-08",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(iam.status).toBe(400);
    expect(iam.text).toContain("<ErrorResponse");
    expect(iam.text).toContain("<Code>InvalidAction</Code>");
    const json = await raw("logs", { body: "{}" });
    expect(json.status).toBe(400);
    expect(jsonError(json.text).__type).toBe("UnknownOperationException");
  });

  it("refuses characters XML cannot carry at input, without echoing them", async () => {
    const answer = await ec2(
      "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0/16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=%01",
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("<Code>InvalidParameterValue</Code>");
    expect(answer.text).not.toContain("\u0001");
    const described = await ec2("Action=DescribeVpcs&Version=2016-11-15");
    expect(described.status).toBe(200);
    expect(described.text).not.toContain("10.9.0.0/16");
  });

  it("refuses an unknown EC2 filter with 400 InvalidParameterValue, as AWS does", async () => {
    const answer = await ec2(
      "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=no-such-filter&Filter.1.Value.1=x",
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("<Code>InvalidParameterValue</Code>");
    expect(answer.text).toContain("The filter &apos;no-such-filter&apos; is invalid");
  });

  it("refuses a SimulatePrincipalPolicy policy that is not JSON with MalformedPolicyDocument", async () => {
    const trust = encodeURIComponent(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "bedrock-agentcore.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    );
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const created = await raw("iam", {
      headers: form,
      body: `Action=CreateRole&Version=2010-05-08&RoleName=SimRole&AssumeRolePolicyDocument=${trust}`,
    });
    expect(created.status).toBe(200);
    const answer = await raw("iam", {
      headers: form,
      body: "Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn:aws:iam::123456789012:role/SimRole&ActionNames.member.1=s3:GetObject&PolicyInputList.member.1=not-json",
    });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("<Code>MalformedPolicyDocument</Code>");
  });

  it("wrong scalar text in a REST label, query or header is SerializationException, not a handler's 500", async () => {
    const answer = await raw("bedrock-agentcore", {
      method: "POST",
      path: "/runtimes/?maxResults=abc",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("x-amzn-errortype")).toBe("SerializationException");
  });
});

describe("model patterns match as Java's regexes", () => {
  it("\\s is ASCII whitespace only", () => {
    const notBlank = javaPattern("^(?!\\s*$).+")!;
    expect(notBlank.test("   ")).toBe(false);
    expect(notBlank.test("\u00a0")).toBe(true);
    expect(notBlank.test("\u2028")).toBe(false); // Java's `.` does not match a line separator either
    expect(javaPattern("[\\s]+")!.test("\u2003")).toBe(false);
    expect(javaPattern("[^\\s]+")!.test("\u2003")).toBe(true);
    expect(javaPattern("\\S+")!.test("a\u00a0b")).toBe(true);
    expect(javaPattern("[\\S]+")!.test("a b")).toBe(false);
  });

  it("takes Java's escaped punctuation, inline flags and POSIX classes", () => {
    expect(javaPattern("[a-z\\:\\=]+")!.test("a:=b")).toBe(true);
    expect(javaPattern("(?i)all|[0-9]{12}")!.test("ALL")).toBe(true);
    expect(javaPattern("\\p{Alpha}+")!.test("abc")).toBe(true);
    expect(javaPattern("\\p{Alpha}+")!.test("é")).toBe(false);
    expect(javaPattern("\\p{L}+")!.test("é")).toBe(true);
  });

  it("matches the whole value", () => {
    expect(javaPattern("[a-z]+")!.test("abc1")).toBe(false);
  });
});

describe("messages", () => {
  it("quote lists of structures as JSON, never [object Object]", () => {
    expect(quote([{ Key: "a" }], false)).toBe(`'[{"Key":"a"}]'`);
  });
  it("XML output never carries what XML cannot", () => {
    expect(xmlText("a\u0001b<")).toBe("a\ufffdb&lt;");
  });
});
