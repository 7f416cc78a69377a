import type {
  CreateAgentRuntimeCommandInput,
  CreateAgentRuntimeEndpointCommandInput,
  DeleteAgentRuntimeCommandInput,
  DeleteAgentRuntimeEndpointCommandInput,
  GetAgentRuntimeCommandInput,
  GetAgentRuntimeEndpointCommandInput,
  ListAgentRuntimeEndpointsCommandInput,
  ListAgentRuntimesCommandInput,
  ListAgentRuntimeVersionsCommandInput,
  ListTagsForResourceCommandInput,
  TagResourceCommandInput,
  UntagResourceCommandInput,
  UpdateAgentRuntimeCommandInput,
  UpdateAgentRuntimeEndpointCommandInput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import type { Adapter } from "../adapter.js";
import type { RequestContext } from "../context.js";
import type { AgentRuntimes, RuntimeConfiguration } from "./model.js";

/** The control plane's operations over the AgentRuntimes model. */
export function controlPlaneAdapter(
  runtimes: AgentRuntimes,
  onRuntimeDeleted: (runtimeId: string) => void = () => {},
): Adapter {
  return {
    CreateAgentRuntime: (input: CreateAgentRuntimeCommandInput, ctx: RequestContext) =>
      runtimes.createRuntime(
        ctx,
        input as unknown as RuntimeConfiguration & { agentRuntimeName: string; clientToken?: string },
      ),
    GetAgentRuntime: (input: GetAgentRuntimeCommandInput, ctx: RequestContext) =>
      runtimes.getRuntime(ctx, input.agentRuntimeId!, input.agentRuntimeVersion) as unknown as Record<
        string,
        unknown
      >,
    UpdateAgentRuntime: (input: UpdateAgentRuntimeCommandInput, ctx: RequestContext) => {
      const { agentRuntimeId, ...rest } = input;
      return runtimes.updateRuntime(
        ctx,
        agentRuntimeId!,
        rest as unknown as RuntimeConfiguration & { clientToken?: string },
      );
    },
    DeleteAgentRuntime: (input: DeleteAgentRuntimeCommandInput, ctx: RequestContext) => {
      const result = runtimes.deleteRuntime(ctx, input.agentRuntimeId!);
      // Its instances stop, as AgentCore's do.
      onRuntimeDeleted(input.agentRuntimeId!);
      return result;
    },
    ListAgentRuntimes: (_input: ListAgentRuntimesCommandInput, ctx: RequestContext) =>
      runtimes.listRuntimes(ctx),
    ListAgentRuntimeVersions: (input: ListAgentRuntimeVersionsCommandInput, ctx: RequestContext) =>
      runtimes.listVersions(ctx, input.agentRuntimeId!),
    CreateAgentRuntimeEndpoint: (input: CreateAgentRuntimeEndpointCommandInput, ctx: RequestContext) =>
      runtimes.createEndpoint(ctx, input as Parameters<AgentRuntimes["createEndpoint"]>[1]),
    GetAgentRuntimeEndpoint: (input: GetAgentRuntimeEndpointCommandInput, ctx: RequestContext) =>
      runtimes.getEndpoint(ctx, input.agentRuntimeId!, input.endpointName!) as unknown as Record<
        string,
        unknown
      >,
    UpdateAgentRuntimeEndpoint: (input: UpdateAgentRuntimeEndpointCommandInput, ctx: RequestContext) =>
      runtimes.updateEndpoint(ctx, input as Parameters<AgentRuntimes["updateEndpoint"]>[1]),
    DeleteAgentRuntimeEndpoint: (input: DeleteAgentRuntimeEndpointCommandInput, ctx: RequestContext) =>
      runtimes.deleteEndpoint(ctx, input.agentRuntimeId!, input.endpointName!),
    ListAgentRuntimeEndpoints: (input: ListAgentRuntimeEndpointsCommandInput, ctx: RequestContext) =>
      runtimes.listEndpoints(ctx, input.agentRuntimeId!),
    TagResource: (input: TagResourceCommandInput, ctx: RequestContext) =>
      runtimes.tagResource(ctx, input.resourceArn!, input.tags ?? {}),
    UntagResource: (input: UntagResourceCommandInput, ctx: RequestContext) =>
      runtimes.untagResource(ctx, input.resourceArn!, input.tagKeys ?? []),
    ListTagsForResource: (input: ListTagsForResourceCommandInput, ctx: RequestContext) =>
      runtimes.listTagsForResource(ctx, input.resourceArn!),
  };
}
