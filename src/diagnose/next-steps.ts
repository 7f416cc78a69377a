import type { Finding } from "../findings/index.js";
import { GATEWAY_SERVICES, routeTableOf, serviceNameOf } from "../net/reachability.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { runtimeLogGroupName } from "./collect/logs.js";
import { type Derived, derive } from "./derive.js";
import type { Hypothesis } from "./hypotheses.js";
import { TELEMETRY_SERVICES } from "./network-paths.js";
import type { DiagnoseVerdict } from "./verdict.js";

export interface NextStep {
  why: string;
  /** A command the AWS CLI (v1 and v2) or agentcore-doctor accepts, filled with this runtime's values. */
  command: string;
}

/** Quotes a value for a POSIX shell only when it needs it. */
function sh(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'"'"'`)}'`;
}

/**
 * The commands that settle what this report could not, and re-check what it
 * found, with the runtime's own values. Read-only AWS calls, except the
 * VPC endpoints a blocked path needs (marked "fix:"); the other fixes are in
 * the findings, where each names its own command.
 */
export function nextSteps(
  e: DiagnoseEvidence,
  hypotheses: readonly Hypothesis[],
  d: Derived = derive(e),
): NextStep[] {
  const r = e.runtime.value;
  const { region } = d;
  const steps: NextStep[] = [];
  if (!e.invoke) {
    steps.push({
      why: "see the symptom first-hand: one invocation on a new session, then its logs",
      command: `agentcore-doctor diagnose ${r.runtimeId} --region ${region} --invoke`,
    });
  }
  const unknownSourceCauses = hypotheses.some(
    (h) => h.verdict === "unknown" && h.checked.some((c) => c.includes("--source")),
  );
  if (unknownSourceCauses) {
    steps.push({
      why: "judge the causes that live in the agent's code (host, port, /ping) against its source",
      command: `agentcore-doctor check <agent directory>`,
    });
  }
  const group = runtimeLogGroupName(r.runtimeId, r.endpoint.name);
  steps.push({
    why: "the container's own output, newest stream first",
    command: `aws logs describe-log-streams --log-group-name ${sh(group)} --order-by LastEventTime --descending --max-items 5 --region ${region}`,
  });
  if (r.networkMode === "VPC") {
    const vpcId = e.network?.value.vpcId;
    steps.push({
      why: "AgentCore's network interfaces are found by tag: their description is empty",
      command: `aws ec2 describe-network-interfaces --filters Name=tag:AmazonBedrockAgentCoreManaged,Values=true Name=subnet-id,Values=${r.subnets.join(",")} --region ${region}`,
    });
    steps.push({
      why: "the subnets' zone ids (AgentCore supports only some per region) and free addresses",
      command: `aws ec2 describe-subnets --filters Name=subnet-id,Values=${r.subnets.join(",")} --query ${sh("Subnets[].[SubnetId,AvailabilityZone,AvailabilityZoneId,AvailableIpAddressCount]")} --region ${region}`,
    });
    steps.push({
      why: "what routes the runtime's subnets have out (a NAT gateway, or VPC endpoints); a subnet without an explicit association uses the main table",
      command: vpcId
        ? `aws ec2 describe-route-tables --filters Name=vpc-id,Values=${vpcId} --region ${region}`
        : `aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=${r.subnets.join(",")} --region ${region}`,
    });
    if (r.securityGroups.length > 0) {
      steps.push({
        why: "the runtime's security groups: their egress rules decide what it may reach",
        command: `aws ec2 describe-security-groups --filters Name=group-id,Values=${r.securityGroups.join(",")} --region ${region}`,
      });
    }
    if (vpcId) {
      steps.push({
        why: "the VPC endpoints: which services are reachable without a NAT gateway, and whether their private DNS is on",
        command: `aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=${vpcId} --query ${sh("VpcEndpoints[].[VpcEndpointId,ServiceName,VpcEndpointType,State,PrivateDnsEnabled]")} --region ${region}`,
      });
    }
    steps.push(...endpointFixes(d));
    steps.push({
      why: "what AgentCore did in the account with its service-linked role",
      command: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateNetworkInterface --region ${region}`,
    });
  }
  steps.push({
    why: "the runtime's configuration as deployed",
    command: `aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id ${r.runtimeId} --region ${region}`,
  });
  return steps;
}

/**
 * The one change that opens a path the agent needs and lacks: a VPC endpoint
 * per service with no route (an interface endpoint in the runtime's subnets,
 * private DNS on; a gateway endpoint on the subnets' route tables for S3 and
 * DynamoDB). Not read-only: shown for a path judged blocked, never run by diagnose.
 */
function endpointFixes(d: Derived): NextStep[] {
  const n = d.vpc;
  const { region } = d;
  if (!n?.vpcId) return [];
  const services = [...new Set([...d.services.map((u) => u.service), ...TELEMETRY_SERVICES])];
  const reusable = (n.endpoints?.value ?? [])
    .filter((x) => x.VpcEndpointType?.toLowerCase() === "interface")
    .flatMap((x) => (x.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])));
  const groups = [...new Set(reusable.length > 0 ? reusable : n.groupIds)];
  const tables = [
    ...new Set(
      n.subnetIds.flatMap((id) => {
        const table = n.routeTables ? routeTableOf(n.routeTables.value, id, n.vpcId!) : undefined;
        return table?.RouteTableId ? [table.RouteTableId] : [];
      }),
    ),
  ];
  const dnsOff = n.dnsSupport?.value === false || n.dnsHostnames?.value === false;
  const fixes = services.flatMap((service): NextStep[] => {
    const path = d.paths.get(service);
    if (path?.verdict.status !== "blocked" || path.verdict.reason !== "no-route") return [];
    const name = serviceNameOf(region, service);
    if (GATEWAY_SERVICES.includes(service) && tables.length > 0) {
      return [
        {
          why: `fix: no path to ${service}; a gateway endpoint on the runtime's route tables gives one`,
          command: `aws ec2 create-vpc-endpoint --vpc-id ${n.vpcId} --vpc-endpoint-type Gateway --service-name ${name} --route-table-ids ${tables.join(" ")} --region ${region}`,
        },
      ];
    }
    return [
      {
        why: `fix: no path to ${service}; an interface endpoint with private DNS in the runtime's subnets gives one${reusable.length > 0 ? " (security group of the existing endpoints)" : " (its security group must admit tcp 443 from the runtime)"}`,
        command: `aws ec2 create-vpc-endpoint --vpc-id ${n.vpcId} --vpc-endpoint-type Interface --service-name ${name} --subnet-ids ${n.subnetIds.join(" ")} --security-group-ids ${groups.join(" ")} --private-dns-enabled --region ${region}`,
      },
    ];
  });
  // EC2 refuses --private-dns-enabled unless the VPC has both DNS attributes on.
  const interfaceFixes = fixes.some((f) => f.command.includes("--vpc-endpoint-type Interface"));
  if (!interfaceFixes || !dnsOff) return fixes;
  const attributes = [
    ...(n.dnsSupport?.value === false ? ["--enable-dns-support"] : []),
    ...(n.dnsHostnames?.value === false ? ["--enable-dns-hostnames"] : []),
  ];
  return [
    ...attributes.map((flag) => ({
      why: `fix, first: an interface endpoint's private DNS needs the VPC's ${flag.slice(2)} on (EC2 refuses --private-dns-enabled otherwise)`,
      command: `aws ec2 modify-vpc-attribute --vpc-id ${n.vpcId} ${flag} ${sh('{"Value":true}')} --region ${region}`,
    })),
    ...fixes,
  ];
}

