import type {
  IpPermission,
  NetworkInterface,
  RouteTable,
  SecurityGroup,
  Subnet,
  VpcEndpoint,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { parseProjectConfigText } from "../../src/agent/project-config.js";
import type { DiagnoseEvidence } from "../../src/diagnose/analysis-input.js";
import type { TimelineEvent } from "../../src/diagnose/collect/cloudtrail.js";
import { readLines } from "../../src/diagnose/collect/logs.js";
import type { NetworkEvidence } from "../../src/diagnose/collect/network.js";
import type { RuntimeEvidence } from "../../src/diagnose/collect/runtime.js";
import { derive } from "../../src/diagnose/derive.js";
import { rankHypotheses } from "../../src/diagnose/hypotheses.js";
import { knownFacts } from "../../src/diagnose/known-facts.js";
import { nextSteps, supportCaseText } from "../../src/diagnose/next-steps.js";
import { applyRules } from "../../src/diagnose/rules/index.js";
import { verdictOf } from "../../src/diagnose/verdict.js";
import { type Finding, makeFinding } from "../../src/findings/index.js";
import type { AwsServiceUse } from "../../src/static-checks/aws-service-usage.js";

const VPC = "vpc-0a1b2c3d4e5f60718";
const SUBNET = "subnet-0aaa1111bbbb22223";
const SUBNET_2 = "subnet-0ccc3333dddd44445";
const PUBLIC_SUBNET = "subnet-0eee5555ffff66667";
const SG = "sg-0123456789abcdef0";
const ENDPOINT_SG = "sg-0fedcba9876543210";
const api = (operation: string) => ({ kind: "api" as const, service: "ec2", operation });

function runtime(overrides: Partial<RuntimeEvidence> = {}): DiagnoseEvidence["runtime"] {
  return {
    source: { kind: "api", service: "bedrock-agentcore-control", operation: "GetAgentRuntime" },
    value: {
      runtimeId: "vpc_agent-AbCdE12345",
      runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/vpc_agent-AbCdE12345",
      name: "vpc_agent",
      version: "1",
      status: "READY",
      networkMode: "VPC",
      subnets: [SUBNET],
      securityGroups: [SG],
      protocol: "HTTP",
      roleArn: "arn:aws:iam::123456789012:role/AgentRole",
      environmentVariableNames: [],
      versions: [{ version: "1", status: "READY" }],
      endpoint: { name: "DEFAULT", status: "READY", liveVersion: "1" },
      ...overrides,
    },
  };
}

const ALL_OUT: IpPermission = { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] };
const group = (id: string, egress: IpPermission[], ingress: IpPermission[] = []): SecurityGroup => ({
  GroupId: id,
  VpcId: VPC,
  IpPermissions: ingress,
  IpPermissionsEgress: egress,
});
const subnet = (id: string, azId: string, free: number, cidr = "10.0.1.0/24"): Subnet => ({
  SubnetId: id,
  VpcId: VPC,
  CidrBlock: cidr,
  AvailabilityZone: `us-east-1${azId.slice(-1)}`,
  AvailabilityZoneId: azId,
  AvailableIpAddressCount: free,
});
const eni = (id: string, groups: string[], status: "in-use" | "available"): NetworkInterface => ({
  NetworkInterfaceId: id,
  SubnetId: SUBNET,
  VpcId: VPC,
  Description: "",
  Status: status,
  PrivateIpAddress: "10.0.1.10",
  // What AWS answers for AgentCore's interfaces; the SDK's enum does not list it yet.
  InterfaceType: "agentic_ai" as NetworkInterface["InterfaceType"],
  Groups: groups.map((GroupId) => ({ GroupId })),
  TagSet: [{ Key: "AmazonBedrockAgentCoreManaged", Value: "true" }],
  ...(status === "in-use"
    ? { Attachment: { Status: "attached", DeviceIndex: 1, InstanceOwnerId: "amazon-aws" } }
    : {}),
});
const mainTable = (routes: RouteTable["Routes"] = []): RouteTable => ({
  RouteTableId: "rtb-0main",
  VpcId: VPC,
  Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" }, ...(routes ?? [])],
  Associations: [{ Main: true }],
});
const interfaceEndpoint = (service: string, overrides: Partial<VpcEndpoint> = {}): VpcEndpoint => ({
  VpcEndpointId: `vpce-0${service.replace(".", "")}`,
  VpcEndpointType: "Interface",
  VpcId: VPC,
  ServiceName: `com.amazonaws.us-east-1.${service}`,
  State: "Available",
  PrivateDnsEnabled: true,
  SubnetIds: [SUBNET],
  Groups: [{ GroupId: ENDPOINT_SG }],
  ...overrides,
});
const admitsRuntime = group(
  ENDPOINT_SG,
  [],
  [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: SG }] }],
);

