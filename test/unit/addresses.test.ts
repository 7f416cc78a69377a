import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressesIn, isLoopbackHost, listenAddressesIn } from "../../src/facts/addresses.js";

const listen = (line: string) => listenAddressesIn(line).map((a) => [a.host, a.port]);

describe("listenAddressesIn: servers' start-up lines in many frameworks' wording", () => {
  it.each([
    ["INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)", "0.0.0.0", 8080],
    ["Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...", "0.0.0.0", 8000],
    ["Serving HTTP on :: port 8000 (http://[::]:8000/) ...", "::", 8000],
    ["Server running at http://localhost:8080/", "localhost", 8080],
    ["[2024-05-01 10:00:00 +0000] [1] [INFO] Listening at: http://127.0.0.1:8000 (1)", "127.0.0.1", 8000],
    ["Hypercorn Running on http://[::]:8080 (CTRL + C to quit)", "::", 8080],
    ["======== Running on http://0.0.0.0:8080 ========", "0.0.0.0", 8080],
    ["Started server http://localhost:3000", "localhost", 3000],
    ["Listening on http://ip-10-0-1-23.ec2.internal:8080", "ip-10-0-1-23.ec2.internal", 8080],
    ["🦊 Elysia is running at localhost:3000", "localhost", 3000],
    ["Listening on ('0.0.0.0', 9000)", "0.0.0.0", 9000],
    ["host=127.0.0.1 port=8080 msg=started", "127.0.0.1", 8080],
    ["  ➜  Local:   http://127.0.0.1:5173/", "127.0.0.1", 5173],
    ["web server bound to [::1]:8081", "::1", 8081],
    ["Listening on http://localhost/", "localhost", 80],
    ["Server started at https://0.0.0.0:8443", "0.0.0.0", 8443],
  ])("%s", (line, host, port) => {
    expect(listen(line)).toEqual([[host, port]]);
  });

  it.each([
    ["Example app listening on port 3000", 3000],
    ["listening on :8080", 8080],
    ["Tomcat started on port 8080 (http) with context path ''", 8080],
    ["koa server up, PORT=9090", 9090],
  ])("a port without a host: %s", (line, port) => {
    expect(listen(line)).toEqual([[undefined, port]]);
  });

  it("Flask's wildcard line names every interface without a port", () => {
    expect(listen(" * Running on all addresses (0.0.0.0)")).toEqual([["0.0.0.0", undefined]]);
  });

  it("JSON logs: pino's message, a structured host and port, nested fields", () => {
    expect(
      listen(
        '{"level":30,"time":1700000000000,"pid":7,"hostname":"ip-10-0-0-1","msg":"Server listening at http://[::1]:8080"}',
      ),
    ).toEqual([["::1", 8080]]);
    expect(listen('{"level":"info","msg":"listening","port":8080,"host":"0.0.0.0"}')).toEqual([
      ["0.0.0.0", 8080],
    ]);
    expect(
      listen('{"level":"info","event":"server started","server":{"address":"127.0.0.1","port":"9000"}}'),
    ).toEqual([["127.0.0.1", 9000]]);
    // pino's `hostname` is the machine's name, not a bind address.
    expect(listen('{"level":30,"hostname":"ip-10-0-0-1","port":8080,"msg":"ready"}')).toEqual([
      [undefined, 8080],
    ]);
  });

  it.each([
    "Error: listen EADDRINUSE: address already in use :::8080",
    "ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8080): address already in use",
    'INFO:     169.254.0.1:4242 - "GET /ping HTTP/1.1" 200 OK',
    '169.254.0.1 - - [01/May/2024 10:00:00] "GET /ping HTTP/1.1" 404 -',
    "connect ECONNREFUSED 127.0.0.1:5432",
    "getaddrinfo EAI_AGAIN sts.us-east-1.amazonaws.com",
    "Connecting to https://sts.us-east-1.amazonaws.com",
    'HTTP Request: POST https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse "HTTP/1.1 200 OK"',
    "Starting new HTTPS connection (1): bedrock-runtime.us-west-2.amazonaws.com:443",
    "    at Object.<anonymous> (/app/server.js:10:5)",
    '  File "/app/agent.py", line 3, in <module>',
    "Connected to database postgres://db.internal:5432/app",
    "proxying requests to http://127.0.0.1:9000",
    "accepted connection from 10.0.0.7:51234",
    "2026-12-02T23:00:11Z starting agent v1.2.3 at 12:30:45",
    '{"level":50,"msg":"listen failed","err":{"code":"EADDRINUSE","port":8080}}',
    "loaded config from settings.yaml",
  ])("not an announcement: %s", (line) => {
    expect(listenAddressesIn(line)).toEqual([]);
  });
});

