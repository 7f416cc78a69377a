import { randomUUID } from "node:crypto";
import { xmlText } from "../../util/markup.js";
import type { WireResponse } from "./codec.js";
import { AwsError, asServiceAnswers } from "./errors.js";
import { formatTimestamp } from "./json-values.js";
import { type ListShape, type MapShape, QueryCodecBase, type ScalarKind } from "./query-common.js";
import { indexedEntries, type ParamNode } from "./query-form.js";
import type { Operation, ServiceModel, Shape, ShapeRef } from "./service-model.js";
import { describeValue, type Violation } from "./validate.js";

/** botocore traits the EC2 serializer reads besides locationName. */
type Ec2Ref = ShapeRef & { queryName?: string };

/** The name the EC2 serializer gives a structure member: queryName, else locationName capitalised, else its own. */
function queryKey(name: string, ref: Ec2Ref): string {
  if (ref.queryName) return ref.queryName;
  if (ref.locationName) return ref.locationName[0]!.toUpperCase() + ref.locationName.slice(1);
  return name;
}

/** How EC2 words what a scalar must be. */
const SCALAR_KIND: Record<ScalarKind, string> = {
  integer: "Expected an integer.",
  number: "Expected a number.",
  boolean: "Expected true or false.",
  timestamp: "Expected an ISO 8601 timestamp.",
  "xml-text": "It holds a character that XML cannot carry.",
};

function invalidValue(value: string, parameter: string, why: string): AwsError {
  return new AwsError(
    "InvalidParameterValue",
    `Value (${value}) for parameter ${parameter} is invalid. ${why}`,
  );
}

/**
 * The EC2 Query protocol (API 2016-11-15), both ways, driven by the model:
 * `POST /` form bodies `Action=…&Version=…` whose members are flattened as
 * EC2's serializer flattens them (lists always `Name.N`), answered with
 * `<{Op}Response>` XML whose members carry their lowerCamel locationName and
 * whose lists wrap `<item>`s; errors are `Response/Errors/Error` with `RequestID`.
 */
export class Ec2QueryCodec extends QueryCodecBase {
  protected readonly contentType = "text/xml;charset=UTF-8";
  private readonly namespace: string;

  constructor(model: ServiceModel) {
    super(model);
    const ns = model.metadata.xmlNamespace ?? `http://ec2.amazonaws.com/doc/${model.metadata.apiVersion}`;
    // EC2 answers with the namespace's trailing slash; botocore's metadata leaves it off.
    this.namespace = ns.endsWith("/") ? ns : `${ns}/`;
  }

  protected memberKey(name: string, ref: Ec2Ref): string {
    return queryKey(name, ref);
  }

  /** EC2 flattens every list: Name.1, Name.2, ... in index order, whatever gaps the caller left. */
  protected listItems(_ref: ShapeRef, _shape: ListShape, node: ParamNode): [string, ParamNode][] {
    return indexedEntries(node);
  }

  protected bindMap(_ref: ShapeRef, _shape: MapShape, _node: ParamNode, path: string): never {
    throw new AwsError("InvalidParameterValue", `The emulator does not bind map parameters (${path}).`);
  }

  protected invalidScalar(text: string, path: string, kind: ScalarKind): AwsError {
    return invalidValue(text, path, SCALAR_KIND[kind]);
  }

  /** The model's constraints, answered as EC2 answers them: MissingParameter, else InvalidParameterValue. */
  protected invalidInput(shapeName: string, violations: Violation[]): AwsError {
    const first = violations[0]!;
    const parameter = this.wirePath(shapeName, first.path);
    if (first.constraint === "Member must not be null") {
      const named = this.model.patches?.missingParameterNames?.[`${shapeName}.${first.path}`];
      return new AwsError("MissingParameter", `The request must contain the parameter ${named ?? parameter}`);
    }
    const range = /value (greater|less) than or equal to (-?\d+)/.exec(first.constraint);
    if (range) {
      const shape = this.shapeAt(shapeName, first.path);
      const min = shape && "min" in shape ? shape.min : undefined;
      const max = shape && "max" in shape ? shape.max : undefined;
      const lowerName = parameter[0]!.toLowerCase() + parameter.slice(1);
      return new AwsError(
        "InvalidParameterValue",
        `Value ( ${describeValue(first.value)} ) for parameter ${lowerName} is invalid. ` +
          (min !== undefined && max !== undefined
            ? `Parameter must be between ${min} and ${max}.`
            : first.constraint.replace("Member must", "Parameter must")),
      );
    }
    const enumMatch = /enum value set: \[(.*)\]/.exec(first.constraint);
    return invalidValue(
      describeValue(first.value),
      parameter,
      enumMatch
        ? `Valid values are: ${enumMatch[1]}.`
        : `${first.constraint.replace("Member must", "It must")}.`,
    );
  }

