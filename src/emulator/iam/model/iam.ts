import type { Environment } from "../../context.js";
import type { Store } from "../../store/store.js";
import { type IamCall, putRole, roleByArn } from "./common.js";
import { ensureServiceLinkedRole } from "./service-linked-roles.js";
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

  call(account: string, now: Date = this.env.clock()): IamCall {
    return { store: this.store, env: this.env, account, now };
  }

  /** A service's linked role, made on first use as the service makes it (e.g. AgentCore's network role). */
  ensureServiceLinkedRole(
    account: string,
    serviceName: string,
    now: Date,
  ): { role: { RoleName: string; RoleId: string; Arn: string; Path: string }; created: boolean } {
    const { role, created } = ensureServiceLinkedRole(this.call(account, now), serviceName);
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
    const call = this.call(account);
    const role = roleByArn(call, roleArn);
    return role !== undefined && evaluateRole(call, role, action, resourceArn).decision === "allowed";
  }

  /** Records a use of the role by a service (GetRole's RoleLastUsed). */
  markRoleUsed(account: string, roleArn: string, region: string, now: Date): void {
    const call = this.call(account, now);
    const role = roleByArn(call, roleArn);
    if (role) putRole(call, { ...role, RoleLastUsed: { LastUsedDate: now.toISOString(), Region: region } });
  }
}
