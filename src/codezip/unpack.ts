import { createWriteStream } from "node:fs";
import { chmod, mkdir, symlink } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { describeEntry, openZip } from "./archive.js";

/**
 * Unpacks a code zip the way the managed runtime is documented to: with the
 * POSIX permissions it stores. Entries without a mode (a zip made on
 * Windows, or by the AgentCore CLI's packager) get 644 for files and 755 for
 * directories, as Info-ZIP's unzip gives them under a 022 umask: AgentCore's
 * own choice for them is not documented. Names that would land outside the
 * tree, and symlinks pointing outside it, are refused and listed.
 *
 * This is the tree a runner starts the entry point in (issue 12, item 2).
 */
export interface UnpackedCodeZip {
  root: string;
  files: number;
  refused: { path: string; problem: string }[];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function unpackCodeZip(source: string | Buffer, destination: string): Promise<UnpackedCodeZip> {
  const root = resolve(destination);
  await mkdir(root, { recursive: true });
  const zipfile = await openZip(source);
  const refused: UnpackedCodeZip["refused"] = [];
  const directoryModes: { path: string; mode: number }[] = [];
  let files = 0;
  try {
    for await (const entry of zipfile.eachEntry()) {
      const described = describeEntry(entry);
      if (described.refused) {
        refused.push({ path: described.name, problem: described.problem });
        continue;
      }
      if (described.path === "") continue;
      const target = join(root, described.path);
      const mode = described.mode === undefined ? undefined : described.mode & 0o777;
      if (described.type === "directory") {
        await mkdir(target, { recursive: true });
        directoryModes.push({ path: target, mode: mode ?? 0o755 });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      if (described.type === "symlink") {
        const link = await readAll(await zipfile.openReadStreamPromise(entry));
        const pointsTo = resolve(dirname(target), link);
        if (link.startsWith("/") || relative(root, pointsTo).startsWith("..")) {
          refused.push({ path: described.path, problem: `a symlink out of the tree (${link})` });
          continue;
        }
        await symlink(link, target);
        continue;
      }
      await pipeline(await zipfile.openReadStreamPromise(entry), createWriteStream(target));
      await chmod(target, mode ?? 0o644);
      files++;
    }
  } finally {
    zipfile.close();
  }
  // Directory modes last, deepest first: a directory without write permission would refuse its own files.
  for (const d of directoryModes.sort((a, b) => b.path.length - a.path.length)) await chmod(d.path, d.mode);
  return { root, files, refused };
}
