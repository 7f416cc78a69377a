import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  type CreateAgentRuntimeCommandInput,
  CreateAgentRuntimeEndpointCommand,
  GetAgentRuntimeCommand,
  UpdateAgentRuntimeCommand,
  type UpdateAgentRuntimeCommandInput,
  UpdateAgentRuntimeEndpointCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  EC2Client,
  type IpPermission,
  ModifyVpcAttributeCommand,
  RevokeSecurityGroupEgressCommand,
} from "@aws-sdk/client-ec2";
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { uploadCodeZips } from "./code-zip.js";
import type { Scenario, ScenarioRule, ScenarioVpc, SeedCall, SeedService } from "./schema.js";

export interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** The ids AWS gave the scenario's named resources: `subnet:private_a` → `subnet-0abc…`. */
export type References = Map<string, string>;

function lookup(refs: References, kind: string, name: string): string {
  const id = refs.get(`${kind}:${name}`);
  if (!id) throw new Error(`the scenario names ${kind} ${name}, which it does not define`);
  return id;
}

/** Replaces every `${kind:name}` in a value (deeply) with the id it stands for. */
export function resolveReferences<T>(value: T, refs: References): T {
  if (typeof value === "string") {
    return value.replace(/\$\{([a-z]+):([\w-]+)\}/g, (_, kind: string, name: string) =>
      lookup(refs, kind, name),
    ) as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, refs)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, refs)])) as T;
  }
  return value;
}

function permission(rule: ScenarioRule, refs: References, self: string): IpPermission {
  const [from, to] =
    rule.ports === undefined
      ? [undefined, undefined]
      : typeof rule.ports === "number"
        ? [rule.ports, rule.ports]
        : rule.ports.split("-").map(Number);
  return {
    IpProtocol: rule.protocol,
    ...(from !== undefined ? { FromPort: from, ToPort: to } : {}),
    ...(rule.cidr ? { IpRanges: [{ CidrIp: rule.cidr }] } : {}),
    ...(rule.group
      ? { UserIdGroupPairs: [{ GroupId: rule.group === "self" ? self : lookup(refs, "sg", rule.group) }] }
      : {}),
  };
}

/** Other workloads' interfaces, until EC2 says the subnet has no free address left. */
async function useUpAddresses(ec2: EC2Client, subnetId: string): Promise<void> {
  for (let made = 0; made < 4096; made++) {
    try {
      await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnetId,
          Description: "another workload's interface",
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === "InsufficientFreeAddressesInSubnet") return;
      throw error;
    }
  }
}

