import type {
  DeleteResourcePolicyCommandInput,
  GetResourcePolicyCommandInput,
  PutResourcePolicyCommandInput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { partitionOfArn } from "../../util/arn.js";
import type { Adapter } from "../adapter.js";
import type { UserIdentity } from "../cloudtrail/model.js";
import type { RequestContext } from "../context.js";
import { parsePolicyDocument } from "../iam/policy-document.js";
import { type Decision, evaluate, type PolicySource } from "../iam/policy-evaluation.js";
import { AwsError, notFound } from "../protocol/errors.js";
import type { Store } from "../store/store.js";
import type { AgentRuntimes } from "./model.js";

const POLICY = "agentcore.resource-policy";

interface StoredPolicy {
  resourceArn: string;
  policy: string;
}

/**
 * Resource-based policies on runtimes and runtime endpoints
 * (Put/Get/DeleteResourcePolicy, `PUT|GET|DELETE /resourcepolicy/{resourceArn}`), and the
 * decision they make for a caller from another account: without a policy that allows it,
 * such a caller is refused "because no resource-based policy allows" the action
 * (agentcore-cli issue 607, facts file). Same-account callers are decided by their own
 * identity policies, which the emulator does not enforce on the data plane.
 */
export class ResourcePolicies {
  constructor(
    private readonly store: Store,
    private readonly runtimes: AgentRuntimes,
  ) {}

  putResourcePolicy(ctx: RequestContext, resourceArn: string, policy: string) {
    this.runtimes.requireTaggable(ctx, resourceArn);
    try {
      parsePolicyDocument(policy, "resource");
    } catch (error) {
      const reason = error instanceof AwsError ? error.message : String(error);
      throw new AwsError("ValidationException", `Invalid resource policy: ${reason}`, {
        reason: "FieldValidationFailed",
        fieldList: [{ name: "policy", message: reason }],
      });
    }
    this.store.put<StoredPolicy>(POLICY, { account: ctx.account, region: ctx.region }, resourceArn, {
      resourceArn,
      policy,
    });
    return { policy };
  }

  getResourcePolicy(ctx: RequestContext, resourceArn: string) {
    this.runtimes.requireTaggable(ctx, resourceArn);
    const stored = this.stored(ctx, resourceArn);
    if (!stored) throw notFound(`No resource policy found for ${resourceArn}`);
    return { policy: stored.policy };
  }

  deleteResourcePolicy(ctx: RequestContext, resourceArn: string) {
    this.runtimes.requireTaggable(ctx, resourceArn);
    if (!this.stored(ctx, resourceArn)) throw notFound(`No resource policy found for ${resourceArn}`);
    this.store.delete(POLICY, { account: ctx.account, region: ctx.region }, resourceArn);
    return {};
  }

  private stored(ctx: RequestContext, resourceArn: string): StoredPolicy | undefined {
    return this.store.get<StoredPolicy>(POLICY, { account: ctx.account, region: ctx.region }, resourceArn);
  }

  /**
   * What the policies on `resourceArns` (the runtime, and the endpoint the call names)
   * decide for `caller` doing `action` on the first of them: an explicit Deny in any wins,
   * else an Allow in any, else an implicit deny.
   */
  decide(
    ctx: RequestContext,
    resourceArns: readonly string[],
    action: string,
    caller: UserIdentity,
  ): Decision {
    const sources: PolicySource[] = resourceArns.flatMap((arn) => {
      const stored = this.stored(ctx, arn);
      return stored
        ? [{ id: arn, type: "resource" as const, document: parsePolicyDocument(stored.policy, "resource") }]
        : [];
    });
    if (sources.length === 0) return "implicitDeny";
    const principals = principalNames(caller);
    const context = {
      "aws:PrincipalAccount": [accountOf(caller) ?? ""],
      "aws:PrincipalArn": [arnOf(caller) ?? ""],
    };
    const decisions = principals.flatMap((principal) =>
      resourceArns.map(
        (resource) =>
          evaluate(sources, { action, resource, context, principal: { type: "AWS", id: principal } })
            .decision,
      ),
    );
    if (decisions.includes("explicitDeny")) return "explicitDeny";
    return decisions.includes("allowed") ? "allowed" : "implicitDeny";
  }
}

/** The account a caller belongs to (unset for web identities, which are no IAM principal). */
export function accountOf(caller: UserIdentity): string | undefined {
  return "accountId" in caller && typeof caller.accountId === "string" ? caller.accountId : undefined;
}

function arnOf(caller: UserIdentity): string | undefined {
  return "arn" in caller && typeof caller.arn === "string" ? caller.arn : undefined;
}

/** The caller under every name a policy's AWS principal may give it: its ARN, its role's ARN, its account. */
function principalNames(caller: UserIdentity): string[] {
  const names = new Set<string>();
  const arn = arnOf(caller);
  if (arn) names.add(arn);
  if (caller.type === "AssumedRole") names.add(caller.sessionContext.sessionIssuer.arn);
  const account = accountOf(caller);
  if (account) {
    names.add(`arn:${partitionOfArn(arn ?? "")}:iam::${account}:root`);
    names.add(account);
  }
  return [...names];
}

/** AgentCore's refusal of a cross-account caller without a policy that allows it (agentcore-cli issue 607). */
export function crossAccountRefusal(
  caller: UserIdentity,
  action: string,
  resourceArn: string,
  decision: Decision,
): AwsError {
  const who = arnOf(caller) ?? accountOf(caller) ?? "the caller";
  const why =
    decision === "explicitDeny"
      ? "with an explicit deny in a resource-based policy"
      : `because no resource-based policy allows the ${action} action`;
  return new AwsError(
    "AccessDeniedException",
    `User: ${who} is not authorized to perform: ${action} on resource: ${resourceArn} ${why}`,
    {},
    403,
  );
}

/** The control plane's resource-policy operations, beside controlPlaneAdapter's. */
export function resourcePolicyAdapter(policies: ResourcePolicies): Adapter {
  return {
    PutResourcePolicy: (input: PutResourcePolicyCommandInput, ctx: RequestContext) =>
      policies.putResourcePolicy(ctx, input.resourceArn!, input.policy!),
    GetResourcePolicy: (input: GetResourcePolicyCommandInput, ctx: RequestContext) =>
      policies.getResourcePolicy(ctx, input.resourceArn!),
    DeleteResourcePolicy: (input: DeleteResourcePolicyCommandInput, ctx: RequestContext) =>
      policies.deleteResourcePolicy(ctx, input.resourceArn!),
  };
}