/** A private subnet: no NAT, no endpoint, the runtime's interface in use, DNS on. */
function network(overrides: Partial<NetworkEvidence> = {}): DiagnoseEvidence["network"] {
  const sourced = <T>(value: T, operation: string) => ({ value, source: api(operation) });
  return {
    source: api("DescribeSubnets"),
    value: {
      region: "us-east-1",
      vpcId: VPC,
      subnetIds: [SUBNET],
      groupIds: [SG],
      subnets: sourced([subnet(SUBNET, "use1-az1", 250)], "DescribeSubnets"),
      managedInterfaces: sourced([eni("eni-0runtime", [SG], "in-use")], "DescribeNetworkInterfaces"),
      securityGroups: sourced([group(SG, [ALL_OUT]), admitsRuntime], "DescribeSecurityGroups"),
      routeTables: sourced([mainTable()], "DescribeRouteTables"),
      natGateways: sourced([], "DescribeNatGateways"),
      internetGateways: sourced([], "DescribeInternetGateways"),
      endpoints: sourced([], "DescribeVpcEndpoints"),
      dnsSupport: sourced(true, "DescribeVpcAttribute"),
      dnsHostnames: sourced(true, "DescribeVpcAttribute"),
      notes: [],
      ...overrides,
    },
  };
}