async function buildVpc(ec2: EC2Client, region: string, spec: ScenarioVpc, refs: References): Promise<void> {
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: spec.cidr }));
  const vpcId = Vpc!.VpcId!;
  refs.set(`vpc:${spec.name}`, vpcId);
  // A new VPC has DNS hostnames off (only default VPCs have them on): a script that wants them sets them.
  if (spec.enableDnsHostnames)
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  for (const subnet of spec.subnets) {
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: subnet.cidr,
        AvailabilityZoneId: subnet.availabilityZoneId,
      }),
    );
    refs.set(`subnet:${subnet.name}`, Subnet!.SubnetId!);
    if (subnet.full) await useUpAddresses(ec2, Subnet!.SubnetId!);
  }
  for (const gateway of spec.internetGateways) {
    const { InternetGateway } = await ec2.send(new CreateInternetGatewayCommand({}));
    const id = InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpcId }));
    refs.set(`igw:${gateway.name}`, id);
  }
  for (const gateway of spec.natGateways) {
    const { NatGateway } = await ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: lookup(refs, "subnet", gateway.subnet),
        // The emulator checks an allocation id's form; it keeps no Elastic IPs.
        AllocationId: "eipalloc-0a1b2c3d4e5f60718",
      }),
    );
    refs.set(`nat:${gateway.name}`, NatGateway!.NatGatewayId!);
  }
  for (const table of spec.routeTables) {
    const { RouteTable } = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    const id = RouteTable!.RouteTableId!;
    refs.set(`rtb:${table.name}`, id);
    for (const route of table.routes) {
      const [kind, name] = route.target.split(":") as ["nat" | "igw", string];
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: id,
          DestinationCidrBlock: route.destination,
          ...(kind === "nat"
            ? { NatGatewayId: lookup(refs, "nat", name) }
            : { GatewayId: lookup(refs, "igw", name) }),
        }),
      );
    }
  }
  for (const subnet of spec.subnets) {
    if (!subnet.routeTable) continue;
    await ec2.send(
      new AssociateRouteTableCommand({
        RouteTableId: lookup(refs, "rtb", subnet.routeTable),
        SubnetId: lookup(refs, "subnet", subnet.name),
      }),
    );
  }
  // Groups first, rules after: rules may name groups defined later.
  for (const group of spec.securityGroups) {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: group.name, Description: group.description }),
    );
    refs.set(`sg:${group.name}`, GroupId!);
  }
  for (const group of spec.securityGroups) {
    const id = lookup(refs, "sg", group.name);
    if (group.ingress.length > 0) {
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: id,
          IpPermissions: group.ingress.map((r) => permission(r, refs, id)),
        }),
      );
    }
    if (group.egress) {
      await ec2.send(
        new RevokeSecurityGroupEgressCommand({
          GroupId: id,
          IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
        }),
      );
      if (group.egress.length > 0) {
        await ec2.send(
          new AuthorizeSecurityGroupEgressCommand({
            GroupId: id,
            IpPermissions: group.egress.map((r) => permission(r, refs, id)),
          }),
        );
      }
    }
  }
  for (const endpoint of spec.endpoints) {
    await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: vpcId,
        ServiceName: `com.amazonaws.${region}.${endpoint.service}`,
        VpcEndpointType: endpoint.type,
        ...(endpoint.type === "Interface"
          ? {
              SubnetIds: endpoint.subnets.map((s) => lookup(refs, "subnet", s)),
              SecurityGroupIds: endpoint.securityGroups.map((g) => lookup(refs, "sg", g)),
              PrivateDnsEnabled: endpoint.privateDns,
            }
          : { RouteTableIds: endpoint.routeTables.map((t) => lookup(refs, "rtb", t)) }),
      }),
    );
  }
  // Last, as it happens in the field: DNS support switched off after the endpoints were made.
  if (!spec.enableDnsSupport)
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: false } }));
}

/** A service's SDK v3 client module, loaded when a scenario seeds it. */
const SEED_CLIENTS: Record<SeedService, () => Promise<Record<string, unknown>>> = {
  "cloudwatch-logs": () => import("@aws-sdk/client-cloudwatch-logs"),
  ec2: () => import("@aws-sdk/client-ec2"),
  ecr: () => import("@aws-sdk/client-ecr"),
  iam: () => import("@aws-sdk/client-iam"),
  "secrets-manager": () => import("@aws-sdk/client-secrets-manager"),
  ssm: () => import("@aws-sdk/client-ssm"),
  sts: () => import("@aws-sdk/client-sts"),
};

type SdkClient = { send(command: unknown): Promise<Record<string, unknown>>; destroy(): void };
type SdkClass = new (config: unknown) => SdkClient;

