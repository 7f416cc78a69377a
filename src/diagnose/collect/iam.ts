import {
  GetRoleCommand,
  type IAMClient,
  NoSuchEntityException,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { partitionOf } from "../../util/arn.js";
import { apiSource, type EvidenceGap, gapFrom, type Sourced } from "../evidence.js";
import { runtimeLogGroupName } from "./logs.js";

export const SERVICE_LINKED_ROLE_NAME = "AWSServiceRoleForBedrockAgentCoreNetwork";
export const AGENTCORE_PRINCIPAL = "bedrock-agentcore.amazonaws.com";

export interface RoleFacts {
  roleName: string;
  arn: string;
  /** The trust policy, decoded (IAM returns it URL-encoded). */
  trustPolicy?: unknown;
  trustsAgentCore: boolean;
  lastUsed?: { date?: Date; region?: string };
}

export interface SimulatedAction {
  action: string;
  resource: string;
  decision: string;
}

export interface IamEvidence {
  executionRole?: Sourced<RoleFacts>;
  /** undefined: not looked at (PUBLIC mode); exists false: GetRole answered NoSuchEntity. */
  serviceLinkedRole?: Sourced<{ exists: boolean; role?: RoleFacts }>;
  permissions?: Sourced<SimulatedAction[]>;
}

interface Statement {
  Effect?: string;
  Principal?: { Service?: string | string[] } | string;
  Action?: string | string[];
}

/** Whether a trust policy lets AgentCore assume the role (an Allow of sts:AssumeRole to its service principal). */
export function trustsService(policy: unknown, service: string): boolean {
  const statements = (policy as { Statement?: Statement | Statement[] } | undefined)?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  return list.some((s) => {
    if (s.Effect !== "Allow") return false;
    const principal = s.Principal;
    const services =
      principal === "*" ? [service] : typeof principal === "object" ? [principal.Service ?? []].flat() : [];
    const actions = [s.Action ?? []].flat();
    return (
      services.includes(service) && actions.some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*")
    );
  });
}

function decodePolicy(document: string | undefined): unknown {
  if (!document) return undefined;
  try {
    return JSON.parse(decodeURIComponent(document));
  } catch {
    return undefined;
  }
}

async function roleFacts(iam: IAMClient, roleName: string) {
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
  const trustPolicy = decodePolicy(Role?.AssumeRolePolicyDocument);
  const lastUsed = Role?.RoleLastUsed;
  return {
    roleName,
    arn: Role?.Arn ?? "",
    ...(trustPolicy ? { trustPolicy } : {}),
    trustsAgentCore: trustsService(trustPolicy, AGENTCORE_PRINCIPAL),
    ...(lastUsed?.LastUsedDate || lastUsed?.Region
      ? {
          lastUsed: {
            ...(lastUsed.LastUsedDate ? { date: lastUsed.LastUsedDate } : {}),
            ...(lastUsed.Region ? { region: lastUsed.Region } : {}),
          },
        }
      : {}),
  } satisfies RoleFacts;
}

export interface IamScope {
  roleArn: string;
  runtimeId: string;
  endpointName: string;
  region: string;
  account: string;
  networkMode: "PUBLIC" | "VPC";
  /** The image's ECR repository ARN, when the image is in ECR. */
  repositoryArn?: string;
  /** A code runtime's zip in S3 (`arn:aws:s3:::bucket/key`): read with the role instead of pulling an image. */
  codeObjectArn?: string;
}

/** The checks AgentCore's use of the execution role depends on: pull, log, trace. */
function permissionChecks(scope: IamScope): { actions: string[]; resource: string }[] {
  const group = `arn:${partitionOf(scope.region)}:logs:${scope.region}:${scope.account}:log-group:${runtimeLogGroupName(scope.runtimeId, scope.endpointName)}`;
  const artifact = scope.codeObjectArn
    ? [{ actions: ["s3:GetObject"], resource: scope.codeObjectArn }]
    : [
        ...(scope.repositoryArn
          ? [{ actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], resource: scope.repositoryArn }]
          : []),
        { actions: ["ecr:GetAuthorizationToken"], resource: "*" },
      ];
  return [
    ...artifact,
    { actions: ["logs:CreateLogGroup", "logs:DescribeLogStreams"], resource: group },
    { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resource: `${group}:log-stream:*` },
    { actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resource: "*" },
  ];
}

/**
 * The execution role (trust, last use, and what it may do, judged by IAM's
 * own SimulatePrincipalPolicy), and in VPC mode the network service-linked
 * role. Each call that fails becomes a gap naming the permission to grant.
 */
export async function collectIam(iam: IAMClient, scope: IamScope, gaps: EvidenceGap[]): Promise<IamEvidence> {
  const roleName = scope.roleArn.split("/").pop() ?? scope.roleArn;
  const executionRole = roleFacts(iam, roleName).then(
    (value) => ({ value, source: apiSource("iam", "GetRole", { RoleName: roleName }) }),
    (error: unknown) => {
      gaps.push(gapFrom("execution role", "iam", "GetRole", "iam", error));
      return undefined;
    },
  );
  const serviceLinkedRole =
    scope.networkMode === "VPC"
      ? roleFacts(iam, SERVICE_LINKED_ROLE_NAME).then(
          (role) => ({ exists: true, role }),
          (error: unknown) => {
            if (error instanceof NoSuchEntityException) return { exists: false };
            gaps.push(gapFrom("service-linked role", "iam", "GetRole", "iam", error));
            return undefined;
          },
        )
      : Promise.resolve(undefined);
  const checks = permissionChecks(scope);
  const permissions = Promise.all(
    checks.map(async ({ actions, resource }) => {
      const { EvaluationResults } = await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: scope.roleArn,
          ActionNames: actions,
          ResourceArns: [resource],
        }),
      );
      return (EvaluationResults ?? []).map((r) => ({
        action: r.EvalActionName ?? "",
        resource: r.EvalResourceName ?? resource,
        decision: r.EvalDecision ?? "unknown",
      }));
    }),
  ).then(
    (results) => results.flat(),
    (error: unknown) => {
      gaps.push(gapFrom("execution role permissions", "iam", "SimulatePrincipalPolicy", "iam", error));
      return undefined;
    },
  );
  const [role, slr, simulated] = await Promise.all([executionRole, serviceLinkedRole, permissions]);
  return {
    ...(role ? { executionRole: role } : {}),
    ...(slr
      ? {
          serviceLinkedRole: {
            value: slr,
            source: apiSource("iam", "GetRole", { RoleName: SERVICE_LINKED_ROLE_NAME }),
          },
        }
      : {}),
    ...(simulated
      ? {
          permissions: {
            value: simulated,
            source: apiSource("iam", "SimulatePrincipalPolicy", {
              PolicySourceArn: scope.roleArn,
              ActionNames: checks.flatMap((c) => c.actions),
            }),
          },
        }
      : {}),
  };
}
