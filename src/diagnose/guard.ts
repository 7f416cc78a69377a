import type {
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  MiddlewareStack,
  Pluggable,
} from "@smithy/types";
import { isAllowed } from "./allow-list.js";

export class ForbiddenOperationError extends Error {
  override name = "ForbiddenOperationError";
}

export interface GuardOptions {
  allowInvoke: boolean;
  /** Told of every call that passes the guard (for the report's count of API calls). */
  onCall?: (service: string, operation: string) => void;
}

/** The client name the SDK puts in the handler context, without its "Client" suffix. */
function serviceOf(clientName: string | undefined): string {
  return (clientName ?? "").replace(/Client$/, "");
}

/**
 * The guard as an SDK plugin: a first middleware step that refuses any
 * operation outside the allow-list before it is serialized, signed or sent.
 * A plugin, so that clients the SDK makes for itself (the STS client of the
 * credential chain) can carry it too.
 */
// biome-ignore lint/suspicious/noExplicitAny: the guard fits every client, whatever its input and output types.
export function guardPlugin(options: GuardOptions): Pluggable<any, any> {
  return {
    applyToStack: (stack) => {
      stack.add(
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
    },
  };
}

/** Puts the guard on a client diagnose made. */
// biome-ignore lint/suspicious/noExplicitAny: the guard fits every client, whatever its input and output types.
export function guardClient<C extends { middlewareStack: MiddlewareStack<any, any> }>(
  client: C,
  options: GuardOptions,
): C {
  client.middlewareStack.use(guardPlugin(options));
  return client;
}
