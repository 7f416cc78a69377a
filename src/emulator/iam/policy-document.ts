import { ARN_PARTITION } from "../../util/arn.js";
import { AwsError } from "../protocol/errors.js";

/**
 * IAM's JSON policy grammar: a document as IAM parses it, and the checks
 * IAM makes before it stores one, answered with its MalformedPolicyDocument
 * messages. Identity policies (inline and managed) name actions and
 * resources; trust policies name principals and STS actions instead.
 */

export type Effect = "Allow" | "Deny";

/** `"*"`, or principal type (AWS, Service, Federated, CanonicalUser) → identifiers. */
export type Principal = "*" | Record<string, string[]>;

/** Condition operator (`StringEquals`, `ForAllValues:StringLike`, ...) → context key → values. */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface Statement {
  sid?: string;
  effect: Effect;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: Principal;
  notPrincipal?: Principal;
  condition: ConditionBlock;
}

export interface PolicyDocument {
  version?: string;
  statements: Statement[];
}

/** identity: inline or managed permissions; trust: a role's AssumeRolePolicyDocument; resource: a resource-based policy (Principal and Resource). */
export type PolicyKind = "identity" | "managed" | "trust" | "resource";

export interface ParseOptions {
  /** Whether an AWS principal ARN names something that exists (same-account roles); undefined: cannot tell. */
  principalExists?: (arn: string) => boolean | undefined;
}

const VERSIONS = ["2012-10-17", "2008-10-17"];
const STATEMENT_KEYS = new Set([
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Principal",
  "NotPrincipal",
  "Condition",
]);
const PRINCIPAL_TYPES = new Set(["AWS", "Service", "Federated", "CanonicalUser"]);
const PARTITIONS = new Set([
  "aws",
  "aws-cn",
  "aws-us-gov",
  "aws-iso",
  "aws-iso-b",
  "aws-iso-e",
  "aws-iso-f",
  "*",
]);

/** The condition operators IAM's grammar knows (each also with `IfExists`, and the set operators' prefixes). */
export const CONDITION_OPERATORS = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Null",
]);

/** STS actions a trust policy may grant. */
const TRUST_ACTIONS =
  /^(sts:(\*|AssumeRole\*?|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|TagSession|SetSourceIdentity|SetContext)|\*)$/i;

function malformed(message: string): AwsError {
  return new AwsError("MalformedPolicyDocumentException", message);
}

const SYNTAX = "Syntax errors in policy.";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string-or-list element (Action, Resource, principal ids) as a list; anything else is a syntax error. */
function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw malformed(SYNTAX);
}

/** The size IAM counts against its quotas: characters other than whitespace. */
export function policySize(text: string): number {
  return text.replace(/\s/g, "").length;
}

function checkAction(action: string): void {
  if (action === "*") return;
  const parts = action.split(":");
  if (parts.length < 2 || parts[0] === "")
    throw malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  if (parts.length > 2) throw malformed("Actions/Condition can contain only one colon.");
  if (!/^[A-Za-z0-9.*?-]+$/.test(parts[0]!)) throw malformed(`Vendor ${parts[0]} is not valid`);
}

/**
 * A resource as IAM checks it. Text with a colon that does not begin
 * `arn:` is read as an ARN whose first field is `arn` (missing fields `*`),
 * so its second field is judged as a partition: IAM's message names the
 * ARN it read (`a:b:c` -> "arn:b:c:*:*:*"). A three-field ARN
 * (`arn:aws:foo`) is taken as it is; four or five fields fail the legacy
 * parser (checked earlier, legacyProblem). IAM ARNs hold no region and a
 * path of one of IAM's resource types; S3 bucket and object ARNs no region.
 */
