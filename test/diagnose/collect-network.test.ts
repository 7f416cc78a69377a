import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectNetwork,
  otherManagedInterfaces,
  runtimeInterfaces,
  vpcNetworkOf,
} from "../../src/diagnose/collect/network.js";
import type { EvidenceGap } from "../../src/diagnose/evidence.js";
import { reach } from "../../src/net/reachability.js";

// Answers shaped as EC2 sends them: the query protocol's XML, item lists, lower-case states
// ("available", "in-use", "attached"), NextToken pages, RequestLimitExceeded (503) once,
// UnauthorizedOperation (403) for a denied call.

const VPC = "vpc-0a1b2c3d4e5f60718";
const SUBNET_A = "subnet-0aaa1111bbbb22223";
const SUBNET_B = "subnet-0ccc3333dddd44445";
const SG = "sg-0123456789abcdef0";
const ENDPOINT_SG = "sg-0fedcba9876543210";
const NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

const items = (values: string[]) => values.map((v) => `<item>${v}</item>`).join("");
const tags = (pairs: Record<string, string>) =>
  `<tagSet>${items(Object.entries(pairs).map(([k, v]) => `<key>${k}</key><value>${v}</value>`))}</tagSet>`;

function eni(id: string, subnet: string, groups: string[], status: "in-use" | "available", ip: string) {
  return `<networkInterfaceId>${id}</networkInterfaceId><subnetId>${subnet}</subnetId><vpcId>${VPC}</vpcId>
<availabilityZone>us-east-1a</availabilityZone><description/><ownerId>111122223333</ownerId>
<requesterId>AROAEXAMPLEROLEID:BedrockAgentCoreNetwork</requesterId><requesterManaged>false</requesterManaged>
<status>${status}</status><macAddress>0e:11:22:33:44:55</macAddress><privateIpAddress>${ip}</privateIpAddress>
<sourceDestCheck>true</sourceDestCheck><interfaceType>agentic_ai</interfaceType>
<groupSet>${items(groups.map((g) => `<groupId>${g}</groupId><groupName>agent-runtime</groupName>`))}</groupSet>
${
  status === "in-use"
    ? `<attachment><attachmentId>ela-attach-0a1b2c3d4e5f60718</attachmentId><deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex><status>attached</status><attachTime>2026-11-25T01:00:05.000Z</attachTime><deleteOnTermination>false</deleteOnTermination><instanceOwnerId>amazon-aws</instanceOwnerId></attachment>`
    : ""
}
${tags({ AmazonBedrockAgentCoreManaged: "true" })}
<privateIpAddressesSet><item><privateIpAddress>${ip}</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>
<ipv6AddressesSet/>`;
}

const subnet = (id: string, azId: string, az: string, cidr: string, free: number) =>
  `<subnetId>${id}</subnetId><subnetArn>arn:aws:ec2:us-east-1:111122223333:subnet/${id}</subnetArn><state>available</state>
<vpcId>${VPC}</vpcId><ownerId>111122223333</ownerId><cidrBlock>${cidr}</cidrBlock><ipv6CidrBlockAssociationSet/>
<availableIpAddressCount>${free}</availableIpAddressCount><availabilityZone>${az}</availabilityZone>
<availabilityZoneId>${azId}</availabilityZoneId><defaultForAz>false</defaultForAz><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>
<assignIpv6AddressOnCreation>false</assignIpv6AddressOnCreation>`;

const permission = (protocol: string, from: number | undefined, to: number | undefined, peers: string) =>
  `<item><ipProtocol>${protocol}</ipProtocol>${from === undefined ? "" : `<fromPort>${from}</fromPort><toPort>${to}</toPort>`}${peers}</item>`;

