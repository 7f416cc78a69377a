import { execFile, execFileSync } from "node:child_process";

/** Why AWS CLI tests skip here, or undefined when the CLI is installed. */
export const awsCliSkip: string | undefined = (() => {
  try {
    execFileSync("aws", ["--version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "the AWS CLI is not installed";
  }
})();

/**
 * Runs `aws <args>` against the emulator with test credentials, JSON output and no retries.
 * Asynchronous: the emulator answers from this same process, so a blocking spawn would starve it.
 */
export function awsCli(
  endpointUrl: string,
  ...args: string[]
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "aws",
      [...args, "--endpoint-url", endpointUrl, "--output", "json"],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_DEFAULT_REGION: "us-east-1",
          AWS_MAX_ATTEMPTS: "1",
        },
      },
      (error, stdout, stderr) =>
        resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