/** A support-case text a user can paste: the facts, what was ruled out, the question. */
export function supportCaseText(
  e: DiagnoseEvidence,
  findings: readonly Finding[],
  hypotheses: readonly Hypothesis[],
  d: Derived = derive(e),
  verdict?: DiagnoseVerdict,
): string {
  const healthy = verdict?.verdict === "healthy";
  const r = e.runtime.value;
  const { region, account } = d;
  const symptom = e.invoke
    ? e.invoke.value.ok
      ? `A test invocation on a new session succeeded (${e.invoke.value.elapsedMs} ms).`
      : `InvokeAgentRuntime on a new session fails with ${e.invoke.value.errorCode}: "${e.invoke.value.errorMessage}".`
    : "Invocations were not tested by this report.";
  const ruledOut = hypotheses.filter((h) => h.verdict === "ruled-out").map((h) => h.cause);
  const supported = hypotheses.filter((h) => h.verdict === "confirmed" || h.verdict === "likely");
  const logs = e.logs
    ? e.logs.value.group
      ? `The log group ${e.logs.value.group} has ${e.logs.value.lines.length} recent line(s).`
      : "The runtime has no log group."
    : "Logs were not read.";
  return [
    `Subject: AgentCore Runtime ${r.runtimeId} (${region}): ${healthy ? "no failure observed" : supported[0] ? supported[0].title.toLowerCase() : "invocations failing"}`,
    "",
    `Runtime: ${r.runtimeArn} (account ${account}, region ${region}), version ${r.version}, status ${r.status}, endpoint ${r.endpoint.name} ${r.endpoint.status}.`,
    `Network mode: ${r.networkMode}${r.networkMode === "VPC" ? `, subnets ${r.subnets.join(", ")}, security groups ${r.securityGroups.join(", ")}` : ""}. Protocol: ${r.protocol}.`,
    symptom,
    logs,
    "",
    healthy
      ? "Our analysis observed no failure and found no problem: the runtime is healthy as far as the evidence collected shows."
      : supported.length > 0
        ? `Our analysis points to: ${supported.map((h) => `${h.cause} (${h.verdict}${h.role === "symptom" ? ", an observed symptom" : ""})`).join(", ")}.`
        : "Our analysis did not establish a cause.",
    ...(findings.length > 0
      ? [`Findings: ${findings.map((f) => `${f.id}: ${f.evidence[0]?.fact ?? f.title}`).join("; ")}.`]
      : []),
    ...(ruledOut.length > 0 ? [`Ruled out with evidence: ${ruledOut.join(", ")}.`] : []),
    "",
    healthy
      ? "Question: none about a failure; this text records the runtime's state for reference."
      : "Question: please confirm what the service observed when starting sessions for this runtime (health-check results, start-up time) and whether anything on the service side prevented it from becoming healthy.",
    `(Report generated by agentcore-doctor diagnose ${r.runtimeId}.)`,
  ].join("\n");
}
