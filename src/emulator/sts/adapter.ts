import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import { callerIdentity } from "../identity.js";

/**
 * STS: who the caller is. Every access key stands for the emulator's one
 * IAM user in the emulator's account (signatures are not verified), the
 * same identity CloudTrail records for the call.
 */
export function stsAdapter(): Adapter {
  return {
    GetCallerIdentity: (_input: unknown, ctx: RequestContext) => {
      const identity = callerIdentity(ctx.accessKeyId, ctx.account);
      return { UserId: identity.principalId, Account: identity.accountId, Arn: identity.arn };
    },
  };
}
