import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type Zippable, zipSync } from "fflate";
import type { Scenario } from "./schema.js";

/** A code runtime's S3 location, from its CreateAgentRuntime request. */
export function codeLocationOf(
  request: Record<string, unknown>,
): { bucket: string; key: string } | undefined {
  const s3 = (
    request.agentRuntimeArtifact as {
      codeConfiguration?: { code?: { s3?: { bucket?: string; prefix?: string } } };
    }
  )?.codeConfiguration?.code?.s3;
  return s3?.bucket && s3.prefix ? { bucket: s3.bucket, key: s3.prefix } : undefined;
}

const UNIX = 3;

/**
 * Zips a directory as `cd dir && zip -r` does on Linux: every file and
 * directory with the POSIX mode it has on disk (stored in the external
 * attributes, made by Unix), except where `modes` says what the user's zip
 * tool stored instead (`{"main.py": "600"}`: what a checkout cannot keep).
 */
export async function zipDirectory(dir: string, modes: Record<string, string> = {}): Promise<Uint8Array> {
  const entries: Zippable = {};
  const walk = async (path: string) => {
    for (const name of (await readdir(path)).sort()) {
      const full = join(path, name);
      const rel = relative(dir, full);
      const stat = await lstat(full);
      const mode = modes[rel] !== undefined ? Number.parseInt(modes[rel]!, 8) : stat.mode & 0o7777;
      if (stat.isDirectory()) {
        entries[`${rel}/`] = [new Uint8Array(), { os: UNIX, attrs: ((0o040000 | mode) << 16) >>> 0 }];
        await walk(full);
      } else if (stat.isFile()) {
        entries[rel] = [
          new Uint8Array(await readFile(full)),
          { os: UNIX, attrs: ((0o100000 | mode) << 16) >>> 0 },
        ];
      }
    }
  };
  await walk(dir);
  return zipSync(entries, { level: 6 });
}

/**
 * Before the runtimes are made: each code runtime's `agent` directory,
 * zipped, is put where its request's codeConfiguration says (the bucket
 * made when it does not exist), as `zip -r` and `aws s3 cp` would; an
 * `agent` that is a .zip file (what the user's own tool made) is put as it is.
 */
export async function uploadCodeZips(
  scenario: Scenario,
  dir: string,
  config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
): Promise<void> {
  const uploads = Object.values(scenario.runtimes).flatMap((r) => {
    const location = codeLocationOf(r.request);
    return location ? [{ ...location, agent: resolve(dir, r.agent), modes: r.zipModes }] : [];
  });
  if (uploads.length === 0) return;
  const s3 = new S3Client({ ...config, forcePathStyle: true, maxAttempts: 1 });
  try {
    for (const upload of uploads) {
      const exists = await s3.send(new HeadBucketCommand({ Bucket: upload.bucket })).then(
        () => true,
        () => false,
      );
      if (!exists) await s3.send(new CreateBucketCommand({ Bucket: upload.bucket }));
      await s3.send(
        new PutObjectCommand({
          Bucket: upload.bucket,
          Key: upload.key,
          Body: (await stat(upload.agent)).isFile()
            ? await readFile(upload.agent)
            : await zipDirectory(upload.agent, upload.modes),
        }),
      );
    }
  } finally {
    s3.destroy();
  }
}