function checkResource(resource: string): void {
  if (resource === "*") return;
  if (!resource.startsWith("arn:")) {
    const fields = resource.split(":");
    if (fields.length < 2 || PARTITIONS.has(fields[1]!))
      throw malformed(`Resource ${resource} must be in ARN format or "*".`);
    const read = ["arn", ...fields.slice(1), "*", "*", "*", "*"]
      .slice(0, Math.max(6, fields.length))
      .join(":");
    throw malformed(`Partition "${fields[1]}" is not valid for resource "${read}".`);
  }
  const parts = resource.split(":");
  if (parts.length < 3 || parts[2] === "")
    throw malformed("Resource vendor must be fully qualified and cannot contain regexes.");
  if (!PARTITIONS.has(parts[1]!))
    throw malformed(`Partition "${parts[1]}" is not valid for resource "${resource}".`);
  if (parts.length === 3) return;
  if (parts.length < 6) throw malformed("The policy failed legacy parsing");
  const [, , service, region] = parts;
  if (service === "iam") {
    if (region !== "") throw malformed(`IAM resource ${resource} cannot contain region information.`);
    const path = parts.slice(5).join(":");
    if (path !== "*" && !IAM_RESOURCE_TYPES.some((type) => path.startsWith(type)))
      throw malformed(`IAM resource path must either be "*" or start with ${IAM_RESOURCE_TYPES.join(", ")}.`);
  }
  // Buckets and objects have neither region nor account; access points and jobs have both.
  if (service === "s3" && region !== "" && parts[4] === "")
    throw malformed(`Resource ${resource} can not contain region information.`);
}

/** The resource types an IAM ARN's path may begin with, in the order IAM's message lists them. */
const IAM_RESOURCE_TYPES = [
  "user/",
  "federated-user/",
  "role/",
  "group/",
  "instance-profile/",
  "mfa/",
  "server-certificate/",
  "policy/",
  "sms-mfa/",
  "saml-provider/",
  "oidc-provider/",
  "report/",
  "access-report/",
];

const DATE_OPERATOR = /^(ForAnyValue:|ForAllValues:)?Date[A-Za-z]*$/;

/** A date IAM's condition parser takes: an ISO 8601 date and/or time (leniently: one-digit fields, `t`) or epoch seconds in 64 bits. */
function isPolicyDate(value: string | number | boolean): boolean {
  const text = String(value);
  if (/^-?\d+$/.test(text)) {
    const n = BigInt(text);
    return n >= -(2n ** 63n) && n < 2n ** 63n;
  }
  const match =
    /^(?:(\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?)?(?:[Tt](?:(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.\d{1,9})?)?)?)?)?(?:[Zz]|[+-](\d{2})(?::?(\d{2}))?)?$/.exec(
      text,
    );
  if (!match || !/^\d/.test(text)) return false;
  const [, , month, day, hour, minute, second, zoneHour, zoneMinute] = match.map((m) =>
    m === undefined ? undefined : Number(m),
  );
  const within = (v: number | undefined, lo: number, hi: number) => v === undefined || (v >= lo && v <= hi);
  return (
    within(month, 1, 12) &&
    within(day, 1, 31) &&
    within(hour, 0, 23) &&
    within(minute, 0, 59) &&
    within(second, 0, 59) &&
    within(zoneHour, 0, 23) &&
    within(zoneMinute, 0, 59)
  );
}

/**
 * What IAM's legacy parser refuses, which it runs over the whole document
 * before the checks that name a problem ("The policy failed legacy
 * parsing"): an Effect that is Allow or Deny in another case, an ARN of four
 * or five fields or with no service, a Date condition value that is no date.
 * Values of the wrong type are left to the syntax checks.
 */
function legacyProblem(statements: readonly unknown[]): boolean {
  return statements.some((raw) => {
    if (!isRecord(raw)) return false;
    const effect = raw.Effect;
    if (
      typeof effect === "string" &&
      effect !== "Allow" &&
      effect !== "Deny" &&
      /^(allow|deny)$/i.test(effect)
    )
      return true;
    for (const value of [raw.Resource, raw.NotResource]) {
      const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
      for (const resource of list) {
        if (typeof resource !== "string" || !resource.startsWith("arn:")) continue;
        const parts = resource.split(":");
        if (!PARTITIONS.has(parts[1]!)) continue;
        if (parts.length === 4 || parts.length === 5 || (parts.length >= 4 && parts[2] === "")) return true;
      }
    }
    if (isRecord(raw.Condition)) {
      for (const [operator, keys] of Object.entries(raw.Condition)) {
        if (!DATE_OPERATOR.test(operator.replace(/IfExists$/, "")) || !isRecord(keys)) continue;
        for (const value of Object.values(keys)) {
          const list = Array.isArray(value) ? value : [value];
          if (
            list.some((v) => ["string", "number"].includes(typeof v) && !isPolicyDate(v as string | number))
          )
            return true;
        }
      }
    }
    return false;
  });
}

