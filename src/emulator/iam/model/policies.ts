import type {
  CreatePolicyCommandInput,
  DeletePolicyCommandInput,
  GetPolicyCommandInput,
  GetPolicyVersionCommandInput,
  ListPoliciesCommandInput,
} from "@aws-sdk/client-iam";
import { ARN_PARTITION } from "../../../util/arn.js";
import { AwsError } from "../../protocol/errors.js";
import {
  AWS_MANAGED_POLICIES,
  type AwsManagedPolicy,
  awsManagedArn,
  awsManagedDocument,
  findAwsManagedPolicy,
} from "../managed-policies.js";
import { parsePolicyDocument, policySize } from "../policy-document.js";
import {
  byName,
  deleteConflict,
  encodeDocument,
  type IamCall,
  iamArn,
  invalidInput,
  KIND,
  limitExceeded,
  mergeTags,
  newUniqueId,
  noSuchEntity,
  type StoredPolicy,
  type StoredRole,
  scopeOf,
  stableUniqueId,
} from "./common.js";

/** IAM's default quota on a managed policy's size, in characters other than whitespace. */
const MANAGED_POLICY_SIZE = 6144;

/** A managed policy of either kind, as the role and simulation code sees it. */
export interface ResolvedPolicy {
  name: string;
  arn: string;
  path: string;
  document: string;
  type: "aws-managed" | "user-managed";
  attachable: boolean;
}

function policyNotFound(arn: string): AwsError {
  return noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
}

/** Checks an ARN names a managed policy at all, as IAM does before it looks it up. */
function checkPolicyArn(arn: string): void {
  if (!new RegExp(`^arn:${ARN_PARTITION}:iam::(\\d{12}|aws):policy/.+`).test(arn))
    throw invalidInput(`ARN ${arn} is not valid.`);
}

function storedByArn(call: IamCall, arn: string): StoredPolicy | undefined {
  const name = arn.slice(arn.lastIndexOf("/") + 1);
  const policy = call.store.get<StoredPolicy>(KIND.policy, scopeOf(call), name.toLowerCase());
  return policy?.Arn === arn ? policy : undefined;
}

/** The managed policy an ARN names: this account's, or one of AWS's; NoSuchEntity otherwise. */
export function resolvePolicy(call: IamCall, arn: string): ResolvedPolicy {
  checkPolicyArn(arn);
  const aws = findAwsManagedPolicy(arn);
  if (aws) {
    return {
      name: aws.name,
      arn,
      path: aws.path,
      document: awsManagedDocument(aws),
      type: "aws-managed",
      attachable: aws.attachable,
    };
  }
  const own = storedByArn(call, arn);
  if (!own) throw policyNotFound(arn);
  const version = own.versions.find((v) => v.VersionId === own.DefaultVersionId)!;
  return {
    name: own.PolicyName,
    arn,
    path: own.Path,
    document: version.Document,
    type: "user-managed",
    attachable: true,
  };
}

/** How many of the account's roles have the policy attached (the emulator has no users or groups). */
function attachmentCount(call: IamCall, arn: string): number {
  return call.store
    .list<StoredRole>(KIND.role, scopeOf(call))
    .filter((r) => r.attachedPolicyArns.includes(arn)).length;
}

/** How many of the account's roles the policy bounds. */
function boundaryUsageCount(call: IamCall, arn: string): number {
  return call.store.list<StoredRole>(KIND.role, scopeOf(call)).filter((r) => r.permissionsBoundaryArn === arn)
    .length;
}

/** What a policy shows per operation, as on AWS: GetPolicy always lists its tags (an empty list too), CreatePolicy only tags given, ListPolicies neither tags nor description. */
type PolicyView = "create" | "get" | "list";

function awsPolicyOutput(call: IamCall, policy: AwsManagedPolicy, view: PolicyView) {
  const arn = awsManagedArn(policy, call.partition);
  return {
    PolicyName: policy.name,
    PolicyId: stableUniqueId("ANPA", arn),
    Arn: arn,
    Path: policy.path,
    DefaultVersionId: policy.versionId,
    AttachmentCount: attachmentCount(call, arn),
    PermissionsBoundaryUsageCount: boundaryUsageCount(call, arn),
    IsAttachable: policy.attachable,
    ...(view === "list" ? {} : { Description: policy.description }),
    CreateDate: policy.createDate,
    UpdateDate: policy.updateDate,
    ...(view === "get" ? { Tags: [] } : {}),
  };
}

