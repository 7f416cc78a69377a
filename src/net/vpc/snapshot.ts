import type { NetworkInterface } from "@aws-sdk/client-ec2";
import type { VpcNetwork } from "../reachability.js";

/** A VPC as EC2 describes it now, plus every interface in it (security-group members). */
export interface VpcSnapshot extends VpcNetwork {
  cidr: string;
  /** Every interface of the VPC: runtimes' ENIs, endpoints', NAT gateways'. */
  allInterfaces: readonly NetworkInterface[];
}

/** Which account and region a VPC is in. */
export interface VpcScope {
  account: string;
  region: string;
}

/**
 * EC2's state as the session network reads it, handed in rather than read
 * from EC2's model: the emulator gives its live EC2 (re-read on every sync),
 * a replay gives the twin of a VPC that `diagnose` collected.
 */
export interface VpcState {
  /** The VPC a subnet is in, and the subnet's block; undefined when the subnet is unknown. */
  subnet(scope: VpcScope, subnetId: string): { vpcId: string; cidr: string } | undefined;
  /** The VPC now; undefined when it is gone. */
  snapshot(scope: VpcScope, vpcId: string): VpcSnapshot | undefined;
}

/** A state that never changes: the given VPCs, in any account and region they name. */
export function fixedVpcState(snapshots: readonly VpcSnapshot[]): VpcState {
  return {
    subnet: (scope, subnetId) => {
      for (const snap of snapshots) {
        if (snap.region !== scope.region) continue;
        const subnet = snap.subnets.find((s) => s.SubnetId === subnetId);
        if (subnet?.CidrBlock) return { vpcId: snap.vpcId, cidr: subnet.CidrBlock };
      }
      return undefined;
    },
    snapshot: (scope, vpcId) => snapshots.find((s) => s.vpcId === vpcId && s.region === scope.region),
  };
}
