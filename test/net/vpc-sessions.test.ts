import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionManager, type SessionSpec } from "../../src/emulator/bedrock-agentcore/sessions.js";
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
import { createSecurityGroup } from "../../src/emulator/ec2/model/security-groups.js";
import { createSubnet } from "../../src/emulator/ec2/model/subnets.js";
import { createVpc } from "../../src/emulator/ec2/model/vpc-lifecycle.js";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";
import { leftovers } from "../../src/net/netns.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const skip = await namespaceSkipReason();
if (skip) console.log(`vpc-sessions: skipped: ${skip}`);

const scope = { account: "123456789012", region: "us-east-1" };

/** An agent that calls STS at start-up and answers every invocation with the outcome. */
const APP = `import json, socket, time, urllib.error, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
try:
    with urllib.request.urlopen(urllib.request.Request("https://sts.us-east-1.amazonaws.com/", data=b"Action=GetCallerIdentity"), timeout=3) as r:
        outcome = "ok %d" % r.status
except urllib.error.URLError as e:
    outcome = "timeout" if isinstance(e.reason, (socket.timeout, TimeoutError)) else "error %r" % (e.reason,)
except (socket.timeout, TimeoutError):
    outcome = "timeout"
class H(BaseHTTPRequestHandler):
    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self): self.reply({"status": "Healthy", "time_of_last_update": int(time.time())})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0)); self.reply({"sts": outcome})
    def log_message(self, *a): pass
HTTPServer(("0.0.0.0", 8080), H).serve_forever()
`;

