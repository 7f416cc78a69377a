import { describe, expect, it } from "vitest";
import { systemEnvironment } from "../../src/emulator/context.js";
import { Ec2 } from "../../src/emulator/ec2/model/ec2.js";
import {
  attachInternetGateway,
  createInternetGateway,
  createNatGateway,
} from "../../src/emulator/ec2/model/gateways.js";
import {
  associateRouteTable,
  createRoute,
  createRouteTable,
} from "../../src/emulator/ec2/model/route-tables.js";
import {
  authorizeEgress,
  authorizeIngress,
  createSecurityGroup,
} from "../../src/emulator/ec2/model/security-groups.js";
import { createSubnet } from "../../src/emulator/ec2/model/subnets.js";
import { createVpcEndpoint } from "../../src/emulator/ec2/model/vpc-endpoints.js";
import { createVpc } from "../../src/emulator/ec2/model/vpc-lifecycle.js";
import { modifyVpcAttribute } from "../../src/emulator/ec2/model/vpcs.js";
import { snapshotVpc } from "../../src/emulator/ec2/vpc-snapshot.js";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";
import { prefixListOf } from "../../src/net/vpc/aws-names.js";
import {
  privateDnsRecords,
  routedPublicAddresses,
  routerRuleset,
  sessionRuleset,
} from "../../src/net/vpc/policy.js";
import {
  GATEWAY_SERVICE_ADDRESSES,
  PUBLIC_SERVICES,
  publicAddressOf,
  serviceOfHost,
} from "../../src/net/vpc/public.js";

const scope = { account: "123456789012", region: "us-east-1" };

function world() {
  const ec2 = new Ec2(new SqliteStore(), systemEnvironment);
  const call = () => ec2.call(scope);
  const vpcId = createVpc(call(), { CidrBlock: "10.40.0.0/16" }).Vpc.VpcId!;
  const subnet = (cidr: string, az: string) =>
    createSubnet(call(), { VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }).Subnet.SubnetId!;
  const pub = subnet("10.40.0.0/24", "us-east-1a");
  const priv = subnet("10.40.1.0/24", "us-east-1b");
  const sg = createSecurityGroup(call(), { VpcId: vpcId, GroupName: "rt", Description: "rt" }).GroupId!;
  const eni = (groups: string[]) =>
    ec2.createManagedNetworkInterface(scope, {
      subnetId: priv,
      groupIds: groups,
      requesterArn: "arn:aws:iam::1:role/x",
    });
  return { ec2, call, vpcId, pub, priv, sg, eni };
}

const spec = (
  eni: { NetworkInterfaceId?: string; PrivateIpAddress?: string },
  subnetId: string,
  groupIds: string[],
) => ({
  id: eni.NetworkInterfaceId!,
  privateIp: eni.PrivateIpAddress!,
  subnetId,
  groupIds,
});

describe("security groups to nftables", () => {
  it("resolves self-references and group references to members' addresses", () => {
    const w = world();
    const other = createSecurityGroup(w.call(), { VpcId: w.vpcId, GroupName: "other", Description: "o" })
      .GroupId!;
    authorizeIngress(w.call(), {
      GroupId: w.sg,
      IpPermissions: [
        { IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: w.sg }] },
        { IpProtocol: "tcp", FromPort: 8000, ToPort: 8100, UserIdGroupPairs: [{ GroupId: other }] },
      ],
    });
    const a = w.eni([w.sg]);
    const b = w.eni([w.sg, other]);
    const rules = sessionRuleset(snapshotVpc(w.ec2, scope, w.vpcId)!, spec(a, w.priv, [w.sg]), "acd-e1");
    expect(rules).toContain(`ip saddr ${a.PrivateIpAddress} accept`);
    expect(rules).toContain(`ip saddr ${b.PrivateIpAddress} accept`);
    expect(rules).toContain(`ip saddr ${b.PrivateIpAddress} tcp dport 8000-8100 accept`);
    // The default egress rule, stateful, and everything else dropped.
    expect(rules).toContain("ip daddr 0.0.0.0/0 accept");
    expect(rules).toContain("ct state established,related accept");
    expect(rules).toMatch(/counter drop\n {2}}\n {2}chain sg_ingress/);
  });

  it("turns a prefix-list rule into the gateway service's stand-in address", () => {
    const w = world();
    authorizeEgress(w.call(), {
      GroupId: w.sg,
      IpPermissions: [
        {
          IpProtocol: "tcp",
          FromPort: 443,
          ToPort: 443,
          PrefixListIds: [{ PrefixListId: prefixListOf("us-east-1", "s3") }],
        },
      ],
    });
    const a = w.eni([w.sg]);
    const rules = sessionRuleset(snapshotVpc(w.ec2, scope, w.vpcId)!, spec(a, w.priv, [w.sg]), "acd-e1");
    expect(rules).toContain(`ip daddr ${GATEWAY_SERVICE_ADDRESSES.s3} tcp dport 443 accept`);
  });
});

