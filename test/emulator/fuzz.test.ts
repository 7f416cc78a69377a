import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignatureV4 } from "@smithy/signature-v4";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { ServiceModel } from "../../src/emulator/protocol/service-model.js";
import { notXmlCharacter } from "../../src/util/markup.js";
import {
  allModels,
  arbitraryFor,
  type FuzzModel,
  type Request,
  serialize,
  signingName,
} from "./fuzz/wire-client.js";

/**
 * Property-based bad input over every operation of every model the emulator
 * serves (issue 13 item 2): a valid request built from the model's shapes,
 * mutated, signed with SigV4 and sent over HTTP. Every answer must be a
 * status AWS would send (2xx, 4xx; a 5xx only as the documented 501 for an
 * operation the emulator does not implement), parse as the protocol's
 * clients parse it, and a refused request must change no state (every
 * stored row but CloudTrail's history, before and after).
 * FUZZ_SEED, FUZZ_RUNS and FUZZ_SECONDS (default 40) make longer runs.
 */

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 40);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000_000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;

let emulator: RunningEmulator;
let stateDir: string;
let db: Database.Database;
const served: FuzzModel[] = [];

/** The protocols test/emulator/fuzz/wire-client.ts serializes. */
const CLIENT_PROTOCOLS = new Set(["rest-json", "rest-xml", "json", "query", "ec2"]);

/**
 * SHA-256 (and its HMAC, for a secret) from node:crypto, as the SDK's Node hash is: the
 * pure-JS one took 1.6 s over the 100 MB strings some shapes allow.
 */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", this.secret);
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

const signers = new Map<string, SignatureV4>();
function signer(service: string): SignatureV4 {
  let s = signers.get(service);
  if (!s) {
    s = new SignatureV4({
      service,
      region: "us-east-1",
      sha256: NodeSha256,
      credentials: { accessKeyId: "AKIDFUZZ", secretAccessKey: "fuzz" },
    });
    signers.set(service, s);
  }
  return s;
}

async function send(
  model: ServiceModel,
  request: Request,
): Promise<{ status: number; headers: Headers; text: string }> {
  const url = new URL(`${emulator.url}${request.path}`);
  const signed = await signer(signingName(model)).sign({
    method: request.method,
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...request.headers, host: url.host },
    body: request.body,
  });
  const headers = { ...signed.headers } as Record<string, string>;
  delete headers.host;
  const response = await fetch(`${emulator.url}${request.path}`, {
    method: request.method,
    headers,
    // An answer that never comes is a defect too: reported, not waited for. The wait grows with
    // what the request carries (0.2 s a megabyte: some shapes allow 100 MB strings).
    signal: AbortSignal.timeout(answerWithinMs(request.body)),
    ...(request.body !== "" && request.method !== "GET" && request.method !== "HEAD"
      ? { body: request.body }
      : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function answerWithinMs(body: string): number {
  return 10_000 + Math.ceil(Buffer.byteLength(body) / 1_000_000) * 200;
}

/** Every stored row but CloudTrail's (a refused call is still history). */
function state(): string {
  const rows = db
    .prepare(
      "SELECT kind, account, region, id, value FROM resources WHERE kind NOT LIKE 'cloudtrail.%' ORDER BY kind, account, region, id",
    )
    .all();
  return JSON.stringify(rows);
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "acd-fuzz-"));
  emulator = await startEmulator({ port: 0, stateDir, driver: "process", startupTimeoutMs: 2000 });
  db = new Database(join(stateDir, "emulator.sqlite"), { readonly: true, fileMustExist: true });
  // Served: a model whose signing name the emulator answers in an AWS shape (not its "no such service" 404).
  for (const fm of allModels()) {
    if (!CLIENT_PROTOCOLS.has(fm.model.metadata.protocol)) {
      console.log(
        `fuzz: skipping ${fm.name}: the fuzz client does not write ${fm.model.metadata.protocol} yet`,
      );
      continue;
    }
    const name = Object.keys(fm.model.operations)[0]!;
    const answer = await send(fm.model, serialize(fm.model, name, {}));
    if (!answer.text.includes("No emulated service serves")) served.push(fm);
  }
}, 60_000);

