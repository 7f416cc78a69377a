import { createHash } from "node:crypto";
import type { Tag } from "@aws-sdk/client-iam";
import { ARN_PARTITION } from "../../../util/arn.js";
import type { Environment } from "../../context.js";
import { AwsError } from "../../protocol/errors.js";
import { GLOBAL_REGION, type Scope, type Store } from "../../store/store.js";

/**
 * What every IAM model function works in: the state, time and randomness,
 * and the account (IAM is global), with the partition its ARNs are in (the
 * one the request's region belongs to: `aws-cn` for cn-north-1).
 */
export interface IamCall {
  store: Store;
  env: Environment;
  account: string;
  partition: string;
  now: Date;
}

/** Store kinds, one per resource family. Keys are lowercase names: IAM names are unique whatever their case. */
export const KIND = {
  role: "iam.role",
  policy: "iam.policy",
  deletionTask: "iam.deletion-task",
} as const;

/** A role as stored; its documents are kept as the caller sent them and URL-encoded on the way out. */
export interface StoredRole {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: Tag[];
  RoleLastUsed?: { LastUsedDate: string; Region: string };
  /** Inline policy name → document, in the order they were first put. */
  inlinePolicies: Record<string, string>;
  attachedPolicyArns: string[];
  /** The managed policy that bounds what the role's own policies can grant (CreateRole's PermissionsBoundary). */
  permissionsBoundaryArn?: string;
  /** Set on a service-linked role: the service that owns it, which alone may change it. */
  linkedService?: string;
}

export interface StoredPolicyVersion {
  VersionId: string;
  Document: string;
  CreateDate: string;
}

/** A customer managed policy (AWS managed ones live in ../managed-policies.ts, the same for every account). */
export interface StoredPolicy {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  Description?: string;
  CreateDate: string;
  UpdateDate: string;
  Tags: Tag[];
  DefaultVersionId: string;
  versions: StoredPolicyVersion[];
}

export function scopeOf(call: IamCall): Scope {
  return { account: call.account, region: GLOBAL_REGION };
}

/** IAM unique ids: a type prefix (AROA roles, ANPA managed policies) and 17 uppercase alphanumerics. */
export function newUniqueId(env: Environment, prefix: "AROA" | "ANPA"): string {
  return `${prefix}${env.randomAlphanumeric(17).toUpperCase()}`;
}

/** A unique id that stays the same across runs, for things AWS made before the account existed. */
export function stableUniqueId(prefix: "AROA" | "ANPA", seed: string): string {
  return `${prefix}${createHash("sha256").update(seed).digest("hex").slice(0, 17).toUpperCase()}`;
}

/** `arn:<partition>:iam::<account>:role<path><name>` (the path begins and ends with `/`). */
export function iamArn(call: IamCall, type: "role" | "policy", path: string, name: string): string {
  return `arn:${call.partition}:iam::${call.account}:${type}${path}${name}`;
}

/** IAM returns policy documents percent-encoded as stored (`*` left as is, as in its examples); the JavaScript SDK does not decode them, botocore does. */
export function encodeDocument(document: string): string {
  return encodeURIComponent(document);
}

export function noSuchEntity(message: string): AwsError {
  return new AwsError("NoSuchEntityException", message);
}

export function invalidInput(message: string): AwsError {
  return new AwsError("InvalidInputException", message);
}

export function limitExceeded(message: string): AwsError {
  return new AwsError("LimitExceededException", message);
}

export function noSuchRole(name: string): AwsError {
  return noSuchEntity(`The role with name ${name} cannot be found.`);
}

export function malformedPolicy(message: string): AwsError {
  return new AwsError("MalformedPolicyDocumentException", message);
}

export function deleteConflict(message: string): AwsError {
  return new AwsError("DeleteConflictException", message);
}

/** What IAM answers for a change to a role that belongs to a service. */
export function unmodifiableRole(name: string): AwsError {
  return new AwsError(
    "UnmodifiableEntityException",
    `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`,
  );
}

export function getRoleRecord(call: IamCall, name: string): StoredRole | undefined {
  return call.store.get<StoredRole>(KIND.role, scopeOf(call), name.toLowerCase());
}

export function mustRole(call: IamCall, name: string): StoredRole {
  const role = getRoleRecord(call, name);
  if (!role) throw noSuchRole(name);
  return role;
}

export function putRole(call: IamCall, role: StoredRole): void {
  call.store.put(KIND.role, scopeOf(call), role.RoleName.toLowerCase(), role);
}

/** `arn:<partition>:iam::<account>:role/<path/>name` → the role, when it is this account's and exists. */
export function roleByArn(call: IamCall, arn: string): StoredRole | undefined {
  const match = new RegExp(`^arn:${ARN_PARTITION}:iam::(\\d{12}):role/(?:.*/)?([\\w+=,.@-]+)$`).exec(arn);
  if (!match || match[1] !== call.account) return undefined;
  const role = getRoleRecord(call, match[2]!);
  return role?.Arn === arn ? role : undefined;
}

/** Tags merged as TagRole and CreateRole merge them: a key given again (in any case) takes the new value. */
export function mergeTags(
  existing: readonly Tag[],
  added: readonly Tag[],
  limit: number,
  quota: string,
): Tag[] {
  const lowered = added.map((t) => t.Key!.toLowerCase());
  if (new Set(lowered).size !== lowered.length) {
    throw invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
  }
  const merged = [...existing.filter((t) => !lowered.includes(t.Key!.toLowerCase())), ...added];
  if (merged.length > limit) throw limitExceeded(`Cannot exceed quota for ${quota}: ${limit}.`);
  return merged.map((t) => ({ Key: t.Key!, Value: t.Value ?? "" }));
}

/** IAM lists in name order. */
export function byName<T>(name: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);
}
