import { randomUUID } from "node:crypto";
import { notXmlCharacter, showNotXml } from "../../util/markup.js";
import type { MatchedOperation, ProtocolCodec, WireRequest, WireResponse } from "./codec.js";
import { AwsError } from "./errors.js";
import { parseTimestamp } from "./json-values.js";
import { formParams, type ParamNode, paramTree } from "./query-form.js";
import type { Operation, ServiceModel, Shape, ShapeRef } from "./service-model.js";
import { findViolations, type Violation } from "./validate.js";

export type ListShape = Extract<Shape, { type: "list" }>;
export type MapShape = Extract<Shape, { type: "map" }>;

/** What a scalar on the wire failed to be, for the protocol to word its error. */
export type ScalarKind = "integer" | "number" | "boolean" | "timestamp" | "xml-text";

/**
 * What both Query protocols (awsQuery for IAM and STS, EC2 Query) do the same
 * way: which requests are theirs (`Action=…&Version=…`, POST or GET), the
 * form parameters bound to the input shape through the tree of query-form.ts,
 * scalars converted, and the model's constraints checked. Each protocol says
 * how a member is named on the wire, how lists and maps are laid out, how its
 * errors are worded, and writes its own responses.
 */
export abstract class QueryCodecBase implements ProtocolCodec {
  constructor(readonly model: ServiceModel) {}

  /** The form key of a structure member (`RoleName`, EC2's `Filter`). */
  protected abstract memberKey(name: string, ref: ShapeRef): string;
  /** A list node's items, each with the label its wire path gets (`1`, `2`, ...); undefined when the list is absent. */
  protected abstract listItems(
    ref: ShapeRef,
    shape: ListShape,
    node: ParamNode,
  ): [string, ParamNode][] | undefined;
  /** A map node as a record, its values bound with `bind`. */
  protected abstract bindMap(ref: ShapeRef, shape: MapShape, node: ParamNode, path: string): unknown;
  /** The error for a scalar whose text is not the kind its shape says. */
  protected abstract invalidScalar(text: string, path: string, kind: ScalarKind): AwsError;
  /** The error for the model's constraint violations (at least one), as the protocol answers them. */
  protected abstract invalidInput(shapeName: string, violations: Violation[]): AwsError;

  /** The content type of every answer, outputs and errors alike. */
  protected abstract readonly contentType: string;
  /** The XML document that answers an operation with its output. */
  protected abstract outputXml(
    operation: Operation,
    output: Record<string, unknown>,
    requestId: string,
  ): string;
  abstract serializeError(error: AwsError, requestId?: string): WireResponse;

  serializeOutput(
    operation: Operation,
    output: Record<string, unknown>,
    requestId: string = randomUUID(),
  ): WireResponse {
    return this.xmlResponse(200, this.outputXml(operation, output, requestId));
  }

  protected xmlResponse(status: number, body: string): WireResponse {
    return { status, headers: { "content-type": this.contentType }, body: Buffer.from(body) };
  }

  claims(request: WireRequest): boolean {
    const params = formParams(request);
    return params.has("Action") && params.get("Version") === this.model.metadata.apiVersion;
  }

  /** Both Query protocols answer an Action the service lacks with 400 InvalidAction (named per protocol in serializeError). */
  unknownOperation(request: WireRequest): AwsError {
    const action = formParams(request).get("Action") ?? "";
    return new AwsError(
      "UnknownOperationException",
      `The action ${action} is not valid for this web service.`,
      {},
      400,
    );
  }

  match(request: WireRequest): MatchedOperation | undefined {
    if (request.method !== "POST" && request.method !== "GET") return undefined;
    const params = formParams(request);
    if (params.get("Version") !== this.model.metadata.apiVersion) return undefined;
    const name = params.get("Action") ?? "";
    const operation = Object.hasOwn(this.model.operations, name) ? this.model.operations[name] : undefined;
    return operation ? { operation: { ...operation, name }, labels: {} } : undefined;
  }

  protected shape(name: string): Shape {
    return this.model.shapes[name]!;
  }

  parseInput({ operation }: MatchedOperation, request: WireRequest): Record<string, unknown> {
    const params = formParams(request);
    // These protocols answer in XML: what XML cannot carry is refused as it comes in, never stored to be echoed.
    for (const [key, value] of params) {
      if (notXmlCharacter(key) !== undefined || notXmlCharacter(value) !== undefined) {
        throw this.invalidScalar(showNotXml(value), showNotXml(key), "xml-text");
      }
    }
    if (!operation.input) return {};
    const tree = paramTree(params);
    const input = (this.bind(operation.input, tree, "") ?? {}) as Record<string, unknown>;
    this.check(operation.input.shape, input);
    return input;
  }

  /** One tree node as the value the shape describes; `path` is the wire name, for error messages. */
  protected bind(ref: ShapeRef, node: ParamNode, path: string): unknown {
    const shape = this.shape(ref.shape);
    switch (shape.type) {
      case "structure": {
        const out: Record<string, unknown> = {};
        for (const [name, member] of Object.entries(shape.members)) {
          const key = this.memberKey(name, member);
          const child = node.children.get(key);
          if (!child) continue;
          const value = this.bind(member, child, path ? `${path}.${key}` : key);
          if (value !== undefined) out[name] = value;
        }
        return out;
      }
      case "list":
        return this.listItems(ref, shape, node)?.map(([label, item]) =>
          this.bind(shape.member, item, `${path}.${label}`),
        );
      case "map":
        return this.bindMap(ref, shape, node, path);
      default:
        return node.value === undefined ? undefined : this.scalar(shape, node.value, path);
    }
  }

  private scalar(shape: Shape, text: string, path: string): unknown {
    switch (shape.type) {
      case "integer":
      case "long": {
        if (!/^-?\d+$/.test(text.trim())) throw this.invalidScalar(text, path, "integer");
        return Number(text);
      }
      case "float":
      case "double": {
        const n = Number(text);
        if (text.trim() === "" || !Number.isFinite(n)) throw this.invalidScalar(text, path, "number");
        return n;
      }
      case "boolean": {
        const lower = text.toLowerCase();
        if (lower !== "true" && lower !== "false") throw this.invalidScalar(text, path, "boolean");
        return lower === "true";
      }
      case "timestamp": {
        const date = parseTimestamp(text);
        if (!(date instanceof Date)) throw this.invalidScalar(text, path, "timestamp");
        return date;
      }
      case "blob":
        return Buffer.from(text, "base64");
      default:
        return text;
    }
  }

  /** The model's constraints over the bound input; any violation is the protocol's error. */
  private check(shapeName: string, input: Record<string, unknown>): void {
    const violations = findViolations(this.model, shapeName, input);
    if (violations.length > 0) throw this.invalidInput(shapeName, violations);
  }
}