const withNat = (egress: IpPermission[]): Partial<NetworkEvidence> => ({
  subnets: {
    value: [subnet(SUBNET, "use1-az1", 250), subnet(PUBLIC_SUBNET, "use1-az2", 250, "10.0.0.0/24")],
    source: api("DescribeSubnets"),
  },
  routeTables: {
    value: [
      mainTable([{ DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-01", State: "active" }]),
      {
        RouteTableId: "rtb-0public",
        VpcId: VPC,
        Routes: [{ DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-01", State: "active" }],
        Associations: [{ SubnetId: PUBLIC_SUBNET }],
      },
    ],
    source: api("DescribeRouteTables"),
  },
  natGateways: {
    value: [
      { NatGatewayId: "nat-01", SubnetId: PUBLIC_SUBNET, State: "available", ConnectivityType: "public" },
    ],
    source: api("DescribeNatGateways"),
  },
  internetGateways: {
    value: [{ InternetGatewayId: "igw-01", Attachments: [{ VpcId: VPC, State: "attached" }] }],
    source: api("DescribeInternetGateways"),
  },
  securityGroups: { value: [group(SG, egress)], source: api("DescribeSecurityGroups") },
});

const healthCheckFailed: DiagnoseEvidence["invoke"] = {
  source: { kind: "api", service: "bedrock-agentcore", operation: "InvokeAgentRuntime" },
  value: {
    sessionId: "s",
    ok: false,
    elapsedMs: 60_000,
    statusCode: 424,
    errorCode: "RuntimeClientError",
    errorMessage:
      "Runtime health check failed or timed out. Please make sure that health check is implemented according to the requirements.",
  },
};
const noLogs: DiagnoseEvidence["logs"] = {
  source: { kind: "api", service: "logs", operation: "DescribeLogGroups" },
  value: { groups: [], streams: [], lines: [], pings: [] },
};
const use = (service: string, phase: "startup" | "handler", line: number): AwsServiceUse => ({
  service,
  file: "agent/app.py",
  line,
  phase,
  detail: `boto3.client("${service}") called ${phase === "startup" ? "at import" : "in handler()"}`,
});

function diagnoseOf(evidence: DiagnoseEvidence, extra: Finding[] = []) {
  const findings = [...applyRules(evidence), ...extra];
  return { findings, ids: findings.map((f) => f.id), ranked: rankHypotheses(evidence, findings) };
}

describe("network rules and hypotheses: the health check in VPC mode", () => {
  it("the headline case: no NAT, no endpoint, no logs, no --source → VPC_NO_EGRESS_PATH is the root cause, not the symptom", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network(),
      invoke: healthCheckFailed,
      logs: noLogs,
      gaps: [],
    };
    const { findings, ids, ranked } = diagnoseOf(e);
    expect(ids).toEqual(
      expect.arrayContaining(["HEALTH_CHECK_FAILING", "NO_RUNTIME_LOGS", "VPC_NO_EGRESS_PATH"]),
    );
    // Nothing shows the agent exports telemetry: no blocked path to X-Ray can matter to it.
    expect(ids).not.toContain("TELEMETRY_EXPORT_BLOCKED");
    expect(ids).not.toContain("ENI_MISSING");
    expect(ids).not.toContain("STARTUP_BLOCKED_ON_NETWORK");
    const noPath = findings.find((f) => f.id === "VPC_NO_EGRESS_PATH")!;
    expect(noPath.fix).toContain("rtb-0main");
    expect(noPath.evidence.map((x) => x.fact).join("\n")).toContain("has no active 0.0.0.0/0 route");
    // The route tables show the path blocked; nothing seen ties it to the start-up: likely, not confirmed.
    expect(ranked[0]).toMatchObject({ cause: "VPC_NO_EGRESS_PATH", verdict: "likely" });
    expect(ranked.map((h) => h.cause)).not.toContain("HEALTH_CHECK_FAILING");
    expect(ranked.find((h) => h.cause === "VPC_ENDPOINT_MISSING")!.verdict).toBe("unknown");
  });

  it("with --source: a start-up call to a service without its endpoint → VPC_ENDPOINT_MISSING first, STARTUP_BLOCKED_ON_NETWORK supporting", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({
        endpoints: { value: [interfaceEndpoint("logs")], source: api("DescribeVpcEndpoints") },
      }),
      awsServices: [use("sts", "startup", 7), use("bedrock-runtime", "handler", 20)],
      telemetryConfig: [
        {
          fact: "requirements.txt declares aws-opentelemetry-distro",
          source: { kind: "file", path: "agent/requirements.txt", line: 2 },
        },
      ],
      invoke: healthCheckFailed,
      gaps: [],
    };
    const { findings, ranked } = diagnoseOf(e);
    const missing = findings.filter((f) => f.id === "VPC_ENDPOINT_MISSING");
    expect(missing.map((f) => /service-name (\S+)/.exec(f.fix)![1])).toEqual([
      "com.amazonaws.us-east-1.bedrock-runtime",
      "com.amazonaws.us-east-1.sts",
    ]);
    expect(missing[1]!.fix).toBe(
      `\`aws ec2 create-vpc-endpoint --vpc-id ${VPC} --vpc-endpoint-type Interface --service-name com.amazonaws.us-east-1.sts --subnet-ids ${SUBNET} --security-group-ids ${ENDPOINT_SG} --private-dns-enabled\``,
    );
    const blocked = findings.find((f) => f.id === "STARTUP_BLOCKED_ON_NETWORK")!;
    expect(blocked.fix).toContain("sts.us-east-1.amazonaws.com:443");
    expect(blocked.evidence[1]!.source).toEqual({ kind: "file", path: "agent/app.py", line: 7 });
    // logs has its endpoint, xray none: traces cannot leave.
    const telemetry = findings.find((f) => f.id === "TELEMETRY_EXPORT_BLOCKED")!;
    expect(telemetry.evidence[0]!.fact).toBe("xray: no-route");
    expect(telemetry.evidence.at(-1)!.fact).toContain("aws-opentelemetry-distro");
    expect(ranked[0]).toMatchObject({ cause: "VPC_ENDPOINT_MISSING", verdict: "likely" });
    expect(ranked[0]!.for.map((x) => x.fact).join("\n")).toContain("at start-up");
    // STARTUP_BLOCKED_ON_NETWORK is a symptom: it never outranks the cause, however observed.
    const symptom = ranked.findIndex((h) => h.cause === "STARTUP_BLOCKED_ON_NETWORK");
    expect(ranked[symptom]!.role).toBe("symptom");
    expect(symptom).toBeGreaterThan(0);
    const steps = nextSteps(e, ranked).map((s) => s.command);
    expect(steps).toContain(
      `aws ec2 create-vpc-endpoint --vpc-id ${VPC} --vpc-endpoint-type Interface --service-name com.amazonaws.us-east-1.sts --subnet-ids ${SUBNET} --security-group-ids ${ENDPOINT_SG} --private-dns-enabled --region us-east-1`,
    );
    expect(steps).toContain(
      `aws ec2 describe-network-interfaces --filters Name=tag:AmazonBedrockAgentCoreManaged,Values=true Name=subnet-id,Values=${SUBNET} --region us-east-1`,
    );
  });

  it("ranks the loopback default first when --source shows it and the blocked service is called only in a handler", () => {
    const loopback = makeFinding("PYTHON_SDK_LOOPBACK_DEFAULT", [
      { fact: "app.run() passes no host", source: { kind: "file", path: "app.py", line: 9 } },
      { fact: "the Dockerfile sets no DOCKER_CONTAINER", source: { kind: "file", path: "Dockerfile" } },
    ]);
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({
        endpoints: { value: [interfaceEndpoint("logs")], source: api("DescribeVpcEndpoints") },
      }),
      awsServices: [use("bedrock-runtime", "handler", 20)],
      sourceFindings: [loopback],
      invoke: healthCheckFailed,
      gaps: [],
    };
    const { ids, ranked } = diagnoseOf(e, [loopback]);
    expect(ids).toContain("VPC_ENDPOINT_MISSING");
    expect(ranked[0]).toMatchObject({ cause: "PYTHON_SDK_LOOPBACK_DEFAULT", verdict: "likely" });
    const endpoint = ranked.find((h) => h.cause === "VPC_ENDPOINT_MISSING")!;
    expect(endpoint.verdict).toBe("possible");
    expect(endpoint.against[0]!.fact).toContain("not the health check");
  });

  it("SG_EGRESS_BLOCKED through a NAT gateway when egress allows only the VPC's range; silent when 443 is open", () => {
    const narrow = [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/16" }] }];
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network(withNat(narrow)),
      invoke: healthCheckFailed,
      gaps: [],
    };
    const { findings, ranked } = diagnoseOf(e);
    const sg = findings.find((f) => f.id === "SG_EGRESS_BLOCKED")!;
    expect(sg.fix).toContain(`--group-id ${SG}`);
    expect(sg.evidence.at(-1)!.source).toEqual(api("DescribeSecurityGroups"));
    expect(ranked[0]!.cause).toBe("SG_EGRESS_BLOCKED");
    const open: DiagnoseEvidence = { runtime: runtime(), network: network(withNat([ALL_OUT])), gaps: [] };
    expect(applyRules(open).map((f) => f.id)).toEqual([]);
  });

  it("VPC_ENDPOINT_PRIVATE_DNS_DISABLED, VPC_ENDPOINT_SG_BLOCKS_RUNTIME and VPC_DNS_DISABLED name the endpoint, the groups and the VPC", () => {
    const dnsOff = network({
      endpoints: {
        value: [interfaceEndpoint("sts", { PrivateDnsEnabled: false })],
        source: api("DescribeVpcEndpoints"),
      },
    });
    const idsOf = (n: DiagnoseEvidence["network"]) =>
      applyRules({ runtime: runtime(), network: n, awsServices: [use("sts", "startup", 3)], gaps: [] });
    const privateDns = idsOf(dnsOff).find((f) => f.id === "VPC_ENDPOINT_PRIVATE_DNS_DISABLED")!;
    expect(privateDns.fix).toContain("--vpc-endpoint-id vpce-0sts --private-dns-enabled");
    const closed = network({
      endpoints: { value: [interfaceEndpoint("sts")], source: api("DescribeVpcEndpoints") },
      securityGroups: {
        value: [group(SG, [ALL_OUT]), group(ENDPOINT_SG, [])],
        source: api("DescribeSecurityGroups"),
      },
    });
    const sgBlocks = idsOf(closed).find((f) => f.id === "VPC_ENDPOINT_SG_BLOCKS_RUNTIME")!;
    expect(sgBlocks.fix).toContain(
      `--group-id ${ENDPOINT_SG} --protocol tcp --port 443 --source-group ${SG}`,
    );
    const hostnamesOff = network({
      endpoints: { value: [interfaceEndpoint("sts")], source: api("DescribeVpcEndpoints") },
      dnsHostnames: { value: false, source: api("DescribeVpcAttribute") },
    });
    const dns = idsOf(hostnamesOff).find((f) => f.id === "VPC_DNS_DISABLED")!;
    expect(dns.fix).toContain(`--vpc-id ${VPC}`);
    expect(dns.evidence[0]!.fact).toContain("enableDnsHostnames false");
    // Hostnames off matters only to private DNS: with no endpoint it is not a finding.
    const noEndpoints = network({ dnsHostnames: { value: false, source: api("DescribeVpcAttribute") } });
    expect(applyRules({ runtime: runtime(), network: noEndpoints, gaps: [] }).map((f) => f.id)).not.toContain(
      "VPC_DNS_DISABLED",
    );
  });

  it("judges nothing it could not read: a denied DescribeVpcEndpoints leaves every path unknown", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({ endpoints: undefined }),
      awsServices: [use("sts", "startup", 3)],
      invoke: healthCheckFailed,
      gaps: [],
    };
    const { ids, ranked } = diagnoseOf(e);
    expect(ids).toEqual(["HEALTH_CHECK_FAILING"]);
    expect(ranked.find((h) => h.cause === "VPC_NO_EGRESS_PATH")!.verdict).toBe("unknown");
  });
});

