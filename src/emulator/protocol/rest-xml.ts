import { randomUUID } from "node:crypto";
import { XMLParser } from "fast-xml-parser";
import { xmlText } from "../../util/markup.js";
import type { MatchedOperation, ProtocolCodec, WireRequest, WireResponse } from "./codec.js";
import { AwsError } from "./errors.js";
import { parseTimestamp } from "./json-values.js";
import type { Operation, ServiceModel, Shape, ShapeRef, StructureShape } from "./service-model.js";

/** What restXml reads off a shape reference besides the common members. */
type XmlRef = ShapeRef & { xmlNamespace?: { uri: string }; xmlAttribute?: boolean };
type XmlShape = Shape & { flattened?: boolean; xmlNamespace?: { uri: string } };

/**
 * A service's wire facts that botocore's model does not carry (each found in
 * AWS's API reference, kept as data in models/patches/<service>.json).
 */
export interface RestXmlPatch {
  /** The root element of an output with no payload member (S3's `ListBucketResult` for ListObjectsV2Output). */
  outputRoots?: Record<string, string>;
  /** Outputs whose root element is the one member's text (`<LocationConstraint>eu-west-1</LocationConstraint>`). */
  scalarRoots?: Record<string, string>;
  /** Codes the emulator's shared layers throw, as this service names them: `{ "NotImplementedException": ["NotImplemented", 501] }`. */
  errorCodes?: Record<string, [string, number]>;
}

export interface RestXmlOptions {
  patch?: RestXmlPatch;
  /**
   * Addressing by host name: the path-style path a request's Host and path
   * stand for (S3's virtual-hosted `bucket.s3.us-east-1.amazonaws.com/key`
   * is `/bucket/key`), or undefined when the host names nothing.
   */
  hostPath?: (host: string, path: string) => string | undefined;
}

/** An output member that is not in the model: the HTTP status the response carries (206 for a range). */
export const RESPONSE_STATUS = "$responseStatus";

interface Route {
  operation: Operation;
  method: string;
  pattern: RegExp;
  labels: string[];
  /** Query keys (and values) the URI template itself names: `?list-type=2`, `?uploads`. */
  queryLiterals: [string, string | undefined][];
  /** Query keys and headers the input requires (UploadPart: partNumber and uploadId; CopyObject: x-amz-copy-source). */
  requiredQuery: string[];
  requiredHeaders: string[];
  specificity: number;
}

function compileRoute(model: ServiceModel, operation: Operation): Route {
  const [template = "/", query = ""] = operation.http.requestUri.split("?");
  const labels: string[] = [];
  let literal = 0;
  const source = template.replace(/\{([^}]+)\}|[^{]+/g, (part, label: string | undefined) => {
    if (label === undefined) {
      literal += part.length;
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    const greedy = label.endsWith("+");
    labels.push(greedy ? label.slice(0, -1) : label);
    return greedy ? "(.+)" : "([^/]+)";
  });
  const queryLiterals = query
    .split("&")
    .filter(Boolean)
    .map((pair): [string, string | undefined] => {
      const at = pair.indexOf("=");
      return at < 0 ? [pair, undefined] : [pair.slice(0, at), pair.slice(at + 1)];
    });
  const requiredQuery: string[] = [];
  const requiredHeaders: string[] = [];
  const input = operation.input ? (model.shapes[operation.input.shape] as StructureShape) : undefined;
  for (const name of input?.required ?? []) {
    const ref = input!.members[name];
    if (ref?.location === "querystring") requiredQuery.push(ref.locationName ?? name);
    if (ref?.location === "header") requiredHeaders.push((ref.locationName ?? name).toLowerCase());
  }
  // A path ending in a label of its own may carry a trailing slash (`/bucket/`).
  const body = source.endsWith("([^/]+)") ? `${source}/?` : source;
  return {
    operation,
    method: operation.http.method,
    pattern: new RegExp(`^${body}$`),
    labels,
    queryLiterals,
    requiredQuery,
    requiredHeaders,
    specificity: (queryLiterals.length + requiredQuery.length + requiredHeaders.length) * 10_000 + literal,
  };
}

function decodeLabel(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new AwsError("InvalidURI", "Couldn't parse the specified URI.", {}, 400);
  }
}

