import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  analyzeCodeZip,
  type CodeZip,
  type CodeZipAnalysis,
  isManagedRuntime,
  MANAGED_RUNTIMES,
  readCodeZipBuffer,
} from "../../codezip/index.js";
import { indexZip } from "../../codezip/zip-index.js";
import type { Finding } from "../../findings/index.js";
import { type AwsServiceUse, scanAwsServiceUsage } from "../../static-checks/aws-service-usage.js";
import { apiSource, type EvidenceGap, gapFrom, type Sourced } from "../evidence.js";
import type { CodeArtifact } from "./runtime.js";

/** A code runtime's zip as AgentCore reads it from S3, judged by the same checks as `check`. */
export interface CodeZipEvidence {
  /** `s3://bucket/key` (with `?versionId=` when the runtime names one). */
  location: string;
  bytes: number;
  runtime: string;
  entryPoint: string[];
  /** The static zip findings, their file evidence cited as `s3://bucket/key!/path`. */
  findings: Finding[];
  /** What the checks could not judge. */
  notes: string[];
  /** The AWS services the zip's own modules call (not its installed packages'), files cited inside the object. */
  awsServices: AwsServiceUse[];
}

const OWN_SOURCE = /\.(py|js|cjs|mjs|ts|cts|mts)$/;

/**
 * The AWS calls of the zip's own code, read by the same scan as --source:
 * its source files that no installed distribution's RECORD claims and that
 * are not under node_modules/ or bin/, written to a scratch tree for the scan.
 */
async function ownAwsServices(zip: CodeZip, location: string): Promise<AwsServiceUse[]> {
  const index = indexZip(zip);
  const own = zip.entries.filter(
    (e) =>
      e.type === "file" &&
      e.complete &&
      e.content !== undefined &&
      OWN_SOURCE.test(e.path) &&
      !index.ownerOf(e.path) &&
      !/(^|\/)(node_modules|bin|__pycache__)\//.test(e.path),
  );
  if (own.length === 0) return [];
  const root = await mkdtemp(join(tmpdir(), "acd-zip-scan-"));
  try {
    for (const entry of own) {
      const path = join(root, entry.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, entry.content!);
    }
    const uses = await scanAwsServiceUsage(root);
    return uses.map((use) => ({ ...use, file: `${location}!/${use.file}` }));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export const s3Location = (code: CodeArtifact) =>
  `s3://${code.bucket}/${code.prefix}${code.versionId ? `?versionId=${code.versionId}` : ""}`;

/** File evidence named inside the object: `s3://bucket/key!/main.py` instead of the local zip's name. */
function citedInObject(analysis: CodeZipAnalysis, location: string): Finding[] {
  const local = `${analysis.source.path.split("/").pop()}!/`;
  return analysis.findings.map((f) => ({
    ...f,
    evidence: f.evidence.map((e) =>
      e.source.kind === "file" && e.source.path.startsWith(local)
        ? { ...e, source: { ...e.source, path: `${location}!/${e.source.path.slice(local.length)}` } }
        : e,
    ),
  }));
}

/**
 * Reads the zip (s3:GetObject, read-only) and runs the static zip checks
 * for the runtime's `codeConfiguration`. A refused or failed read is a gap
 * naming the call and the permission; the run goes on.
 */
export async function collectCodeZip(
  s3: S3Client,
  code: CodeArtifact,
  gaps: EvidenceGap[],
): Promise<Sourced<CodeZipEvidence> | undefined> {
  const location = s3Location(code);
  const parameters = {
    Bucket: code.bucket,
    Key: code.prefix,
    ...(code.versionId ? { VersionId: code.versionId } : {}),
  };
  let body: Uint8Array;
  try {
    const object = await s3.send(new GetObjectCommand(parameters));
    body = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    gaps.push(gapFrom("code-zip", "s3", "GetObject", "s3", error));
    return undefined;
  }
  const source = apiSource("s3", "GetObject", parameters);
  if (!isManagedRuntime(code.runtime)) {
    gaps.push({
      collector: "code-zip",
      service: "s3",
      operation: "GetObject",
      errorCode: "UnknownManagedRuntime",
      message: `the runtime's codeConfiguration.runtime is ${code.runtime || "empty"}, not one of ${MANAGED_RUNTIMES.join(", ")}: the zip was fetched but not judged`,
    });
    return undefined;
  }
  const name = code.prefix.split("/").pop() || "code.zip";
  let analysis: CodeZipAnalysis;
  let zip: CodeZip;
  try {
    zip = await readCodeZipBuffer(Buffer.from(body), { kind: "zip", path: name });
    analysis = analyzeCodeZip(zip, {
      runtime: code.runtime,
      entryPoint: code.entryPoint,
      origin: "GetAgentRuntime codeConfiguration",
    });
  } catch (error) {
    gaps.push({
      collector: "code-zip",
      service: "s3",
      operation: "GetObject",
      errorCode: "NotAZip",
      message: `${location} (${body.byteLength} bytes) could not be read as a zip: ${(error as Error).message}`,
    });
    return undefined;
  }
  return {
    value: {
      location,
      bytes: body.byteLength,
      runtime: code.runtime,
      entryPoint: code.entryPoint,
      findings: citedInObject(analysis, location),
      notes: analysis.notes,
      awsServices: await ownAwsServices(zip, location),
    },
    source,
  };
}