function ownPolicyOutput(call: IamCall, policy: StoredPolicy, view: PolicyView) {
  return {
    PolicyName: policy.PolicyName,
    PolicyId: policy.PolicyId,
    Arn: policy.Arn,
    Path: policy.Path,
    DefaultVersionId: policy.DefaultVersionId,
    AttachmentCount: attachmentCount(call, policy.Arn),
    PermissionsBoundaryUsageCount: boundaryUsageCount(call, policy.Arn),
    IsAttachable: true,
    // CreatePolicy does not echo the description it was given.
    ...(view === "get" && policy.Description !== undefined ? { Description: policy.Description } : {}),
    CreateDate: policy.CreateDate,
    UpdateDate: policy.UpdateDate,
    ...(view === "get" || (view === "create" && policy.Tags.length > 0) ? { Tags: policy.Tags } : {}),
  };
}

export function createPolicy(call: IamCall, input: CreatePolicyCommandInput) {
  const name = input.PolicyName!;
  const path = input.Path ?? "/";
  const document = input.PolicyDocument!;
  parsePolicyDocument(document, "managed");
  if (policySize(document) > MANAGED_POLICY_SIZE) {
    throw limitExceeded(`Cannot exceed quota for PolicySize: ${MANAGED_POLICY_SIZE}`);
  }
  if (call.store.get(KIND.policy, scopeOf(call), name.toLowerCase())) {
    throw new AwsError(
      "EntityAlreadyExistsException",
      `A policy called ${name} already exists. Duplicate names are not allowed.`,
    );
  }
  const now = call.now.toISOString();
  const policy: StoredPolicy = {
    PolicyName: name,
    PolicyId: newUniqueId(call.env, "ANPA"),
    Arn: iamArn(call, "policy", path, name),
    Path: path,
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    CreateDate: now,
    UpdateDate: now,
    Tags: mergeTags([], input.Tags ?? [], 50, "TagsPerPolicy"),
    DefaultVersionId: "v1",
    versions: [{ VersionId: "v1", Document: document, CreateDate: now }],
  };
  call.store.put(KIND.policy, scopeOf(call), name.toLowerCase(), policy);
  return { Policy: ownPolicyOutput(call, policy, "create") };
}

export function getPolicy(call: IamCall, input: GetPolicyCommandInput) {
  const arn = input.PolicyArn!;
  checkPolicyArn(arn);
  const aws = findAwsManagedPolicy(arn);
  if (aws) return { Policy: awsPolicyOutput(call, aws, "get") };
  const own = storedByArn(call, arn);
  if (!own) throw noSuchEntity(`Policy ${arn} was not found.`);
  return { Policy: ownPolicyOutput(call, own, "get") };
}

export function getPolicyVersion(call: IamCall, input: GetPolicyVersionCommandInput) {
  const arn = input.PolicyArn!;
  const versionId = input.VersionId!;
  checkPolicyArn(arn);
  const missing = () =>
    noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
  const aws = findAwsManagedPolicy(arn);
  if (aws) {
    if (versionId !== aws.versionId) throw missing();
    return {
      PolicyVersion: {
        Document: encodeDocument(awsManagedDocument(aws)),
        VersionId: aws.versionId,
        IsDefaultVersion: true,
        CreateDate: aws.updateDate,
      },
    };
  }
  const own = storedByArn(call, arn);
  const version = own?.versions.find((v) => v.VersionId === versionId);
  if (!own || !version) throw missing();
  return {
    PolicyVersion: {
      Document: encodeDocument(version.Document),
      VersionId: version.VersionId,
      IsDefaultVersion: version.VersionId === own.DefaultVersionId,
      CreateDate: version.CreateDate,
    },
  };
}

export function listPolicies(call: IamCall, input: ListPoliciesCommandInput) {
  const scope = input.Scope ?? "All";
  const prefix = input.PathPrefix ?? "/";
  const all = [
    ...(scope === "Local" ? [] : AWS_MANAGED_POLICIES.map((p) => awsPolicyOutput(call, p, "list"))),
    ...(scope === "AWS"
      ? []
      : call.store
          .list<StoredPolicy>(KIND.policy, scopeOf(call))
          .map((p) => ownPolicyOutput(call, p, "list"))),
  ]
    .filter((p) => p.Path.startsWith(prefix))
    .filter((p) => !input.OnlyAttached || p.AttachmentCount > 0)
    .sort(byName((p) => p.PolicyName));
  return { Policies: all };
}

export function deletePolicy(call: IamCall, input: DeletePolicyCommandInput) {
  const arn = input.PolicyArn!;
  checkPolicyArn(arn);
  if (findAwsManagedPolicy(arn) || arn.split(":")[4] === "aws") {
    throw new AwsError(
      "UnmodifiableEntityException",
      `Cannot delete a policy that is managed by AWS: ${arn}`,
    );
  }
  const own = storedByArn(call, arn);
  if (!own) throw noSuchEntity(`Policy ${arn} was not found.`);
  if (attachmentCount(call, arn) > 0 || boundaryUsageCount(call, arn) > 0)
    throw deleteConflict("Cannot delete a policy attached to entities.");
  call.store.delete(KIND.policy, scopeOf(call), own.PolicyName.toLowerCase());
  return {};
}
