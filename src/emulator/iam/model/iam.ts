import { partitionOf, partitionOfArn } from "../../../util/arn.js";
import type { Environment } from "../../context.js";
import { GLOBAL_REGION, type Store } from "../../store/store.js";
import { parsePolicyDocument } from "../policy-document.js";
import { type Decision, type EvaluationRequest, evaluate } from "../policy-evaluation.js";
import { type IamCall, putRole, roleByArn } from "./common.js";
import { ensureServiceLinkedRole, findServiceLinkedRole } from "./service-linked-roles.js";
import { evaluateRole } from "./simulate.js";

/**
 * IAM as other models call it, in process: the same state and rules as the
 * API, no HTTP. IAM is global, so only the account scopes it. Each method
 * is meant to run inside the caller's store transaction.
 */
export class Iam {
  constructor(
    readonly store: Store,
    readonly env: Environment,
  ) {}

  /** An IAM call in the account, its new ARNs in the partition of `region` (the request's). */
  call(account: string, region: string, now: Date = this.env.clock()): IamCall {
    return { store: this.store, env: this.env, account, partition: partitionOf(region), now };
  }

  /** A call that looks up by ARN: the partition is the ARN's own. */
  private callFor(account: string, arn: string, now?: Date): IamCall {
    return { ...this.call(account, GLOBAL_REGION, now), partition: partitionOfArn(arn) };
  }

  /** A service's linked role in the account, if there is one yet. */
  serviceLinkedRole(
    account: string,
    serviceName: string,
  ): { RoleName: string; RoleId: string; Arn: string; Path: string } | undefined {
    const role = findServiceLinkedRole(this.call(account, GLOBAL_REGION), serviceName);
    return role && { RoleName: role.RoleName, RoleId: role.RoleId, Arn: role.Arn, Path: role.Path };
  }

  /** A service's linked role, made on first use as the service makes it (e.g. AgentCore's network role). */
  ensureServiceLinkedRole(
    account: string,
    region: string,
    serviceName: string,
    now: Date,
  ): { role: { RoleName: string; RoleId: string; Arn: string; Path: string }; created: boolean } {
    const { role, created } = ensureServiceLinkedRole(this.call(account, region, now), serviceName);
    return {
      role: { RoleName: role.RoleName, RoleId: role.RoleId, Arn: role.Arn, Path: role.Path },
      created,
    };
  }

  /**
   * Whether the role's identity policies allow the action on the resource,
   * with no request context: a statement that needs a condition key does
   * not match. A role that does not exist is allowed nothing.
   */
  isAllowed(account: string, roleArn: string, action: string, resourceArn: string): boolean {
    const call = this.callFor(account, roleArn);
    const role = roleByArn(call, roleArn);
    return role !== undefined && evaluateRole(call, role, action, resourceArn).decision === "allowed";
  }

  /** A role of the account by ARN: what STS names a session after. */
  roleSummary(
    account: string,
    roleArn: string,
  ): { RoleName: string; RoleId: string; Arn: string; MaxSessionDuration: number } | undefined {
    const role = roleByArn(this.callFor(account, roleArn), roleArn);
    if (!role) return undefined;
    const { RoleName, RoleId, Arn, MaxSessionDuration } = role;
    return { RoleName, RoleId, Arn, MaxSessionDuration };
  }

  /**
   * What the role's trust policy decides when one of `principals` (the
   * caller under each name a policy may give it: its ARN, its role's ARN,
   * its account) asks to take `action` (sts:AssumeRole, sts:TagSession, ...)
   * with the request's context keys: an explicit Deny for any name wins,
   * else an Allow for any. Undefined when the role does not exist.
   */
  trustDecision(
    account: string,
    roleArn: string,
    action: string,
    principals: readonly NonNullable<EvaluationRequest["principal"]>[],
    context: Record<string, readonly string[]>,
  ):
    | {
        role: { RoleName: string; RoleId: string; Arn: string; MaxSessionDuration: number };
        decision: Decision;
      }
    | undefined {
    const role = roleByArn(this.callFor(account, roleArn), roleArn);
    const summary = this.roleSummary(account, roleArn);
    if (!role || !summary) return undefined;
    const trust = [
      {
        id: "trust",
        type: "resource" as const,
        document: parsePolicyDocument(role.AssumeRolePolicyDocument, "trust"),
      },
    ];
    const decisions = principals.map(
      (principal) => evaluate(trust, { action, resource: role.Arn, context, principal }).decision,
    );
    const decision: Decision = decisions.includes("explicitDeny")
      ? "explicitDeny"
      : decisions.includes("allowed")
        ? "allowed"
        : "implicitDeny";
    return { role: summary, decision };
  }

  /** Records a use of the role by a service (GetRole's RoleLastUsed). */
  markRoleUsed(account: string, roleArn: string, region: string, now: Date): void {
    const call = this.callFor(account, roleArn, now);
    const role = roleByArn(call, roleArn);
    if (role) putRole(call, { ...role, RoleLastUsed: { LastUsedDate: now.toISOString(), Region: region } });
  }
}
