import type { RouteTable, VpcEndpoint } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { DiagnoseEvidence } from "../../src/diagnose/analysis-input.js";
import type { NetworkEvidence } from "../../src/diagnose/collect/network.js";
import type { RuntimeEvidence } from "../../src/diagnose/collect/runtime.js";
import { rankHypotheses } from "../../src/diagnose/hypotheses.js";
import { applyRules } from "../../src/diagnose/rules/index.js";

const VPC = "vpc-0a1b2c3d4e5f60718";
const SUBNET = "subnet-0aaa1111bbbb22223";
const SG = "sg-0123456789abcdef0";
const api = (operation: string) => ({ kind: "api" as const, service: "ec2", operation });
const sourced = <T>(value: T, operation: string) => ({ value, source: api(operation) });

function runtime(overrides: Partial<RuntimeEvidence> = {}): DiagnoseEvidence["runtime"] {
  return {
    source: { kind: "api", service: "bedrock-agentcore-control", operation: "GetAgentRuntime" },
    value: {
      runtimeId: "zip_agent-AbCdE12345",
      runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/zip_agent-AbCdE12345",
      name: "zip_agent",
      version: "1",
      status: "READY",
      networkMode: "VPC",
      subnets: [SUBNET],
      securityGroups: [SG],
      protocol: "HTTP",
      code: { bucket: "agent-code", prefix: "agent.zip", runtime: "PYTHON_3_12", entryPoint: ["main.py"] },
      roleArn: "arn:aws:iam::123456789012:role/AgentRole",
      environmentVariableNames: [],
      createdAt: new Date("2026-11-20T10:00:00Z"),
      versions: [{ version: "1", status: "READY" }],
      endpoint: { name: "DEFAULT", status: "READY", liveVersion: "1" },
      ...overrides,
    },
  };
}

const mainTable = (routes: RouteTable["Routes"] = []): RouteTable => ({
  RouteTableId: "rtb-0main",
  VpcId: VPC,
  Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" }, ...routes],
  Associations: [{ Main: true }],
});

/** A private subnet with no NAT; `endpoints` and routes as given. */
function network(
  routes: RouteTable["Routes"] = [],
  endpoints: VpcEndpoint[] = [],
): DiagnoseEvidence["network"] {
  const value: NetworkEvidence = {
    region: "us-east-1",
    vpcId: VPC,
    subnetIds: [SUBNET],
    groupIds: [SG],
    subnets: sourced(
      [
        {
          SubnetId: SUBNET,
          VpcId: VPC,
          CidrBlock: "10.0.1.0/24",
          AvailabilityZoneId: "use1-az1",
          AvailableIpAddressCount: 200,
        },
      ],
      "DescribeSubnets",
    ),
    managedInterfaces: sourced([], "DescribeNetworkInterfaces"),
    securityGroups: sourced(
      [
        {
          GroupId: SG,
          VpcId: VPC,
          IpPermissions: [],
          IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
        },
      ],
      "DescribeSecurityGroups",
    ),
    routeTables: sourced([mainTable(routes)], "DescribeRouteTables"),
    natGateways: sourced([], "DescribeNatGateways"),
    internetGateways: sourced([], "DescribeInternetGateways"),
    endpoints: sourced(endpoints, "DescribeVpcEndpoints"),
    dnsSupport: sourced(true, "DescribeVpcAttribute"),
    dnsHostnames: sourced(true, "DescribeVpcAttribute"),
    notes: [],
  };
  return { source: api("DescribeSubnets"), value };
}

const s3Gateway: VpcEndpoint = {
  VpcEndpointId: "vpce-0s3",
  VpcEndpointType: "Gateway",
  VpcId: VPC,
  ServiceName: "com.amazonaws.us-east-1.s3",
  State: "Available",
  RouteTableIds: ["rtb-0main"],
};
const prefixListRoute = {
  DestinationPrefixListId: "pl-63a5400a",
  GatewayId: "vpce-0s3",
  State: "active" as const,
};

const ids = (e: DiagnoseEvidence) => applyRules(e).map((f) => f.id);

describe("CODE_ZIP_NO_S3_PATH: a VPC code runtime created on or after 2026-05-05 needs its own way to S3", () => {
  it("fires with neither an S3 gateway endpoint nor a NAT, names the route table in its fix, and ranks first", () => {
    const e: DiagnoseEvidence = { runtime: runtime(), network: network(), gaps: [] };
    const findings = applyRules(e);
    const finding = findings.find((f) => f.id === "CODE_ZIP_NO_S3_PATH");
    expect(finding).toBeDefined();
    expect(finding!.fix).toContain("--vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.s3");
    expect(finding!.fix).toContain("--route-table-ids rtb-0main");
    expect(finding!.evidence[0]!.fact).toContain("on or after 2026-05-05");
    expect(rankHypotheses(e, findings)[0]).toMatchObject({
      cause: "CODE_ZIP_NO_S3_PATH",
      verdict: "confirmed",
    });
  });

  it("stays silent with an S3 gateway endpoint on the subnet's table, before 2026-05-05, in PUBLIC mode, and for an image", () => {
    expect(
      ids({ runtime: runtime(), network: network([prefixListRoute], [s3Gateway]), gaps: [] }),
    ).not.toContain("CODE_ZIP_NO_S3_PATH");
    expect(
      ids({
        runtime: runtime({ createdAt: new Date("2026-05-04T23:59:59Z") }),
        network: network(),
        gaps: [],
      }),
    ).not.toContain("CODE_ZIP_NO_S3_PATH");
    expect(ids({ runtime: runtime({ networkMode: "PUBLIC", subnets: [] }), gaps: [] })).not.toContain(
      "CODE_ZIP_NO_S3_PATH",
    );
    const image = runtime({ containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1" });
    delete (image.value as Partial<RuntimeEvidence>).code;
    expect(ids({ runtime: image, network: network(), gaps: [] })).not.toContain("CODE_ZIP_NO_S3_PATH");
  });
});
