import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { UsageError } from "../util/errors.js";

/** agentcore-emulator.yaml: which local directory stands in for which image, and session settings. */
const configSchema = z.strictObject({
  images: z.record(z.string().min(1), z.string().min(1)).default({}),
  startupTimeoutSeconds: z.number().positive().optional(),
  driver: z.enum(["netns", "process"]).optional(),
});

export type EmulatorConfig = z.infer<typeof configSchema>;

export const DEFAULT_CONFIG_FILE = "agentcore-emulator.yaml";

/** Reads the config (paths resolved against its directory); a missing default file is an empty config. */
export async function loadEmulatorConfig(path: string | undefined): Promise<EmulatorConfig> {
  const file = resolve(path ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (path) throw new UsageError(`${path} does not exist.`);
    return { images: {} };
  }
  let raw: unknown;
  try {
    raw = parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new UsageError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  const base = dirname(file);
  return {
    ...parsed.data,
    images: Object.fromEntries(
      Object.entries(parsed.data.images).map(([uri, dir]) => [uri, resolve(base, dir)]),
    ),
  };
}

/** `--image URI=DIR` flags into the image map. */
export function parseImageFlags(flags: readonly string[]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.lastIndexOf("=");
    if (at <= 0 || at === flag.length - 1) throw new UsageError(`--image wants URI=DIR (got ${flag}).`);
    images[flag.slice(0, at)] = resolve(flag.slice(at + 1));
  }
  return images;
}
