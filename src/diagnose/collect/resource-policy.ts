import {
  type BedrockAgentCoreControlClient,
  GetResourcePolicyCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { apiSource, type EvidenceGap, gapFrom, type Sourced } from "../evidence.js";

/** The resource-based policies on the runtime and on the endpoint invocations use; null: none is set. */
export interface ResourcePolicyEvidence {
  runtime: string | null;
  endpoint: string | null;
  endpointArn: string;
}

/** GetResourcePolicy on the runtime and its endpoint; ResourceNotFoundException means no policy (a fact, not a gap). */
export async function collectResourcePolicies(
  control: BedrockAgentCoreControlClient,
  target: { runtimeArn: string; endpointName: string },
  gaps: EvidenceGap[],
): Promise<Sourced<ResourcePolicyEvidence> | undefined> {
  const endpointArn = `${target.runtimeArn}/runtime-endpoint/${target.endpointName}`;
  const read = async (resourceArn: string): Promise<string | null> => {
    try {
      return (await control.send(new GetResourcePolicyCommand({ resourceArn }))).policy ?? null;
    } catch (error) {
      if ((error as Error).name === "ResourceNotFoundException") return null;
      throw error;
    }
  };
  try {
    return {
      value: { runtime: await read(target.runtimeArn), endpoint: await read(endpointArn), endpointArn },
      source: apiSource("bedrock-agentcore-control", "GetResourcePolicy", { resourceArn: target.runtimeArn }),
    };
  } catch (error) {
    gaps.push(
      gapFrom(
        "resource-policy",
        "bedrock-agentcore-control",
        "GetResourcePolicy",
        "bedrock-agentcore",
        error,
      ),
    );
    return undefined;
  }
}
