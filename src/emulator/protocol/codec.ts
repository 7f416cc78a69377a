import type { Readable } from "node:stream";
import type { AwsError } from "./errors.js";
import type { Operation, ServiceModel } from "./service-model.js";

/** An HTTP request as the protocol layer sees it: already read, nothing left to stream. */
export interface WireRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | Readable;
}

export interface MatchedOperation {
  operation: Operation;
  /** URI labels, for protocols that bind them. */
  labels: Record<string, string>;
}

/**
 * One wire protocol over one service model: which operation a request is,
 * its input, and the bytes of its output or error. Shared by every service
 * that speaks the protocol; quirks of the protocol live here and nowhere else.
 */
export interface ProtocolCodec {
  readonly model: ServiceModel;
  match(request: WireRequest): MatchedOperation | undefined;
  /** Whether the request is meant for this service even if no operation matches (to answer UnknownOperation). */
  claims(request: WireRequest): boolean;
  parseInput(matched: MatchedOperation, request: WireRequest): Record<string, unknown>;
  serializeOutput(operation: Operation, output: Record<string, unknown>): WireResponse;
  serializeError(error: AwsError): WireResponse;
}
