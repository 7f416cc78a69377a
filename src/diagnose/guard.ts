import type {
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  MiddlewareStack,
} from "@smithy/types";
import { isAllowed } from "./allow-list.js";

export class ForbiddenOperationError extends Error {
  override name = "ForbiddenOperationError";
}

/** The client name the SDK puts in the handler context, without its "Client" suffix. */
function serviceOf(clientName: string | undefined): string {
  return (clientName ?? "").replace(/Client$/, "");
}

/**
 * Adds a first middleware step to an SDK client that refuses any operation
 * outside the allow-list before it is serialized, signed or sent.
 */
// biome-ignore lint/suspicious/noExplicitAny: the guard fits every client, whatever its input and output types.
export function guardClient<C extends { middlewareStack: MiddlewareStack<any, any> }>(
  client: C,
  options: { allowInvoke: boolean; onCall?: (service: string, operation: string) => void },
): C {
  client.middlewareStack.add(
    (next: InitializeHandler<object, object>, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<object>) => {
        const service = serviceOf(context.clientName);
        const operation = (context.commandName ?? "").replace(/Command$/, "");
        if (!isAllowed(service, operation, options.allowInvoke)) {
          throw new ForbiddenOperationError(
            `diagnose is read-only: ${service}:${operation} is not on its allow-list${operation === "InvokeAgentRuntime" ? " (pass --invoke to allow one probe invocation)" : ""}.`,
          );
        }
        options.onCall?.(service, operation);
        return next(args);
      },
    { step: "initialize", name: "agentcoreDoctorReadOnlyGuard", priority: "high" },
  );
  return client;
}
