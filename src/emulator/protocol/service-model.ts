import { existsSync, readFileSync } from "node:fs";

/**
 * botocore's JSON service model: the spec the emulator serves. Names, shapes,
 * status codes and constraints come from here, never from a handler.
 */
export interface ShapeRef {
  shape: string;
  location?: "uri" | "querystring" | "header" | "headers" | "statusCode";
  locationName?: string;
  idempotencyToken?: boolean;
  jsonvalue?: boolean;
  timestampFormat?: TimestampFormat;
  eventpayload?: boolean;
}

export type TimestampFormat = "iso8601" | "unixTimestamp" | "rfc822";

interface ShapeBase {
  documentation?: string;
  sensitive?: boolean;
}

export type Shape =
  | (ShapeBase & {
      type: "structure";
      members: Record<string, ShapeRef>;
      required?: string[];
      payload?: string;
      union?: boolean;
      exception?: boolean;
      error?: { httpStatusCode: number; senderFault?: boolean; code?: string };
    })
  | (ShapeBase & { type: "list"; member: ShapeRef; min?: number; max?: number })
  | (ShapeBase & { type: "map"; key: ShapeRef; value: ShapeRef; min?: number; max?: number })
  | (ShapeBase & { type: "string"; min?: number; max?: number; pattern?: string; enum?: string[] })
  | (ShapeBase & { type: "integer" | "long" | "float" | "double"; min?: number; max?: number })
  | (ShapeBase & { type: "boolean" })
  | (ShapeBase & { type: "timestamp"; timestampFormat?: TimestampFormat })
  | (ShapeBase & { type: "blob"; min?: number; max?: number; streaming?: boolean; requiresLength?: boolean });

export type StructureShape = Extract<Shape, { type: "structure" }>;

export interface Operation {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: { shape: string };
  output?: { shape: string };
  errors?: { shape: string }[];
}

export interface ServiceModel {
  metadata: {
    apiVersion: string;
    protocol: string;
    signingName?: string;
    endpointPrefix: string;
    serviceId: string;
    targetPrefix?: string;
    jsonVersion?: string;
    xmlNamespace?: string;
  };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
  /** botocore's paginators (`<name>.paginators.json`), joined on load: how each list operation pages. */
  pagination?: Readonly<Record<string, PaginatorSpec>>;
  /** The emulator's per-service corrections and quirks (`models/patches/<name>.json`), joined on load. */
  patches?: ModelPatches;
}

/** One botocore paginator: which input member carries the token and the page size, which output members the token and the items. */
export interface PaginatorSpec {
  input_token: string | string[];
  output_token: string | string[];
  limit_key?: string;
  result_key?: string | string[];
  more_results?: string;
}

/** An AWS error as data: its code, its message (`{token}` stands for the value refused), extra members. */
export interface ErrorSpec {
  code: string;
  message: string;
  extra?: Record<string, unknown>;
}

/**
 * What a service does that its botocore model does not say, as data the wire
 * layer reads (`models/patches/<name>.json`; see the README there).
 */