afterAll(async () => {
  db?.close();
  await emulator?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** The documented 501 for an operation the emulator does not serve: NotImplementedException, S3's NotImplemented. */
const NOT_IMPLEMENTED = new Set(["NotImplementedException", "NotImplemented"]);

const WRONG_KINDS: unknown[] = [false, true, ["a"], { a: 1 }, 123, -1.5, "x", null, [], {}];
const ODD = [
  "\u0000",
  "\u0001",
  "\u001f",
  "\uFFFE",
  "\uD800",
  "\u00A0",
  "\u2028",
  "\u2003",
  "\u{1F600}",
  "<&>'\"",
  "\u202E",
  "%",
  "%00",
];
const BODIES = [
  "[]",
  '"x"',
  "123",
  "null",
  "true",
  "{",
  '{"a":',
  `{"a":${"[".repeat(3000)}${"]".repeat(3000)}}`,
  "\u0000",
  "<xml/>",
];
const BAD_PERCENT = ["%C0%AF", "%ZZ", "%", "%E2%82", "%FF%FE"];
const UNKNOWN_OPS = ["hasOwnProperty", "constructor", "__proto__", "toString", "NoSuchOperation", ""];

type Mutation =
  | { kind: "none" }
  | { kind: "wrong-kind"; pick: number; value: unknown }
  | { kind: "drop-required"; pick: number }
  | { kind: "overlong"; pick: number }
  | { kind: "bad-enum"; pick: number }
  | { kind: "odd-chars"; pick: number; odd: string }
  | { kind: "body-kind"; body: string }
  | { kind: "bad-percent"; bad: string }
  | { kind: "unknown-op"; name: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc.record({
    kind: fc.constant("wrong-kind" as const),
    pick: fc.nat(),
    value: fc.constantFrom(...WRONG_KINDS),
  }),
  fc.record({ kind: fc.constant("drop-required" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("overlong" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("bad-enum" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("odd-chars" as const), pick: fc.nat(), odd: fc.constantFrom(...ODD) }),
  fc.record({ kind: fc.constant("body-kind" as const), body: fc.constantFrom(...BODIES) }),
  fc.record({ kind: fc.constant("bad-percent" as const), bad: fc.constantFrom(...BAD_PERCENT) }),
  fc.record({ kind: fc.constant("unknown-op" as const), name: fc.constantFrom(...UNKNOWN_OPS) }),
);

/** Paths to every value in an input (member names, list indexes, map keys), with the shape each has. */
function paths(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  at: (string | number)[] = [],
  out: { path: (string | number)[]; shape: string }[] = [],
) {
  const shape = model.shapes[shapeName];
  if (!shape) return out;
  if (at.length > 0) out.push({ path: at, shape: shapeName });
  if (
    shape.type === "structure" &&
    value &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Date)
  ) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      if (shape.members[k]) paths(model, shape.members[k].shape, v, [...at, k], out);
  } else if (shape.type === "list" && Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths(model, shape.member.shape, v, [...at, i], out);
  } else if (shape.type === "map" && value && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      paths(model, shape.value.shape, v, [...at, k], out);
  }
  return out;
}

function setAt(
  root: Record<string, unknown>,
  path: (string | number)[],
  value: unknown,
  remove = false,
): void {
  let node = root as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else node[last] = value;
}

/** The mutated request, or undefined where the mutation has nothing to act on (then: the valid one). */
function mutate(model: ServiceModel, name: string, input: Record<string, unknown>, m: Mutation): Request {
  const op = model.operations[name]!;
  const inputShape = op.input?.shape;
  const all = inputShape ? paths(model, inputShape, input) : [];
  const pick = <T>(items: T[], n: number): T | undefined =>
    items.length ? items[n % items.length] : undefined;
  const copy = structuredClone(input);
  switch (m.kind) {
    case "wrong-kind": {
      const target = pick(all, m.pick);
      if (target) setAt(copy, target.path, m.value);
      return serialize(model, name, copy);
    }
    case "drop-required": {
      const shape = inputShape ? model.shapes[inputShape] : undefined;
      const required = shape?.type === "structure" ? (shape.required ?? []) : [];
      const target = pick(required, m.pick);
      if (target) delete copy[target];
      return serialize(model, name, copy);
    }
    case "overlong":
    case "bad-enum":
    case "odd-chars": {
      const strings = all.filter((p) => {
        const s = model.shapes[p.shape]!;
        return s.type === "string" && (m.kind !== "bad-enum" || s.enum);
      });
      const target = pick(strings, m.pick);
      if (target) {
        const s = model.shapes[target.shape] as { max?: number };
        const old = target.path.reduce<unknown>(
          (v, k) => (v as Record<string | number, unknown>)[k],
          copy,
        ) as string;
        setAt(
          copy,
          target.path,
          m.kind === "overlong"
            ? "a".repeat((s.max ?? 4096) + 1)
            : m.kind === "bad-enum"
              ? "NOT_A_VALUE"
              : `${old}${m.odd}`,
        );
      }
      return serialize(model, name, copy);
    }
    case "body-kind": {
      const request = serialize(model, name, copy);
      const protocol = model.metadata.protocol;
      if (protocol === "json" || (protocol === "rest-json" && request.method !== "GET"))
        return { ...request, body: m.body };
      if (protocol === "rest-xml") return request.body ? { ...request, body: m.body } : request;
      return { ...request, body: `${request.body}&${m.body}` };
    }
    case "bad-percent": {
      const request = serialize(model, name, copy);
      if (model.metadata.protocol.startsWith("rest-")) {
        const [p, q] = request.path.split("?");
        const parts = p!.split("/");
        const i = parts.length > 2 ? 2 : parts.length - 1;
        parts[i] = `${parts[i]}${m.bad}`;
        return { ...request, path: `${parts.join("/")}${q ? `?${q}` : ""}` };
      }
      return { ...request, body: `${request.body}&Extra${m.bad}=1${m.bad}` };
    }
    case "unknown-op": {
      const request = serialize(model, name, copy);
      const protocol = model.metadata.protocol;
      if (protocol === "json")
        return {
          ...request,
          headers: { ...request.headers, "x-amz-target": `${model.metadata.targetPrefix}.${m.name}` },
        };
      if (protocol.startsWith("rest-"))
        return { ...request, path: `/no-such-path/${m.name}`, method: "PATCH" };
      return {
        ...request,
        body: request.body.replace(/^Action=[^&]*/, `Action=${encodeURIComponent(m.name)}`),
      };
    }
    default:
      return serialize(model, name, copy);
  }
}

/** Why the protocol's clients could not read this answer, or undefined. */
function unreadable(
  model: ServiceModel,
  name: string,
  answer: { status: number; headers: Headers; text: string },
): string | undefined {
  const protocol = model.metadata.protocol;
  const error = answer.status >= 300;
  if (protocol === "json" || protocol === "rest-json") {
    const type = answer.headers.get("content-type") ?? "";
    if (!error && !type.includes("json")) return undefined; // a blob or stream payload
    if (!error && answer.text === "") return undefined;
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return "body is not JSON";
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return "body is not a JSON object";
    if (error) {
      const code =
        answer.headers.get("x-amzn-errortype") ??
        (body as { __type?: string; code?: string }).__type ??
        (body as { code?: string }).code;
      if (!code) return "error names no code (x-amzn-errortype / __type)";
      const shape = model.shapes[code.split(":")[0]!.split("#").pop()!];
      const documented = shape?.type === "structure" ? shape.error?.httpStatusCode : undefined;
      if (documented !== undefined && documented !== answer.status && code !== "NotImplementedException")
        return `${code} answered ${answer.status}, the model says ${documented}`;
    }
    return undefined;
  }
  if (protocol === "rest-xml") {
    const type = answer.headers.get("content-type") ?? "";
    // A HEAD answer has no body, an error's neither; a GetObject's is the object's bytes.
    if (answer.text === "" && (!error || operation(model, name).http.method === "HEAD")) return undefined;
    if (!error && !type.includes("xml")) return undefined;
    if (notXmlCharacter(answer.text) !== undefined) return "XML holds a character XML cannot carry";
    if (!error) return /^(<\?xml[^>]*>\s*)?<[A-Za-z]/.test(answer.text) ? undefined : "body is not XML";
    return /^(<\?xml[^>]*>\s*)?<Error>\s*<Code>[^<]+<\/Code>/.test(answer.text)
      ? undefined
      : "not the restXml error document";
  }
  if (notXmlCharacter(answer.text) !== undefined) return "XML holds a character XML cannot carry";
  if (error) {
    const envelope =
      protocol === "ec2"
        ? /^<\?xml[^>]*>\s*<Response><Errors><Error><Code>[^<]+<\/Code>/
        : /^<ErrorResponse[^>]*><Error><Type>(Sender|Receiver)<\/Type><Code>[^<]+<\/Code>/;
    return envelope.test(answer.text) ? undefined : `not the ${protocol} error envelope`;
  }
  return answer.text.includes(`<${name}Response`) ? undefined : `no <${name}Response> root`;
}

function operation(model: ServiceModel, name: string) {
  return model.operations[name]!;
}

function codeOf(answer: { headers: Headers; text: string }): string {
  const header = answer.headers.get("x-amzn-errortype");
  if (header) return header;
  const xml = /<Code>([^<]+)<\/Code>/.exec(answer.text);
  if (xml) return xml[1]!;
  try {
    return (JSON.parse(answer.text) as { __type?: string }).__type ?? "?";
  } catch {
    return "?";
  }
}

describe("fuzz: mutated requests over every served operation", () => {
  it("found: CreateAgentRuntime without networkConfiguration (optional in the model) answered 500; it is PUBLIC", async () => {
    const control = served.find((fm) => fm.name === "bedrock-agentcore-control")!;
    const input = {
      agentRuntimeName: "fuzz_no_network",
      agentRuntimeArtifact: {
        containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1" },
      },
      roleArn: "arn:aws:iam::123456789012:role/FuzzRole",
    };
    const created = await send(control.model, serialize(control.model, "CreateAgentRuntime", input));
    expect(created.status, created.text).toBeLessThan(500);
    if (created.status < 300) {
      const { agentRuntimeId } = JSON.parse(created.text) as { agentRuntimeId: string };
      const got = await send(control.model, serialize(control.model, "GetAgentRuntime", { agentRuntimeId }));
      expect(JSON.parse(got.text).networkConfiguration).toEqual({ networkMode: "PUBLIC" });
    }
  });

  it("has an oracle that sees: a write shows in the state, an unparseable answer is flagged", async () => {
    const logs = served.find((fm) => fm.name === "logs");
    expect(logs, "the logs model is served").toBeDefined();
    const before = state();
    const created = await send(
      logs!.model,
      serialize(logs!.model, "CreateLogGroup", { logGroupName: "fuzz-oracle" }),
    );
    expect(created.status).toBe(200);
    expect(state()).not.toBe(before);
    const headers = new Headers({ "content-type": "application/x-amz-json-1.1" });
    expect(
      unreadable(logs!.model, "DescribeLogGroups", { status: 400, headers, text: "oops" }),
    ).toBeDefined();
    expect(unreadable(logs!.model, "DescribeLogGroups", { status: 400, headers, text: "{}" })).toBeDefined();
    const ec2 = served.find((fm) => fm.name === "ec2")!;
    const xml = new Headers({ "content-type": "text/xml" });
    expect(
      unreadable(ec2.model, "DescribeVpcs", {
        status: 200,
        headers: xml,
        text: "<DescribeVpcsResponse>\u0001",
      }),
    ).toBeDefined();
    expect(unreadable(ec2.model, "DescribeVpcs", { status: 400, headers: xml, text: "{}" })).toBeDefined();
  });

  it("answers each with a status AWS would send, in a shape clients parse, and a refusal changes nothing", async () => {
    expect(served.length).toBeGreaterThan(0);
    const operations = served.flatMap((fm) => Object.keys(fm.model.operations).map((name) => ({ fm, name })));
    const statuses = new Map<string, number>();
    const problems = new Map<string, string[]>();
    let requests = 0;
    const problem = (klass: string, example: string) => {
      const list = problems.get(klass) ?? [];
      if (list.length < 3) list.push(example);
      problems.set(klass, list);
    };
    const arbitrary = fc.constantFrom(...operations).chain(({ fm, name }) => {
      const op = fm.model.operations[name]!;
      const input = op.input ? arbitraryFor(fm.model, { shape: op.input.shape }) : fc.constant({});
      return fc.tuple(fc.constant(fm), fc.constant(name), input, mutation);
    });
    // fast-check's time limit does not wait for the sample in flight: it races it against a
    // timer and returns. That sample's request then runs beside the reads after the run, and
    // its before/after comparison sees their writes (seed 1011038658: an overlong
    // InvokeCodeInterpreter, 10 s to sign and refuse, saw the ecr-token row that the reads'
    // GetAuthorizationToken wrote). So every sample is awaited before anything else is sent:
    // requests stay one at a time, and a refusal is compared with nothing but itself.
    let inFlight: Promise<boolean> = Promise.resolve(true);
    const check = async ([fm, name, input, m]: [FuzzModel, string, unknown, Mutation]) => {
      let request: Request;
      try {
        request = mutate(fm.model, name, (input ?? {}) as Record<string, unknown>, m);
      } catch {
        return true; // the client could not write this one (a header value it would never send)
      }
      const before = state();
      let answer: { status: number; headers: Headers; text: string };
      try {
        answer = await send(fm.model, request);
      } catch (error) {
        // fetch refuses to send some bytes (a header with a control character): no request went out.
        const cause = (error as Error & { cause?: Error }).cause?.message ?? "";
        // A header value HTTP cannot carry is refused by the client itself: nothing reached the emulator.
        if ((error as Error).name === "TimeoutError")
          problem("no answer in time", `${fm.name} ${name} ${m.kind}: ${answerWithinMs(request.body)} ms`);
        else if (String((error as Error).message).includes("fetch failed") && !/header/i.test(cause)) {
          problem(
            "connection failed",
            `${fm.name} ${name} ${m.kind}: ${(error as Error & { cause?: Error }).cause?.message}`,
          );
        }
        return true;
      }
      requests++;
      const code = answer.status >= 300 ? codeOf(answer) : "";
      const key = `${answer.status}${code ? ` ${code}` : ""}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const where = `${fm.name} ${name} ${JSON.stringify(m)} → ${answer.status} ${answer.text.slice(0, 160)}`;
      if (answer.status >= 500 && !(answer.status === 501 && NOT_IMPLEMENTED.has(code)))
        problem(`status ${answer.status} ${code}`, where);
      if (answer.status < 200 || (answer.status >= 300 && answer.status < 400))
        problem(`status ${answer.status}`, where);
      const why = unreadable(fm.model, name, answer);
      if (why) problem(`unreadable: ${why}`, where);
      if (answer.status >= 400 && state() !== before) problem("a refused request changed state", where);
      return true;
    };
    await fc.assert(
      fc.asyncProperty(arbitrary, (sample) => {
        inFlight = check(sample);
        return inFlight;
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false },
    );
    await inFlight;
    const seen = [...statuses].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`);
    console.log(
      `fuzz seed ${SEED}: ${requests} requests over ${operations.length} operations of ${served.map((fm) => fm.name).join(", ")}\n  ${seen.join("\n  ")}`,
    );
    // After the run, every read that takes no input still answers and parses: nothing poisoned it.
    for (const { fm, name } of operations) {
      const op = fm.model.operations[name]!;
      const shape = op.input ? fm.model.shapes[op.input.shape] : undefined;
      if (
        !/^(Describe|List|Get)/.test(name) ||
        (shape?.type === "structure" && (shape.required ?? []).length > 0)
      )
        continue;
      const answer = await send(fm.model, serialize(fm.model, name, {}));
      if (answer.status >= 500 && answer.status !== 501)
        problem(`after the run: status ${answer.status}`, `${fm.name} ${name}: ${answer.text.slice(0, 200)}`);
      const why = unreadable(fm.model, name, answer);
      if (why)
        problem(`after the run: unreadable: ${why}`, `${fm.name} ${name}: ${answer.text.slice(0, 200)}`);
    }
    expect(Object.fromEntries(problems), `seed ${SEED}`).toEqual({});
  }, 180_000);
});