/** A dotted path in a call's output: `ARN`, `Parameter.Version`, `repository.repositoryUri`. */
function outputAt(output: Record<string, unknown>, path: string): unknown {
  let value: unknown = output;
  for (const part of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

/**
 * The scenario's seed data, made through each service's own SDK client
 * (`<Action>Command` of `@aws-sdk/client-<service>`), in the order given;
 * a call's `refs` take the named fields of its output as new references.
 */
export async function seedServices(
  seed: Scenario["seed"],
  config: ClientConfig,
  refs: References,
): Promise<void> {
  for (const [service, calls] of Object.entries(seed) as [SeedService, SeedCall[]][]) {
    if (calls.length === 0) continue;
    const module = await SEED_CLIENTS[service]();
    const Client = Object.entries(module).find(
      ([name, value]) => name.endsWith("Client") && !name.startsWith("__") && typeof value === "function",
    )?.[1] as SdkClass | undefined;
    if (!Client) throw new Error(`@aws-sdk/client-${service} has no client class`);
    const client = new Client({ ...config, maxAttempts: 1 });
    try {
      for (const call of calls) {
        const Command = module[`${call.action}Command`] as (new (input: unknown) => unknown) | undefined;
        if (typeof Command !== "function")
          throw new Error(
            `the seed names ${service} ${call.action}, which @aws-sdk/client-${service} does not have`,
          );
        let output: Record<string, unknown>;
        try {
          output = await client.send(new Command(resolveReferences(call.input, refs)));
        } catch (error) {
          throw new Error(
            `seeding ${service} ${call.action} failed: ${(error as Error).name}: ${(error as Error).message}`,
          );
        }
        for (const [ref, path] of Object.entries(call.refs)) {
          const value = outputAt(output, path);
          if (typeof value !== "string" && typeof value !== "number")
            throw new Error(`the seed's ${service} ${call.action} answered no ${path} for ${ref}`);
          refs.set(ref, String(value));
        }
      }
    } finally {
      client.destroy();
    }
  }
}

/**
 * Builds the scenario's account through the AWS API only, exactly as a
 * user's deploy script would: the network, the roles, the seed data, then the runtimes,
 * waiting until each has settled (READY or failed). Returns the ids.
 */
export async function buildScenario(
  scenario: Scenario,
  config: ClientConfig,
  /** The scenario's directory: code runtimes' `agent` directories are zipped from it. */
  dir = ".",
  /** References known before the build (`oidc:discoveryUrl` of the scenario's issuer). */
  initial: References = new Map(),
): Promise<{ refs: References; runtimeIds: Record<string, string> }> {
  const refs: References = new Map(initial);
  const ec2 = new EC2Client({ ...config, maxAttempts: 1 });
  const iam = new IAMClient({ ...config, maxAttempts: 1 });
  const control = new BedrockAgentCoreControlClient({ ...config, maxAttempts: 1 });
  try {
    for (const vpc of scenario.vpcs) await buildVpc(ec2, scenario.region, vpc, refs);
    for (const role of scenario.roles) {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: role.name,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: role.trust.map((service) => ({
              Effect: "Allow",
              Principal: { Service: service },
              Action: "sts:AssumeRole",
            })),
          }),
        }),
      );
      refs.set(`role:${role.name}`, Role!.Arn!);
      for (const [policyName, document] of Object.entries(role.inlinePolicies)) {
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: role.name,
            PolicyName: policyName,
            PolicyDocument: JSON.stringify(document),
          }),
        );
      }
      for (const policyArn of role.managedPolicies) {
        await iam.send(new AttachRolePolicyCommand({ RoleName: role.name, PolicyArn: policyArn }));
      }
    }
    await seedServices(scenario.seed, config, refs);
    await uploadCodeZips(scenario, dir, config);
    const runtimeIds: Record<string, string> = {};
    for (const [name, runtime] of Object.entries(scenario.runtimes)) {
      const request = resolveReferences(runtime.request, refs) as unknown as CreateAgentRuntimeCommandInput;
      const created = await control.send(
        new CreateAgentRuntimeCommand({ ...request, agentRuntimeName: name }),
      );
      runtimeIds[name] = created.agentRuntimeId!;
      refs.set(`runtime:${name}`, created.agentRuntimeArn!);
    }
    const settled = async (id: string) => {
      for (let status = "CREATING"; status === "CREATING" || status === "UPDATING"; ) {
        ({ status = "READY" } = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id })));
        if (status === "CREATING" || status === "UPDATING")
          await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    for (const id of Object.values(runtimeIds)) await settled(id);
    for (const [name, runtime] of Object.entries(scenario.runtimes)) {
      const id = runtimeIds[name]!;
      for (const step of runtime.afterCreate) {
        if ("update" in step) {
          const request = resolveReferences(step.update, refs) as unknown as UpdateAgentRuntimeCommandInput;
          await control.send(new UpdateAgentRuntimeCommand({ ...request, agentRuntimeId: id }));
        } else if ("endpoint" in step) {
          await control.send(
            new CreateAgentRuntimeEndpointCommand({
              agentRuntimeId: id,
              name: step.endpoint.name,
              ...(step.endpoint.version ? { agentRuntimeVersion: step.endpoint.version } : {}),
            }),
          );
        } else {
          await control.send(
            new UpdateAgentRuntimeEndpointCommand({
              agentRuntimeId: id,
              endpointName: step.updateEndpoint.name,
              ...(step.updateEndpoint.version ? { agentRuntimeVersion: step.updateEndpoint.version } : {}),
            }),
          );
        }
        await settled(id);
        // An endpoint turns READY on its own clock (the emulator's readyAfterMs): wait until it serves.
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
    return { refs, runtimeIds };
  } finally {
    ec2.destroy();
    iam.destroy();
    control.destroy();
  }
}
