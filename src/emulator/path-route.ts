import type { Readable } from "node:stream";
import type { WireResponse } from "./protocol/codec.js";

/** A request handed to a path route as it arrives: the body still a stream (registry blobs are large). */
export interface StreamingRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Readable;
  remoteAddress: string;
  requestId: string;
}

/**
 * A part of a service that is not an AWS API operation but plain HTTP under
 * a path prefix on the service's own endpoint: ECR's registry (`/v2/`,
 * the OCI distribution API that docker and skopeo speak). Chosen by prefix,
 * for requests that carry no SigV4 signature of another service.
 */
export interface PathRoute {
  /** e.g. `/v2/`; the bare prefix without its trailing slash (`/v2`) matches too. */
  prefix: string;
  handle(request: StreamingRequest): Promise<WireResponse>;
}

/** The route for a path, among the routes of the services that may take the request (by its signing name). */
export function findPathRoute(
  services: readonly { signingName: string; pathRoutes?: readonly PathRoute[] }[],
  path: string,
  signingName: string | undefined,
): PathRoute | undefined {
  for (const service of services) {
    if (signingName && service.signingName !== signingName) continue;
    const route = service.pathRoutes?.find((r) => path.startsWith(r.prefix) || `${path}/` === r.prefix);
    if (route) return route;
  }
  return undefined;
}