describe.skipIf(skip !== undefined)("sessions on the session network", () => {
  const dir = mkdtempSync(join(tmpdir(), "acd-vpc-sessions-"));
  const agentDir = join(dir, "agent");
  const socketPath = join(dir, "emulator.sock");
  let url = "";
  const store = new SqliteStore();
  const ec2 = new Ec2(store, systemEnvironment);
  const call = () => ec2.call(scope);
  const lines: string[] = [];
  let upstream: Server;
  let sessions: SessionManager;
  let subnets: string[];
  let groups: string[];
  let isolated: string;

  beforeAll(async () => {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(agentDir);
    writeFileSync(join(agentDir, "app.py"), APP);
    writeFileSync(
      join(agentDir, "Dockerfile"),
      'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["python3", "app.py"]\n',
    );
    upstream = createServer((_req, res) => res.writeHead(200).end("<GetCallerIdentityResponse/>"));
    // On loopback, as the emulator listens: the session network serves it to the stand-in through a Unix socket.
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const vpcId = createVpc(call(), { CidrBlock: "10.30.0.0/16" }).Vpc.VpcId!;
    const pub = createSubnet(call(), {
      VpcId: vpcId,
      CidrBlock: "10.30.0.0/24",
      AvailabilityZone: "us-east-1a",
    }).Subnet.SubnetId!;
    const priv = createSubnet(call(), {
      VpcId: vpcId,
      CidrBlock: "10.30.1.0/24",
      AvailabilityZone: "us-east-1b",
    }).Subnet.SubnetId!;
    const igw = createInternetGateway(call(), {}).InternetGateway!.InternetGatewayId!;
    attachInternetGateway(call(), { InternetGatewayId: igw, VpcId: vpcId });
    const pubRtb = createRouteTable(call(), { VpcId: vpcId }).RouteTable!.RouteTableId!;
    createRoute(call(), { RouteTableId: pubRtb, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw });
    associateRouteTable(call(), { RouteTableId: pubRtb, SubnetId: pub });
    const nat = createNatGateway(call(), { SubnetId: pub, AllocationId: "eipalloc-0123456789abcdef1" })
      .NatGateway!.NatGatewayId!;
    const rtb = createRouteTable(call(), { VpcId: vpcId }).RouteTable!.RouteTableId!;
    associateRouteTable(call(), { RouteTableId: rtb, SubnetId: priv });
    createRoute(call(), { RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat });
    const sg = createSecurityGroup(call(), { VpcId: vpcId, GroupName: "rt", Description: "rt" }).GroupId!;
    subnets = [priv];
    groups = [sg];
    ec2.createManagedNetworkInterface(scope, {
      subnetId: priv,
      groupIds: groups,
      requesterArn: "arn:aws:iam::123456789012:role/x",
    });
    // A subnet whose route table has only the VPC's local route: no way out.
    isolated = createSubnet(call(), {
      VpcId: vpcId,
      CidrBlock: "10.30.2.0/24",
      AvailabilityZone: "us-east-1c",
    }).Subnet.SubnetId!;
    const isolatedRtb = createRouteTable(call(), { VpcId: vpcId }).RouteTable!.RouteTableId!;
    associateRouteTable(call(), { RouteTableId: isolatedRtb, SubnetId: isolated });
    ec2.createManagedNetworkInterface(scope, {
      subnetId: isolated,
      groupIds: groups,
      requesterArn: "arn:aws:iam::123456789012:role/x",
    });
    sessions = new SessionManager({
      images: { "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent": agentDir },
      startupTimeoutMs: 20_000,
      driver: "netns",
      network: { ec2, caDir: join(dir, "ca"), upstream: () => ({ url }) },
      log: (line) => lines.push(line),
    });
  });

  afterAll(async () => {
    await sessions?.stopAll();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    store.close();
    rmSync(dir, { recursive: true, force: true });
    expect((await leftovers()).tables).toEqual([]);
  });

  const spec = (sessionId: string, network?: SessionSpec["network"]): SessionSpec => ({
    account: scope.account,
    region: scope.region,
    runtimeId: "rt-1",
    endpointName: "DEFAULT",
    roleArn: "arn:aws:iam::123456789012:role/r",
    version: "1",
    sessionId,
    containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:latest",
    protocol: "HTTP",
    environmentVariables: {},
    idleTimeoutSeconds: 60,
    maxLifetimeSeconds: 600,
    ...(network ? { network } : {}),
  });

  async function invoke(s: SessionSpec): Promise<{ sts: string }> {
    const forwarded = await sessions.invoke(s, Buffer.from("{}"), { "content-type": "application/json" });
    return JSON.parse(await text(forwarded.body));
  }

  it("a PUBLIC session reaches AWS's names through the stand-in; so does a VPC session with a NAT route", async () => {
    const pub = spec("public-session-0000000000000000000001");
    expect(await invoke(pub)).toEqual({ sts: "ok 200" });
    expect(await sessions.reachability("rt-1", pub.sessionId, "sts")).toMatchObject({
      status: "reachable",
      method: "packet",
    });
    const vpc = spec("vpc-session-00000000000000000000000001", {
      networkMode: "VPC",
      networkModeConfig: { subnets, securityGroups: groups },
    });
    expect(await invoke(vpc)).toEqual({ sts: "ok 200" });
    const verdict = await sessions.reachability("rt-1", vpc.sessionId, "sts");
    expect(verdict).toMatchObject({ status: "reachable", method: "packet" });
    expect(verdict.detail).toContain("198.18.0.10");
    await sessions.stop("rt-1", pub.sessionId);
    await sessions.stop("rt-1", vpc.sessionId);
  });

  it("a namespace made ahead comes wired for PUBLIC mode; a VPC session that takes one has that link removed", async () => {
    expect(await sessions.warmPool()).toBeGreaterThan(0);
    const pub = spec("public-session-0000000000000000000002");
    expect(await invoke(pub)).toEqual({ sts: "ok 200" });
    // It took a namespace made ahead ("pool"), not one made for it ("namespace").
    expect(lines.find((l) => l.startsWith(`session ${pub.sessionId}: started in`))).toMatch(
      /\(artifact [\d.]+, pool /,
    );
    expect(lines.join("\n")).not.toMatch(/not wired ahead/);
    expect(await sessions.warmPool()).toBeGreaterThan(0);
    const closed = spec("vpc-session-00000000000000000000000002", {
      networkMode: "VPC",
      networkModeConfig: { subnets: [isolated], securityGroups: groups },
    });
    // Had the PUBLIC link made ahead stayed, STS would answer.
    expect((await invoke(closed)).sts).not.toBe("ok 200");
    const namespace = sessions.list().find((s) => s.sessionId === closed.sessionId)?.namespace;
    expect(namespace).toBeDefined();
    const links = execFileSync("ip", ["-n", namespace!, "-o", "link", "show"], { encoding: "utf8" });
    // The host's link and the ENI's, nothing more.
    expect(links.match(/^\d+: acd-/gm)).toHaveLength(2);
    await sessions.stop("rt-1", pub.sessionId);
    await sessions.stop("rt-1", closed.sessionId);
  });

  it("says at start-up when the network is not enforced, and judges reachability analytically", async () => {
    const said: string[] = [];
    const fallback = new SessionManager({
      images: {},
      startupTimeoutMs: 1000,
      driver: "process",
      network: { ec2, caDir: join(dir, "ca"), upstream: { socketPath } },
      log: (line) => said.push(line),
    });
    expect(await fallback.resolveDriver()).toBe("process");
    expect(said.join("\n")).toMatch(/session network: not enforced .*judged analytically/);
    await fallback.stopAll();
  });
});
