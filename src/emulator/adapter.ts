import type { RequestContext } from "./context.js";

/**
 * One entry per AWS operation, named exactly as AWS names it: the parsed,
 * validated input and the request context in, the output structure out.
 * No HTTP here: the protocol layer owns the wire. A synchronous handler runs
 * inside one store transaction; an asynchronous one (a session that starts an
 * agent) makes its writes in transactions of its own.
 */
export type OperationHandler = (
  // biome-ignore lint/suspicious/noExplicitAny: each entry narrows its input to the SDK's CommandInput type.
  input: any,
  ctx: RequestContext,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export type Adapter = Readonly<Record<string, OperationHandler>>;
