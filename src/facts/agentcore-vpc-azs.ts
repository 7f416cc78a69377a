/**
 * Availability Zone IDs where AgentCore Runtime accepts VPC subnets.
 * Source: AWS devguide `agentcore-vpc` (Supported Availability Zones).
 * Only regions confirmed so far are listed; others answer undefined (unknown).
 */
export const SUPPORTED_AZS_SOURCE =
  "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/agentcore-vpc.html";
export const SUPPORTED_AZS_AS_OF = "2026-11-25";

const SUPPORTED: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": ["use1-az1", "use1-az2", "use1-az4"],
};

export function supportedAzIds(region: string): readonly string[] | undefined {
  return SUPPORTED[region];
}
