import { readFileSync } from "node:fs";
import type { RestXmlPatch } from "../protocol/rest-xml.js";

/**
 * Virtual-hosted addressing undone: the path-style path that a request to
 * `bucket.s3.us-east-1.amazonaws.com/key` (through the stand-in), the legacy
 * `bucket.s3-us-west-2.amazonaws.com`, `bucket.s3.amazonaws.com` or an SDK's
 * `bucket.localhost:4599` stands for; undefined for a host that names no
 * bucket (`s3.us-east-1.amazonaws.com`, `127.0.0.1:4599`: path-style).
 */
export function s3HostPath(host: string, path: string): string | undefined {
  const name = host.toLowerCase().replace(/:\d+$/, "");
  const bucket =
    /^(.+?)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/.exec(name)?.[1] ??
    /^(.+)\.localhost$/.exec(name)?.[1];
  if (!bucket) return undefined;
  return `/${bucket}${path === "/" ? "" : path}`;
}

/** S3's wire facts botocore's model does not carry (models/patches/s3.json). */
export function s3Patch(): RestXmlPatch {
  // src/emulator/s3 and dist/emulator/s3 sit at the same depth below the package root.
  const file = new URL("../../../models/patches/s3.json", import.meta.url);
  const { $comment: _, ...patch } = JSON.parse(readFileSync(file, "utf8")) as RestXmlPatch & {
    $comment?: string;
  };
  return patch;
}
