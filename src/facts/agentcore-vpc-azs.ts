/**
 * Availability Zone IDs where AgentCore Runtime accepts VPC subnets, per
 * region: the "Supported Availability Zones" table of the AWS devguide page
 * `agentcore-vpc`. Zone ids (use1-az1), not names (us-east-1a): names map
 * to different zones in every account.
 *
 * Read from the copy of that page AWS publishes with the starter toolkit
 * (aws/bedrock-agentcore-starter-toolkit,
 * documentation/docs/user-guide/security/agentcore-vpc.md, last changed
 * 2025-10-24). The live page lists more regions since; a region missing
 * here answers undefined (unknown), never "unsupported". AgentCore's own
 * error message for us-east-1 lists exactly use1-az1, use1-az2, use1-az4.
 */
export const SUPPORTED_AZS_SOURCE =
  "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/agentcore-vpc.html#agentcore-supported-azs";
export const SUPPORTED_AZS_AS_OF = "2025-10-24";

const SUPPORTED: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": ["use1-az1", "use1-az2", "use1-az4"],
  "us-east-2": ["use2-az1", "use2-az2", "use2-az3"],
  "us-west-2": ["usw2-az1", "usw2-az2", "usw2-az3"],
  "ap-southeast-2": ["apse2-az1", "apse2-az2", "apse2-az3"],
  "ap-south-1": ["aps1-az1", "aps1-az2", "aps1-az3"],
  "ap-southeast-1": ["apse1-az1", "apse1-az2", "apse1-az3"],
  "ap-northeast-1": ["apne1-az1", "apne1-az2", "apne1-az4"],
  "eu-west-1": ["euw1-az1", "euw1-az2", "euw1-az3"],
  "eu-central-1": ["euc1-az1", "euc1-az2", "euc1-az3"],
};

/** The zone ids AgentCore supports in a region; undefined when this table does not know the region. */
export function supportedAzIds(region: string): readonly string[] | undefined {
  return SUPPORTED[region];
}
