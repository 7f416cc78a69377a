import { launchAgent } from "../agent/launcher.js";
import { trustVariables } from "../util/ca-trust.js";
import type { Executor, Instance, StartOptions } from "./types.js";

/**
 * Today's mode: the agent's directory run as a command on this host, with
 * this machine's interpreters and packages, /.dockerenv hidden where it can
 * be (src/agent/isolation.ts), in the given network namespace.
 */
export const hostCommandExecutor: Executor = {
  kind: "host-command",
  async start(options: StartOptions): Promise<Instance> {
    if (options.artifact.kind !== "host-command") {
      throw new Error(`the host-command executor cannot run a ${options.artifact.kind} artifact`);
    }
    await options.after;
    // The host's files are the instance's: the bundle is trusted where it is.
    const env = { ...options.env, ...(options.caBundle ? trustVariables(options.caBundle) : {}) };
    return launchAgent({
      plan: options.artifact.plan,
      ...(options.netns ? { netns: options.netns } : {}),
      env,
      ...(options.inheritAwsEnv !== undefined ? { inheritAwsEnv: options.inheritAwsEnv } : {}),
      ...(options.keepLines !== undefined ? { keepLines: options.keepLines } : {}),
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    });
  },
};
