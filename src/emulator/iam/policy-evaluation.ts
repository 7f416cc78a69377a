import type { ConditionBlock, Effect, PolicyDocument, Principal, Statement } from "./policy-document.js";

/**
 * IAM's evaluation logic for identity policies, pure: an explicit Deny wins,
 * else any Allow, else the request is implicitly denied. Actions match
 * case-insensitively with `*` and `?`; resources match ARN segment by
 * segment; conditions are evaluated against the context keys the caller
 * supplies. A condition the emulator cannot evaluate (numeric, date, IP and
 * binary operators) makes its statement not match: an Allow so conditioned
 * grants nothing, and a Deny so conditioned is not applied. Policy variables
 * (`${aws:PrincipalAccount}`) are compared as literal text.
 */

export type Decision = "allowed" | "explicitDeny" | "implicitDeny";

/** Where a statement came from, as SimulatePrincipalPolicy names it. */
export interface PolicySource {
  /** The policy's name (inline or managed). */
  id: string;
  type: "role" | "user" | "group" | "aws-managed" | "user-managed" | "resource" | "none";
  document: PolicyDocument;
}

export interface EvaluationRequest {
  action: string;
  resource: string;
  /** Context keys (`aws:RequestTag/Team`, `ec2:CreateAction`, ...) → values; names match case-insensitively. */
  context?: Record<string, readonly string[]>;
  /** Who asks: for trust policies, whose statements name principals. */
  principal?: { type: "AWS" | "Service" | "Federated"; id: string };
}

export interface MatchedStatement {
  sourcePolicyId: string;
  sourcePolicyType: PolicySource["type"];
  /** Position of the statement in its policy, from 0. */
  index: number;
  sid?: string;
  effect: Effect;
}

export interface EvaluationResult {
  decision: Decision;
  /** The statements that decided: the Denies that matched, else the Allows that did; none for an implicit deny. */
  matchedStatements: MatchedStatement[];
  /** Context keys that conditions of otherwise matching statements asked for and the request did not give. */
  missingContextValues: string[];
}

const patternCache = new Map<string, RegExp>();

/** IAM's wildcards: `*` any run of characters (none too), `?` exactly one; everything else literal. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? "i" : "c"}${pattern}`;
  let regex = patternCache.get(key);
  if (!regex) {
    const body = pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
    patternCache.set(key, regex);
  }
  return regex.test(value);
}

/**
 * A resource ARN against a policy's pattern: each of the six colon-separated
 * parts is matched on its own, so a wildcard does not run across a part; the
 * last part (the resource) keeps any further colons.
 */
export function arnMatch(pattern: string, arn: string, ignoreCase = false): boolean {
  if (pattern === "*") return true;
  const patternParts = splitArn(pattern);
  const arnParts = splitArn(arn);
  if (!patternParts || !arnParts) return wildcardMatch(pattern, arn, ignoreCase);
  return patternParts.every((part, i) => wildcardMatch(part, arnParts[i]!, ignoreCase));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

function actionMatches(statement: Statement, action: string): boolean {
  if (statement.action) return statement.action.some((p) => wildcardMatch(p, action, true));
  if (statement.notAction) return !statement.notAction.some((p) => wildcardMatch(p, action, true));
  return false;
}

function resourceMatches(statement: Statement, resource: string): boolean {
  // Trust policies name no resource: the role they belong to is it.
  if (!statement.resource && !statement.notResource) return true;
  if (statement.resource) return statement.resource.some((p) => arnMatch(p, resource));
  return !statement.notResource!.some((p) => arnMatch(p, resource));
}

function principalIn(principal: Principal, who: NonNullable<EvaluationRequest["principal"]>): boolean {
  if (principal === "*") return true;
  const ids = principal[who.type] ?? [];
  return ids.some((id) => id === "*" || (who.type === "Service" ? id === who.id : arnMatch(id, who.id)));
}

function principalMatches(statement: Statement, who: EvaluationRequest["principal"]): boolean {
  // Identity policies name no principal: they apply to whoever holds them.
  if (!statement.principal && !statement.notPrincipal) return true;
  if (!who) return false;
  if (statement.principal) return principalIn(statement.principal, who);
  return !principalIn(statement.notPrincipal!, who);
}

/** Context values by key, case-insensitively as IAM reads key names. */
function lookup(context: EvaluationRequest["context"], key: string): readonly string[] | undefined {
  if (!context) return undefined;
  const lower = key.toLowerCase();
  for (const [name, values] of Object.entries(context)) if (name.toLowerCase() === lower) return values;
  return undefined;
}

type ValueTest = (policyValue: string, contextValue: string) => boolean;

/** The operators the emulator evaluates; `negated` ones hold when no value matches (and when the key is absent). */
const OPERATORS: Record<string, { test: ValueTest; negated?: boolean }> = {
  StringEquals: { test: (p, c) => p === c },
  StringNotEquals: { test: (p, c) => p === c, negated: true },
  StringEqualsIgnoreCase: { test: (p, c) => p.toLowerCase() === c.toLowerCase() },
  StringNotEqualsIgnoreCase: { test: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  StringLike: { test: (p, c) => wildcardMatch(p, c) },
  StringNotLike: { test: (p, c) => wildcardMatch(p, c), negated: true },
  ArnEquals: { test: (p, c) => arnMatch(p, c) },
  ArnLike: { test: (p, c) => arnMatch(p, c) },
  ArnNotEquals: { test: (p, c) => arnMatch(p, c), negated: true },
  ArnNotLike: { test: (p, c) => arnMatch(p, c), negated: true },
  Bool: { test: (p, c) => p.toLowerCase() === c.toLowerCase() },
};

/** One operator over one key: IAM's rules for absent keys, IfExists, and the ForAnyValue/ForAllValues set operators. */
function conditionHolds(
  operator: string,
  key: string,
  policyValues: string[],
  context: EvaluationRequest["context"],
) {
  const values = lookup(context, key);
  const setMatch = /^(ForAnyValue|ForAllValues):/.exec(operator)?.[1];
  let base = operator.replace(/^(ForAnyValue|ForAllValues):/, "");
  const ifExists = base.endsWith("IfExists");
  if (ifExists) base = base.slice(0, -"IfExists".length);

  if (base === "Null") {
    // Null: "true" holds when the key is absent, "false" when it is present.
    return policyValues.some((v) => (v.toLowerCase() === "true") === (values === undefined));
  }
  const known = OPERATORS[base];
  // An operator the emulator does not evaluate (Numeric*, Date*, IpAddress, BinaryEquals) never matches.
  if (!known) return false;
  if (values === undefined || values.length === 0) {
    if (setMatch === "ForAllValues") return true;
    if (setMatch === "ForAnyValue") return false;
    return ifExists || known.negated === true;
  }
  const matchesAny = (value: string) => policyValues.some((p) => known.test(p, value));
  if (setMatch === "ForAllValues") {
    return values.every((v) => (known.negated ? !matchesAny(v) : matchesAny(v)));
  }
  if (setMatch === "ForAnyValue") {
    return values.some((v) => (known.negated ? !matchesAny(v) : matchesAny(v)));
  }
  return known.negated ? !values.some(matchesAny) : values.some(matchesAny);
}

function conditionsHold(block: ConditionBlock, context: EvaluationRequest["context"]): boolean {
  return Object.entries(block).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, values, context)),
  );
}