/** SigV4's streaming body (`aws-chunked`): the chunks' data joined, and the trailing headers (a checksum) it ends with. */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const pieces: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  const line = () => {
    const end = body.indexOf("\r\n", at);
    if (end < 0) throw new AwsError("IncompleteBody", "The request body ended inside a chunk.", {}, 400);
    const text = body.subarray(at, end).toString("latin1");
    at = end + 2;
    return text;
  };
  for (;;) {
    const header = line();
    const size = Number.parseInt(header.split(";")[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0)
      throw new AwsError(
        "InvalidChunkSizeError",
        "Only the last chunk is allowed to have a size less than 8192 bytes",
        {},
        403,
      );
    if (size === 0) break;
    if (at + size > body.length)
      throw new AwsError("IncompleteBody", "The request body ended inside a chunk.", {}, 400);
    pieces.push(body.subarray(at, at + size));
    at += size;
    line();
  }
  while (at < body.length) {
    const text = line();
    if (text === "") break;
    const colon = text.indexOf(":");
    if (colon > 0) trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(pieces), trailers };
}

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  ignoreDeclaration: true,
});

/** ISO 8601 as S3 writes it: milliseconds and Z. */
function isoMillis(date: Date): string {
  return date.toISOString();
}

/**
 * AWS restXml (S3), both ways, driven by the service model: routes by method,
 * URI template and the query keys and headers an operation requires (S3's
 * PutObject, UploadPart and CopyObject share one URI), binds labels, query,
 * headers and the XML or blob payload (SigV4 streaming bodies decoded, their
 * trailing checksums read as headers), and renders outputs as XML or a
 * stream and errors as `<Error><Code>…</Code>…</Error>`.
 */
export class RestXmlCodec implements ProtocolCodec {
  private readonly routes: Route[];
  private readonly patch: RestXmlPatch;

  constructor(
    readonly model: ServiceModel,
    private readonly options: RestXmlOptions = {},
  ) {
    this.patch = options.patch ?? {};
    this.routes = Object.entries(model.operations)
      .map(([name, operation]) => compileRoute(model, { ...operation, name }))
      .sort((a, b) => b.specificity - a.specificity);
  }

  private shape(name: string): XmlShape {
    return this.model.shapes[name]! as XmlShape;
  }

  /** The path-style path of a request (virtual-hosted addressing undone). */
  private pathOf(request: WireRequest): string {
    const host = request.headers.host;
    return (host && this.options.hostPath?.(host, request.path)) ?? request.path;
  }

  match(request: WireRequest): MatchedOperation | undefined {
    const path = this.pathOf(request);
    for (const route of this.routes) {
      if (route.method !== request.method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const query = request.query;
      if (!route.queryLiterals.every(([k, v]) => query.has(k) && (v === undefined || query.get(k) === v)))
        continue;
      if (!route.requiredQuery.every((k) => query.has(k))) continue;
      if (!route.requiredHeaders.every((h) => request.headers[h] !== undefined)) continue;
      const labels: Record<string, string> = {};
      route.labels.forEach((label, i) => {
        labels[label] = m[i + 1]!;
      });
      return { operation: route.operation, labels };
    }
    return undefined;
  }

  claims(request: WireRequest): boolean {
    const path = this.pathOf(request);
    return this.routes.some((route) => route.pattern.test(path));
  }

  /** A method the resource does not have: S3's 405 MethodNotAllowed. */
  unknownOperation(request: WireRequest): AwsError {
    return new AwsError(
      "MethodNotAllowed",
      "The specified method is not allowed against this resource.",
      { Method: request.method, ResourceType: this.pathOf(request) === "/" ? "SERVICE" : "OBJECT" },
      405,
    );
  }

  private fromText(ref: ShapeRef, text: string): unknown {
    const shape = this.shape(ref.shape);
    const invalid = () =>
      new AwsError("InvalidArgument", `Invalid value for ${ref.locationName ?? ref.shape}: ${text}`, {}, 400);
    switch (shape.type) {
      case "integer":
      case "long":
        if (!/^-?\d+$/.test(text.trim())) throw invalid();
        return Number(text);
      case "float":
      case "double": {
        const n = Number(text);
        if (text.trim() === "" || !Number.isFinite(n)) throw invalid();
        return n;
      }
      case "boolean":
        if (!/^(true|false)$/i.test(text.trim())) throw invalid();
        return text.trim().toLowerCase() === "true";
      case "timestamp": {
        const date = parseTimestamp(text);
        if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw invalid();
        return date;
      }
      case "blob":
        return Buffer.from(text, "base64");
      case "list":
        return text.split(",").map((item) => this.fromText(shape.member, item.trim()));
      default:
        return text;
    }
  }

  /** One parsed XML node (text, an object of children, or a list of repeats) as the value its shape describes. */
  private fromXml(ref: ShapeRef, node: unknown): unknown {
    const shape = this.shape(ref.shape);
    switch (shape.type) {
      case "structure": {
        if (node === null || typeof node !== "object") return {};
        const children = node as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [name, member] of Object.entries(shape.members)) {
          const memberShape = this.shape(member.shape);
          if ((member as XmlRef).xmlAttribute) continue;
          if (memberShape.type === "list" && memberShape.flattened) {
            const key = member.locationName ?? memberShape.member.locationName ?? name;
            if (children[key] === undefined) continue;
            const items = Array.isArray(children[key]) ? (children[key] as unknown[]) : [children[key]];
            out[name] = items.map((item) => this.fromXml(memberShape.member, item));
            continue;
          }
          const key = member.locationName ?? name;
          if (children[key] === undefined) continue;
          out[name] = this.fromXml(member, children[key]);
        }
        return out;
      }
      case "list": {
        if (node === null || typeof node !== "object") return [];
        const itemKey = shape.member.locationName ?? "member";
        const raw = (node as Record<string, unknown>)[itemKey];
        if (raw === undefined) return [];
        return (Array.isArray(raw) ? raw : [raw]).map((item) => this.fromXml(shape.member, item));
      }
      case "map": {
        if (node === null || typeof node !== "object") return {};
        const keyName = shape.key.locationName ?? "key";
        const valueName = shape.value.locationName ?? "value";
        const raw = (node as Record<string, unknown>).entry;
        const entries = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
        return Object.fromEntries(
          entries.map((entry) => {
            const e = entry as Record<string, unknown>;
            return [String(e[keyName] ?? ""), this.fromXml(shape.value, e[valueName])];
          }),
        );
      }
      default: {
        const text =
          typeof node === "string"
            ? node
            : node && typeof node === "object" && "#text" in node
              ? String((node as Record<string, unknown>)["#text"])
              : "";
        return this.fromText(ref, shape.type === "string" ? text : text.trim());
      }
    }
  }

