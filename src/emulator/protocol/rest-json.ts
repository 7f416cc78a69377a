import { Readable } from "node:stream";
import type { MatchedOperation, ProtocolCodec, WireRequest, WireResponse } from "./codec.js";
import { AwsError } from "./errors.js";
import { formatTimestamp, JsonValues, parseJsonBody, parseTimestamp, serialization } from "./json-values.js";
import type { Operation, ServiceModel, Shape, ShapeRef, StructureShape } from "./service-model.js";

interface Route {
  operation: Operation;
  method: string;
  pattern: RegExp;
  labels: string[];
  /** Literal characters in the template: the more, the more specific the route. */
  specificity: number;
}

function compileRoute(operation: Operation): Route {
  const [template = "/"] = operation.http.requestUri.split("?");
  const labels: string[] = [];
  let specificity = 0;
  const source = template.replace(/\{([^}]+)\}|[^{]+/g, (part, label: string | undefined) => {
    if (label === undefined) {
      specificity += part.length;
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    const greedy = label.endsWith("+");
    labels.push(greedy ? label.slice(0, -1) : label);
    return greedy ? "(.+)" : "([^/]+)";
  });
  // Clients differ on the trailing slash of templates like /runtimes/{id}/: accept both.
  const body = source.endsWith("/") && source.length > 1 ? `${source.slice(0, -1)}/?` : source;
  return { operation, method: operation.http.method, pattern: new RegExp(`^${body}$`), labels, specificity };
}

/** A URI label as sent, percent-decoded; malformed encoding is the caller's error, in the protocol's shape. */
function decodeLabel(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw serialization(`The request path holds malformed percent-encoding: ${JSON.stringify(text)}.`);
  }
}

/**
 * AWS restJson1, both ways, driven by the service model: routes by method and
 * URI template, binds labels, query strings, headers and the JSON body into
 * the operation's input, and renders outputs and errors as the SDKs expect.
 */
export class RestJsonCodec implements ProtocolCodec {
  private readonly routes: Route[];

  private readonly json: JsonValues;

  constructor(readonly model: ServiceModel) {
    this.json = new JsonValues(model, "unixTimestamp");
    this.routes = Object.entries(model.operations)
      .map(([name, operation]) => compileRoute({ ...operation, name }))
      .sort((a, b) => b.specificity - a.specificity);
  }

  /** The operation a request is for, by method and URI template, with its labels. */
  match(request: WireRequest): MatchedOperation | undefined {
    for (const route of this.routes) {
      if (route.method !== request.method) continue;
      const m = route.pattern.exec(request.path);
      if (!m) continue;
      const labels: Record<string, string> = {};
      route.labels.forEach((label, i) => {
        labels[label] = m[i + 1]!;
      });
      return { operation: route.operation, labels };
    }
    return undefined;
  }

  /** restJson1 answers a path or method no operation has with 404 UnknownOperationException. */
  unknownOperation(request: WireRequest): AwsError {
    return new AwsError(
      "UnknownOperationException",
      `No operation of ${this.model.metadata.serviceId} is ${request.method} ${request.path}.`,
      {},
      404,
    );
  }

  /** Whether any route of this model could serve the path, whatever the method. */
  claims(request: WireRequest): boolean {
    return this.routes.some((route) => route.pattern.test(request.path));
  }

  private shape(name: string): Shape {
    return this.model.shapes[name]!;
  }

  /** A label, query or header value as its shape's type; text that is not one is refused before any handler. */
  private fromText(ref: ShapeRef, text: string): unknown {
    const shape = this.shape(ref.shape);
    switch (shape.type) {
      case "integer":
      case "long": {
        if (!/^-?\d+$/.test(text))
          throw serialization(`STRING_VALUE '${text}' can not be converted to an Integer`);
        return Number(text);
      }
      case "float":
      case "double": {
        const n = Number(text);
        if (text.trim() === "" || !Number.isFinite(n))
          throw serialization(`STRING_VALUE '${text}' can not be converted to a Double`);
        return n;
      }
      case "boolean":
        if (text !== "true" && text !== "false")
          throw serialization(`STRING_VALUE '${text}' can not be converted to a Boolean`);
        return text === "true";
      case "timestamp": {
        const date = parseTimestamp(text);
        if (!(date instanceof Date))
          throw serialization(`STRING_VALUE '${text}' can not be converted to a Timestamp`);
        return date;
      }
      default:
        return text;
    }
  }

