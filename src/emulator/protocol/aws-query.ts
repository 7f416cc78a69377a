import { randomUUID } from "node:crypto";
import { xmlText } from "../../util/markup.js";
import type { WireResponse } from "./codec.js";
import { AwsError, asServiceAnswers } from "./errors.js";
import { type ListShape, type MapShape, QueryCodecBase, type ScalarKind } from "./query-common.js";
import { indexedChildren, type ParamNode } from "./query-form.js";
import type { Operation, ServiceModel, Shape, ShapeRef, StructureShape } from "./service-model.js";
import { quote, type Violation } from "./validate.js";

/** botocore's `flattened` trait: on a list or map shape, or on the member that refers to it. */
type QueryRef = ShapeRef & { flattened?: boolean };
type QueryShape = Shape & { flattened?: boolean };
/** awsQuery outputs name the element that wraps the result (`CreateRoleResult`). */
type QueryOperation = Operation & { output?: { shape: string; resultWrapper?: string } };

/** `RoleName` → `roleName`: how AWS's Query services name a member in validation messages. */
function lowerFirst(name: string): string {
  return name.length > 0 ? name[0]!.toLowerCase() + name.slice(1) : name;
}

/** How awsQuery words what a scalar must be. */
const SCALAR_KIND: Record<ScalarKind, string> = {
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
  timestamp: "an ISO 8601 timestamp",
  "xml-text": "text of characters XML can carry",
};

/** Whether a list or map is flattened, by its shape or by the member that refers to it. */
function flattenedIn(ref: QueryRef, shape: QueryShape): boolean {
  return ref.flattened === true || shape.flattened === true;
}

/** ISO 8601 in seconds, as IAM and STS write their dates (`2026-01-02T03:04:05Z`). */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The AWS Query protocol (IAM, STS), both ways, driven by the model:
 * `POST /` form bodies `Action=…&Version=…` whose lists are `Name.member.N`
 * and maps `Name.entry.N.key/value` (or `Name.N…` where the model says
 * `flattened`), answered with `<{Op}Response><{Op}Result>…` XML and
 * `ResponseMetadata/RequestId`; errors are `ErrorResponse/Error{Type,Code,Message}`
 * with the code and status of the model's error shape.
 */
export class AwsQueryCodec extends QueryCodecBase {
  protected readonly contentType = "text/xml";
  private readonly namespace: string;
  /** Wire error code (`NoSuchEntity`) → its error shape; shape names are looked up directly. */
  private readonly errorShapes = new Map<string, StructureShape>();

  constructor(model: ServiceModel) {
    super(model);
    this.namespace =
      model.metadata.xmlNamespace ??
      `https://${model.metadata.endpointPrefix}.amazonaws.com/doc/${model.metadata.apiVersion}/`;
    for (const [name, shape] of Object.entries(model.shapes)) {
      if (shape.type === "structure" && shape.error) this.errorShapes.set(shape.error.code ?? name, shape);
    }
  }

  protected override shape(name: string): QueryShape {
    return super.shape(name);
  }

  /** awsQuery names a member by its locationName, else its own name. */
  protected memberKey(name: string, ref: ShapeRef): string {
    return ref.locationName ?? name;
  }

  /** `Name.member.N` (the member's locationName in place of `member`), or `Name.N` where flattened. */
  protected listItems(ref: QueryRef, shape: ListShape, node: ParamNode): [string, ParamNode][] | undefined {
    // The SDKs send an empty list as the bare name with an empty value (`Tags=`).
    if (node.children.size === 0) return node.value === "" ? [] : undefined;
    const items = flattenedIn(ref, shape) ? node : node.children.get(shape.member.locationName ?? "member");
    return items ? indexedChildren(items).map((item, i) => [String(i + 1), item]) : [];
  }

  /** `Name.entry.N.key/value` (or the key and value locationNames), or `Name.N…` where flattened. */
  protected bindMap(ref: QueryRef, shape: MapShape, node: ParamNode, path: string): unknown {
    if (node.children.size === 0) return node.value === "" ? {} : undefined;
    const entries = flattenedIn(ref, shape) ? node : node.children.get("entry");
    const keyName = shape.key.locationName ?? "key";
    const valueName = shape.value.locationName ?? "value";
    const out: Record<string, unknown> = {};
    for (const entry of entries ? indexedChildren(entries) : []) {
      const key = entry.children.get(keyName)?.value;
      const value = entry.children.get(valueName);
      if (key !== undefined && value) out[key] = this.bind(shape.value, value, `${path}.${key}`);
    }
    return out;
  }