function invalidPrincipal(type: string, id: string): AwsError {
  return malformed(`Invalid principal in policy: "${type}":"${id}"`);
}

function parsePrincipal(value: unknown, options: ParseOptions): Principal {
  if (value === "*") return "*";
  if (!isRecord(value)) throw malformed(SYNTAX);
  const out: Record<string, string[]> = {};
  for (const [type, ids] of Object.entries(value)) {
    if (!PRINCIPAL_TYPES.has(type)) throw malformed(SYNTAX);
    const list = stringList(ids);
    for (const id of list) {
      if (type === "Service" && !/^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/.test(id))
        throw invalidPrincipal("SERVICE", id);
      if (type === "AWS" && id !== "*") {
        const wellFormed =
          /^\d{12}$/.test(id) ||
          new RegExp(`^arn:${ARN_PARTITION}:(iam|sts)::(\\d{12}|aws):[A-Za-z-]+(/.*)?$`).test(id);
        if (!wellFormed || options.principalExists?.(id) === false) throw invalidPrincipal("AWS", id);
      }
    }
    out[type] = list;
  }
  return out;
}

function parseCondition(value: unknown): ConditionBlock {
  if (value === undefined) return {};
  if (!isRecord(value)) throw malformed(SYNTAX);
  const block: ConditionBlock = {};
  for (const [operator, keys] of Object.entries(value)) {
    if (!isRecord(keys)) throw malformed(SYNTAX);
    const base = operator.replace(/^(ForAnyValue|ForAllValues):/, "").replace(/IfExists$/, "");
    if (!CONDITION_OPERATORS.has(base) && Object.keys(keys).length > 0) throw malformed(SYNTAX);
    const entries: Record<string, string[]> = {};
    for (const [key, raw] of Object.entries(keys)) {
      const values = Array.isArray(raw) ? raw : [raw];
      if (!values.every((v) => ["string", "number", "boolean"].includes(typeof v))) throw malformed(SYNTAX);
      entries[key] = values.map((v) => String(v));
    }
    block[operator] = entries;
  }
  return block;
}

