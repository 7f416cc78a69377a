import { partitionOf } from "../../../util/arn.js";
import type { UserIdentity } from "../../cloudtrail/model.js";
import type { Environment } from "../../context.js";
import { AwsError } from "../../protocol/errors.js";
import type { Scope, Store } from "../../store/store.js";
import type { StoredVpc } from "./records.js";

/** What every EC2 model function works in: the state, time and randomness, and the account and region. */
export interface Ec2Call {
  store: Store;
  env: Environment;
  scope: Scope;
  now: Date;
  /** Who makes the call, when it came through the API: a service acting for the account is `invokedBy` it. */
  caller?: UserIdentity;
}

/** Store kinds, one per resource family. */
export const KIND = {
  vpc: "ec2.vpc",
  subnet: "ec2.subnet",
  securityGroup: "ec2.security-group",
  routeTable: "ec2.route-table",
  internetGateway: "ec2.internet-gateway",
  egressOnlyInternetGateway: "ec2.egress-only-internet-gateway",
  natGateway: "ec2.nat-gateway",
  vpcEndpoint: "ec2.vpc-endpoint",
  networkInterface: "ec2.network-interface",
} as const;

export type Kind = (typeof KIND)[keyof typeof KIND];

/** EC2 ids: `<prefix>-` and 17 lowercase hex digits, from the injected randomness so tests can fix them. */
export function newId(env: Environment, prefix: string): string {
  return `${prefix}-${randomHex(env, 17)}`;
}

export function randomHex(env: Environment, length: number): string {
  return Array.from(env.randomAlphanumeric(length), (c) => (c.charCodeAt(0) % 16).toString(16)).join("");
}

export function arn(call: Ec2Call, resource: string): string {
  return `arn:${partitionOf(call.scope.region)}:ec2:${call.scope.region}:${call.scope.account}:${resource}`;
}

/** What `NotFound` says for each kind, in EC2's words. */
const NOT_FOUND: Record<Kind, (id: string) => AwsError> = {
  [KIND.vpc]: (id) => new AwsError("InvalidVpcID.NotFound", `The vpc ID '${id}' does not exist`),
  [KIND.subnet]: (id) => new AwsError("InvalidSubnetID.NotFound", `The subnet ID '${id}' does not exist`),
  [KIND.securityGroup]: (id) =>
    new AwsError("InvalidGroup.NotFound", `The security group '${id}' does not exist`),
  [KIND.routeTable]: (id) =>
    new AwsError("InvalidRouteTableID.NotFound", `The routeTable ID '${id}' does not exist`),
  [KIND.internetGateway]: (id) =>
    new AwsError("InvalidInternetGatewayID.NotFound", `The internetGateway ID '${id}' does not exist`),
  [KIND.egressOnlyInternetGateway]: (id) =>
    new AwsError("InvalidGatewayID.NotFound", `The eigw ID '${id}' does not exist`),
  [KIND.natGateway]: (id) => new AwsError("NatGatewayNotFound", `The Nat Gateway ${id} was not found`),
  [KIND.vpcEndpoint]: (id) =>
    new AwsError("InvalidVpcEndpointId.NotFound", `The Vpc Endpoint Id '${id}' does not exist`),
  [KIND.networkInterface]: (id) =>
    new AwsError("InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${id}' does not exist`),
};

export function notFound(kind: Kind, id: string): AwsError {
  return NOT_FOUND[kind](id);
}

/** A stored resource, or EC2's NotFound error for its kind. */
export function must<T>(call: Ec2Call, kind: Kind, id: string): T {
  const found = call.store.get<T>(kind, call.scope, id);
  if (!found) throw notFound(kind, id);
  return found;
}

export function list<T>(call: Ec2Call, kind: Kind): T[] {
  return call.store.list<T>(kind, call.scope);
}

/** The account's default VPC in the call's region (default-vpc.ts), while it exists. */
export function defaultVpcOf(call: Ec2Call): StoredVpc | undefined {
  return list<StoredVpc>(call, KIND.vpc).find((v) => v.IsDefault);
}

export function invalidParameterValue(message: string): AwsError {
  return new AwsError("InvalidParameterValue", message);
}

export function missingParameter(name: string): AwsError {
  return new AwsError("MissingParameter", `The request must contain the parameter ${name}`);
}

export function dependencyViolation(message: string): AwsError {
  return new AwsError("DependencyViolation", message);
}
