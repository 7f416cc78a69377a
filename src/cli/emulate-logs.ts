import type { Command } from "commander";
import type { ContainerOutput } from "../emulator/bedrock-agentcore/runtime-logs.js";
import { DEFAULT_EMULATOR_PORT, INTERNAL_PREFIX } from "../emulator/defaults.js";
import { UsageError } from "../util/errors.js";

interface LogsFlags {
  endpointUrl?: string;
  region?: string;
  follow?: boolean;
}

async function fetchOutput(
  base: string,
  query: Record<string, string>,
): Promise<{ total: number; lines: ContainerOutput[] }> {
  const url = new URL(`${INTERNAL_PREFIX}container-output`, base);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new UsageError(
      `No emulator answers at ${base} (${(error as Error).message}): start one with \`agentcore-doctor emulate\` or pass --endpoint-url.`,
    );
  }
  if (!response.ok)
    throw new UsageError(`${base} answered ${response.status}: is it an agentcore-doctor emulator?`);
  return (await response.json()) as { total: number; lines: ContainerOutput[] };
}

/** Lines grouped under their stream, each stream saying once whether CloudWatch would have it. */
export function formatOutput(
  lines: readonly ContainerOutput[],
  lastStream?: string,
): { text: string; lastStream?: string } {
  const out: string[] = [];
  let current = lastStream;
  for (const line of lines) {
    const stream = `${line.logGroup} ${line.logStream}`;
    if (stream !== current) {
      current = stream;
      out.push(
        `== ${line.logGroup}  ${line.logStream}  (session ${line.sessionId})`,
        line.delivered
          ? "   delivered to CloudWatch Logs, as AWS would"
          : `   NOT in CloudWatch Logs, as in AWS: ${line.notDeliveredBecause}`,
      );
    }
    out.push(`${new Date(line.at).toISOString()} ${line.stream.padEnd(6)} ${line.text}`);
  }
  return { text: out.length > 0 ? `${out.join("\n")}\n` : "", ...(current ? { lastStream: current } : {}) };
}

export function registerEmulateLogs(emulate: Command): void {
  emulate
    .command("logs [runtimeId]")
    .description(
      "show what a running emulator's agent instances wrote, and whether AWS would have delivered it to CloudWatch Logs",
    )
    .option("--endpoint-url <url>", "the emulator (default: $AWS_ENDPOINT_URL, else http://127.0.0.1:4599)")
    .option("--region <region>", "the runtime's region (default: $AWS_REGION, else us-east-1)")
    .option("-f, --follow", "keep printing new lines until Ctrl-C")
    .action(async (runtimeId: string | undefined, flags: LogsFlags) => {
      const base =
        flags.endpointUrl ?? process.env.AWS_ENDPOINT_URL ?? `http://127.0.0.1:${DEFAULT_EMULATOR_PORT}`;
      const query: Record<string, string> = {
        region: flags.region ?? process.env.AWS_REGION ?? "us-east-1",
        ...(runtimeId ? { runtimeId } : {}),
      };
      let read = 0;
      let lastStream: string | undefined;
      for (;;) {
        const { total, lines } = await fetchOutput(base, { ...query, after: String(read) });
        const formatted = formatOutput(lines, lastStream);
        lastStream = formatted.lastStream;
        process.stdout.write(formatted.text);
        if (!flags.follow) {
          if (total === 0)
            process.stderr.write(
              `No container output${runtimeId ? ` for ${runtimeId}` : ""} yet: invoke the runtime first.\n`,
            );
          return;
        }
        read = total;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    });
}
