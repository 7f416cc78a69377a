import { isLoopback, isWildcard } from "../agent/proc.js";

/**
 * Network addresses named in free text (a log line, a message), read by
 * their shape rather than by the sentence around them: URLs
 * (`http://[::1]:8080/`), `host:port` pairs (IPv4, bracketed IPv6,
 * `localhost`, dotted host names), a bare `:8080`, Python's `("0.0.0.0", 8080)`,
 * `<host> port <n>`, `host=… port=…`, and JSON log objects with a host and a
 * port field. Which of them a server announces as its own listening address
 * is `listenAddressesIn`'s judgement.
 */
export interface NamedAddress {
  /** As written, brackets dropped, lower case: "0.0.0.0", "::1", "localhost", "ip-10-0-0-1.ec2.internal". Absent when only a port is named (":8080", "port 8080"). */
  host?: string;
  /** Explicit, or the scheme's default for a URL without one. */
  port?: number;
  /** A URL's scheme, lower case, when the address was written as one. */
  scheme?: string;
  /** Where in the text the address starts, and what was matched. */
  index: number;
  text: string;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443 };

const IPV4 = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}`;
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
/** `localhost`, or a name with at least one dot whose last label is not all digits. */
const HOSTNAME = String.raw`localhost|${LABEL}(?:\.${LABEL})*\.(?=[a-z0-9-]*[a-z])${LABEL}`;
const IPV6 = String.raw`[0-9a-f:]*:[0-9a-f:.]*(?:%[\w.]+)?`;
const PORT = String.raw`\d{1,5}`;

/** Each shape, tried at every position; the first that matches at a position wins. */
const SHAPES = new RegExp(
  [
    // 1, 2, 3, 4: a URL (scheme, bracketed IPv6 | other host, port).
    String.raw`\b([a-z][a-z0-9+.-]*):\/\/(?:[^\s/@]*@)?(?:\[(${IPV6})\]|([^\s/:?#\[\]"'(),<>]+))(?::(${PORT}))?`,
    // 5, 6: a bracketed IPv6 address and port.
    String.raw`\[(${IPV6})\]:(${PORT})\b`,
    // 7, 8: a Python socket address tuple.
    String.raw`\(\s*["'](${IPV4}|${HOSTNAME}|${IPV6})["']\s*,\s*(${PORT})\s*[,)]`,
    // 9: Node's wildcard IPv6 form, `:::8080`.
    String.raw`(?<![\w:]):::(${PORT})\b`,
    // 10, 11: IPv4 or a host name, with an optional port.
    String.raw`(?<![\w.:/\\-])(${IPV4}|${HOSTNAME})(?::(${PORT}))?(?![\w-]|\.[\w]|:\d)`,
    // 12: a bare `:8080` (every interface, in Go's and others' notation).
    String.raw`(?<=^|[\s"'=(\[,])(?<!\d):(${PORT})(?![\w:.])`,
    // 13: `port 8080`, `port=8080`, `port: 8080`, `"port": 8080`.
    String.raw`\bport["']?\s*[=:]?\s*(${PORT})\b`,
    // 14: a bare wildcard IPv6 address, `[::]` or `::`.
    String.raw`(?<![\w:])\[?(::)\]?(?![\w:])`,
  ].join("|"),
  "gi",
);

/** `app.py:12`, `server.js`: a file name, not a host. */
const SOURCE_FILE =
  /\.(?:py|pyc|js|mjs|cjs|ts|mts|cts|tsx|jsx|json|ya?ml|toml|txt|log|go|rs|java|rb|php|html?|css|sh|cfg|ini|env|lock|md)$/i;

function portOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}

/** Whether a string is an IPv6 address as text (colon groups, an optional dotted tail). */
function looksIpv6(host: string): boolean {
  return (
    /^[0-9a-f:.]+(?:%[\w.]+)?$/.test(host) && host.split(":").length >= 3 && host.split("::").length <= 2
  );
}

/** Every address the text names, in order; a URL's host and port are one address, not two. */
export function addressesIn(text: string): NamedAddress[] {
  const found: NamedAddress[] = [];
  for (const m of text.matchAll(SHAPES)) {
    const at = { index: m.index, text: m[0] };
    if (m[1] !== undefined) {
      const scheme = m[1].toLowerCase();
      const host = (m[2] ?? m[3] ?? "").toLowerCase();
      const port = m[4] !== undefined ? portOf(m[4]) : DEFAULT_PORTS[scheme];
      if (m[4] !== undefined && port === undefined) continue;
      if (m[2] !== undefined && !looksIpv6(host)) continue;
      found.push({ ...(host ? { host } : {}), ...(port ? { port } : {}), scheme, ...at });
    } else if (m[5] !== undefined) {
      const port = portOf(m[6]);
      if (looksIpv6(m[5]) && port) found.push({ host: m[5].toLowerCase(), port, ...at });
    } else if (m[7] !== undefined) {
      const port = portOf(m[8]);
      const host = m[7].toLowerCase();
      if (port && (!host.includes(":") || looksIpv6(host))) found.push({ host, port, ...at });
    } else if (m[9] !== undefined) {
      const port = portOf(m[9]);
      if (port) found.push({ host: "::", port, ...at });
    } else if (m[10] !== undefined) {
      const port = m[11] !== undefined ? portOf(m[11]) : undefined;
      if (m[11] !== undefined && port === undefined) continue;
      if (SOURCE_FILE.test(m[10])) continue;
      found.push({ host: m[10].toLowerCase(), ...(port ? { port } : {}), ...at });
    } else if (m[12] !== undefined) {
      const port = portOf(m[12]);
      if (port) found.push({ port, ...at });
    } else if (m[13] !== undefined) {
      const port = portOf(m[13]);
      if (port) found.push({ port, ...at });
    } else if (m[14] !== undefined) {
      found.push({ host: "::", ...at });
    }
  }
  return pairHostsWithPorts(found);
}