describe("network rules and hypotheses: placement and CREATE_FAILED", () => {
  const eniFailure = (code: string, message: string): TimelineEvent => ({
    eventId: "e1",
    time: new Date("2026-11-25T01:00:00Z"),
    name: "CreateNetworkInterface",
    source: "ec2.amazonaws.com",
    actor:
      "arn:aws:iam::123456789012:role/aws-service-role/network.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreNetwork",
    actorType: "AssumedRole",
    errorCode: code,
    errorMessage: message,
    dryRun: false,
    requestParameters: { subnetId: SUBNET_2 },
    responseElements: {},
  });

  it("a full subnet: SUBNET_NO_FREE_IPS is the root cause of CREATE_FAILED, CloudTrail's ENI_CREATE_FAILED supporting it", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime({
        status: "CREATE_FAILED",
        failureReason: "Failed to create network interface: InsufficientFreeAddressesInSubnet",
        subnets: [SUBNET, SUBNET_2],
      }),
      network: network({
        subnetIds: [SUBNET, SUBNET_2],
        subnets: {
          value: [subnet(SUBNET, "use1-az1", 250), subnet(SUBNET_2, "use1-az2", 0, "10.0.2.0/28")],
          source: api("DescribeSubnets"),
        },
        managedInterfaces: { value: [], source: api("DescribeNetworkInterfaces") },
      }),
      timeline: {
        value: [
          eniFailure(
            "Client.InsufficientFreeAddressesInSubnet",
            "There are not enough free addresses in subnet.",
          ),
        ],
        source: { kind: "api", service: "cloudtrail", operation: "LookupEvents" },
      },
      gaps: [],
    };
    expect(derive(e).symptom).toBe("create-failed");
    const { findings, ranked } = diagnoseOf(e);
    expect(findings.map((f) => f.id)).toEqual(
      expect.arrayContaining(["RUNTIME_NOT_READY", "SUBNET_NO_FREE_IPS", "ENI_CREATE_FAILED"]),
    );
    // A runtime that was never placed has no interface by definition: not a finding of its own.
    expect(findings.map((f) => f.id)).not.toContain("ENI_MISSING");
    expect(findings.find((f) => f.id === "ENI_CREATE_FAILED")!.fix).toContain(
      "InsufficientFreeAddressesInSubnet (There are not enough free addresses in subnet.)",
    );
    expect(findings.find((f) => f.id === "SUBNET_NO_FREE_IPS")!.fix).toContain(SUBNET_2);
    expect(ranked[0]).toMatchObject({ cause: "SUBNET_NO_FREE_IPS", verdict: "confirmed" });
    expect(ranked.map((h) => h.cause)).not.toContain("RUNTIME_NOT_READY");
    expect(ranked.map((h) => h.cause)).not.toContain("PYTHON_SDK_LOOPBACK_DEFAULT");
  });

  it("an unsupported zone id: SUBNET_AZ_UNSUPPORTED names the subnet, its zone id and the supported ones", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime({
        status: "CREATE_FAILED",
        failureReason: "Subnet is in an unsupported availability zone",
      }),
      network: network({
        subnets: { value: [subnet(SUBNET, "use1-az3", 250)], source: api("DescribeSubnets") },
        managedInterfaces: { value: [], source: api("DescribeNetworkInterfaces") },
      }),
      gaps: [],
    };
    const { findings, ranked } = diagnoseOf(e);
    expect(findings.find((f) => f.id === "SUBNET_AZ_UNSUPPORTED")!.fix).toBe(
      `Use subnets in use1-az1, use1-az2, use1-az4 (subnet ${SUBNET} is in use1-az3).`,
    );
    expect(ranked[0]!.cause).toBe("SUBNET_AZ_UNSUPPORTED");
  });

  it("the service-linked role missing is the root cause over the failed ENI creation it causes", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime({ status: "CREATE_FAILED", failureReason: "Unable to create network interface" }),
      network: network({ managedInterfaces: { value: [], source: api("DescribeNetworkInterfaces") } }),
      iam: {
        serviceLinkedRole: {
          value: { exists: false },
          source: { kind: "api", service: "iam", operation: "GetRole" },
        },
      } as DiagnoseEvidence["iam"],
      gaps: [],
    };
    const { ranked } = diagnoseOf(e);
    expect(ranked[0]).toMatchObject({ cause: "SERVICE_LINKED_ROLE_MISSING", verdict: "confirmed" });
  });

  it("ENI_NOT_ATTACHED for the runtime's own detached interface; ENI_LINGERING for another one left available", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({
        managedInterfaces: {
          value: [eni("eni-0runtime", [SG], "available"), eni("eni-0old", ["sg-0old"], "available")],
          source: api("DescribeNetworkInterfaces"),
        },
        securityGroups: { value: [group(SG, [ALL_OUT])], source: api("DescribeSecurityGroups") },
        ...withNat([ALL_OUT]),
      }),
      gaps: [],
    };
    const findings = applyRules(e);
    expect(findings.map((f) => f.id)).toEqual(["ENI_NOT_ATTACHED", "ENI_LINGERING"]);
    expect(findings[0]!.fix).toContain("eni-0runtime");
    expect(findings[1]!.fix).toContain("eni-0old");
    const facts = knownFacts(e)
      .find((t) => t.topic === "Network")!
      .facts.map((f) => f.fact);
    expect(facts).toContain(`${SUBNET} is routed by rtb-0main (the VPC's main table); 0.0.0.0/0 → nat-01`);
    expect(facts.join("\n")).toContain(
      "paths from the runtime's subnets: xray reachable via nat, logs reachable via nat",
    );
  });

  it("ENI_MISSING when no tagged interface has the runtime's groups, quoting CloudTrail", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({ managedInterfaces: { value: [], source: api("DescribeNetworkInterfaces") } }),
      timeline: { value: [], source: { kind: "api", service: "cloudtrail", operation: "LookupEvents" } },
      gaps: [],
    };
    const missing = applyRules(e).find((f) => f.id === "ENI_MISSING")!;
    expect(missing.evidence.map((x) => x.fact)).toEqual([
      `no interface tagged AmazonBedrockAgentCoreManaged=true in ${SUBNET} has the runtime's security groups (${SG})`,
      "CloudTrail has no CreateNetworkInterface event for these subnets in the period read",
    ]);
    expect(missing.fix).toContain("--region us-east-1");
  });
});

