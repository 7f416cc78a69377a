import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "./emulator.js";

/** An emulator and an EC2 client on it, as a user's script would hold them. */
export async function startEc2(options: EmulatorOptions = {}): Promise<{
  emulator: RunningEmulator;
  ec2: EC2Client;
  stop: () => Promise<void>;
}> {
  const emulator = await startEmulator({ port: 0, ...options });
  const ec2 = new EC2Client(sdkConfig(emulator));
  return {
    emulator,
    ec2,
    stop: async () => {
      ec2.destroy();
      await emulator.stop();
    },
  };
}

/** The error a call fails with, as the SDK names it: code, message, HTTP status. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

/** A VPC `${cidr}.0.0/16` with one subnet per zone id (no NAT, no endpoint) and a group allowing all egress (the default). */
export async function createAgentNetwork(
  ec2: EC2Client,
  cidr: string,
  azs: readonly string[],
  subnetPrefix = 24,
): Promise<{ vpcId: string; subnets: string[]; group: string }> {
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }));
  const subnets: string[] = [];
  for (const [i, az] of azs.entries()) {
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({
        VpcId: Vpc!.VpcId!,
        CidrBlock: `${cidr}.${i + 1}.0/${subnetPrefix}`,
        AvailabilityZoneId: az,
      }),
    );
    subnets.push(Subnet!.SubnetId!);
  }
  const { GroupId } = await ec2.send(
    new CreateSecurityGroupCommand({
      VpcId: Vpc!.VpcId!,
      GroupName: `agents-${cidr}`,
      Description: "agents",
    }),
  );
  return { vpcId: Vpc!.VpcId!, subnets, group: GroupId! };
}
