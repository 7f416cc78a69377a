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
  /** URI labels as sent (still percent-encoded: decoding is parsing, and its errors the caller's), for protocols that bind them. */
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
  /** The error this protocol answers for a request of this service that names no operation it has. */
  unknownOperation(request: WireRequest): AwsError;
  parseInput(matched: MatchedOperation, request: WireRequest): Record<string, unknown>;
  /** `requestId`: the id the response's header carries, for protocols that repeat it in the body. */
  serializeOutput(operation: Operation, output: Record<string, unknown>, requestId?: string): WireResponse;
  serializeError(error: AwsError, requestId?: string): WireResponse;
}