/**
 * `Serving HTTP on 0.0.0.0 port 8000`, `host=127.0.0.1 port=8080`: a line
 * naming exactly one host without a port and one port without a host names
 * one address.
 */
function pairHostsWithPorts(found: NamedAddress[]): NamedAddress[] {
  const hostOnly = found.filter(
    (a) =>
      a.host !== undefined &&
      a.port === undefined &&
      !a.scheme &&
      (a.host === "localhost" || a.host.includes(":") || new RegExp(`^${IPV4}$`).test(a.host)),
  );
  const portOnly = found.filter((a) => a.host === undefined && a.port !== undefined);
  if (hostOnly.length !== 1 || portOnly.length !== 1) return found;
  const [host, port] = [hostOnly[0]!, portOnly[0]!];
  const paired = { ...host, port: port.port! };
  return found.filter((a) => a !== port).map((a) => (a === host ? paired : a));
}

/** Loopback only: a loopback address, or the name localhost (which resolves to one). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || isLoopback(h) || h === "0:0:0:0:0:0:0:1";
}

/** Every interface: 0.0.0.0 or ::. */
export function isWildcardHost(host: string): boolean {
  return isWildcard(host.toLowerCase());
}

/** AWS's service endpoints: an address a client reaches, never one a server in the container binds. */
export function isAwsEndpointHost(host: string): boolean {
  return /(?:^|\.)amazonaws\.com(?:\.cn)?$|(?:^|\.)api\.aws$/.test(host.toLowerCase());
}

/** Schemes a server announces itself with; a `postgres://` or `redis://` URL names something it connects to. */
const SERVER_SCHEMES = new Set(["http", "https", "ws", "wss", "tcp", "grpc", "grpcs", "h2c"]);

/** A line reporting a failure (an errno name, an error, a refusal) announces no listener, even when it names an address. */
const FAILURE_CODE = /\bE[A-Z]{4,}\b|\bEAI_[A-Z]+\b/;
const FAILURE_WORD =
  /\b(?:errno|errors?|exceptions?|traceback|fail(?:ed|ure|s)?|refused|unable|cannot|can't|could not|couldn't|timed? ?out|denied|unreachable|in use|retry(?:ing)?)\b/i;