export interface ModelPatches {
  /** Codes the shared layers throw, as this service answers them instead: `[code, status, message?]` (S3's file uses the same). */
  errorCodes?: Record<string, [string, number, string?]>;
  /**
   * The name a missing required member goes by in the service's MissingParameter
   * message where it is not the wire name, by `<input shape>.<member>`
   * (EC2's CreateTags says `resourceIdSet`, not `ResourceId`).
   */
  missingParameterNames?: Record<string, string>;
  /** HTTP statuses of this service's codes when its model has no error shapes to say so (EC2's). */
  errorStatus?: Record<string, number>;
  /**
   * How this service refuses input its model's constraints refuse, when not
   * with the shared ValidationException listing every violation: one error
   * for the first violation, `{path}` and `{constraint}` in `message`, the
   * constraint reworded by `constraintWording` ([pattern, replacement] pairs, in order).
   */
  validation?: { code: string; message: string; constraintWording?: [string, string][] };
  /**
   * Shape properties merged over the model's: a constraint the service
   * enforces that its model does not state (SSM's PutParameter Value, min 1),
   * or an enum's values in the order the service lists them when it refuses one.
   */
  shapes?: Record<string, Record<string, unknown>>;
  /**
   * The service's answer when the input's payload member (a REST service's
   * XML body) breaks the model: S3 answers MalformedXML ("... did not validate
   * against our published schema") where a header or query value gets InvalidArgument.
   */
  payloadViolation?: ErrorSpec & { status: number };
  /** Enum shapes the service does not check against their values; its handler answers what a value means (S3's BucketLocationConstraint). */
  openEnums?: string[];
  /** How CloudTrail names this service's requestParameters and responseElements (the Query services: `roleName`, EC2's `{ items: [...] }`). */
  cloudTrail?: {
    memberNames?: "lowerFirst";
    lists?: "items";
    /** EC2's error codes say who was at fault: `Client.InvalidSubnetID.NotFound`, `Server.InternalError`. */
    faultPrefixedErrors?: boolean;
    /** Where a global service's events are delivered whatever region the caller used (IAM: us-east-1). */
    eventRegion?: string;
  };
  /** The wire layer pages the operations botocore's paginators name (the handler answers the whole list). */
  paging?: {
    /** Page size when the caller sets no limit; unset: the whole list. */
    defaultLimit?: number;
    /** The service's answer to a token it did not hand out. */
    invalidToken: ErrorSpec;
    /** Per operation: its own default page size, or the output member a page ends on (a keyset token, stable under inserts). */
    operations?: Record<string, { defaultLimit?: number; afterMember?: string }>;
    /** Operations whose handler pages itself (tokens that are positions in time, not in a list). */
    handledByService?: string[];
  };
}

// src/emulator/protocol and dist/emulator/protocol sit at the same depth below the package root.
const MODEL_DIRS = ["../../../models/aws/", "../../../models/authored/"].map(
  (dir) => new URL(dir, import.meta.url),
);
const PATCH_DIR = new URL("../../../models/patches/", import.meta.url);

function readJson(url: URL | undefined): unknown {
  return url && existsSync(url) ? JSON.parse(readFileSync(url, "utf8")) : undefined;
}
const cache = new Map<string, ServiceModel>();

/**
 * Loads a service model: botocore's full one when vendored (models/aws), else
 * ours (models/authored); with botocore's paginators for it (models/aws) and
 * our patches (models/patches) when there are any. Once.
 */
export function loadServiceModel(name: string): ServiceModel {
  let model = cache.get(name);
  if (!model) {
    const file = MODEL_DIRS.map((dir) => new URL(`${name}.json`, dir)).find((url) => existsSync(url));
    if (!file) throw new Error(`no service model named ${name} in models/aws or models/authored`);
    model = JSON.parse(readFileSync(file, "utf8")) as ServiceModel;
    const paginators = readJson(
      MODEL_DIRS.map((dir) => new URL(`${name}.paginators.json`, dir)).find((url) => existsSync(url)),
    ) as { pagination?: Record<string, PaginatorSpec> } | undefined;
    if (paginators?.pagination) model.pagination = paginators.pagination;
    const patches = readJson(new URL(`${name}.json`, PATCH_DIR)) as ModelPatches | undefined;
    if (patches) model.patches = patches;
    for (const [shape, properties] of Object.entries(patches?.shapes ?? {})) {
      Object.assign(shapeOf(model, shape), properties);
    }
    cache.set(name, model);
  }
  return model;
}

export function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`${model.metadata.serviceId}: the model has no shape ${name}`);
  return shape;
}

export function structureOf(model: ServiceModel, name: string): StructureShape {
  const shape = shapeOf(model, name);
  if (shape.type !== "structure") throw new Error(`${model.metadata.serviceId}: ${name} is not a structure`);
  return shape;
}
