import type { Finding, FindingId } from "../findings/index.js";
import { GATEWAY_SERVICES, routeTableOf, serviceNameOf } from "../net/reachability.js";
import type { DiagnoseEvidence } from "./analysis-input.js";
import { runtimeLogGroupName } from "./collect/logs.js";
import { type Derived, derive } from "./derive.js";
import { arnScope } from "./evidence.js";
import type { Hypothesis } from "./hypotheses.js";
import { TELEMETRY_SERVICES } from "./network-paths.js";
import type { DiagnoseVerdict } from "./verdict.js";

export interface NextStep {
  why: string;
  /**
   * A command the AWS CLI (v1 and v2) or agentcore-doctor accepts, filled with this runtime's
   * values; for what no AWS tool does (a bearer-token call, reading a token's claims), curl or python3.
   */
  command: string;
}

/**
 * Findings about the request or its caller, not the agent: a request
 * AgentCore refused before any session (auth, policy, MMDSv2, session id, a
 * dead Mcp-Session-Id), or a caller that stopped waiting. The container's
 * logs, source and network paths do not explain them, and a health-check
 * investigation is beside the point; their next steps are their own
 * (FINDING_STEPS).
 */
export const CALLER_SIDE: ReadonlySet<FindingId> = new Set<FindingId>([
  "INBOUND_AUTH_METHOD_MISMATCH",
  "INBOUND_TOKEN_MISSING",
  "INBOUND_TOKEN_REJECTED",
  "CROSS_ACCOUNT_NOT_ALLOWED",
  "RUNTIME_MMDSV2_NOT_ENABLED",
  "SESSION_ID_TOO_SHORT",
  "CLIENT_READ_TIMEOUT",
  "MCP_SESSION_ENDED",
]);

/** Whether every finding of the report is about the request or its caller, not the agent (and there is one). */
export function callerSideOnly(findings: readonly Finding[]): boolean {
  // No logs is what a runtime whose requests are all refused before any session shows: not a second cause.
  const significant = findings.filter((f) => f.severity !== "info" && f.id !== "NO_RUNTIME_LOGS");
  return significant.length > 0 && significant.every((f) => CALLER_SIDE.has(f.id));
}

type OwnSteps = (e: DiagnoseEvidence, region: string) => NextStep[];

/** The runtime's configuration, narrowed to the part a finding is about. */
function configPart(e: DiagnoseEvidence, region: string, query: string, why: string): NextStep {
  const r = e.runtime.value;
  return {
    why,
    command: `aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id ${r.runtimeId} --query ${sh(query)} --region ${region}`,
  };
}

/** The data plane's bearer-token path: a plain HTTPS POST, as a JWT runtime takes it (SDKs and the CLI sign with SigV4). */
function bearerCall(e: DiagnoseEvidence, region: string): NextStep {
  const r = e.runtime.value;
  const url = `https://bedrock-agentcore.${region}.amazonaws.com/runtimes/${encodeURIComponent(r.runtimeArn)}/invocations?qualifier=${encodeURIComponent(r.endpoint.name)}`;
  return {
    why: "call it the way its JWT authorizer takes: a bearer access token on a plain HTTPS POST (no SigV4), with a session id of 33+ characters",
    command: `curl -sS -X POST ${sh(url)} -H "Authorization: Bearer $ACCESS_TOKEN" -H 'Content-Type: application/json' -H "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id: $(uuidgen)" -d ${sh('{"prompt":"hello"}')}`,
  };
}

const authorizerStep = (e: DiagnoseEvidence, region: string) =>
  configPart(
    e,
    region,
    "authorizerConfiguration",
    "the runtime's inbound authorizer: the discovery URL, audiences, clients, scopes and claims a token must match (none: SigV4 only)",
  );

