import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, get, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCertificateAuthority, trustVariables } from "../../src/emulator/aws-public/ca.js";
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
  deleteRoute,
} from "../../src/emulator/ec2/model/route-tables.js";
import {
  authorizeEgress,
  authorizeIngress,
  createSecurityGroup,
  revokeEgress,
} from "../../src/emulator/ec2/model/security-groups.js";
import { createSubnet } from "../../src/emulator/ec2/model/subnets.js";
import { createVpcEndpoint, deleteVpcEndpoints } from "../../src/emulator/ec2/model/vpc-endpoints.js";
import { createVpc } from "../../src/emulator/ec2/model/vpc-lifecycle.js";
import { modifyVpcAttribute } from "../../src/emulator/ec2/model/vpcs.js";
import { ec2VpcState } from "../../src/emulator/ec2/vpc-snapshot.js";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";
import {
  analyticReachability,
  probeFromNamespace,
  sessionReachability,
} from "../../src/emulator/vpc/decide.js";
import {
  type SessionFabric as Fabric,
  SessionFabric,
  type SessionNetwork,
} from "../../src/emulator/vpc/fabric.js";
import { createNamespace, leftovers, type Namespace } from "../../src/net/netns.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const skip = await namespaceSkipReason();
if (skip) console.log(`vpc-fabric: skipped: ${skip}`);

const scope = { account: "123456789012", region: "us-east-1" };

/** A stdlib-Python agent: calls STS over HTTPS at start-up, prints the outcome, then serves /ping on 8080. */
const AGENT = `import json, socket, ssl, sys, urllib.error, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
try:
    req = urllib.request.Request("https://sts.us-east-1.amazonaws.com/", data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"content-type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=3) as r:
        outcome = "ok %d %s" % (r.status, r.read().decode()[:40])
except urllib.error.HTTPError as e:
    outcome = "ok %d %s" % (e.code, e.read().decode()[:160])
except urllib.error.URLError as e:
    r = e.reason
    outcome = "timeout" if isinstance(r, (socket.timeout, TimeoutError)) else "refused" if isinstance(r, ConnectionRefusedError) else "unresolved" if isinstance(r, socket.gaierror) else "error %r" % (r,)
except (socket.timeout, TimeoutError):
    outcome = "timeout"
print("STS", outcome, flush=True)
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "Healthy"}).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
HTTPServer(("0.0.0.0", 8080), H).serve_forever()
`;

