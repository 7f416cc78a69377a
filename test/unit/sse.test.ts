import { describe, expect, it } from "vitest";
import { checkSseFraming, readPing } from "../../src/agent/probe.js";

describe("checkSseFraming", () => {
  it("accepts data events separated by blank lines, comments and CRLF", () => {
    expect(checkSseFraming('data: {"a":1}\n\n: keep-alive\n\nevent: end\r\ndata: {}\r\n\r\n')).toEqual({
      events: 2,
      problems: [],
    });
  });

  it("flags a missing final blank line, stray lines and empty streams", () => {
    expect(checkSseFraming('data: {"a":1}\n').problems[0]).toMatch(/ends without a blank line/);
    expect(checkSseFraming('{"a":1}\n\n').problems[0]).toMatch(/not an SSE field/);
    expect(checkSseFraming("").problems).toEqual(["the stream carries no data event"]);
  });
});

describe("readPing", () => {
  const ping = (status: number, body: string) => ({
    request: "GET /ping",
    status,
    headers: {},
    body,
    latencyMs: 1,
  });
  it("accepts exactly Healthy and HealthyBusy with HTTP 200", () => {
    expect(readPing(ping(200, '{"status":"Healthy"}'), 0).healthy).toBe(true);
    expect(readPing(ping(200, '{"status":"HealthyBusy","time_of_last_update":1}'), 0).healthy).toBe(true);
    expect(readPing(ping(200, '{"status":"healthy"}'), 0).healthy).toBe(false);
    expect(readPing(ping(503, '{"status":"Healthy"}'), 0).healthy).toBe(false);
    expect(readPing(ping(200, "OK"), 0).healthy).toBe(false);
  });
});
