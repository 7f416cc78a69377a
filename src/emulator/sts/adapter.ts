import type {
  AssumeRoleCommandInput,
  AssumeRoleWithWebIdentityCommandInput,
  GetSessionTokenCommandInput,
} from "@aws-sdk/client-sts";
import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { Sts } from "./model.js";

/** STS's operations over its model: who the caller is, and temporary credentials. */
export function stsAdapter(sts: Sts): Adapter {
  return {
    GetCallerIdentity: (_input: unknown, ctx: RequestContext) => sts.getCallerIdentity(ctx),
    AssumeRole: (input: AssumeRoleCommandInput, ctx: RequestContext) => sts.assumeRole(ctx, input),
    AssumeRoleWithWebIdentity: (input: AssumeRoleWithWebIdentityCommandInput, ctx: RequestContext) =>
      sts.assumeRoleWithWebIdentity(ctx, input),
    GetSessionToken: (input: GetSessionTokenCommandInput, ctx: RequestContext) =>
      sts.getSessionToken(ctx, input),
  };
}