describe.skipIf(skip !== undefined)("VPC session network", () => {
  const dir = mkdtempSync(join(tmpdir(), "acd-vpc-fabric-"));
  const socketPath = join(dir, "emulator.sock");
  const hostsSeen: string[] = [];
  let upstream: Server;
  let fabric: Fabric;
  const store = new SqliteStore();
  const ec2 = new Ec2(store, systemEnvironment);
  const call = () => ec2.call(scope);
  const ids = {} as Record<
    "vpc" | "private" | "public" | "nat" | "rtb" | "sg" | "endpointSg" | "eni" | "eniIp",
    string
  >;
  const namespaces: Namespace[] = [];
  const agents: ChildProcess[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      hostsSeen.push(req.headers.host ?? "");
      req.resume();
      res.writeHead(200, { "content-type": "text/xml" }).end("<GetCallerIdentityResponse/>");
    });
    await new Promise<void>((resolve) => upstream.listen(socketPath, resolve));
    const vpcId = createVpc(call(), { CidrBlock: "10.20.0.0/16" }).Vpc.VpcId!;
    modifyVpcAttribute(call(), { VpcId: vpcId, EnableDnsHostnames: { Value: true } });
    const subnet = (cidr: string, az: string) =>
      createSubnet(call(), { VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }).Subnet.SubnetId!;
    ids.vpc = vpcId;
    ids.public = subnet("10.20.0.0/24", "us-east-1a");
    ids.private = subnet("10.20.1.0/24", "us-east-1b");
    const igw = createInternetGateway(call(), {}).InternetGateway!.InternetGatewayId!;
    attachInternetGateway(call(), { InternetGatewayId: igw, VpcId: vpcId });
    const publicRtb = createRouteTable(call(), { VpcId: vpcId }).RouteTable!.RouteTableId!;
    createRoute(call(), { RouteTableId: publicRtb, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw });
    associateRouteTable(call(), { RouteTableId: publicRtb, SubnetId: ids.public });
    ids.nat = createNatGateway(call(), { SubnetId: ids.public, AllocationId: "eipalloc-0123456789abcdef0" })
      .NatGateway!.NatGatewayId!;
    ids.rtb = createRouteTable(call(), { VpcId: vpcId }).RouteTable!.RouteTableId!;
    associateRouteTable(call(), { RouteTableId: ids.rtb, SubnetId: ids.private });
    ids.sg = createSecurityGroup(call(), { VpcId: vpcId, GroupName: "runtime", Description: "runtime" })
      .GroupId!;
    ids.endpointSg = createSecurityGroup(call(), { VpcId: vpcId, GroupName: "endpoints", Description: "e" })
      .GroupId!;
    const eni = ec2.createManagedNetworkInterface(scope, {
      subnetId: ids.private,
      groupIds: [ids.sg],
      requesterArn: "arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForBedrockAgentCoreNetwork/r",
    });
    ids.eni = eni.NetworkInterfaceId!;
    ids.eniIp = eni.PrivateIpAddress!;
    fabric = new SessionFabric({
      vpcs: ec2VpcState(ec2),
      caDir: dir,
      upstream: { socketPath },
      syncIntervalMs: 300,
    });
  });

  const made = new Set<string>();
  afterAll(async () => {
    for (const agent of agents) agent.kill("SIGKILL");
    for (const name of fabric?.ownNamespaces() ?? []) made.add(name);
    await fabric?.stop();
    for (const ns of namespaces) await ns.destroy();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    store.close();
    rmSync(dir, { recursive: true, force: true });
    // Other suites may run beside this one: only what this file made must be gone.
    const left = await leftovers();
    expect(left.namespaces.filter((n) => made.has(n))).toEqual([]);
    expect(left.etcNetns.filter((n) => made.has(n))).toEqual([]);
    expect(left.tables).toEqual([]);
  });

  const vpcNetwork = (): SessionNetwork => ({
    ...scope,
    mode: "VPC",
    eni: { id: ids.eni, privateIp: ids.eniIp, subnetId: ids.private, groupIds: [ids.sg] },
  });

  /** A session: namespace, network, the agent; its start-up STS outcome and whether /ping answers on the service interface. */
  async function session(network: SessionNetwork) {
    const ns = await createNamespace("s");
    namespaces.push(ns);
    made.add(ns.name);
    for (const name of fabric.ownNamespaces()) made.add(name);
    const t0 = performance.now();
    const attachment = await fabric.attachSession(ns.name, network);
    const attachMs = performance.now() - t0;
    for (const name of fabric.ownNamespaces()) made.add(name);
    writeFileSync(join(dir, "agent.py"), AGENT);
    const agent = spawn("ip", ["netns", "exec", ns.name, "python3", join(dir, "agent.py")], {
      env: { ...process.env, ...trustVariables(loadCertificateAuthority(dir).bundlePath) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    agents.push(agent);
    const sts = await new Promise<string>((resolve) => {
      createInterface({ input: agent.stdout! }).on("line", (line) => {
        if (line.startsWith("STS ")) resolve(line.slice(4));
      });
    });
    const ping = await new Promise<string>((resolve) => {
      const poll = (left: number) =>
        get({ host: ns.address, port: 8080, path: "/ping", timeout: 1000 }, (res) => {
          res.resume();
          resolve(String(res.statusCode));
        }).on("error", (e) => (left > 0 ? setTimeout(() => poll(left - 1), 100) : resolve(e.message)));
      poll(30);
    });
    const packet = await sessionReachability({ network, vpcs: ec2VpcState(ec2), namespace: ns.name }, "sts");
    const analytic = analyticReachability(ec2VpcState(ec2), network, "sts");
    const end = async () => {
      agent.kill("SIGKILL");
      await new Promise((resolve) => agent.once("exit", resolve));
      await attachment.detach();
      await ns.destroy();
      namespaces.splice(namespaces.indexOf(ns), 1);
    };
    return { ns, attachment, attachMs, sts, ping, packet, analytic, end };
  }

  it("hangs with neither a NAT route nor an endpoint; the health check still arrives on the service interface", async () => {
    const s = await session(vpcNetwork());
    try {
      expect(s.sts).toBe("timeout");
      expect(s.ping).toBe("200");
      expect(s.packet.status).toBe("blocked");
      expect(s.packet.detail).toContain("timeout");
      expect(s.analytic.status).toBe("blocked");
      expect(s.analytic.detail).toMatch(/^no-route/);
    } finally {
      await s.end();
    }
  });

  it("reaches STS through a NAT gateway route, over TLS with the emulator's CA", async () => {
    createRoute(call(), { RouteTableId: ids.rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: ids.nat });
    const s = await session(vpcNetwork());
    try {
      expect(s.sts).toMatch(/^ok 200/);
      expect(hostsSeen).toContain("sts.us-east-1.amazonaws.com");
      expect(s.packet.status).toBe("reachable");
      expect(s.analytic).toMatchObject({ status: "reachable" });
      expect(s.analytic.detail).toMatch(/^nat/);

      // Sessions of runtimes sharing the ENI share its address: each gets its own replies.
      const twin = await createNamespace("s");
      namespaces.push(twin);
      made.add(twin.name);
      const twinAttachment = await fabric.attachSession(twin.name, vpcNetwork());
      const both = await Promise.all(
        [s.ns.name, twin.name].map((namespace) =>
          sessionReachability({ network: vpcNetwork(), vpcs: ec2VpcState(ec2), namespace }, "sts"),
        ),
      );
      expect(both.map((v) => v.status)).toEqual(["reachable", "reachable"]);
      await twinAttachment.detach();
      await twin.destroy();
      namespaces.splice(namespaces.indexOf(twin), 1);
      expect(
        await sessionReachability(
          { network: vpcNetwork(), vpcs: ec2VpcState(ec2), namespace: s.ns.name },
          "sts",
        ),
      ).toMatchObject({
        status: "reachable",
      });

      // EC2 changes reach the running session within a second: the egress rule goes, packets stop.
      revokeEgress(call(), {
        GroupId: ids.sg,
        IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      });
      await new Promise((r) => setTimeout(r, 1000));
      const packet = await sessionReachability(
        { network: vpcNetwork(), vpcs: ec2VpcState(ec2), namespace: s.ns.name },
        "sts",
      );
      const analytic = analyticReachability(ec2VpcState(ec2), vpcNetwork(), "sts");
      expect(packet.status).toBe("blocked");
      expect(packet.detail).toContain("timeout");
      expect(analytic.status).toBe("blocked");
      expect(analytic.detail).toMatch(/^sg-egress/);
    } finally {
      await s.end();
    }
  });

  it("fails at start-up with the egress rule removed, NAT route or not", async () => {
    const s = await session(vpcNetwork());
    try {
      expect(s.sts).toBe("timeout");
      expect(s.packet.status).toBe("blocked");
      expect(s.analytic.status).toBe("blocked");
      expect(s.analytic.detail).toMatch(/^sg-egress/);
    } finally {
      await s.end();
      authorizeEgress(call(), {
        GroupId: ids.sg,
        IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      });
      deleteRoute(call(), { RouteTableId: ids.rtb, DestinationCidrBlock: "0.0.0.0/0" });
    }
  });

  it("reaches STS through an interface endpoint with private DNS whose group admits 443 from the ENI", async () => {
    const endpoint = createVpcEndpoint(call(), {
      VpcId: ids.vpc,
      VpcEndpointType: "Interface",
      ServiceName: "com.amazonaws.us-east-1.sts",
      SubnetIds: [ids.private],
      SecurityGroupIds: [ids.endpointSg],
      PrivateDnsEnabled: true,
    }).VpcEndpoint!.VpcEndpointId!;
    try {
      // The endpoint's group admits nothing yet: both judges say blocked.
      let s = await session(vpcNetwork());
      try {
        expect(s.sts).toBe("timeout");
        expect(s.packet.detail).toMatch(/\(10\.20\.1\.\d+\): timeout/);
        expect(s.analytic.detail).toMatch(/^endpoint-sg-ingress/);
        expect(s.packet.status).toBe(s.analytic.status);
      } finally {
        await s.end();
      }
      authorizeIngress(call(), {
        GroupId: ids.endpointSg,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: ids.sg }] },
        ],
      });
      s = await session(vpcNetwork());
      try {
        expect(s.sts).toMatch(/^ok 200/);
        expect(s.packet.status).toBe("reachable");
        expect(s.packet.detail).toMatch(/\(10\.20\.1\.\d+\): connected/);
        expect(s.analytic.detail).toMatch(/^interface-endpoint/);
        expect(s.analytic.status).toBe("reachable");
        // The VPC's resolver honours enableDnsSupport: off, the name does not resolve.
        modifyVpcAttribute(call(), { VpcId: ids.vpc, EnableDnsSupport: { Value: false } });
        await new Promise((r) => setTimeout(r, 1000));
        const packet = await sessionReachability(
          { network: vpcNetwork(), vpcs: ec2VpcState(ec2), namespace: s.ns.name },
          "sts",
        );
        expect(packet).toMatchObject({ status: "blocked" });
        expect(packet.detail).toContain("unresolved");
        expect(analyticReachability(ec2VpcState(ec2), vpcNetwork(), "sts").detail).toMatch(/^vpc-dns-off/);
      } finally {
        modifyVpcAttribute(call(), { VpcId: ids.vpc, EnableDnsSupport: { Value: true } });
        await s.end();
      }
    } finally {
      deleteVpcEndpoints(call(), { VpcEndpointIds: [endpoint] });
    }
  });

  it("enforces the ENI's ingress rules on what reaches it from inside the VPC, self-references included", async () => {
    const s = await session(vpcNetwork());
    const other = ec2.createManagedNetworkInterface(scope, {
      subnetId: ids.private,
      groupIds: [ids.sg, ids.endpointSg],
      requesterArn: "arn:aws:iam::123456789012:role/other",
    });
    const peer = await createNamespace("s");
    namespaces.push(peer);
    made.add(peer.name);
    const peerAttachment = await fabric.attachSession(peer.name, {
      ...scope,
      mode: "VPC",
      eni: {
        id: other.NetworkInterfaceId!,
        privateIp: other.PrivateIpAddress!,
        subnetId: ids.private,
        groupIds: [ids.sg, ids.endpointSg],
      },
    });
    try {
      expect(s.ping).toBe("200");
      // The runtime's group admits nothing inbound: the agent's port hangs from the VPC.
      expect((await probeFromNamespace(peer.name, ids.eniIp, 8080, 1500)).outcome).toBe("timeout");
      authorizeIngress(call(), {
        GroupId: ids.sg,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: ids.sg }] },
        ],
      });
      await new Promise((r) => setTimeout(r, 1000));
      expect((await probeFromNamespace(peer.name, ids.eniIp, 8080, 1500)).outcome).toBe("connected");
    } finally {
      await peerAttachment.detach();
      await peer.destroy();
      namespaces.splice(namespaces.indexOf(peer), 1);
      await s.end();
    }
  });

  it("gives PUBLIC sessions the stand-in for the internet; VPC session start costs little more", async () => {
    const s = await session({ ...scope, mode: "PUBLIC" });
    try {
      expect(s.sts).toMatch(/^ok 200/);
      expect(s.packet.status).toBe("reachable");
      expect(s.analytic.status).toBe("reachable");
    } finally {
      await s.end();
    }
    // Start overhead: namespace + network attach, PUBLIC vs VPC (the VPC's router already up, as for a runtime's later sessions).
    const timings: Record<"PUBLIC" | "VPC", number[]> = { PUBLIC: [], VPC: [] };
    const keep = await createNamespace("s");
    namespaces.push(keep);
    made.add(keep.name);
    const anchor = await fabric.attachSession(keep.name, vpcNetwork());
    for (let i = 0; i < 5; i++) {
      for (const mode of ["PUBLIC", "VPC"] as const) {
        const t0 = performance.now();
        const ns = await createNamespace("s");
        made.add(ns.name);
        const a = await fabric.attachSession(ns.name, mode === "VPC" ? vpcNetwork() : { ...scope, mode });
        timings[mode].push(performance.now() - t0);
        await a.detach();
        await ns.destroy();
      }
    }
    await anchor.detach();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `session start (namespace + network), median of 5: PUBLIC ${median(timings.PUBLIC).toFixed(0)} ms, VPC ${median(timings.VPC).toFixed(0)} ms, overhead ${(median(timings.VPC) - median(timings.PUBLIC)).toFixed(0)} ms`,
    );
    expect(median(timings.VPC) - median(timings.PUBLIC)).toBeLessThan(150);
  });
});