/** What each finding that settles on the request, not the agent, asks to look at or try next. */
const FINDING_STEPS: Partial<Record<FindingId, OwnSteps>> = {
  INBOUND_AUTH_METHOD_MISMATCH: (e, region) =>
    e.runtime.value.authorizer
      ? [authorizerStep(e, region), bearerCall(e, region)]
      : [
          authorizerStep(e, region),
          {
            why: "the runtime takes SigV4: one invocation signed so (diagnose signs with the AWS SDK), on a new session",
            command: `agentcore-doctor diagnose ${e.runtime.value.runtimeId} --region ${region} --invoke`,
          },
        ],
  INBOUND_TOKEN_MISSING: (e, region) =>
    e.runtime.value.authorizer
      ? [authorizerStep(e, region), bearerCall(e, region)]
      : [
          {
            why: "the runtime takes SigV4: one invocation signed so (diagnose signs with the AWS SDK), on a new session",
            command: `agentcore-doctor diagnose ${e.runtime.value.runtimeId} --region ${region} --invoke`,
          },
        ],
  INBOUND_TOKEN_REJECTED: (e, region) => {
    const a = e.runtime.value.authorizer;
    return [
      authorizerStep(e, region),
      ...(a
        ? [
            {
              why: "the issuer the discovery URL names (the token's iss must equal it) and where its signing keys are",
              command: `curl -sS ${sh(a.discoveryUrl)}`,
            },
          ]
        : []),
      {
        why: "the claims the caller's token carries (iss, aud, client_id, scope, exp), to set beside the authorizer's; decoded only, not verified",
        command: `python3 -c ${sh('import base64,json,sys; p=sys.argv[1].split(".")[1]; print(json.dumps(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4))),indent=2))')} "$ACCESS_TOKEN"`,
      },
      bearerCall(e, region),
    ];
  },
  CROSS_ACCOUNT_NOT_ALLOWED: (e, region) => {
    const r = e.runtime.value;
    const endpointArn =
      e.resourcePolicies?.value.endpointArn ?? `${r.runtimeArn}/runtime-endpoint/${r.endpoint.name}`;
    return [
      {
        why: `the runtime's resource-based policy, read by its owner (account ${arnScope(r.runtimeArn).account}): does it allow the calling account?`,
        command: `aws bedrock-agentcore-control get-resource-policy --resource-arn ${r.runtimeArn} --region ${region}`,
      },
      {
        why: `the policy on the endpoint ${r.endpoint.name}, which may allow it instead`,
        command: `aws bedrock-agentcore-control get-resource-policy --resource-arn ${endpointArn} --region ${region}`,
      },
      {
        why: "the caller's identity, run with the caller's credentials: the principal the policy must name",
        command: "aws sts get-caller-identity",
      },
    ];
  },
  RUNTIME_MMDSV2_NOT_ENABLED: (e, region) => [
    configPart(
      e,
      region,
      "metadataConfiguration",
      "the runtime's metadata setting: AgentCore serves only runtimes with requireMMDSV2 true",
    ),
  ],
  SESSION_ID_TOO_SHORT: (e, region) => [
    {
      why: "the same runtime on a 36-character session id (diagnose sends a UUID): if it answers, only the caller's id was wrong",
      command: `agentcore-doctor diagnose ${e.runtime.value.runtimeId} --region ${region} --invoke`,
    },
  ],
  CLIENT_READ_TIMEOUT: (e, region) => {
    const r = e.runtime.value;
    return [
      {
        why: "how long the agent's work took: its own lines for the request the caller gave up on (the agent keeps working after the client leaves)",
        command: `aws logs filter-log-events --log-group-name ${sh(runtimeLogGroupName(r.runtimeId, r.endpoint.name))} --start-time $(( ($(date +%s) - 3600) * 1000 )) --max-items 50 --region ${region}`,
      },
    ];
  },
  MCP_SESSION_ENDED: (e, region) => [
    configPart(
      e,
      region,
      "lifecycleConfiguration",
      "how long the runtime's sessions live (idleRuntimeSessionTimeout, maxLifetime): an Mcp-Session-Id held longer is dead",
    ),
  ],
};

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
  findings: readonly Finding[] = [],
): NextStep[] {
  const r = e.runtime.value;
  const { region } = d;
  const own = [...new Set(findings.map((f) => f.id))].flatMap((id) => FINDING_STEPS[id]?.(e, region) ?? []);
  const deployed = {
    why: "the runtime's configuration as deployed",
    command: `aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id ${r.runtimeId} --region ${region}`,
  };
  // The failure is the request's or its caller's: the container's logs, code and network paths have nothing to add.
  if (callerSideOnly(findings)) return [...own, deployed];
  const steps: NextStep[] = [...own];
  if (!e.invoke) {
    // diagnose's --invoke signs with SigV4, which a runtime with a JWT authorizer refuses.
    steps.push(
      r.authorizer
        ? bearerCall(e, region)
        : {
            why: "see the symptom first-hand: one invocation on a new session, then its logs",
            command: `agentcore-doctor diagnose ${r.runtimeId} --region ${region} --invoke`,
          },
    );
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
  steps.push(deployed);
  return steps.filter((step, i) => steps.findIndex((other) => other.command === step.command) === i);
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
      : callerSideOnly(findings)
        ? `Question: the failure lies in the requests or their caller, not in the runtime's container (${[...new Set(findings.filter((f) => CALLER_SIDE.has(f.id)).map((f) => f.id))].join(", ")}); if the findings above do not explain it, please confirm what the service did with these requests (refused, by which check, or served and for how long).`
        : "Question: please confirm what the service observed when starting sessions for this runtime (health-check results, start-up time) and whether anything on the service side prevented it from becoming healthy.",
    `(Report generated by agentcore-doctor diagnose ${r.runtimeId}.)`,
  ].join("\n");
}
