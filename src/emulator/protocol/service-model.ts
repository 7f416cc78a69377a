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
}

// src/emulator/protocol and dist/emulator/protocol sit at the same depth below the package root.
const MODEL_DIRS = ["../../../models/aws/", "../../../models/authored/"].map(
  (dir) => new URL(dir, import.meta.url),
);
const cache = new Map<string, ServiceModel>();

/** Loads a service model: botocore's full one when vendored (models/aws), else ours (models/authored). Once. */
export function loadServiceModel(name: string): ServiceModel {
  let model = cache.get(name);
  if (!model) {
    const file = MODEL_DIRS.map((dir) => new URL(`${name}.json`, dir)).find((url) => existsSync(url));
    if (!file) throw new Error(`no service model named ${name} in models/aws or models/authored`);
    model = JSON.parse(readFileSync(file, "utf8")) as ServiceModel;
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
