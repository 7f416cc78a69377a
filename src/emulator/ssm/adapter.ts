import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { ParameterStore, ParametersCall } from "./model.js";

/** Systems Manager Parameter Store's operations over its model; each takes the SDK's `…CommandInput`. */
export function ssmAdapter(parameters: ParameterStore): Adapter {
  const op =
    <I>(run: (call: ParametersCall, input: I) => Record<string, unknown>) =>
    (input: I, ctx: RequestContext) =>
      run.call(parameters, { scope: { account: ctx.account, region: ctx.region }, now: ctx.now }, input);
  return {
    PutParameter: op(parameters.putParameter),
    GetParameter: op(parameters.getParameter),
    GetParameters: op(parameters.getParameters),
    GetParametersByPath: op(parameters.getParametersByPath),
    DeleteParameter: op(parameters.deleteParameter),
    DeleteParameters: op(parameters.deleteParameters),
  };
}