function parseStatement(raw: unknown, kind: PolicyKind, options: ParseOptions): Statement {
  if (!isRecord(raw)) throw malformed(SYNTAX);
  for (const key of Object.keys(raw)) if (!STATEMENT_KEYS.has(key)) throw malformed(SYNTAX);
  if (raw.Sid !== undefined && typeof raw.Sid !== "string") throw malformed(SYNTAX);
  if (raw.Effect !== "Allow" && raw.Effect !== "Deny") throw malformed(SYNTAX);
  if (raw.Action !== undefined && raw.NotAction !== undefined) throw malformed(SYNTAX);
  if (raw.Resource !== undefined && raw.NotResource !== undefined) throw malformed(SYNTAX);
  if (raw.Principal !== undefined && raw.NotPrincipal !== undefined) throw malformed(SYNTAX);

  const statement: Statement = { effect: raw.Effect, condition: parseCondition(raw.Condition) };
  if (raw.Sid !== undefined) {
    if (kind !== "trust" && !/^[0-9A-Za-z]*$/.test(raw.Sid)) {
      throw malformed(
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
      );
    }
    statement.sid = raw.Sid;
  }

  const actions = raw.Action !== undefined ? stringList(raw.Action) : undefined;
  const notActions = raw.NotAction !== undefined ? stringList(raw.NotAction) : undefined;
  const anyActions = actions ?? notActions ?? [];
  if (anyActions.length === 0) throw malformed("Policy statement must contain actions.");
  // IAM judges the resources' form before the actions' (a resource that is no ARN is named first).
  for (const value of [raw.Resource, raw.NotResource]) {
    if (typeof value === "string") checkResource(value);
    else if (Array.isArray(value) && value.every((r) => typeof r === "string")) value.forEach(checkResource);
  }
  for (const action of anyActions) checkAction(action);
  if (actions) statement.action = actions;
  if (notActions) statement.notAction = notActions;

  if (kind === "resource") {
    if (raw.Principal === undefined && raw.NotPrincipal === undefined) {
      throw malformed("Policy statement must contain a principal.");
    }
    if (raw.Principal !== undefined) statement.principal = parsePrincipal(raw.Principal, options);
    if (raw.NotPrincipal !== undefined) statement.notPrincipal = parsePrincipal(raw.NotPrincipal, options);
    const resources = raw.Resource !== undefined ? stringList(raw.Resource) : undefined;
    for (const resource of resources ?? []) checkResource(resource);
    if (resources) statement.resource = resources;
    return statement;
  }

  if (kind === "trust") {
    if (raw.Resource !== undefined) throw malformed("Has prohibited field Resource");
    if (raw.NotResource !== undefined) throw malformed("Has prohibited field NotResource");
    if (raw.Principal === undefined && raw.NotPrincipal === undefined) {
      throw malformed(
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!",
      );
    }
    if (!anyActions.every((a) => TRUST_ACTIONS.test(a)))
      throw malformed("AssumeRole policy may only specify STS AssumeRole actions.");
    if (raw.Principal !== undefined) statement.principal = parsePrincipal(raw.Principal, options);
    if (raw.NotPrincipal !== undefined) statement.notPrincipal = parsePrincipal(raw.NotPrincipal, options);
    return statement;
  }

  if (raw.Principal !== undefined || raw.NotPrincipal !== undefined)
    throw malformed("Policy document should not specify a principal.");
  const resources = raw.Resource !== undefined ? stringList(raw.Resource) : undefined;
  const notResources = raw.NotResource !== undefined ? stringList(raw.NotResource) : undefined;
  const anyResources = resources ?? notResources ?? [];
  if (anyResources.length === 0) throw malformed("Policy statement must contain resources.");
  for (const resource of anyResources) checkResource(resource);
  if (resources) statement.resource = resources;
  if (notResources) statement.notResource = notResources;
  return statement;
}

/**
 * Parses and checks a policy document as IAM does before storing it;
 * throws MalformedPolicyDocument with IAM's message for the first problem.
 */
export function parsePolicyDocument(
  text: string,
  kind: PolicyKind,
  options: ParseOptions = {},
): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed("This policy contains invalid Json");
  }
  if (!isRecord(json)) throw malformed(SYNTAX);
  for (const key of Object.keys(json))
    if (!["Version", "Id", "Statement"].includes(key)) throw malformed(SYNTAX);
  const version = json.Version;
  if (version !== undefined && (typeof version !== "string" || !VERSIONS.includes(version)))
    throw malformed(SYNTAX);
  // Managed policies must use the current grammar; inline and trust policies may still say 2008-10-17.
  if (kind === "managed" && version !== "2012-10-17")
    throw malformed("Policy document must be version 2012-10-17 or greater.");
  if (json.Id !== undefined && typeof json.Id !== "string") throw malformed(SYNTAX);
  const rawStatements = Array.isArray(json.Statement) ? json.Statement : [json.Statement];
  if (json.Statement === undefined || rawStatements.length === 0) throw malformed(SYNTAX);
  if (legacyProblem(rawStatements)) throw malformed("The policy failed legacy parsing");
  // Sids are compared across the document before any statement is judged on its own.
  const sids = rawStatements
    .map((raw) => (isRecord(raw) && typeof raw.Sid === "string" ? raw.Sid : undefined))
    .filter((sid): sid is string => !!sid);
  if (version === "2012-10-17" && new Set(sids).size !== sids.length)
    throw malformed("Statement IDs (SID) in a single policy must be unique.");
  const statements = rawStatements.map((raw) => parseStatement(raw, kind, options));
  return { ...(typeof version === "string" ? { version } : {}), statements };
}