describe("addressesIn", () => {
  it("names IPv6, IPv4 and host-name addresses with their ports", () => {
    const found = addressesIn("a [fe80::1%eth0]:80 b 10.1.2.3:443 c api.example.com:8443 d :::9000");
    expect(found.map((a) => [a.host, a.port])).toEqual([
      ["fe80::1%eth0", 80],
      ["10.1.2.3", 443],
      ["api.example.com", 8443],
      ["::", 9000],
    ]);
  });

  it("does not read a file name and line as a host and port", () => {
    expect(addressesIn("at handler (app.js:42:7) and agent.py:17")).toEqual([]);
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.1", false],
    ["my.localhost", true],
  ])("%s → %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

// --- properties ---------------------------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const hostname = fc.oneof(
  fc.constant("localhost"),
  fc.tuple(label, fc.array(label, { minLength: 1, maxLength: 3 })).map(([h, rest]) => [h, ...rest].join(".")),
);
const ipv6 = fc.constantFrom(
  "::1",
  "::",
  "fe80::1",
  "2001:db8::42",
  "::ffff:127.0.0.1",
  "2600:1f18:0:0:0:0:0:1",
);
const port = fc.integer({ min: 1, max: 65535 });
/** Words a start-up line may say before its address: not a failure, a request method or a preposition naming a peer. */
const STOP =
  /^(?:to|from|via|upstream|proxy|proxying|peer|client|remote|port|error|errors|errno|exception|exceptions|traceback|fail|failed|failure|fails|refused|unable|cannot|timeout|denied|unreachable|retry|retrying|in|use)$/i;
const word = fc.stringMatching(/^[A-Za-z]{1,10}$/).filter((w) => !STOP.test(w) && !/^E[A-Z]{4,}$/.test(w));
const words = fc.array(word, { maxLength: 6 }).map((w) => w.join(" "));
const path = fc.constantFrom("", "/", "/api", "/v1/", "/?x=1");

describe("properties", () => {
  it("any '<words> http://<host>:<port><path>' line announces that host and port", () => {
    fc.assert(
      fc.property(
        words,
        fc.constantFrom("http", "https", "ws"),
        fc.oneof(ipv4, hostname, ipv6),
        port,
        path,
        (lead, scheme, host, p, tail) => {
          const shown = host.includes(":") ? `[${host}]` : host;
          const line = `${lead} ${scheme}://${shown}:${p}${tail}`.trim();
          expect(listen(line)).toEqual([[host, p]]);
        },
      ),
    );
  });

  it("any '<words> <host>:<port>' line announces that host and port", () => {
    fc.assert(
      fc.property(words, fc.oneof(ipv4, hostname), port, (lead, host, p) => {
        expect(listen(`${lead} ${host}:${p}`.trim())).toEqual([[host, p]]);
      }),
    );
  });

  it("an access-log line never announces the client's address", () => {
    fc.assert(
      fc.property(
        ipv4,
        port,
        fc.constantFrom("GET", "POST"),
        fc.constantFrom("/ping", "/invocations"),
        (client, p, method, route) => {
          expect(
            listenAddressesIn(`INFO:     ${client}:${p} - "${method} ${route} HTTP/1.1" 200 OK`),
          ).toEqual([]);
        },
      ),
    );
  });

  it("a line with a system error code never announces the address it names", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("ECONNREFUSED", "ETIMEDOUT", "EADDRINUSE", "EHOSTUNREACH", "EAI_AGAIN"),
        words,
        ipv4,
        port,
        (code, lead, host, p) => {
          expect(listenAddressesIn(`${lead} ${code} ${host}:${p}`)).toEqual([]);
        },
      ),
    );
  });

  it("isLoopbackHost agrees with 127.0.0.0/8 for every IPv4 address", () => {
    fc.assert(
      fc.property(ipv4, (host) => {
        expect(isLoopbackHost(host)).toBe(host.startsWith("127."));
      }),
    );
  });
});
