import { createHash } from "node:crypto";

/**
 * Names AWS gives a region's VPC-side services, shared by the emulated EC2
 * (which hands them out) and the session network (which enforces them).
 */

/** AWS-managed prefix lists of the gateway services, as published per region (2026-08); others are derived. */
const PREFIX_LISTS: Record<string, Record<string, string>> = {
  "us-east-1": { s3: "pl-63a5400a", dynamodb: "pl-02cd2c6b" },
  "us-west-2": { s3: "pl-68a54001", dynamodb: "pl-00a54069" },
  "eu-west-1": { s3: "pl-6da54004", dynamodb: "pl-6fa54006" },
};

/** The prefix list a gateway service's routes name in `region`. */
export function prefixListOf(region: string, service: string): string {
  const derived = createHash("sha256").update(`${region}/${service}`).digest("hex").slice(0, 8);
  return PREFIX_LISTS[region]?.[service] ?? `pl-${derived}`;
}

/** The name private DNS answers inside the VPC: the service's regional endpoint (ECR's registry is a wildcard). */
export function privateDnsNameOf(region: string, service: string): string {
  if (service === "ecr.dkr") return `*.dkr.ecr.${region}.amazonaws.com`;
  if (service === "ecr.api") return `api.ecr.${region}.amazonaws.com`;
  if (service === "s3") return `*.s3.${region}.amazonaws.com`;
  return `${service}.${region}.amazonaws.com`;
}