function missingKeys(block: ConditionBlock, context: EvaluationRequest["context"]): string[] {
  const missing: string[] = [];
  for (const keys of Object.values(block)) {
    for (const key of Object.keys(keys)) if (lookup(context, key) === undefined) missing.push(key);
  }
  return missing;
}

/** Evaluates one request against the policies a principal holds (inline and attached managed, or a trust policy). */
export function evaluate(policies: readonly PolicySource[], request: EvaluationRequest): EvaluationResult {
  const allows: MatchedStatement[] = [];
  const denies: MatchedStatement[] = [];
  const missing = new Set<string>();
  for (const policy of policies) {
    policy.document.statements.forEach((statement, index) => {
      if (!actionMatches(statement, request.action)) return;
      if (!resourceMatches(statement, request.resource)) return;
      if (!principalMatches(statement, request.principal)) return;
      for (const key of missingKeys(statement.condition, request.context)) missing.add(key);
      if (!conditionsHold(statement.condition, request.context)) return;
      const matched: MatchedStatement = {
        sourcePolicyId: policy.id,
        sourcePolicyType: policy.type,
        index,
        ...(statement.sid ? { sid: statement.sid } : {}),
        effect: statement.effect,
      };
      (statement.effect === "Deny" ? denies : allows).push(matched);
    });
  }
  const missingContextValues = [...missing];
  if (denies.length > 0) return { decision: "explicitDeny", matchedStatements: denies, missingContextValues };
  if (allows.length > 0) return { decision: "allowed", matchedStatements: allows, missingContextValues };
  return { decision: "implicitDeny", matchedStatements: [], missingContextValues };
}

/** An evaluation under a permissions boundary: whether the boundary allowed the request, when there is one. */
export interface BoundedEvaluationResult extends EvaluationResult {
  allowedByPermissionsBoundary?: boolean;
}

/**
 * IAM's rule for a principal with a permissions boundary: a request is
 * allowed only when its identity policies allow it and the boundary does
 * too; an explicit Deny in either wins. Without a boundary, `evaluate`.
 */
export function evaluateBounded(
  identity: readonly PolicySource[],
  boundary: PolicySource | undefined,
  request: EvaluationRequest,
): BoundedEvaluationResult {
  const own = evaluate(identity, request);
  if (!boundary) return own;
  const bounded = evaluate([boundary], request);
  const missingContextValues = [...new Set([...own.missingContextValues, ...bounded.missingContextValues])];
  const allowedByPermissionsBoundary = bounded.decision === "allowed";
  if (own.decision === "explicitDeny") return { ...own, missingContextValues, allowedByPermissionsBoundary };
  if (bounded.decision === "explicitDeny") {
    return { ...bounded, missingContextValues, allowedByPermissionsBoundary };
  }
  if (own.decision === "allowed" && !allowedByPermissionsBoundary) {
    return {
      decision: "implicitDeny",
      matchedStatements: [],
      missingContextValues,
      allowedByPermissionsBoundary,
    };
  }
  return { ...own, missingContextValues, allowedByPermissionsBoundary };
}