describe("calibrated confidence: confirmed by what was seen, ruled out only by what contradicts", () => {
  const logSource = (line: number) => ({
    kind: "log" as const,
    group: "/aws/bedrock-agentcore/runtimes/x-DEFAULT",
    line,
  });
  const logsOf = (...messages: string[]): DiagnoseEvidence["logs"] => {
    const lines = messages.map((message, i) => ({ time: new Date(0), message, source: logSource(i + 1) }));
    return {
      source: { kind: "api", service: "logs", operation: "GetLogEvents" },
      value: { groups: ["g"], group: "g", streams: [{ name: "s" }], lines, ...readLines(lines) },
    };
  };

  it("a resolver error in a VPC whose DNS support is off: VPC_DNS_DISABLED confirmed, resting on the log line; the crash is its consequence", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({ dnsSupport: { value: false, source: api("DescribeVpcAttribute") } }),
      invoke: healthCheckFailed,
      logs: logsOf(
        "starting",
        "Error: getaddrinfo EAI_AGAIN sts.us-east-1.amazonaws.com",
        "    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)",
      ),
      gaps: [],
    };
    const { ids, ranked } = diagnoseOf(e);
    expect(ids).toContain("STARTUP_CRASH");
    expect(ranked[0]).toMatchObject({ cause: "VPC_DNS_DISABLED", verdict: "confirmed", role: "cause" });
    expect(ranked[0]!.restsOn!.map((x) => x.source.kind)).toEqual(expect.arrayContaining(["api", "log"]));
    expect(ranked[0]!.restsOn!.some((x) => x.fact.includes("EAI_AGAIN"))).toBe(true);
    const crash = ranked.find((h) => h.cause === "STARTUP_CRASH")!;
    expect(crash.verdict).toBe("possible");
    expect(crash.against[0]!.fact).toContain("VPC_DNS_DISABLED");
    expect(ranked.filter((h) => h.verdict === "confirmed").map((h) => h.cause)).toEqual(["VPC_DNS_DISABLED"]);
  });

  it("a failed connection to a service whose path is blocked confirms the cause that blocks it", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network(),
      invoke: healthCheckFailed,
      logs: logsOf(
        'botocore.exceptions.ConnectTimeoutError: Connect timeout on endpoint URL: "https://sts.us-east-1.amazonaws.com/"',
      ),
      gaps: [],
    };
    const { ranked } = diagnoseOf(e);
    expect(ranked[0]).toMatchObject({ cause: "VPC_NO_EGRESS_PATH", verdict: "confirmed" });
    expect(ranked[0]!.restsOn!.some((x) => x.source.kind === "log")).toBe(true);
  });

  it("rules a cause out only by an API state that contradicts it; a source that shows nothing leaves it unknown", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network(withNat([ALL_OUT])),
      invoke: healthCheckFailed,
      awsServices: [],
      sourceFindings: [],
      gaps: [],
    };
    const { ranked } = diagnoseOf(e);
    const verdict = (cause: string) => ranked.find((h) => h.cause === cause)!;
    expect(verdict("VPC_NO_EGRESS_PATH").verdict).toBe("ruled-out");
    expect(verdict("VPC_NO_EGRESS_PATH").against[0]!.source).toEqual(api("DescribeRouteTables"));
    expect(verdict("VPC_DNS_DISABLED").verdict).toBe("ruled-out");
    for (const cause of [
      "BIND_LOOPBACK",
      "PING_NOT_FOUND",
      "VPC_ENDPOINT_MISSING",
      "STARTUP_BLOCKED_ON_NETWORK",
    ]) {
      expect(verdict(cause).verdict, cause).toBe("unknown");
      expect(verdict(cause).against, cause).toEqual([]);
    }
  });
});

