import type { Finding } from "../findings/index.js";
import { checkProjectConfig } from "./config.js";
import type { StaticCheck, StaticContext } from "./context.js";
import { checkExposedPort } from "./expose.js";
import { checkLoopbackBind } from "./loopback-bind.js";
import { checkOtelInstrumentation } from "./otel.js";
import { checkImagePlatform } from "./platform.js";
import { checkPythonSdkHostDefault } from "./python-host.js";
import { checkServerStarted } from "./server-started.js";

export type { StaticContext } from "./context.js";

/** Every static check, in report order; a new check is one module and one entry here. */
export const STATIC_CHECKS: readonly StaticCheck[] = [
  checkProjectConfig,
  checkImagePlatform,
  checkExposedPort,
  checkPythonSdkHostDefault,
  checkLoopbackBind,
  checkServerStarted,
  checkOtelInstrumentation,
];

export async function runStaticChecks(context: StaticContext): Promise<Finding[]> {
  const results = await Promise.all(STATIC_CHECKS.map((check) => check(context)));
  return results.flat();
}
