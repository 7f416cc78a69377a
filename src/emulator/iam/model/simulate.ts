import type { SimulatePrincipalPolicyCommandInput } from "@aws-sdk/client-iam";
import { ARN_PARTITION } from "../../../util/arn.js";
import { parsePolicyDocument } from "../policy-document.js";
import { type BoundedEvaluationResult, evaluateBounded, type PolicySource } from "../policy-evaluation.js";
import { type IamCall, invalidInput, noSuchRole, roleByArn, type StoredRole } from "./common.js";
import { resolvePolicy } from "./policies.js";

/** The identity policies a role holds: its inline policies, then its attached managed ones. */
export function rolePolicies(call: IamCall, role: StoredRole): PolicySource[] {
  const inline: PolicySource[] = Object.entries(role.inlinePolicies).map(([name, document]) => ({
    id: name,
    type: "role",
    document: parsePolicyDocument(document, "identity"),
  }));
  const managed: PolicySource[] = role.attachedPolicyArns.map((arn) => {
    const policy = resolvePolicy(call, arn);
    // AWS managed documents are taken as published: their grammar is AWS's to vouch for.
    return { id: policy.name, type: policy.type, document: parsePolicyDocument(policy.document, "identity") };
  });
  return [...inline, ...managed];
}

/** A role's permissions boundary as a policy to evaluate, when it has one. */
function roleBoundary(call: IamCall, role: StoredRole): PolicySource | undefined {
  if (!role.permissionsBoundaryArn) return undefined;
  const policy = resolvePolicy(call, role.permissionsBoundaryArn);
  return { id: policy.name, type: policy.type, document: parsePolicyDocument(policy.document, "identity") };
}

/** Evaluates one request against a role's identity policies under its permissions boundary (no resource policies or SCPs). */
export function evaluateRole(
  call: IamCall,
  role: StoredRole,
  action: string,
  resource: string,
  context?: Record<string, readonly string[]>,
): BoundedEvaluationResult {
  return evaluateBounded(rolePolicies(call, role), roleBoundary(call, role), {
    action,
    resource,
    ...(context ? { context } : {}),
  });
}

/**
 * SimulatePrincipalPolicy for roles of this account: each action against
 * each resource (`*` when none is given), in that order, paged by MaxItems;
 * PolicyInputList's documents are checked as IAM checks a policy
 * (MalformedPolicyDocument) and simulated beside the role's own.
 */
export function simulatePrincipalPolicy(call: IamCall, input: SimulatePrincipalPolicyCommandInput) {
  const source = input.PolicySourceArn!;
  const roleName = new RegExp(`^arn:${ARN_PARTITION}:iam::\\d{12}:role/(?:.*/)?([^/]+)$`).exec(source)?.[1];
  if (!roleName) {
    throw invalidInput(`Invalid ARN ${source}: the emulator simulates policies of roles only.`);
  }
  // Policies given with the call are simulated as if the role held them too; one that is not a policy is refused.
  const given: PolicySource[] = (input.PolicyInputList ?? []).map((text, i) => ({
    id: `PolicyInputList.${i + 1}`,
    type: "none",
    document: parsePolicyDocument(text, "identity"),
  }));
  const role = roleByArn(call, source);
  if (!role) throw noSuchRole(roleName);
  const context: Record<string, string[]> = {};
  for (const entry of input.ContextEntries ?? []) {
    if (entry.ContextKeyName) context[entry.ContextKeyName] = entry.ContextKeyValues ?? [];
  }
  const resources = input.ResourceArns?.length ? input.ResourceArns : ["*"];
  const requests = input.ActionNames!.flatMap((action) =>
    resources.map((resource) => ({ action, resource })),
  );
  const policies = [...rolePolicies(call, role), ...given];
  const boundary = roleBoundary(call, role);
  return {
    EvaluationResults: requests.map(({ action, resource }) => {
      const result = evaluateBounded(policies, boundary, { action, resource, context });
      return {
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: result.decision,
        MatchedStatements: result.matchedStatements.map((s) => ({
          SourcePolicyId: s.sourcePolicyId,
          SourcePolicyType: s.sourcePolicyType,
        })),
        MissingContextValues: result.missingContextValues,
        ...(result.allowedByPermissionsBoundary !== undefined
          ? {
              PermissionsBoundaryDecisionDetail: {
                AllowedByPermissionsBoundary: result.allowedByPermissionsBoundary,
              },
            }
          : {}),
      };
    }),
  };
}