describe("route tables to the router", () => {
  it("lets a subnet out only through a NAT gateway whose own subnet reaches an attached internet gateway", () => {
    const w = world();
    const nat = createNatGateway(w.call(), { SubnetId: w.pub, AllocationId: "eipalloc-0123456789abcdef2" })
      .NatGateway!.NatGatewayId!;
    const rtb = createRouteTable(w.call(), { VpcId: w.vpcId }).RouteTable!.RouteTableId!;
    associateRouteTable(w.call(), { RouteTableId: rtb, SubnetId: w.priv });
    createRoute(w.call(), { RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat });
    expect(routedPublicAddresses(snapshotVpc(w.ec2, scope, w.vpcId)!, w.priv)).toEqual([]);
    const igw = createInternetGateway(w.call(), {}).InternetGateway!.InternetGatewayId!;
    attachInternetGateway(w.call(), { InternetGatewayId: igw, VpcId: w.vpcId });
    const pubRtb = createRouteTable(w.call(), { VpcId: w.vpcId }).RouteTable!.RouteTableId!;
    createRoute(w.call(), { RouteTableId: pubRtb, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw });
    associateRouteTable(w.call(), { RouteTableId: pubRtb, SubnetId: w.pub });
    expect(routedPublicAddresses(snapshotVpc(w.ec2, scope, w.vpcId)!, w.priv)).toContain(PUBLIC_SERVICES);
    // The public subnet itself routes to the internet gateway: an ENI without a public address gets nothing from it.
    expect(routedPublicAddresses(snapshotVpc(w.ec2, scope, w.vpcId)!, w.pub)).toEqual([]);
  });

  it("routes a gateway endpoint's prefix list, and serves interface endpoints on 443 behind their groups", () => {
    const w = world();
    const rtb = createRouteTable(w.call(), { VpcId: w.vpcId }).RouteTable!.RouteTableId!;
    associateRouteTable(w.call(), { RouteTableId: rtb, SubnetId: w.priv });
    createVpcEndpoint(w.call(), {
      VpcId: w.vpcId,
      ServiceName: "com.amazonaws.us-east-1.s3",
      VpcEndpointType: "Gateway",
      RouteTableIds: [rtb],
    });
    const snap = snapshotVpc(w.ec2, scope, w.vpcId)!;
    expect(routedPublicAddresses(snap, w.priv)).toEqual([GATEWAY_SERVICE_ADDRESSES.s3]);
    modifyVpcAttribute(w.call(), { VpcId: w.vpcId, EnableDnsHostnames: { Value: true } });
    const endpoint = createVpcEndpoint(w.call(), {
      VpcId: w.vpcId,
      ServiceName: "com.amazonaws.us-east-1.logs",
      VpcEndpointType: "Interface",
      SubnetIds: [w.priv],
      SecurityGroupIds: [w.sg],
    }).VpcEndpoint!;
    const withEndpoint = snapshotVpc(w.ec2, scope, w.vpcId)!;
    const records = privateDnsRecords(withEndpoint);
    expect(Object.keys(records)).toEqual(["logs.us-east-1.amazonaws.com"]);
    const address = records["logs.us-east-1.amazonaws.com"]![0]!;
    const router = routerRuleset(withEndpoint, "acd-u1", [{ ifname: "acd-p1", mark: 1 }]);
    expect(router).toContain(`ip daddr ${address} drop`);
    expect(router).toContain(`ip daddr ${address} tcp dport 443 dnat to ${PUBLIC_SERVICES}`);
    expect(router).toContain("ip daddr 10.40.0.2 meta l4proto { tcp, udp } th dport 53 accept");
    expect(endpoint.PrivateDnsEnabled).toBe(true);
    modifyVpcAttribute(w.call(), { VpcId: w.vpcId, EnableDnsHostnames: { Value: false } });
    expect(privateDnsRecords(snapshotVpc(w.ec2, scope, w.vpcId)!)).toEqual({});
  });
});

describe("AWS host names", () => {
  it("maps regional names to services and stand-in addresses", () => {
    expect(serviceOfHost("sts.us-east-1.amazonaws.com")).toBe("sts");
    expect(serviceOfHost("bedrock-runtime.us-east-1.amazonaws.com")).toBe("bedrock-runtime");
    expect(serviceOfHost("123456789012.dkr.ecr.us-east-1.amazonaws.com")).toBe("ecr.dkr");
    expect(serviceOfHost("api.ecr.us-east-1.amazonaws.com")).toBe("ecr.api");
    expect(serviceOfHost("bucket.s3.us-east-1.amazonaws.com")).toBe("s3");
    // S3's global endpoint, boto3's default for us-east-1 buckets.
    expect(serviceOfHost("bucket.s3.amazonaws.com")).toBe("s3");
    expect(serviceOfHost("s3.amazonaws.com")).toBe("s3");
    expect(serviceOfHost("example.com")).toBeUndefined();
    expect(publicAddressOf("dynamodb.us-east-1.amazonaws.com")).toBe(GATEWAY_SERVICE_ADDRESSES.dynamodb);
    expect(publicAddressOf("iam.amazonaws.com")).toBe(PUBLIC_SERVICES);
  });
});
