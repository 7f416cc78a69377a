import { type Evidence, makeFinding } from "../../findings/index.js";
import { partitionOf } from "../../util/arn.js";
import type { SimulatedAction } from "../collect/iam.js";
import { parseEcrUri } from "../collect/image.js";
import type { Rule } from "./rule.js";

const LOG_ACTIONS = new Set(["logs:CreateLogStream", "logs:PutLogEvents"]);
const PULL_ACTIONS = new Set([
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
  "ecr:GetAuthorizationToken",
]);

function denied(actions: readonly SimulatedAction[], wanted: ReadonlySet<string>): SimulatedAction[] {
  return actions.filter((a) => wanted.has(a.action) && a.decision !== "allowed");
}

/**
 * The execution role, as IAM itself judges it: trusted by AgentCore, and
 * allowed to pull the image and write the runtime's logs. AgentCore does
 * both with this role, so a denial here is a cause, not a symptom.
 */
export const executionRole: Rule = ({ runtime, iam }, { region, account }) => {
  const findings = [];
  const r = runtime.value;
  const roleName = r.roleArn.split("/").pop() ?? r.roleArn;
  const role = iam?.executionRole;
  if (role && !role.value.trustsAgentCore) {
    findings.push(
      makeFinding(
        "EXECUTION_ROLE_TRUST_INVALID",
        [
          {
            fact: `the trust policy of ${roleName} has no Allow of sts:AssumeRole for bedrock-agentcore.amazonaws.com: ${JSON.stringify(role.value.trustPolicy ?? null)}`,
            source: role.source,
          },
        ],
        { roleName },
      ),
    );
  }
  const permissions = iam?.permissions;
  if (!permissions) return findings;
  const evidenceOf = (list: SimulatedAction[]): Evidence[] =>
    list.map((a) => ({
      fact: `${a.action} on ${a.resource}: ${a.decision}`,
      source: permissions.source,
    }));
  const cannotLog = denied(permissions.value, LOG_ACTIONS);
  if (cannotLog.length > 0) {
    findings.push(
      makeFinding("EXECUTION_ROLE_CANNOT_LOG", evidenceOf(cannotLog), {
        roleName,
        region,
        account,
      }),
    );
  }
  const cannotRead = denied(permissions.value, new Set(["s3:GetObject"]));
  if (r.code && cannotRead.length > 0) {
    findings.push(
      makeFinding("EXECUTION_ROLE_CANNOT_READ_CODE_ZIP", evidenceOf(cannotRead), {
        roleName,
        objectArn: `arn:${partitionOf(region)}:s3:::${r.code.bucket}/${r.code.prefix}`,
      }),
    );
  }
  const cannotPull = denied(permissions.value, PULL_ACTIONS);
  if (cannotPull.length > 0) {
    findings.push(
      makeFinding("EXECUTION_ROLE_CANNOT_PULL_IMAGE", evidenceOf(cannotPull), {
        roleName,
        repositoryArn: r.containerUri ? parseEcrUri(r.containerUri)?.repositoryArn : undefined,
      }),
    );
  }
  return findings;
};
