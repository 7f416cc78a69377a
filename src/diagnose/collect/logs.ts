import {
  type CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  paginateDescribeLogGroups,
} from "@aws-sdk/client-cloudwatch-logs";
import { type ParsedException, parseException } from "../../agent/crash.js";
import { isLoopbackHost, listenAddressesIn, type NamedAddress } from "../../facts/addresses.js";
import type { EvidenceSource } from "../../findings/index.js";
import { apiSource, type EvidenceGap, gapFrom, type Sourced } from "../evidence.js";

/** Where AgentCore writes an endpoint's container output. */
export function runtimeLogGroupName(runtimeId: string, endpointName: string): string {
  return `/aws/bedrock-agentcore/runtimes/${runtimeId}-${endpointName}`;
}

export interface LogLine {
  time: Date;
  message: string;
  source: EvidenceSource;
}

/** An address the server announced listening on; a host or a port may be left unsaid ("listening on port 3000"). */
export interface ListenLine {
  host?: string;
  port?: number;
  line: LogLine;
}

export interface LogsEvidence {
  /** Every log group of the runtime (one per endpoint that ever ran). */
  groups: string[];
  /** The endpoint's group, if it exists. */
  group?: string;
  /** Its newest streams, newest first. */
  streams: { name: string; lastEventTime?: Date }[];
  /** The last lines of the newest stream, oldest first. */
  lines: LogLine[];
  /** The exception the container printed last, if any (Python traceback, Node stack, or the SDK's JSON error line). */
  exception?: { parsed: ParsedException; source: EvidenceSource };
  /**
   * What the server said it listens on, of `listens`: an address AgentCore
   * can reach if any was announced (Flask prints its loopback URL beside
   * the interface's), else the last.
   */
  listening?: ListenLine;
  /** Every listening address the output announced, in order (any framework's wording; see listenAddressesIn). */
  listens?: ListenLine[];
  /** The health checks the server logged answering: `"GET /ping HTTP/1.1" 404`. */
  pings: { status: number; line: LogLine }[];
}

const STREAMS = 5;
const LINES = 100;

/** An access-log line for GET /ping (Uvicorn, Python's http.server, common log format). */
const PING_ACCESS = /"GET \/ping(?:\?[^" ]*)? HTTP\/[\d.]+"\s+(\d{3})/;

/**
 * Whether a server could be announcing it binds this address. A URL to a
 * named host with no port written ("More information can be found at:
 * https://a.co/c895JFp") is a link the line prints, not where the server
 * listens: servers announce the port they bind. Never quoted as a listen line.
 */
function bindable(a: NamedAddress): boolean {
  if (a.host === undefined || a.scheme === undefined || !a.host.includes(".")) return true;
  if (/^[\d.]+$/.test(a.host) || a.host.includes(":")) return true;
  return a.port !== undefined && a.text.includes(`:${a.port}`);
}

/** The first listening address a line announces, if any. */
export function parseListenLine(message: string): { host?: string; port?: number } | undefined {
  const found = listenAddressesIn(message)[0];
  return found
    ? { ...(found.host ? { host: found.host } : {}), ...(found.port ? { port: found.port } : {}) }
    : undefined;
}

/** The Python SDK logs JSON lines; an error line carries errorType, errorMessage and stackTrace. */
function jsonErrorLine(message: string): ParsedException | undefined {
  if (!message.trimStart().startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(message) as {
      errorType?: string;
      errorMessage?: string;
      stackTrace?: string | string[];
    };
    if (!parsed.errorType) return undefined;
    const trace = [parsed.stackTrace ?? []].flat().flatMap((l) => String(l).split("\n"));
    return (
      parseException(trace) ?? {
        language: "python",
        type: parsed.errorType,
        message: parsed.errorMessage ?? "",
        lines: trace,
      }
    );
  } catch {
    return undefined;
  }
}

/** Finds the last exception and the listen line in the container's own words. */
export function readLines(
  lines: readonly LogLine[],
): Pick<LogsEvidence, "exception" | "listening" | "listens" | "pings"> {
  const texts = lines.flatMap((l) => l.message.split("\n"));
  let exception: LogsEvidence["exception"];
  const parsed = parseException(texts);
  if (parsed) {
    const first = parsed.lines[0] ?? "";
    const at = lines.find((l) => l.message.includes(first)) ?? lines.at(-1)!;
    exception = { parsed, source: at.source };
  }
  for (const line of [...lines].reverse()) {
    if (exception) break;
    const fromJson = jsonErrorLine(line.message);
    if (fromJson) exception = { parsed: fromJson, source: line.source };
  }
  const listens: ListenLine[] = lines.flatMap((line) =>
    listenAddressesIn(line.message)
      .filter(bindable)
      .map((a) => ({
        ...(a.host ? { host: a.host } : {}),
        ...(a.port ? { port: a.port } : {}),
        line,
      })),
  );
  const reachable = listens.filter((l) => l.host === undefined || !isLoopbackHost(l.host));
  const listening = reachable.findLast((l) => l.port !== undefined) ?? reachable.at(-1) ?? listens.at(-1);
  const pings = lines.flatMap((line) => {
    const match = PING_ACCESS.exec(line.message);
    return match ? [{ status: Number(match[1]), line }] : [];
  });
  return {
    ...(exception ? { exception } : {}),
    ...(listening ? { listening, listens } : {}),
    pings,
  };
}

/**
 * The runtime's log groups, the endpoint group's newest streams and the last
 * lines of the newest, read for a traceback and the address the server
 * announced. No group at all is evidence too (NO_RUNTIME_LOGS).
 */
export async function collectLogs(
  logs: CloudWatchLogsClient,
  scope: { runtimeId: string; endpointName: string },
  gaps: EvidenceGap[],
): Promise<Sourced<LogsEvidence> | undefined> {
  const prefix = `/aws/bedrock-agentcore/runtimes/${scope.runtimeId}`;
  const wanted = runtimeLogGroupName(scope.runtimeId, scope.endpointName);
  try {
    const groups: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: prefix })) {
      for (const group of page.logGroups ?? []) if (group.logGroupName) groups.push(group.logGroupName);
    }
    const source = apiSource("logs", "DescribeLogGroups", { logGroupNamePrefix: prefix });
    if (!groups.includes(wanted)) return { value: { groups, streams: [], lines: [], pings: [] }, source };
    const { logStreams } = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: wanted,
        orderBy: "LastEventTime",
        descending: true,
        limit: STREAMS,
      }),
    );
    const streams = (logStreams ?? []).map((s) => ({
      name: s.logStreamName ?? "",
      ...(s.lastEventTimestamp ? { lastEventTime: new Date(s.lastEventTimestamp) } : {}),
    }));
    const newest = streams[0];
    let lines: LogLine[] = [];
    if (newest) {
      const { events } = await logs.send(
        new GetLogEventsCommand({
          logGroupName: wanted,
          logStreamName: newest.name,
          limit: LINES,
          startFromHead: false,
        }),
      );
      lines = (events ?? []).map((e, index) => ({
        time: new Date(e.timestamp ?? 0),
        message: (e.message ?? "").replace(/\n$/, ""),
        source: { kind: "log", group: wanted, stream: newest.name, line: index + 1 } satisfies EvidenceSource,
      }));
    }
    return { value: { groups, group: wanted, streams, lines, ...readLines(lines) }, source };
  } catch (error) {
    gaps.push(gapFrom("logs", "logs", "DescribeLogGroups", "logs", error));
    return undefined;
  }
}
