import type { GetParameterCommandInput, GetParametersCommandInput } from "@aws-sdk/client-ssm";
import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { ParameterStore, ParametersCall } from "./model.js";
import { isSecretsReference, readSecretsReference, type SecretsManagerCall } from "./secrets-reference.js";

/**
 * Systems Manager Parameter Store's operations over its model; each takes the
 * SDK's `…CommandInput`. GetParameter and GetParameters also read Secrets
 * Manager secrets by reference, through `secretsManager`.
 */
export function ssmAdapter(parameters: ParameterStore, secretsManager: SecretsManagerCall): Adapter {
  const callOf = (ctx: RequestContext): ParametersCall => ({
    scope: { account: ctx.account, region: ctx.region },
    now: ctx.now,
  });
  const op =
    <I>(run: (call: ParametersCall, input: I) => Record<string, unknown>) =>
    (input: I, ctx: RequestContext) =>
      run.call(parameters, callOf(ctx), input);
  return {
    PutParameter: op(parameters.putParameter),
    GetParameter: (input: GetParameterCommandInput, ctx: RequestContext) =>
      isSecretsReference(input.Name!)
        ? { Parameter: readSecretsReference(secretsManager, ctx, input.Name!, input.WithDecryption ?? false) }
        : parameters.getParameter(callOf(ctx), input),
    GetParameters: (input: GetParametersCommandInput, ctx: RequestContext) => {
      const names = input.Names ?? [];
      const references = [...new Set(names.filter(isSecretsReference))];
      const stored = parameters.getParameters(callOf(ctx), {
        ...input,
        Names: names.filter((name) => !isSecretsReference(name)),
      });
      for (const name of references) {
        try {
          stored.Parameters.push(
            readSecretsReference(secretsManager, ctx, name, input.WithDecryption ?? false),
          );
        } catch (error) {
          // A secret that is not there is one more invalid name; any other refusal is the call's.
          if ((error as { code?: string }).code !== "ParameterNotFound") throw error;
          stored.InvalidParameters.push(name);
        }
      }
      return stored;
    },
    GetParametersByPath: op(parameters.getParametersByPath),
    DeleteParameter: op(parameters.deleteParameter),
    DeleteParameters: op(parameters.deleteParameters),
  };
}
