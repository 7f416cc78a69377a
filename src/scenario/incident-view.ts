import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeNetworkInterfacesCommand, EC2Client } from "@aws-sdk/client-ec2";
import type { ClientConfig } from "./build.js";

/** One invocation the scenario made before diagnosing, as the caller saw it. */
export interface InvocationOutcome {
  runtime: string;
  ok: boolean;
  detail: string;
}

/** One thing the engineer saw during the incident, and the call that showed it. */
export interface Observation {
  call: string;
  saw: string;
}

/**
 * What an engineer sees of a runtime before any diagnosis, read the way
 * they read it (the AWS SDK, as the console and CLI do): its status, what
 * an invocation answered, the ENI looked up by description (the filter
 * everyone tries first) and then by AgentCore's tag, and the interface
 * calls CloudTrail recorded. The demo prints these before `diagnose` runs.
 */
export async function observeIncident(
  config: ClientConfig,
  runtime: { name: string; id: string; subnets: string[] },
  invocations: readonly InvocationOutcome[],
): Promise<Observation[]> {
  const seen: Observation[] = [];
  const control = new BedrockAgentCoreControlClient({ ...config, maxAttempts: 1 });
  const ec2 = new EC2Client({ ...config, maxAttempts: 1 });
  const trail = new CloudTrailClient({ ...config, maxAttempts: 1 });
  try {
    const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: runtime.id }));
    seen.push({
      call: `GetAgentRuntime ${runtime.id}`,
      saw: `status ${got.status}, network mode ${got.networkConfiguration?.networkMode}`,
    });
    for (const invocation of invocations.filter((i) => i.runtime === runtime.name)) {
      seen.push({ call: "InvokeAgentRuntime", saw: invocation.ok ? "answered" : invocation.detail });
    }
    if (runtime.subnets.length > 0) {
      const subnetFilter = { Name: "subnet-id", Values: runtime.subnets };
      const byDescription = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [subnetFilter, { Name: "description", Values: ["*AgentCore*", "*agentcore*"] }],
        }),
      );
      seen.push({
        call: "DescribeNetworkInterfaces description=*AgentCore*",
        saw: `${byDescription.NetworkInterfaces?.length ?? 0} interfaces`,
      });
      const byTag = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [subnetFilter, { Name: "tag:AmazonBedrockAgentCoreManaged", Values: ["true"] }],
        }),
      );
      for (const eni of byTag.NetworkInterfaces ?? []) {
        seen.push({
          call: "DescribeNetworkInterfaces tag:AmazonBedrockAgentCoreManaged=true",
          saw: `${eni.NetworkInterfaceId} ${eni.Status} ${eni.PrivateIpAddress} in ${eni.SubnetId}, description "${eni.Description ?? ""}"`,
        });
      }
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateNetworkInterface" }],
        }),
      );
      for (const event of [...(events.Events ?? [])].reverse()) {
        const record = JSON.parse(event.CloudTrailEvent ?? "{}") as {
          errorCode?: string;
          userIdentity?: { arn?: string; sessionContext?: { sessionIssuer?: { userName?: string } } };
        };
        const by = record.userIdentity?.sessionContext?.sessionIssuer?.userName ?? record.userIdentity?.arn;
        seen.push({
          call: "CloudTrail LookupEvents EventName=CreateNetworkInterface",
          saw: `${event.EventTime?.toISOString()} by ${by}${record.errorCode ? ` → ${record.errorCode}` : " → created"}`,
        });
      }
    }
  } finally {
    control.destroy();
    ec2.destroy();
    trail.destroy();
  }
  return seen;
}