describe("the replay's exit: a crash that follows failures a network cause explains is that cause's consequence", () => {
  type Obs = NonNullable<Extract<DiagnoseEvidence["replay"], { ran: true }>>["observations"][number];
  const replayOf = (...observations: Obs[]): DiagnoseEvidence["replay"] => ({
    ran: true,
    artifact: "agent",
    network: "twin",
    envLacked: [],
    startedAt: 0,
    endedAt: 10_000,
    observations,
  });
  const exit = (at: number): Obs => ({ kind: "exit", code: 1, signal: null, at });
  const stderr = (text: string, at: number): Obs => ({ kind: "output", stream: "stderr", text, at });
  const silence: Obs = {
    kind: "dns",
    name: "",
    type: "A",
    resolver: "10.0.0.2",
    outcome: "no-answer",
    answers: [],
    at: 1_000,
  };
  const confirmed = (ranked: ReturnType<typeof rankHypotheses>) =>
    ranked.filter((h) => h.verdict === "confirmed" && h.role === "cause").map((h) => h.cause);

  it("DNS support off: the resolver's silence confirms VPC_DNS_DISABLED; the exit after it is not a confirmed STARTUP_CRASH", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({ dnsSupport: { value: false, source: api("DescribeVpcAttribute") } }),
      invoke: healthCheckFailed,
      replay: replayOf(silence, stderr("Node.js v20.20.2", 7_900), exit(8_000)),
      gaps: [],
    };
    const { ids, ranked } = diagnoseOf(e);
    expect(ids).toEqual(expect.arrayContaining(["VPC_DNS_DISABLED", "STARTUP_CRASH"]));
    expect(ranked[0]).toMatchObject({ cause: "VPC_DNS_DISABLED", verdict: "confirmed" });
    expect(ranked[0]!.restsOn!.some((x) => x.source.kind === "replay")).toBe(true);
    const crash = ranked.find((h) => h.cause === "STARTUP_CRASH")!;
    expect(crash.verdict).toBe("possible");
    expect(crash.against[0]!.fact).toContain("VPC_DNS_DISABLED");
    expect(crash.against[0]!.source).toMatchObject({ kind: "replay", observation: "exit" });
    expect(confirmed(ranked)).toEqual(["VPC_DNS_DISABLED"]);
  });

  it("a connection security-group egress dropped, then the exit: SG_EGRESS_BLOCKED, the crash its consequence", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({
        securityGroups: { value: [group(SG, []), admitsRuntime], source: api("DescribeSecurityGroups") },
      }),
      invoke: healthCheckFailed,
      replay: replayOf(
        {
          kind: "connection",
          address: "198.18.0.10",
          port: 443,
          name: "sts.us-east-1.amazonaws.com",
          outcome: "dropped",
          droppedBy: { hop: "security-group-egress", detail: `no egress rule of ${SG} admits tcp 443` },
          at: 1_000,
        },
        exit(5_000),
      ),
      gaps: [],
    };
    const { ranked } = diagnoseOf(e);
    expect(ranked[0]).toMatchObject({ cause: "SG_EGRESS_BLOCKED", verdict: "confirmed" });
    expect(ranked.find((h) => h.cause === "STARTUP_CRASH")!.verdict).toBe("possible");
    expect(confirmed(ranked)).toEqual(["SG_EGRESS_BLOCKED"]);
  });

  it("a resolver error the agent printed before its exit ties the exit to the DNS cause read from the API", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({ dnsSupport: { value: false, source: api("DescribeVpcAttribute") } }),
      invoke: healthCheckFailed,
      replay: replayOf(
        stderr("Error: getaddrinfo EAI_AGAIN sts.us-east-1.amazonaws.com", 4_000),
        exit(4_100),
      ),
      gaps: [],
    };
    const { ranked } = diagnoseOf(e);
    const crash = ranked.find((h) => h.cause === "STARTUP_CRASH")!;
    expect(crash.verdict).toBe("possible");
    expect(crash.against[0]!.fact).toContain("EAI_AGAIN");
    expect(confirmed(ranked)).not.toContain("STARTUP_CRASH");
  });

  it("an exit with no network failure before it stays a confirmed STARTUP_CRASH", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network({ dnsSupport: { value: false, source: api("DescribeVpcAttribute") } }),
      invoke: healthCheckFailed,
      // The resolver's silence comes after the exit: it cannot have caused it.
      replay: replayOf(stderr("ModuleNotFoundError: No module named 'strands'", 500), exit(600), {
        ...silence,
        at: 2_000,
      }),
      gaps: [],
    };
    const { ranked } = diagnoseOf(e);
    expect(ranked.find((h) => h.cause === "STARTUP_CRASH")!.verdict).toBe("confirmed");
  });
});

