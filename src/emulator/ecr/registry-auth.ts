import { parseRegistryHost, registryHost } from "../../image/ecr-uri.js";
import type { StreamingRequest } from "../path-route.js";
import type { WireResponse } from "../protocol/codec.js";
import type { Scope } from "../store/store.js";
import type { Ecr, TokenClaims } from "./model.js";

/** Every registry answer carries it, as ECR's do: clients check it to know they talk to a v2 registry. */
export const API_VERSION_HEADER = { "docker-distribution-api-version": "registry/2.0" } as const;

/** `{"errors":[{code, message, detail}]}`, the distribution spec's error body. */
export function registryError(
  status: number,
  errors: { code: string; message: string; detail?: unknown }[],
  headers: Record<string, string> = {},
): WireResponse {
  return {
    status,
    headers: { ...API_VERSION_HEADER, "content-type": "application/json; charset=utf-8", ...headers },
    body: Buffer.from(`${JSON.stringify({ errors: errors.map((e) => ({ detail: {}, ...e })) })}\n`),
  };
}

/** The query parameter of a GetDownloadUrlForLayer URL that stands for its signature: the URL works without a login, for one blob. */
export const DOWNLOAD_TOKEN_PARAMETER = "acd-download-token";

/** Who is pulling or pushing, and which registry (account, region) the request is for. */
export interface RegistryCaller {
  scope: Scope;
  claims: TokenClaims;
}

/**
 * ECR's registry login: HTTP basic auth with user `AWS` and the password
 * from GetAuthorizationToken. The registry is the one the host names
 * (`<account>.dkr.ecr.<region>.amazonaws.com`, through the public endpoints
 * stand-in; a GetDownloadUrlForLayer URL carries its own token for one
 * blob); on a plain address (`127.0.0.1:<port>`) it is the registry of
 * the account and region the password was issued for. Without credentials:
 * 401 with ECR's Basic challenge; a password this emulator never issued:
 * 401; an expired one: 403; one issued for another region than the host's: 400.
 */
export function authenticate(ecr: Ecr, request: StreamingRequest, now: Date): RegistryCaller | WireResponse {
  const host = request.headers.host ?? "";
  const named = parseRegistryHost(host);
  const realm = named ? `https://${registryHost(named.account, named.region)}/` : `http://${host}/`;
  const challenge: WireResponse = {
    status: 401,
    headers: {
      ...API_VERSION_HEADER,
      "content-type": "text/plain; charset=utf-8",
      "www-authenticate": `Basic realm="${realm}",service="ecr.amazonaws.com"`,
    },
    body: Buffer.from("Not Authorized\n"),
  };
  const download = request.query.get(DOWNLOAD_TOKEN_PARAMETER);
  let password: string;
  if (download) {
    password = download;
  } else {
    const match = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? "");
    if (!match) return challenge;
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0 || decoded.slice(0, colon) !== "AWS") return challenge;
    password = decoded.slice(colon + 1);
  }
  const check = ecr.checkToken(password, now);
  if (!download && "claims" in check && check.claims.only) return challenge;
  if ("problem" in check) {
    return check.problem === "expired"
      ? registryError(403, [
          { code: "DENIED", message: "Your authorization token has expired. Reauthenticate and try again." },
        ])
      : challenge;
  }
  const { claims } = check;
  if (named && named.region !== claims.region) {
    return registryError(400, [
      {
        code: "DENIED",
        message: `Your authorization token was issued for region ${claims.region}, not ${named.region}. Get one for ${named.region}: aws ecr get-login-password --region ${named.region}.`,
      },
    ]);
  }
  return { scope: { account: named?.account ?? claims.account, region: claims.region }, claims };
}