  private parseXml(body: Buffer): Record<string, unknown> {
    let parsed: Record<string, unknown>;
    try {
      parsed = xmlParser.parse(body.toString("utf8"), true) as Record<string, unknown>;
    } catch {
      throw this.malformedXml();
    }
    const roots = Object.keys(parsed).filter((k) => k !== "#text");
    if (roots.length !== 1) throw this.malformedXml();
    return { [roots[0]!]: parsed[roots[0]!] };
  }

  private malformedXml(): AwsError {
    return new AwsError(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema",
      {},
      400,
    );
  }

  parseInput({ operation, labels }: MatchedOperation, request: WireRequest): Record<string, unknown> {
    if (!operation.input) return {};
    const shape = this.shape(operation.input.shape) as StructureShape;
    const headers = { ...request.headers };
    let body = request.body;
    const streaming = (headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-");
    const encodings = (headers["content-encoding"] ?? "").split(",").map((e) => e.trim());
    if (streaming || encodings.includes("aws-chunked")) {
      const decoded = decodeAwsChunked(body);
      body = decoded.data;
      Object.assign(headers, decoded.trailers);
      const rest = encodings.filter((e) => e && e !== "aws-chunked");
      if (rest.length > 0) headers["content-encoding"] = rest.join(",");
      else delete headers["content-encoding"];
    }
    const input: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members)) {
      const key = ref.locationName ?? name;
      switch (ref.location) {
        case "uri":
          if (labels[key] !== undefined) input[name] = this.fromText(ref, decodeLabel(labels[key]));
          break;
        case "querystring":
          if (request.query.has(key)) input[name] = this.fromText(ref, request.query.get(key)!);
          break;
        case "header": {
          const value = headers[key.toLowerCase()];
          if (value !== undefined) input[name] = this.fromText(ref, value);
          break;
        }
        case "headers": {
          const prefix = key.toLowerCase();
          const entries = Object.entries(headers).filter(([h]) => h.startsWith(prefix));
          if (entries.length > 0)
            input[name] = Object.fromEntries(entries.map(([h, v]) => [h.slice(prefix.length), v]));
          break;
        }
        default:
          break;
      }
    }
    if (shape.payload) {
      const ref = shape.members[shape.payload]!;
      const payloadShape = this.shape(ref.shape);
      if (payloadShape.type === "blob") input[shape.payload] = body;
      else if (payloadShape.type === "string") input[shape.payload] = body.toString("utf8");
      else if (body.length > 0) {
        const document = this.parseXml(body);
        input[shape.payload] = this.fromXml(ref, Object.values(document)[0]);
      }
    } else if (body.length > 0 && Object.values(shape.members).some((m) => !m.location)) {
      const root = Object.values(this.parseXml(body))[0] as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members)) {
        if (ref.location) continue;
        const value = root?.[ref.locationName ?? name];
        if (value !== undefined) input[name] = this.fromXml(ref, value);
      }
    }
    return input;
  }

  /** One value as XML under `element`; undefined values write nothing. */
  private toXml(ref: XmlRef, value: unknown, element: string, namespace?: string): string {
    if (value === undefined || value === null) return "";
    const shape = this.shape(ref.shape);
    const xmlns = namespace ? ` xmlns="${xmlText(namespace)}"` : "";
    switch (shape.type) {
      case "structure": {
        const record = value as Record<string, unknown>;
        let attributes = "";
        let inner = "";
        for (const [name, member] of Object.entries(shape.members)) {
          const memberRef = member as XmlRef;
          const memberShape = this.shape(member.shape);
          if (memberRef.xmlAttribute) {
            if (record[name] !== undefined)
              attributes += ` ${memberRef.locationName ?? name}="${xmlText(String(record[name]))}"`;
            continue;
          }
          if (memberShape.type === "list" && memberShape.flattened) {
            const itemName = member.locationName ?? memberShape.member.locationName ?? name;
            for (const item of (record[name] as unknown[] | undefined) ?? [])
              inner += this.toXml(memberShape.member, item, itemName);
            continue;
          }
          inner += this.toXml(memberRef, record[name], member.locationName ?? name);
        }
        const ns = shape.xmlNamespace ? ` xmlns:xsi="${xmlText(shape.xmlNamespace.uri)}"` : "";
        return `<${element}${xmlns}${ns}${attributes}>${inner}</${element}>`;
      }
      case "list": {
        const itemName = shape.member.locationName ?? "member";
        const items = (value as unknown[]).map((item) => this.toXml(shape.member, item, itemName)).join("");
        return `<${element}${xmlns}>${items}</${element}>`;
      }
      case "map": {
        const keyName = shape.key.locationName ?? "key";
        const valueName = shape.value.locationName ?? "value";
        const entries = Object.entries(value as Record<string, unknown>)
          .map(
            ([k, v]) =>
              `<entry>${this.toXml(shape.key, k, keyName)}${this.toXml(shape.value, v, valueName)}</entry>`,
          )
          .join("");
        return `<${element}${xmlns}>${entries}</${element}>`;
      }
      case "timestamp": {
        const date = value instanceof Date ? value : new Date(value as string);
        const format = ref.timestampFormat ?? shape.timestampFormat ?? "iso8601";
        const text =
          format === "iso8601"
            ? isoMillis(date)
            : format === "rfc822"
              ? date.toUTCString()
              : String(date.getTime() / 1000);
        return `<${element}${xmlns}>${text}</${element}>`;
      }
      case "blob":
        return `<${element}${xmlns}>${Buffer.from(value as Uint8Array).toString("base64")}</${element}>`;
      default:
        return `<${element}${xmlns}>${xmlText(String(value))}</${element}>`;
    }
  }

  private headerText(ref: ShapeRef, value: unknown): string {
    const shape = this.shape(ref.shape);
    if (shape.type === "timestamp") {
      const date = value instanceof Date ? value : new Date(value as string);
      const format = ref.timestampFormat ?? shape.timestampFormat ?? "rfc822";
      return format === "iso8601"
        ? isoMillis(date)
        : format === "rfc822"
          ? date.toUTCString()
          : String(date.getTime() / 1000);
    }
    if (shape.type === "list") return (value as unknown[]).map(String).join(",");
    return String(value);
  }

  serializeOutput(
    operation: Operation,
    output: Record<string, unknown>,
    requestId: string = randomUUID(),
  ): WireResponse {
    const headers: Record<string, string> = { "x-amz-request-id": requestId };
    let status = Number(output[RESPONSE_STATUS] ?? operation.http.responseCode ?? 200);
    if (!operation.output) return { status, headers, body: Buffer.alloc(0) };
    const shapeName = operation.output.shape;
    const shape = this.shape(shapeName) as StructureShape;
    let inner = "";
    for (const [name, ref] of Object.entries(shape.members)) {
      const value = output[name];
      if (value === undefined || value === null || name === shape.payload) continue;
      const key = ref.locationName ?? name;
      if (ref.location === "header") headers[key.toLowerCase()] = this.headerText(ref, value);
      else if (ref.location === "headers") {
        for (const [k, v] of Object.entries(value as Record<string, string>))
          headers[`${key}${k}`.toLowerCase()] = v;
      } else if (ref.location === "statusCode") status = Number(value);
      else if (!ref.location) {
        const memberShape = this.shape(ref.shape);
        if (memberShape.type === "list" && memberShape.flattened) {
          const itemName = ref.locationName ?? memberShape.member.locationName ?? name;
          for (const item of value as unknown[]) inner += this.toXml(memberShape.member, item, itemName);
        } else inner += this.toXml(ref, value, key);
      }
    }
    const namespace = this.model.metadata.xmlNamespace ?? "http://s3.amazonaws.com/doc/2006-03-01/";
    const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n';
    if (shape.payload) {
      const ref = shape.members[shape.payload]! as XmlRef;
      const payloadShape = this.shape(ref.shape);
      const payload = output[shape.payload];
      if (payloadShape.type === "blob" || payloadShape.type === "string") {
        const body =
          payload === undefined || payload === null
            ? Buffer.alloc(0)
            : typeof payload === "string"
              ? Buffer.from(payload)
              : payload instanceof Uint8Array && !Buffer.isBuffer(payload)
                ? Buffer.from(payload)
                : payload;
        return { status, headers, body: body as WireResponse["body"] };
      }
      headers["content-type"] = "application/xml";
      const element = ref.locationName ?? ref.shape;
      return {
        status,
        headers,
        body: Buffer.from(
          `${declaration}${this.toXml(ref, payload ?? {}, element, ref.xmlNamespace?.uri ?? namespace)}`,
        ),
      };
    }
    const scalar = this.patch.scalarRoots?.[shapeName];
    if (scalar) {
      headers["content-type"] = "application/xml";
      const text = output[scalar];
      const root = this.patch.outputRoots?.[shapeName] ?? scalar;
      const body =
        text === undefined || text === null || text === ""
          ? `<${root} xmlns="${xmlText(namespace)}"/>`
          : `<${root} xmlns="${xmlText(namespace)}">${xmlText(String(text))}</${root}>`;
      return { status, headers, body: Buffer.from(`${declaration}${body}`) };
    }
    if (!inner && !this.patch.outputRoots?.[shapeName]) return { status, headers, body: Buffer.alloc(0) };
    headers["content-type"] = "application/xml";
    const root = this.patch.outputRoots?.[shapeName] ?? shapeName;
    return {
      status,
      headers,
      body: Buffer.from(`${declaration}<${root} xmlns="${xmlText(namespace)}">${inner}</${root}>`),
    };
  }

  /** S3's error document: Code, Message, the error's own facts (BucketName, Key), RequestId and HostId. */
  serializeError(error: AwsError, requestId: string = randomUUID()): WireResponse {
    const renamed = this.patch.errorCodes?.[error.code];
    const code = renamed?.[0] ?? error.code;
    const shape = this.model.shapes[code];
    const status =
      renamed?.[1] ??
      error.status ??
      (shape?.type === "structure" ? shape.error?.httpStatusCode : undefined) ??
      400;
    let facts = "";
    for (const [name, value] of Object.entries(error.extra)) {
      if (value === undefined || value === null || typeof value === "object") continue;
      if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) continue;
      facts += `<${name}>${xmlText(String(value))}</${name}>`;
    }
    const hostId = Buffer.from(requestId).toString("base64");
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${xmlText(code)}</Code><Message>${xmlText(error.message)}</Message>${facts}` +
      `<RequestId>${xmlText(requestId)}</RequestId><HostId>${xmlText(hostId)}</HostId></Error>`;
    // Headers an error carries besides its body (a 304 has the object's ETag and Last-Modified, as HTTP asks).
    const own = error.extra.headers;
    const extraHeaders =
      own && typeof own === "object"
        ? Object.fromEntries(Object.entries(own).filter(([, v]) => typeof v === "string"))
        : {};
    return {
      status,
      headers: {
        ...extraHeaders,
        "content-type": "application/xml",
        "x-amz-request-id": requestId,
        "x-amz-id-2": hostId,
      },
      body: Buffer.from(body),
    };
  }
}
