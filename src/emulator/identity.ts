import { createHash } from "node:crypto";
import { partitionOf } from "../util/arn.js";
import type { UserIdentity } from "./cloudtrail/model.js";

/** The IAM user every access key stands for in the emulator (signatures are not verified). */
export const EMULATOR_USER = "agentcore-doctor";

function principalId(prefix: string, seed: string): string {
  return `${prefix}${createHash("sha256").update(seed).digest("hex").slice(0, 17).toUpperCase()}`;
}

/** Who a request is from: the same identity in CloudTrail, GetCallerIdentity and IAM judgements. */
export function callerIdentity(
  accessKeyId: string,
  account: string,
  region: string,
): UserIdentity & { type: "IAMUser" } {
  return {
    type: "IAMUser",
    principalId: principalId("AIDA", `${account}/${EMULATOR_USER}`),
    arn: `arn:${partitionOf(region)}:iam::${account}:user/${EMULATOR_USER}`,
    accountId: account,
    accessKeyId,
    userName: EMULATOR_USER,
  };
}
