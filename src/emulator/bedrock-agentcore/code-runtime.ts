import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CodeZipTarget,
  hostInterpreter,
  isManagedRuntime,
  unpackCodeZip,
  zipRunCommand,
} from "../../codezip/index.js";
import type { Artifact } from "../../executor/index.js";
import { partitionOf } from "../../util/arn.js";
import type { Iam } from "../iam/model/iam.js";
import { AwsError } from "../protocol/errors.js";
import type { S3 } from "../s3/model.js";
import { arm64RunCommand, type CodeBase, type CodeBaseOptions, codeBase } from "./code-base.js";

/** A code runtime's artifact: CreateAgentRuntime's `codeConfiguration`, its S3 location flattened. */
export interface CodeSpec {
  bucket: string;
  prefix: string;
  versionId?: string;
  runtime: string;
  entryPoint: string[];
}

/** Where a fetched zip is, on this host. */
export interface FetchedCode {
  path: string;
  /** The version read, when the bucket keeps versions. */
  versionId?: string;
}

/** Fetches a code runtime's zip as the execution role; an AwsError when the role may not, or the object is not there. */
export type CodeFetcher = (
  code: CodeSpec,
  who: { account: string; region: string; roleArn: string },
) => FetchedCode;

export const codeLocation = (code: CodeSpec) =>
  `s3://${code.bucket}/${code.prefix}${code.versionId ? ` (version ${code.versionId})` : ""}`;

/**
 * The emulator's S3 as AgentCore reads a code zip from it: with the
 * execution role's permissions (s3:GetObject, s3:GetObjectVersion for a
 * pinned version), a refusal worded as IAM words an identity-policy denial.
 * AgentCore's own text for a refused fetch is not documented.
 */
export function s3CodeFetcher(s3: S3, iam: Iam): CodeFetcher {
  return (code, who) => {
    const action = code.versionId ? "s3:GetObjectVersion" : "s3:GetObject";
    const resource = `arn:${partitionOf(who.region)}:s3:::${code.bucket}/${code.prefix}`;
    if (!iam.isAllowed(who.account, who.roleArn, action, resource)) {
      throw new AwsError(
        "AccessDeniedException",
        `The execution role could not read the code artifact ${codeLocation(code)}: User: ${who.roleArn} is not authorized to perform: ${action} on resource: "${resource}" because no identity-based policy allows the ${action} action`,
        {},
        403,
      );
    }
    try {
      const file = s3.objectFile(
        { account: who.account, region: who.region, now: new Date() },
        { Bucket: code.bucket, Key: code.prefix, ...(code.versionId ? { VersionId: code.versionId } : {}) },
      );
      return { path: file.path, ...(file.versionId ? { versionId: file.versionId } : {}) };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      throw new AwsError(
        "ValidationException",
        `The code artifact ${codeLocation(code)} could not be read: ${error.code}: ${error.message}`,
        { reason: "FieldValidationFailed" },
      );
    }
  };
}

/** An unpacked code zip ready to start, and the tree to remove when its instance is gone. */
export interface PreparedCode {
  artifact: Artifact;
  root: string;
  /** Facts about the run (the interpreter it really has, a command item not run). */
  notes: string[];
  /** Why it runs on this machine's interpreter rather than the linux/arm64 base AgentCore runs it on. */
  onHost?: string;
  remove(): Promise<void>;
}

/**
 * Unpacks the zip with its POSIX permissions into a tree of its own and
 * plans its start: on the linux/arm64 base under runc where this host has
 * every part (code-base.ts), as AgentCore's managed runtimes are arm64;
 * else on this machine's interpreter for the runtime (the same mechanism as
 * `check` of a zip: src/codezip/host-run.ts), the reason in the notes.
 */
export async function prepareCode(
  code: CodeSpec,
  zipPath: string,
  options: CodeBaseOptions & { base?: CodeBase } = {},
): Promise<PreparedCode> {
  if (!isManagedRuntime(code.runtime))
    throw new AwsError("ValidationException", `Unsupported runtime ${code.runtime}`, {
      reason: "FieldValidationFailed",
    });
  const target: CodeZipTarget = {
    runtime: code.runtime,
    entryPoint: code.entryPoint,
    origin: "CreateAgentRuntime codeConfiguration",
  };
  const chosen = options.base ?? (await codeBase(options));
  if (chosen.kind === "arm64") return prepareOnArm64(target, zipPath, chosen);
  if ("required" in chosen && chosen.required)
    throw new AwsError(
      "RuntimeClientError",
      `The emulator cannot run this code runtime on linux/arm64 here (ACD_CODE_RUNTIME_BASE=arm64): ${chosen.why}.`,
    );
  const interpreter = hostInterpreter(target.runtime);
  if (!interpreter)
    throw new AwsError(
      "RuntimeClientError",
      `The emulator has no ${target.runtime === "NODE_22" ? "node" : "python3"} on this host to run ${target.runtime} code with.`,
    );
  const root = await mkdtemp(join(tmpdir(), "acd-code-"));
  const remove = () => rm(root, { recursive: true, force: true });
  try {
    const unpacked = await unpackCodeZip(zipPath, root);
    const command = zipRunCommand(target, interpreter, root);
    if ("why" in command)
      throw new AwsError("RuntimeClientError", `Runtime initialization failed: ${command.why}`);
    return {
      artifact: {
        kind: "host-command",
        plan: {
          dir: root,
          argv: command.argv,
          cwd: root,
          env: command.env,
          origin: `codeConfiguration ${target.runtime} ${JSON.stringify(target.entryPoint)}`,
        },
      },
      root,
      onHost: chosen.why,
      notes: [
        `on this machine's ${process.arch === "x64" ? "x86-64 " : ""}interpreter, not on linux/arm64 as AgentCore runs code zips (a native module built for this machine loads here though it fails there): ${chosen.why}`,
        ...command.notes,
        ...(unpacked.refused.length > 0
          ? [`not unpacked: ${unpacked.refused.map((r) => `${r.path} (${r.problem})`).join(", ")}`]
          : []),
      ],
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function prepareOnArm64(
  target: CodeZipTarget,
  zipPath: string,
  base: Extract<CodeBase, { kind: "arm64" }>,
): Promise<PreparedCode> {
  const root = await mkdtemp(join(tmpdir(), "acd-code-"));
  let released = false;
  const remove = async () => {
    await rm(root, { recursive: true, force: true });
    if (!released) {
      released = true;
      await base.release();
    }
  };
  try {
    const unpacked = await unpackCodeZip(zipPath, root);
    const command = arm64RunCommand(target, base, root);
    if ("why" in command)
      throw new AwsError("RuntimeClientError", `Runtime initialization failed: ${command.why}`);
    return {
      artifact: { kind: "oci-image", image: base.image, run: command.run },
      root,
      notes: [
        ...command.notes,
        ...(unpacked.refused.length > 0
          ? [`not unpacked: ${unpacked.refused.map((r) => `${r.path} (${r.problem})`).join(", ")}`]
          : []),
      ],
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
