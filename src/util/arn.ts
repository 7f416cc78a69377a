import { partition } from "@aws-sdk/core/client";

/**
 * The partition a region belongs to (`aws`, `aws-cn` for cn-*, `aws-us-gov`
 * for us-gov-*, `aws-iso` for us-iso-*, `aws-iso-b` for us-isob-*, ...): the
 * AWS SDK's own partition table, so a new partition needs no change here. A
 * region the table does not know is in `aws`, as the SDK resolves it.
 */
export function partitionOf(region: string): string {
  return partition(region).name;
}

/** The partition field of an ARN, any partition (`aws`, `aws-cn`, `aws-iso-b`, ...), for patterns that parse ARNs. */
export const ARN_PARTITION = "aws(?:-[a-z]+)*";

/** The partition an ARN names (its second field): `arn:aws-cn:iam::...` → `aws-cn`. */
export function partitionOfArn(arn: string): string {
  return arn.split(":")[1] || "aws";
}