const group = (id: string, ingress: string, egress: string) =>
  `<ownerId>111122223333</ownerId><groupId>${id}</groupId><groupName>${id}</groupName><groupDescription>managed</groupDescription>
<vpcId>${VPC}</vpcId><securityGroupArn>arn:aws:ec2:us-east-1:111122223333:security-group/${id}</securityGroupArn>
<ipPermissions>${ingress}</ipPermissions><ipPermissionsEgress>${egress}</ipPermissionsEgress>`;

const ALL_OUT = permission(
  "-1",
  undefined,
  undefined,
  "<groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>",
);
const HTTPS_FROM_RUNTIME = permission(
  "tcp",
  443,
  443,
  `<groups><item><userId>111122223333</userId><groupId>${SG}</groupId></item></groups><ipRanges/>`,
);

const ANSWERS: Record<string, (page: number, params: URLSearchParams) => string> = {
  DescribeSubnets: () =>
    `<subnetSet>${items([
      subnet(SUBNET_A, "use1-az1", "us-east-1a", "10.0.1.0/24", 250),
      subnet(SUBNET_B, "use1-az3", "us-east-1c", "10.0.2.0/28", 0),
    ])}</subnetSet>`,
  DescribeNetworkInterfaces: (page, params) =>
    params.get("Filter.1.Name") === "network-interface-id"
      ? `<networkInterfaceSet>${items([eni("eni-0endpoint00000001", SUBNET_A, [ENDPOINT_SG], "in-use", "10.0.1.40")])}</networkInterfaceSet>`
      : page === 1
        ? `<networkInterfaceSet>${items([eni("eni-0runtime000000001", SUBNET_A, [SG], "in-use", "10.0.1.10")])}</networkInterfaceSet><nextToken>page-2</nextToken>`
        : `<networkInterfaceSet>${items([eni("eni-0lingering0000001", SUBNET_A, ["sg-0old00000000000001"], "available", "10.0.1.11")])}</networkInterfaceSet>`,
  DescribeSecurityGroups: (_page, params) =>
    params.get("Filter.1.Value.1") === SG
      ? `<securityGroupInfo>${items([group(SG, "", ALL_OUT)])}</securityGroupInfo>`
      : `<securityGroupInfo>${items([group(ENDPOINT_SG, HTTPS_FROM_RUNTIME, ALL_OUT)])}</securityGroupInfo>`,
  DescribeRouteTables: () =>
    `<routeTableSet>${items([
      `<routeTableId>rtb-0main0000000000001</routeTableId><vpcId>${VPC}</vpcId><ownerId>111122223333</ownerId>
<routeSet>${items([
        "<destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin>",
        "<destinationPrefixListId>pl-63a5400a</destinationPrefixListId><gatewayId>vpce-0s3gateway00000001</gatewayId><state>active</state><origin>CreateRoute</origin>",
      ])}</routeSet>
<associationSet>${items([
        "<routeTableAssociationId>rtbassoc-0main00000000001</routeTableAssociationId><routeTableId>rtb-0main0000000000001</routeTableId><main>true</main><associationState><state>associated</state></associationState>",
      ])}</associationSet><propagatingVgwSet/><tagSet/>`,
    ])}</routeTableSet>`,
  DescribeNatGateways: () => "<natGatewaySet/>",
  DescribeInternetGateways: () => "<internetGatewaySet/>",
  DescribeVpcEndpoints: () =>
    `<vpcEndpointSet>${items([
      `<vpcEndpointId>vpce-0ecrapi000000001</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><vpcId>${VPC}</vpcId>
<serviceName>com.amazonaws.us-east-1.ecr.api</serviceName><state>available</state><routeTableIdSet/>
<subnetIdSet>${items([SUBNET_A])}</subnetIdSet><groupSet>${items([`<groupId>${ENDPOINT_SG}</groupId><groupName>endpoints</groupName>`])}</groupSet>
<ipAddressType>ipv4</ipAddressType><dnsOptions><dnsRecordIpType>ipv4</dnsRecordIpType></dnsOptions><privateDnsEnabled>true</privateDnsEnabled>
<requesterManaged>false</requesterManaged><networkInterfaceIdSet>${items(["eni-0endpoint00000001"])}</networkInterfaceIdSet>
<creationTimestamp>2026-11-20T10:00:00.000Z</creationTimestamp><ownerId>111122223333</ownerId>`,
      `<vpcEndpointId>vpce-0s3gateway00000001</vpcEndpointId><vpcEndpointType>Gateway</vpcEndpointType><vpcId>${VPC}</vpcId>
<serviceName>com.amazonaws.us-east-1.s3</serviceName><state>available</state><routeTableIdSet>${items(["rtb-0main0000000000001"])}</routeTableIdSet>
<subnetIdSet/><groupSet/><privateDnsEnabled>false</privateDnsEnabled><requesterManaged>false</requesterManaged><networkInterfaceIdSet/>
<creationTimestamp>2026-11-20T10:00:00.000Z</creationTimestamp><ownerId>111122223333</ownerId>`,
    ])}</vpcEndpointSet>`,
  DescribeVpcs: () =>
    `<vpcSet>${items([`<vpcId>${VPC}</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><state>available</state><ownerId>111122223333</ownerId>`])}</vpcSet>`,
  DescribeVpcAttribute: (_page, params) => {
    const attribute = params.get("Attribute")!;
    return `<vpcId>${VPC}</vpcId><${attribute}><value>true</value></${attribute}>`;
  },
};