/** An HTTP request line (an access log's or an HTTP client's): the address in it is a peer's or a destination. */
const REQUEST_LINE = /\b(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT)\s+(?:\/|[a-z]+:\/\/)/;
/** The word before an address that makes it a destination or a peer: `connecting to`, `from`, `via`, `->`. */
const PEER_BEFORE =
  /(?:(?<!\b(?:bound|bind|binding|listen|listening)\s+)\bto|\b(?:from|via|upstream|proxy(?:ing)?|peer|client|remote)|->|=>)\s*[:=]?\s*["'(]?$/i;

/**
 * The addresses a log line announces the server listening on: any address
 * the line names, unless the line reports a failure or an HTTP request, or
 * the address is one the process reaches rather than binds (after `to`,
 * `from`, `via`; an AWS endpoint; a database URL). Lines are read by
 * shape, not by a framework's wording: "Uvicorn running on
 * http://0.0.0.0:8080", "Serving HTTP on 0.0.0.0 port 8000", "Listening at:
 * http://127.0.0.1:8000 (7)", "Server running at http://localhost:3000/",
 * "listening on :8080", "Example app listening on port 3000". A host alone
 * counts only when it is every interface (Flask's "Running on all addresses
 * (0.0.0.0)"); a host name without a port, only when it is `localhost`.
 */
export function listenAddressesIn(message: string): NamedAddress[] {
  const json = jsonObject(message);
  const found = json ? listenAddressesInJson(json) : listenAddressesInText(message);
  const seen = new Set<string>();
  return found.filter((a) => {
    const key = `${a.host ?? ""}|${a.port ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function listenAddressesInText(text: string): NamedAddress[] {
  if (FAILURE_CODE.test(text) || FAILURE_WORD.test(text) || REQUEST_LINE.test(text)) return [];
  return addressesIn(text).filter((a) => {
    if (PEER_BEFORE.test(text.slice(0, a.index))) return false;
    if (a.scheme && !SERVER_SCHEMES.has(a.scheme)) return false;
    if (a.host === undefined) return a.port !== undefined;
    if (isAwsEndpointHost(a.host)) return false;
    if (a.port === undefined)
      return isWildcardHost(a.host) || (a.scheme !== undefined && a.host === "localhost");
    return true;
  });
}

function jsonObject(message: string): Record<string, unknown> | undefined {
  const text = message.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const HOST_KEYS = ["host", "address", "addr", "bind", "listen", "ip"];

/**
 * A JSON log line (pino, structlog, the SDKs' JSON logs): its string fields
 * read as text, and an object with a port field (and a host field beside it)
 * as one address. `hostname` is left out: pino puts the machine's name there.
 */
function listenAddressesInJson(object: Record<string, unknown>, depth = 0): NamedAddress[] {
  const texts = Object.entries(object).flatMap(([key, value]) =>
    typeof value === "string" && !HOST_KEYS.includes(key) ? [value] : [],
  );
  if (texts.some((t) => FAILURE_CODE.test(t) || FAILURE_WORD.test(t))) return [];
  if (Object.keys(object).some((k) => /^(?:err(?:or)?|exc(?:eption)?|exc_info|stack(?:trace)?)$/i.test(k)))
    return [];
  const found: NamedAddress[] = texts.flatMap((t) => listenAddressesInText(t));
  const port = portOf(
    typeof object.port === "number" || typeof object.port === "string" ? String(object.port) : undefined,
  );
  if (port) {
    const hostKey = HOST_KEYS.find((k) => typeof object[k] === "string");
    const host = hostKey ? (object[hostKey] as string).replace(/^\[|\]$/g, "").toLowerCase() : undefined;
    if (!host || !isAwsEndpointHost(host))
      found.push({ ...(host ? { host } : {}), port, index: 0, text: JSON.stringify(object) });
  }
  if (depth < 3) {
    for (const value of Object.values(object)) {
      if (value && typeof value === "object" && !Array.isArray(value))
        found.push(...listenAddressesInJson(value as Record<string, unknown>, depth + 1));
    }
  }
  return found;
}

const REGION_LABEL = /^(?:\*|[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})$/;
/** Endpoint prefixes AWS writes the other way round in host names (`api.ecr.<region>`, `runtime.sagemaker.<region>`). */
const REVERSED: Readonly<Record<string, string>> = {
  "api.ecr": "ecr.api",
  "dkr.ecr": "ecr.dkr",
  "runtime.sagemaker": "sagemaker.runtime",
};

/**
 * The service an AWS endpoint host name reaches, as VPC endpoint services
 * name it: `sts.us-east-1.amazonaws.com` → `sts`, `bucket.s3.amazonaws.com`
 * → `s3`, `api.ecr.eu-west-1.amazonaws.com` → `ecr.api`, `sts-fips...` →
 * `sts`. A `*` label stands for a part filled in at run time
 * (`sts.${region}.amazonaws.com`). Undefined for other hosts and for an
 * endpoint's own DNS name (`vpce-...`), which does not depend on private DNS.
 */
export function awsEndpointService(host: string): string | undefined {
  const h = host.toLowerCase();
  const m = /^(.*)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)$/.exec(h);
  if (!m || /(?:^|\.)vpce(?:-svc)?(?:\.|-)/.test(h)) return undefined;
  const labels = m[1]!.split(".").filter(Boolean);
  if (labels.length > 1 && REGION_LABEL.test(labels.at(-1)!)) labels.pop();
  const service = labels.at(-1);
  if (!service || service === "*" || !/^[a-z0-9*-]+$/.test(service)) return undefined;
  const reversed = labels.length > 1 ? REVERSED[`${labels.at(-2)}.${service}`] : undefined;
  return reversed ?? service.replace(/-fips$/, "");
}

/**
 * AWS endpoint host names written in source text, in string literals of any
 * HTTP client's call (`https://sts.${region}.amazonaws.com/`,
 * `f"https://sts.{REGION}.amazonaws.com/"`, `host: "bedrock-runtime.us-east-1.amazonaws.com"`),
 * with a run-time part (`${x}`, `{x}`) read as `*`.
 */
export function awsEndpointHostsIn(text: string): { host: string; service: string; index: number }[] {
  const found: { host: string; service: string; index: number }[] = [];
  const pattern =
    /(?<![\w.-])((?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|\$?\{[^{}\s]{1,60}\})\.)+(?:amazonaws\.com(?:\.cn)?|api\.aws))(?![\w-])/gi;
  for (const m of text.matchAll(pattern)) {
    const host = m[1]!.replace(/\$?\{[^{}\s]{1,60}\}/g, "*").toLowerCase();
    const service = awsEndpointService(host);
    if (service) found.push({ host, service, index: m.index });
  }
  return found;
}
