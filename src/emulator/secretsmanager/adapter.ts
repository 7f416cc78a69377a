import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { SecretsCall, SecretsManager } from "./model.js";

/** Secrets Manager's operations over its model; each model method takes the SDK's `…CommandInput`. */
export function secretsManagerAdapter(secrets: SecretsManager): Adapter {
  const op =
    <I>(run: (call: SecretsCall, input: I) => Record<string, unknown>) =>
    (input: I, ctx: RequestContext) =>
      run.call(secrets, { scope: { account: ctx.account, region: ctx.region }, now: ctx.now }, input);
  return {
    CreateSecret: op(secrets.createSecret),
    PutSecretValue: op(secrets.putSecretValue),
    GetSecretValue: op(secrets.getSecretValue),
    DescribeSecret: op(secrets.describeSecret),
    ListSecrets: op(secrets.listSecrets),
    DeleteSecret: op(secrets.deleteSecret),
    RestoreSecret: op(secrets.restoreSecret),
    TagResource: op(secrets.tagResource),
    UntagResource: op(secrets.untagResource),
  };
}