  protected invalidScalar(text: string, path: string, kind: ScalarKind): AwsError {
    return new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${text}' at '${lowerFirst(path)}' failed to satisfy constraint: Member must be ${SCALAR_KIND[kind]}`,
      {},
      400,
    );
  }

  /**
   * The model's constraints, answered as IAM and STS answer them: every
   * violation in one ValidationError, members named lowerCamel
   * (`Value null at 'roleName' failed to satisfy constraint: Member must not be null`).
   */
  protected invalidInput(_shapeName: string, violations: Violation[]): AwsError {
    const details = violations.map((v) => {
      const value = quote(v.value, false);
      return `Value ${value} at '${v.at}' failed to satisfy constraint: ${v.constraint}`;
    });
    const count = violations.length;
    return new AwsError(
      "ValidationError",
      `${count} validation error${count > 1 ? "s" : ""} detected: ${details.join("; ")}`,
      {},
      400,
    );
  }

  /** A value as XML elements, walking the shape: members by locationName, lists of `<member>`s, maps of `<entry>`s. */
  private xml(ref: QueryRef, value: unknown, element: string): string {
    if (value === undefined || value === null) return "";
    const shape = this.shape(ref.shape);
    const flattened = flattenedIn(ref, shape);
    switch (shape.type) {
      case "structure": {
        const record = value as Record<string, unknown>;
        return `<${element}>${this.members(shape, record)}</${element}>`;
      }
      case "list": {
        const items = value as unknown[];
        if (flattened) {
          const name = shape.member.locationName ?? element;
          return items.map((item) => this.xml(shape.member, item, name)).join("");
        }
        if (items.length === 0) return `<${element}/>`;
        const itemName = shape.member.locationName ?? "member";
        return `<${element}>${items.map((item) => this.xml(shape.member, item, itemName)).join("")}</${element}>`;
      }
      case "map": {
        const keyName = shape.key.locationName ?? "key";
        const valueName = shape.value.locationName ?? "value";
        const entries = Object.entries(value as Record<string, unknown>).map(
          ([k, v]) => `${this.xml(shape.key, k, keyName)}${this.xml(shape.value, v, valueName)}`,
        );
        if (flattened) return entries.map((entry) => `<${element}>${entry}</${element}>`).join("");
        if (entries.length === 0) return `<${element}/>`;
        return `<${element}>${entries.map((entry) => `<entry>${entry}</entry>`).join("")}</${element}>`;
      }
      case "timestamp": {
        const date = value instanceof Date ? value : new Date(value as string);
        const format = ref.timestampFormat ?? shape.timestampFormat ?? "iso8601";
        const text =
          format === "iso8601"
            ? isoSeconds(date)
            : format === "rfc822"
              ? date.toUTCString()
              : String(date.getTime() / 1000);
        return `<${element}>${text}</${element}>`;
      }
      case "blob":
        return `<${element}>${Buffer.from(value as Uint8Array).toString("base64")}</${element}>`;
      default:
        return `<${element}>${xmlText(String(value))}</${element}>`;
    }
  }

  private members(shape: StructureShape, record: Record<string, unknown>): string {
    let inner = "";
    for (const [name, member] of Object.entries(shape.members)) {
      inner += this.xml(member, record[name], member.locationName ?? name);
    }
    return inner;
  }

  protected outputXml(operation: QueryOperation, output: Record<string, unknown>, requestId: string): string {
    let result = "";
    if (operation.output) {
      const shape = this.shape(operation.output.shape);
      const wrapper = operation.output.resultWrapper ?? `${operation.name}Result`;
      if (shape.type === "structure") result = `<${wrapper}>${this.members(shape, output)}</${wrapper}>`;
    }
    const root = `${operation.name}Response`;
    return (
      `<${root} xmlns="${xmlText(this.namespace)}">${result}` +
      `<ResponseMetadata><RequestId>${xmlText(requestId)}</RequestId></ResponseMetadata></${root}>`
    );
  }

  /** The code, status and fault AWS puts on the wire for an error: the model's error shape decides. */
  private wireError(error: AwsError): { code: string; status: number; sender: boolean; message: string } {
    const renamed = asServiceAnswers(this.model, error);
    if (renamed !== error) {
      const status = renamed.status ?? 400;
      return { code: renamed.code, status, sender: status < 500, message: renamed.message };
    }
    const named = this.model.shapes[error.code];
    const shape = named?.type === "structure" && named.error ? named : this.errorShapes.get(error.code);
    if (shape?.type === "structure" && shape.error) {
      return {
        code: shape.error.code ?? error.code,
        status: error.status ?? shape.error.httpStatusCode,
        sender: shape.error.senderFault === true,
        message: error.message,
      };
    }
    const status = error.status ?? 400;
    return { code: error.code, status, sender: status < 500, message: error.message };
  }

  serializeError(error: AwsError, requestId: string = randomUUID()): WireResponse {
    const wire = this.wireError(error);
    const body =
      `<ErrorResponse xmlns="${xmlText(this.namespace)}"><Error>` +
      `<Type>${wire.sender ? "Sender" : "Receiver"}</Type><Code>${xmlText(wire.code)}</Code>` +
      `<Message>${xmlText(wire.message)}</Message></Error>` +
      `<RequestId>${xmlText(requestId)}</RequestId></ErrorResponse>`;
    return this.xmlResponse(wire.status, body);
  }
}
