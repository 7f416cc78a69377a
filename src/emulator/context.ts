import { randomBytes, randomUUID } from "node:crypto";
import type { UserIdentity } from "./caller.js";

/** Who is calling, where, and when: what every model operation needs besides its input. */
export interface RequestContext {
  account: string;
  region: string;
  requestId: string;
  /** The caller's access key id, from the SigV4 credential scope. */
  accessKeyId: string;
  /**
   * Who the access key stands for (the emulator's IAM user, or a session STS
   * issued): what GetCallerIdentity answers and CloudTrail records. An
   * operation authenticated by its input instead (AssumeRoleWithWebIdentity,
   * unsigned) names the caller here itself.
   */
  caller: UserIdentity;
  now: Date;
  /** How the request authenticated (SigV4, a bearer token, nothing); unset: SigV4 (calls the emulator makes itself). */
  inbound?: InboundCredentials;
  /** The Host the request was sent to (`127.0.0.1:4599`, or `api.ecr.us-east-1.amazonaws.com` through the stand-in): where URLs handed back must point. */
  host?: string;
  /** The request's headers as received (names lowercased): what the data plane forwards to an agent is chosen from them. */
  headers?: Readonly<Record<string, string>>;
}

/** How a request authenticated itself: SigV4 (header or presigned query), a bearer token, or not at all. */
export type InboundCredentials = { kind: "sigv4" } | { kind: "bearer"; token: string } | { kind: "none" };

/** Time and randomness, injectable so tests can be deterministic. */
export interface Environment {
  clock: () => Date;
  /** `length` characters from [a-zA-Z0-9]. */
  randomAlphanumeric: (length: number) => string;
  /** A random UUID (request ids, CloudTrail event ids). */
  uuid: () => string;
}

const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export const systemEnvironment: Environment = {
  clock: () => new Date(),
  randomAlphanumeric: (length) => {
    const bytes = randomBytes(length);
    return Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");
  },
  uuid: () => randomUUID(),
};