interface FakeEc2 {
  calls: string[];
  client: EC2Client;
  close: () => void;
}

async function fakeEc2(options: { throttleOnce?: string; deny?: string[] } = {}): Promise<FakeEc2> {
  const calls: string[] = [];
  let throttled = false;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const params = new URLSearchParams(body);
      const action = params.get("Action")!;
      const token = params.get("NextToken");
      calls.push(`${action}${token ? `+${token}` : ""}`);
      res.setHeader("content-type", "text/xml;charset=UTF-8");
      const error = (status: number, code: string, message: string) => {
        res.writeHead(status);
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>5e5b3c1f-2a4d-4c39-9f0e-0c2c8f1b7a61</RequestID></Response>`,
        );
      };
      if (options.throttleOnce === action && !throttled) {
        throttled = true;
        return error(503, "RequestLimitExceeded", "Request limit exceeded.");
      }
      if (options.deny?.includes(action)) {
        return error(
          403,
          "UnauthorizedOperation",
          `You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/ReadOnly/doctor is not authorized to perform: ec2:${action} because no identity-based policy allows the ec2:${action} action`,
        );
      }
      const answer = ANSWERS[action];
      if (!answer)
        return error(400, "InvalidAction", `The action ${action} is not valid for this web service.`);
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NS}"><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>${answer(token ? 2 : 1, params)}</${action}Response>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const client = new EC2Client({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  return {
    calls,
    client,
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

const scope = { region: "us-east-1", subnetIds: [SUBNET_A, SUBNET_B], groupIds: [SG] };

describe("collectNetwork against EC2-shaped answers", () => {
  let ec2: FakeEc2;
  beforeAll(async () => {
    ec2 = await fakeEc2({ throttleOnce: "DescribeRouteTables" });
  });
  afterAll(() => ec2?.close());

  it("reads the VPC paged to the end, retries a throttled call, and sources every part", async () => {
    const gaps: EvidenceGap[] = [];
    const { value: n } = await collectNetwork(ec2.client, scope, gaps);
    expect(gaps).toEqual([]);
    expect(ec2.calls.filter((c) => c.startsWith("DescribeRouteTables"))).toHaveLength(2);
    expect(ec2.calls).toContain("DescribeNetworkInterfaces+page-2");
    expect(n.vpcId).toBe(VPC);
    expect(
      n.subnets!.value.map((s) => [s.SubnetId, s.AvailabilityZoneId, s.AvailableIpAddressCount]),
    ).toEqual([
      [SUBNET_A, "use1-az1", 250],
      [SUBNET_B, "use1-az3", 0],
    ]);
    expect(n.managedInterfaces!.source).toEqual({
      kind: "api",
      service: "ec2",
      operation: "DescribeNetworkInterfaces",
      parameters: {
        Filters: [
          { Name: "tag:AmazonBedrockAgentCoreManaged", Values: ["true"] },
          { Name: "subnet-id", Values: [SUBNET_A, SUBNET_B] },
        ],
      },
    });
    expect(
      runtimeInterfaces(n).map((e) => [e.NetworkInterfaceId, e.Status, e.Attachment?.InstanceOwnerId]),
    ).toEqual([["eni-0runtime000000001", "in-use", "amazon-aws"]]);
    expect(otherManagedInterfaces(n).map((e) => [e.NetworkInterfaceId, e.Status])).toEqual([
      ["eni-0lingering0000001", "available"],
    ]);
    expect(n.notes[0]!.fact).toContain("empty description: a search by description");
    expect(n.securityGroups!.value.map((g) => g.GroupId)).toEqual([SG, ENDPOINT_SG]);
    expect(n.endpoints!.value.map((e) => [e.ServiceName, e.State, e.PrivateDnsEnabled])).toEqual([
      ["com.amazonaws.us-east-1.ecr.api", "available", true],
      ["com.amazonaws.us-east-1.s3", "available", false],
    ]);
    expect(n.endpointInterfaces!.value.map((e) => e.PrivateIpAddress)).toEqual(["10.0.1.40"]);
    expect([n.dnsSupport?.value, n.dnsHostnames?.value]).toEqual([true, true]);
    expect(n.vpcCidr).toMatchObject({ value: "10.0.0.0/16", source: { operation: "DescribeVpcs" } });
    expect(n.dnsHostnames!.source).toMatchObject({ parameters: { Attribute: "enableDnsHostnames" } });
  });

  it("gives the reachability model what it needs: ecr.api through its endpoint, s3 through the gateway, sts nowhere", async () => {
    const { value: n } = await collectNetwork(ec2.client, scope, []);
    const network = vpcNetworkOf(n)!;
    const origin = { subnetId: SUBNET_A, groupIds: [SG], address: "10.0.1.10" };
    expect(reach(network, origin, { service: "ecr.api" })).toMatchObject({
      status: "reachable",
      via: "interface-endpoint",
    });
    expect(reach(network, origin, { service: "s3" })).toMatchObject({
      status: "reachable",
      via: "gateway-endpoint",
    });
    expect(reach(network, origin, { service: "sts" })).toMatchObject({
      status: "blocked",
      reason: "no-route",
    });
  });
});

describe("collectNetwork without every permission", () => {
  let ec2: FakeEc2;
  beforeAll(async () => {
    ec2 = await fakeEc2({ deny: ["DescribeVpcEndpoints", "DescribeVpcAttribute"] });
  });
  afterAll(() => ec2?.close());

  it("turns UnauthorizedOperation into gaps naming the call and the action, and keeps the rest", async () => {
    const gaps: EvidenceGap[] = [];
    const { value: n } = await collectNetwork(ec2.client, scope, gaps);
    expect(gaps.map((g) => [g.operation, g.errorCode, g.action])).toEqual([
      ["DescribeVpcEndpoints", "UnauthorizedOperation", "ec2:DescribeVpcEndpoints"],
      ["DescribeVpcAttribute", "UnauthorizedOperation", "ec2:DescribeVpcAttribute"],
      ["DescribeVpcAttribute", "UnauthorizedOperation", "ec2:DescribeVpcAttribute"],
    ]);
    expect(n.endpoints).toBeUndefined();
    expect(n.dnsSupport).toBeUndefined();
    expect(n.routeTables!.value).toHaveLength(1);
    expect(vpcNetworkOf(n)).toBeUndefined();
  });
});