  /** The shape a validation path (`Filters.1.member.Name`) points at. */
  private shapeAt(shapeName: string, path: string): Shape | undefined {
    let shape: Shape | undefined = this.shape(shapeName);
    for (const part of path.split(".")) {
      // `member` only marks the list item the index before it already stepped into.
      if (!shape || part === "member") continue;
      if (shape.type === "structure") shape = shape.members[part] && this.shape(shape.members[part].shape);
      else if (shape.type === "list") shape = this.shape(shape.member.shape);
    }
    return shape;
  }

  /** A validation path in member names → the parameter name on the wire (`Filters.1.member.Name` → `Filter.1.Name`). */
  private wirePath(shapeName: string, path: string): string {
    const out: string[] = [];
    let shape: Shape | undefined = this.shape(shapeName);
    for (const part of path.split(".")) {
      if (part === "member") continue;
      if (shape?.type === "structure" && shape.members[part]) {
        out.push(queryKey(part, shape.members[part]));
        shape = this.shape(shape.members[part].shape);
      } else {
        out.push(part);
        if (shape?.type === "list") shape = this.shape(shape.member.shape);
      }
    }
    return out.join(".");
  }

  /** A value as XML elements, walking the shape: members by locationName, lists as `<item>`s. */
  private xml(ref: ShapeRef, value: unknown, element: string): string {
    if (value === undefined || value === null) return "";
    const shape = this.shape(ref.shape);
    switch (shape.type) {
      case "structure": {
        const record = value as Record<string, unknown>;
        let inner = "";
        for (const [name, member] of Object.entries(shape.members)) {
          inner += this.xml(member, record[name], member.locationName ?? name);
        }
        return `<${element}>${inner}</${element}>`;
      }
      case "list": {
        const items = value as unknown[];
        const itemName = shape.member.locationName ?? "member";
        if (items.length === 0) return `<${element}/>`;
        return `<${element}>${items.map((item) => this.xml(shape.member, item, itemName)).join("")}</${element}>`;
      }
      case "timestamp": {
        const date = value instanceof Date ? value : new Date(value as string);
        return `<${element}>${formatTimestamp(date, ref.timestampFormat ?? shape.timestampFormat ?? "iso8601")}</${element}>`;
      }
      case "blob":
        return `<${element}>${Buffer.from(value as Uint8Array).toString("base64")}</${element}>`;
      default:
        return `<${element}>${xmlText(String(value))}</${element}>`;
    }
  }

  protected outputXml(operation: Operation, output: Record<string, unknown>, requestId: string): string {
    let members = "";
    if (operation.output) {
      const shape = this.shape(operation.output.shape);
      if (shape.type === "structure") {
        for (const [name, member] of Object.entries(shape.members)) {
          members += this.xml(member, output[name], member.locationName ?? name);
        }
      }
    } else {
      // Operations without an output shape still answer <return>true</return>.
      members = "<return>true</return>";
    }
    const root = `${operation.name}Response`;
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${this.namespace}">` +
      `<requestId>${xmlText(requestId)}</requestId>${members}</${root}>`
    );
  }

  serializeError(error: AwsError, requestId: string = randomUUID()): WireResponse {
    const answered = asServiceAnswers(this.model, error);
    const { code, message } = answered;
    const statuses = this.model.patches?.errorStatus ?? {};
    const status = answered.status ?? (Object.hasOwn(statuses, code) ? statuses[code] : undefined) ?? 400;
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xmlText(code)}</Code>` +
      `<Message>${xmlText(message)}</Message></Error></Errors>` +
      `<RequestID>${xmlText(requestId)}</RequestID></Response>`;
    return this.xmlResponse(status, body);
  }
}