describe("TELEMETRY_EXPORT_BLOCKED only for an agent that exports telemetry (issue 10 item 4)", () => {
  const replayOf = (
    ...observations: Extract<DiagnoseEvidence["replay"], { ran: true }>["observations"]
  ): DiagnoseEvidence["replay"] => ({
    ran: true,
    artifact: "agent",
    network: "twin",
    envLacked: [],
    startedAt: 0,
    endedAt: 1,
    observations,
  });
  const telemetryIn = (e: DiagnoseEvidence) => applyRules(e).find((f) => f.id === "TELEMETRY_EXPORT_BLOCKED");

  it("no exporter configured and none seen: nothing to report, however blocked X-Ray is", () => {
    expect(
      telemetryIn({ runtime: runtime(), network: network(), telemetryConfig: [], gaps: [] }),
    ).toBeUndefined();
  });

  it("the runtime's OTEL_EXPORTER_OTLP_ENDPOINT shows an exporter: reported, quoting it", () => {
    const finding = telemetryIn({
      runtime: runtime({ environmentVariableNames: ["OTEL_EXPORTER_OTLP_ENDPOINT", "MODEL_ID"] }),
      network: network(),
      gaps: [],
    });
    expect(finding!.evidence.map((x) => x.fact).join("\n")).toContain(
      "the runtime sets OTEL_EXPORTER_OTLP_ENDPOINT",
    );
  });

  it("the replay saw OTLP dropped: reported on that observation; answered: nothing shows it blocked", () => {
    const otlp = (outcome: "dropped" | "answered") =>
      replayOf({
        kind: "connection",
        address: "198.18.0.7",
        port: 4318,
        name: "xray.us-east-1.amazonaws.com",
        outcome,
        at: 5,
      });
    const dropped = telemetryIn({
      runtime: runtime(),
      network: network(),
      replay: otlp("dropped"),
      gaps: [],
    });
    expect(dropped!.evidence.some((x) => x.source.kind === "replay")).toBe(true);
    expect(
      telemetryIn({ runtime: runtime(), network: network(), replay: otlp("answered"), gaps: [] }),
    ).toBeUndefined();
  });
});

