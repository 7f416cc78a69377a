import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { awsEndpointHostsIn, awsEndpointService } from "../../src/facts/addresses.js";
import { startupLines } from "../../src/static-checks/js-startup.js";

/** The 1-based lines of `lines` whose text contains `marker`. */
const linesWith = (lines: string[], marker: string) =>
  lines.flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));

describe("startupLines", () => {
  it("counts top-level try/if/for bodies, IIFEs, Promise executors and functions called at load; not callbacks", () => {
    const source = [
      'import { createServer } from "node:http";',
      "let id;",
      "try {",
      "  id = await client.send(cmd); // LOAD try",
      "} catch (err) {",
      "  console.warn(err); // LOAD catch",
      "}",
      'if (process.env.WARMUP !== "0") {',
      "  await warm(); // LOAD if",
      "}",
      "for (const x of [1]) { use(x); } // LOAD for",
      "(async () => { await boot(); /* LOAD iife */ })();",
      "async function warm() {",
      "  return new Promise((resolve) => { request(resolve); /* LOAD executor */ });",
      "}",
      "function helper() {",
      "  return later(); // LATER never called at load",
      "}",
      "const main = async () => { await connect(); /* LOAD main */ };",
      "main();",
      "createServer((req, res) => {",
      "  handle(req); // LATER handler",
      "}).listen(8080, () => {",
      "  console.log('up'); // LATER listen callback",
      "});",
      "setTimeout(() => {",
      "  tick(); // LATER timer",
      "}, 10);",
    ];
    const lines = startupLines(source.join("\n"))!;
    for (const n of linesWith(source, "LOAD")) expect(lines.has(n), source[n - 1]).toBe(true);
    for (const n of linesWith(source, "LATER")) expect(lines.has(n), source[n - 1]).toBe(false);
  });

  it("reads TypeScript and JSX, and says undefined only when nothing parses", () => {
    const ts = "const x: number = await f<number>();\nexport function g(a: string): void { h(a); }\n";
    expect([...startupLines(ts)!]).toContain(1);
    expect(startupLines(ts)!.has(2)).toBe(true); // the declaration line itself
    expect(startupLines("const el = <div>{await load()}</div>;\n")!.has(1)).toBe(true);
  });
});

describe("AWS endpoint host names", () => {
  const region = fc.constantFrom("us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1", "*");
  const service = fc.constantFrom(
    "sts",
    "bedrock-runtime",
    "secretsmanager",
    "ssm",
    "logs",
    "dynamodb",
    "s3",
  );

  it("name their service whatever the region, scheme, path or template hole (property)", () => {
    fc.assert(
      fc.property(
        service,
        region,
        fc.constantFrom("https://", "", "http://"),
        fc.constantFrom("", "/", "/model/x/converse"),
        fc.constantFrom("${region}", "{REGION}", "${process.env.AWS_REGION}"),
        (svc, reg, scheme, path, hole) => {
          expect(awsEndpointService(`${svc}.${reg}.amazonaws.com`)).toBe(svc);
          const written = `${svc}.${reg === "*" ? hole : reg}.amazonaws.com`;
          const found = awsEndpointHostsIn(`url = "${scheme}${written}${path}"`);
          expect(found.map((f) => f.service)).toEqual([svc]);
        },
      ),
    );
  });

  it("reads the reversed and global forms, and leaves other hosts and endpoint DNS names alone", () => {
    expect(awsEndpointService("api.ecr.eu-west-1.amazonaws.com")).toBe("ecr.api");
    expect(awsEndpointService("my-bucket.s3.amazonaws.com")).toBe("s3");
    expect(awsEndpointService("sts.amazonaws.com")).toBe("sts");
    expect(awsEndpointService("sts-fips.us-east-1.amazonaws.com")).toBe("sts");
    expect(awsEndpointService("sts.us-east-1.api.aws")).toBe("sts");
    expect(awsEndpointService("vpce-0a1b-xyz.sts.us-east-1.vpce.amazonaws.com")).toBeUndefined();
    expect(awsEndpointService("example.com")).toBeUndefined();
    expect(awsEndpointHostsIn("see docs.example.org and amazonaws.com")).toEqual([]);
  });
});