  /** Binds a request into the operation's input structure. */
  parseInput({ operation, labels }: MatchedOperation, request: WireRequest): Record<string, unknown> {
    if (!operation.input) return {};
    const shape = this.shape(operation.input.shape) as StructureShape;
    const input: Record<string, unknown> = {};
    let bodyMembers: Record<string, unknown> = {};
    const payloadRef = shape.payload ? shape.members[shape.payload] : undefined;
    if (payloadRef) {
      const payloadShape = this.shape(payloadRef.shape);
      if (payloadShape.type === "blob" || payloadShape.type === "string") {
        input[shape.payload!] = payloadShape.type === "blob" ? request.body : request.body.toString("utf8");
      } else if (request.body.length > 0) {
        input[shape.payload!] = this.json.fromJson(payloadRef, parseJsonBody(request.body));
      }
    } else if (request.body.length > 0) {
      const parsed = parseJsonBody(request.body);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new AwsError(
          "SerializationException",
          "Start of structure or map found where not expected.",
          {},
          400,
        );
      }
      bodyMembers = parsed as Record<string, unknown>;
    }
    for (const [name, ref] of Object.entries(shape.members)) {
      if (name === shape.payload) continue;
      const key = ref.locationName ?? name;
      switch (ref.location) {
        case "uri":
          if (labels[key] !== undefined) input[name] = this.fromText(ref, decodeLabel(labels[key]));
          break;
        case "querystring": {
          const memberShape = this.shape(ref.shape);
          if (memberShape.type === "list") {
            const values = request.query.getAll(key);
            if (values.length > 0) input[name] = values.map((v) => this.fromText(memberShape.member, v));
          } else if (request.query.has(key)) {
            input[name] = this.fromText(ref, request.query.get(key)!);
          }
          break;
        }
        case "header": {
          const value = request.headers[key.toLowerCase()];
          if (value !== undefined) input[name] = this.fromText(ref, value);
          break;
        }
        case "headers": {
          const prefix = key.toLowerCase();
          const entries = Object.entries(request.headers).filter(([h]) => h.startsWith(prefix));
          if (entries.length > 0)
            input[name] = Object.fromEntries(entries.map(([h, v]) => [h.slice(prefix.length), v]));
          break;
        }
        default: {
          const raw = Object.hasOwn(bodyMembers, key) ? bodyMembers[key] : undefined;
          if (raw !== undefined) input[name] = this.json.fromJson(ref, raw);
        }
      }
    }
    return input;
  }

  serializeOutput(operation: Operation, output: Record<string, unknown>): WireResponse {
    const headers: Record<string, string> = {};
    let status = operation.http.responseCode ?? 200;
    if (!operation.output)
      return { status, headers: { "content-type": "application/json" }, body: Buffer.from("{}") };
    const shape = this.shape(operation.output.shape) as StructureShape;
    const body: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members)) {
      const value = output[name];
      if (value === undefined || value === null || name === shape.payload) continue;
      const key = ref.locationName ?? name;
      if (ref.location === "header") {
        const memberShape = this.shape(ref.shape);
        headers[key.toLowerCase()] =
          memberShape.type === "timestamp"
            ? String(formatTimestamp(value as Date, ref.timestampFormat ?? "rfc822"))
            : String(value);
      } else if (ref.location === "headers") {
        for (const [k, v] of Object.entries(value as Record<string, string>))
          headers[`${key}${k}`.toLowerCase()] = v;
      } else if (ref.location === "statusCode") {
        status = Number(value);
      } else if (!ref.location) {
        body[key] = this.json.toJson(ref, value);
      }
    }
    if (shape.payload) {
      const payload = output[shape.payload];
      const payloadShape = this.shape(shape.members[shape.payload]!.shape);
      if (payloadShape.type === "blob" || payloadShape.type === "string") {
        headers["content-type"] ??= "application/octet-stream";
        const bytes =
          typeof payload === "string"
            ? Buffer.from(payload)
            : payload instanceof Uint8Array
              ? Buffer.from(payload)
              : payload;
        return { status, headers, body: (bytes as Buffer | Readable | undefined) ?? Buffer.alloc(0) };
      }
      // An event stream (InvokeAgentRuntimeCommand's): the adapter hands over the framed stream itself.
      if ((payloadShape as { eventstream?: boolean }).eventstream && payload instanceof Readable) {
        headers["content-type"] = "application/vnd.amazon.eventstream";
        return { status, headers, body: payload };
      }
      headers["content-type"] = "application/json";
      return {
        status,
        headers,
        body: Buffer.from(JSON.stringify(this.json.toJson(shape.members[shape.payload]!, payload) ?? {})),
      };
    }
    headers["content-type"] = "application/json";
    return { status, headers, body: Buffer.from(JSON.stringify(body)) };
  }

  /** restJson1 errors: the code in X-Amzn-ErrorType, the shape's members in the body, its status from the model. */
  serializeError(error: AwsError): WireResponse {
    const shape = this.model.shapes[error.code];
    const status =
      error.status ?? (shape?.type === "structure" ? shape.error?.httpStatusCode : undefined) ?? 400;
    const body: Record<string, unknown> = { message: error.message };
    if (shape?.type === "structure") {
      for (const [name, ref] of Object.entries(shape.members)) {
        if (name === "message" || error.extra[name] === undefined) continue;
        body[ref.locationName ?? name] = this.json.toJson(ref, error.extra[name]);
      }
    }
    return {
      status,
      headers: { "content-type": "application/json", "x-amzn-errortype": error.code },
      body: Buffer.from(JSON.stringify(body)),
    };
  }
}