describe("reports that do not contradict themselves (issue 10 item 4)", () => {
  const natNoIgw = (): Partial<NetworkEvidence> => {
    const nat = withNat([ALL_OUT]);
    return {
      ...nat,
      // The NAT gateway's own subnet lost its internet-gateway route.
      routeTables: {
        value: [
          mainTable([{ DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-01", State: "active" }]),
          {
            RouteTableId: "rtb-0public",
            VpcId: VPC,
            Routes: [],
            Associations: [{ SubnetId: PUBLIC_SUBNET }],
          },
        ],
        source: api("DescribeRouteTables"),
      },
    };
  };

  it("a NAT fix names what is missing: the NAT gateway's own subnet has no internet-gateway route, not 'add a NAT route'", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network(natNoIgw()),
      invoke: healthCheckFailed,
      gaps: [],
    };
    const noPath = applyRules(e).find((f) => f.id === "VPC_NO_EGRESS_PATH")!;
    expect(noPath.fix).toContain("already routes 0.0.0.0/0 to nat-01");
    expect(noPath.fix).toContain("rtb-0public");
    expect(noPath.fix).toContain(
      "aws ec2 create-route --route-table-id rtb-0public --destination-cidr-block 0.0.0.0/0 --gateway-id igw-01",
    );
    expect(noPath.fix).not.toContain("Add a NAT gateway route");
    // Without any default route, the fix is the NAT route.
    const none = applyRules({ runtime: runtime(), network: network(), invoke: healthCheckFailed, gaps: [] });
    expect(none.find((f) => f.id === "VPC_NO_EGRESS_PATH")!.fix).toContain(
      "Add a NAT gateway route (0.0.0.0/0) to rtb-0main",
    );
  });

  const allowedLogs = {
    permissions: {
      value: ["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({
        action,
        resource: "*",
        decision: "allowed",
      })),
      source: { kind: "api" as const, service: "iam", operation: "SimulatePrincipalPolicy" },
    },
  };

  it("NO_RUNTIME_LOGS' fix fits the evidence: no logs endpoint where a NAT path exists and the role may log", () => {
    const e: DiagnoseEvidence = {
      runtime: runtime(),
      network: network(withNat([ALL_OUT])),
      iam: allowedLogs,
      invoke: healthCheckFailed,
      logs: noLogs,
      gaps: [],
    };
    const fix = applyRules(e).find((f) => f.id === "NO_RUNTIME_LOGS")!.fix;
    expect(fix).not.toContain("interface endpoint");
    expect(fix).toContain(
      "the agent printed nothing before the health check gave up, and no invocation reached it",
    );
    const privateSubnet = applyRules({ ...e, network: network() }).find(
      (f) => f.id === "NO_RUNTIME_LOGS",
    )!.fix;
    expect(privateSubnet).toContain("`logs` interface endpoint");
    const denied = applyRules({
      ...e,
      iam: {
        permissions: {
          ...allowedLogs.permissions,
          value: [{ action: "logs:PutLogEvents", resource: "*", decision: "implicitDeny" }],
        },
      },
    }).find((f) => f.id === "NO_RUNTIME_LOGS")!.fix;
    expect(denied).toContain("logs:PutLogEvents");
    expect(denied).toContain("EXECUTION_ROLE_CANNOT_LOG");
    expect(denied).not.toContain("interface endpoint");
  });

  it("a healthy verdict is worded healthy, in the support case too", () => {
    const ok: DiagnoseEvidence = {
      runtime: runtime({ networkMode: "PUBLIC", subnets: [], securityGroups: [] }),
      invoke: { ...healthCheckFailed!, value: { sessionId: "s", ok: true, elapsedMs: 300, statusCode: 200 } },
      gaps: [],
    };
    const findings = applyRules(ok);
    const ranked = rankHypotheses(ok, findings);
    const verdict = verdictOf(ranked, findings);
    expect(verdict).toMatchObject({ verdict: "healthy", rootCause: null });
    const text = supportCaseText(ok, findings, ranked, derive(ok), verdict);
    expect(text).toContain("no failure observed");
    expect(text).toContain("healthy");
    expect(text).not.toContain("did not establish a cause");
    expect(text).not.toContain("invocations failing");
  });
});

describe("an invalid --config is reported when --source's static checks read another config", () => {
  it("PROJECT_CONFIG_INVALID from --config beside --source's findings, once", () => {
    const config = parseProjectConfigText(
      "/p/.bedrock_agentcore.yaml",
      "default_agent: a\nagents:\n  a:\n    name: a\n    aws:\n      network_configuration:\n        network_mode: PRIVATE\n",
    );
    expect(config.problems.length).toBeGreaterThan(0);
    const base = {
      runtime: runtime({ networkMode: "PUBLIC", subnets: [], securityGroups: [] }),
      config,
      gaps: [],
    };
    const ids = (e: DiagnoseEvidence) => applyRules(e).map((f) => f.id);
    expect(ids({ ...base, sourceFindings: [] })).toContain("PROJECT_CONFIG_INVALID");
    expect(ids(base)).toContain("PROJECT_CONFIG_INVALID");
    const already = makeFinding(
      "PROJECT_CONFIG_INVALID",
      [{ fact: "network_mode PRIVATE", source: { kind: "file", path: ".bedrock_agentcore.yaml", line: 7 } }],
      { file: ".bedrock_agentcore.yaml", problems: "x" },
    );
    expect(ids({ ...base, sourceFindings: [already] })).not.toContain("PROJECT_CONFIG_INVALID");
  });
});
