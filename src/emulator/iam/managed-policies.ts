import { partitionOfArn } from "../../util/arn.js";

/**
 * The AWS managed policies (`arn:aws:iam::aws:policy/...`) the emulator
 * knows: the ones an AgentCore deployment attaches or is given. Documents
 * follow AWS's Managed Policy Reference; where a statement is left out, the
 * entry says which and why. An ARN not listed here is one AWS would answer
 * NoSuchEntity for, as far as the emulator can tell.
 */

export interface AwsManagedPolicy {
  name: string;
  /** `/`, `/service-role/` or `/aws-service-role/`. */
  path: string;
  description: string;
  versionId: string;
  createDate: string;
  updateDate: string;
  /** Service-linked role policies cannot be attached to customer roles. */
  attachable: boolean;
  document: { Version: string; Statement: Record<string, unknown>[] };
}

/** IAM's policy variable for the caller's account: text in the document, not a JavaScript template. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable.
const PRINCIPAL_ACCOUNT = "${aws:PrincipalAccount}";

const ADMINISTRATOR_ACCESS: AwsManagedPolicy = {
  name: "AdministratorAccess",
  path: "/",
  description: "Provides full access to AWS services and resources.",
  versionId: "v1",
  createDate: "2015-02-06T18:39:46Z",
  updateDate: "2015-02-06T18:39:46Z",
  attachable: true,
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

const ECR_READ_ONLY: AwsManagedPolicy = {
  name: "AmazonEC2ContainerRegistryReadOnly",
  path: "/",
  description: "Provides read-only access to Amazon EC2 Container Registry repositories.",
  versionId: "v3",
  createDate: "2015-10-02T21:42:06Z",
  updateDate: "2019-12-10T20:56:32Z",
  attachable: true,
  document: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [
          "ecr:GetAuthorizationToken",
          "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer",
          "ecr:GetRepositoryPolicy",
          "ecr:DescribeRepositories",
          "ecr:ListImages",
          "ecr:DescribeImages",
          "ecr:BatchGetImage",
          "ecr:GetLifecyclePolicy",
          "ecr:GetLifecyclePolicyPreview",
          "ecr:ListTagsForResource",
          "ecr:DescribeImageScanFindings",
        ],
        Resource: "*",
      },
    ],
  },
};

const CLOUDWATCH_LOGS_FULL_ACCESS: AwsManagedPolicy = {
  name: "CloudWatchLogsFullAccess",
  path: "/",
  description: "Provides full access to CloudWatch Logs",
  versionId: "v8",
  createDate: "2015-02-06T18:40:00Z",
  updateDate: "2026-02-12T18:00:00Z",
  attachable: true,
  document: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudWatchLogsFullAccess",
        Effect: "Allow",
        Action: [
          "logs:*",
          "cloudwatch:GenerateQuery",
          "cloudwatch:GenerateQueryResultsSummary",
          "observabilityadmin:GetS3TableIntegration",
          "observabilityadmin:ListS3TableIntegrations",
          "observabilityadmin:ListTelemetryPipelines",
        ],
        Resource: "*",
      },
    ],
  },
};

const XRAY_WRITE_ONLY: AwsManagedPolicy = {
  name: "AWSXrayWriteOnlyAccess",
  path: "/",
  description: "AWS X-Ray write only managed policy",
  versionId: "v2",
  createDate: "2016-11-30T18:44:45Z",
  updateDate: "2023-01-23T16:30:00Z",
  attachable: true,
  document: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AWSXrayWriteOnlyAccess",
        Effect: "Allow",
        Action: [
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
          "xray:GetSamplingStatisticSummaries",
        ],
        Resource: ["*"],
      },
    ],
  },
};

/** Its SageMaker marketplace-endpoint statements are left out: they apply only to calls Bedrock makes on the caller's behalf. */
const BEDROCK_FULL_ACCESS: AwsManagedPolicy = {
  name: "AmazonBedrockFullAccess",
  path: "/",
  description: "Provides full access to Amazon Bedrock and limited access to related services",
  versionId: "v9",
  createDate: "2023-12-12T19:24:53Z",
  updateDate: "2025-02-28T00:00:00Z",
  attachable: true,
  document: {
    Version: "2012-10-17",
    Statement: [
      { Sid: "BedrockAll", Effect: "Allow", Action: ["bedrock:*"], Resource: "*" },
      { Sid: "DescribeKey", Effect: "Allow", Action: ["kms:DescribeKey"], Resource: "arn:*:kms:*:::*" },
      {
        Sid: "APIsWithAllResourceAccess",
        Effect: "Allow",
        Action: ["iam:ListRoles", "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"],
        Resource: "*",
      },
      {
        Sid: "PassRoleToBedrock",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: "arn:aws:iam::*:role/*AmazonBedrock*",
        Condition: { StringEquals: { "iam:PassedToService": ["bedrock.amazonaws.com"] } },
      },
    ],
  },
};

/** The v3 document (October 2025): later versions add Gateway, Identity and Policy statements. */
const BEDROCK_AGENTCORE_FULL_ACCESS: AwsManagedPolicy = {
  name: "BedrockAgentCoreFullAccess",
  path: "/",
  description: "Provides full access to Amazon Bedrock AgentCore and limited access to related services",
  versionId: "v3",
  createDate: "2025-07-16T13:37:00Z",
  updateDate: "2025-10-09T18:19:00Z",
  attachable: true,
  document: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "BedrockAgentCoreFullAccess",
        Effect: "Allow",
        Action: ["bedrock-agentcore:*"],
        Resource: "arn:aws:bedrock-agentcore:*:*:*",
      },
      {
        Sid: "IAMListAccess",
        Effect: "Allow",
        Action: [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListRolePolicies",
          "iam:ListRoles",
        ],
        Resource: "arn:aws:iam::*:role/*",
      },
      {
        Sid: "BedrockAgentCorePassRoleAccess",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: "arn:aws:iam::*:role/*BedrockAgentCore*",
        Condition: { StringEquals: { "iam:PassedToService": "bedrock-agentcore.amazonaws.com" } },
      },
      {
        Sid: "SecretsManagerAccess",
        Effect: "Allow",
        Action: [
          "secretsmanager:CreateSecret",
          "secretsmanager:PutSecretValue",
          "secretsmanager:GetSecretValue",
          "secretsmanager:DeleteSecret",
        ],
        Resource: "arn:aws:secretsmanager:*:*:secret:bedrock-agentcore*",
      },
      {
        Sid: "BedrockAgentCoreKMSReadAccess",
        Effect: "Allow",
        Action: ["kms:ListKeys", "kms:DescribeKey"],
        Resource: ["arn:aws:kms:*:*:key/*"],
        Condition: { StringEquals: { "aws:ResourceAccount": PRINCIPAL_ACCOUNT } },
      },
      {
        Sid: "BedrockAgentCoreKMSAccess",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: ["arn:aws:kms:*:*:key/*"],
        Condition: {
          StringEquals: { "aws:ResourceAccount": PRINCIPAL_ACCOUNT },
          "ForAnyValue:StringEquals": { "aws:CalledVia": ["bedrock-agentcore.amazonaws.com"] },
        },
      },
      {
        Sid: "BedrockAgentCoreS3Access",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: ["arn:aws:s3:::bedrock-agentcore-gateway-*"],
        Condition: {
          StringEquals: {
            "aws:CalledViaLast": "bedrock-agentcore.amazonaws.com",
            "s3:ResourceAccount": PRINCIPAL_ACCOUNT,
          },
        },
      },
      {
        Sid: "BedrockAgentCoreGatewayLambdaAccess",
        Effect: "Allow",
        Action: ["lambda:ListFunctions"],
        Resource: ["arn:aws:lambda:*:*:*"],
      },
      {
        Sid: "LoggingAccess",
        Effect: "Allow",
        Action: [
          "logs:Get*",
          "logs:List*",
          "logs:StartQuery",
          "logs:StopQuery",
          "logs:Describe*",
          "logs:TestMetricFilter",
          "logs:FilterLogEvents",
        ],
        Resource: [
          "arn:aws:logs:*:*:log-group:/aws/bedrock-agentcore/*",
          "arn:aws:logs:*:*:log-group:/aws/application-signals/data:*",
          "arn:aws:logs:*:*:log-group:aws/spans:*",
        ],
      },
      {
        Sid: "ObservabilityReadOnlyPermissions",
        Effect: "Allow",
        Action: [
          "application-autoscaling:DescribeScalingPolicies",
          "application-signals:BatchGet*",
          "application-signals:Get*",
          "application-signals:List*",
          "autoscaling:Describe*",
          "cloudwatch:BatchGet*",
          "cloudwatch:Describe*",
          "cloudwatch:GenerateQuery",
          "cloudwatch:Get*",
          "cloudwatch:List*",
          "oam:ListSinks",
          "rum:BatchGet*",
          "rum:Get*",
          "rum:List*",
          "synthetics:Describe*",
          "synthetics:Get*",
          "synthetics:List*",
          "xray:BatchGet*",
          "xray:Get*",
          "xray:List*",
          "xray:StartTraceRetrieval",
          "xray:CancelTraceRetrieval",
          "logs:DescribeLogGroups",
          "logs:StartLiveTail",
          "logs:StopLiveTail",
        ],
        Resource: "*",
      },
      {
        Sid: "TransactionSearchXRayPermissions",
        Effect: "Allow",
        Action: [
          "xray:GetTraceSegmentDestination",
          "xray:UpdateTraceSegmentDestination",
          "xray:GetIndexingRules",
          "xray:UpdateIndexingRule",
        ],
        Resource: "*",
      },
      {
        Sid: "TransactionSearchLogGroupPermissions",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutRetentionPolicy"],
        Resource: [
          "arn:aws:logs:*:*:log-group:/aws/application-signals/data:*",
          "arn:aws:logs:*:*:log-group:aws/spans:*",
        ],
      },
      {
        Sid: "TransactionSearchLogsPermissions",
        Effect: "Allow",
        Action: ["logs:DescribeResourcePolicies"],
        Resource: ["*"],
        Condition: { StringEquals: { "aws:ResourceAccount": PRINCIPAL_ACCOUNT } },
      },
      {
        Sid: "TransactionSearchApplicationSignalsPermissions",
        Effect: "Allow",
        Action: ["application-signals:StartDiscovery"],
        Resource: "*",
      },
      {
        Sid: "CloudWatchApplicationSignalsCreateServiceLinkedRolePermissions",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource:
          "arn:aws:iam::*:role/aws-service-role/application-signals.cloudwatch.amazonaws.com/AWSServiceRoleForCloudWatchApplicationSignals",
        Condition: { StringLike: { "iam:AWSServiceName": "application-signals.cloudwatch.amazonaws.com" } },
      },
      {
        Sid: "CloudWatchApplicationSignalsGetRolePermissions",
        Effect: "Allow",
        Action: "iam:GetRole",
        Resource:
          "arn:aws:iam::*:role/aws-service-role/application-signals.cloudwatch.amazonaws.com/AWSServiceRoleForCloudWatchApplicationSignals",
      },
      {
        Sid: "CreateBedrockAgentCoreNetworkServiceLinkedRolePermissions",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource:
          "arn:aws:iam::*:role/aws-service-role/network.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreNetwork",
        Condition: { StringEquals: { "iam:AWSServiceName": "network.bedrock-agentcore.amazonaws.com" } },
      },
      {
        Sid: "CreateBedrockAgentCoreRuntimeIdentityServiceLinkedRolePermissions",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource:
          "arn:aws:iam::*:role/aws-service-role/runtime-identity.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreRuntimeIdentity",
        Condition: {
          StringEquals: { "iam:AWSServiceName": "runtime-identity.bedrock-agentcore.amazonaws.com" },
        },
      },
    ],
  },
};

/** The policy of AgentCore's network service-linked role: the ENIs it makes in the customer's VPC. */
export const AGENTCORE_NETWORK_POLICY: AwsManagedPolicy = {
  name: "BedrockAgentCoreNetworkServiceRolePolicy",
  path: "/aws-service-role/",
  description:
    "Allows access to other AWS service resources that are required to run Amazon Bedrock AgentCore in VPC mode",
  versionId: "v1",
  createDate: "2025-09-19T22:04:00Z",
  updateDate: "2025-09-19T22:04:00Z",
  attachable: false,
  document: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowCreateEniInAnySubnet",
        Effect: "Allow",
        Action: "ec2:CreateNetworkInterface",
        Resource: "arn:aws:ec2:*:*:subnet/*",
      },
      {
        Sid: "AllowCreateEniWithSecurityGroups",
        Effect: "Allow",
        Action: "ec2:CreateNetworkInterface",
        Resource: "arn:aws:ec2:*:*:security-group/*",
      },
      {
        Sid: "AllowCreateEniWithBedrockManagedRequestTag",
        Effect: "Allow",
        Action: "ec2:CreateNetworkInterface",
        Resource: "arn:aws:ec2:*:*:network-interface/*",
        Condition: {
          "ForAllValues:StringEquals": { "aws:TagKeys": ["AmazonBedrockAgentCoreManaged"] },
          StringEquals: { "aws:RequestTag/AmazonBedrockAgentCoreManaged": "true" },
        },
      },
      {
        Sid: "AllowTagEniOnCreate",
        Effect: "Allow",
        Action: "ec2:CreateTags",
        Resource: "arn:aws:ec2:*:*:network-interface/*",
        Condition: { StringEquals: { "ec2:CreateAction": "CreateNetworkInterface" } },
      },
      {
        Sid: "AllowManageEniWhenBedrockManaged",
        Effect: "Allow",
        Action: [
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
          "ec2:CreateNetworkInterfacePermission",
        ],
        Resource: "arn:aws:ec2:*:*:network-interface/*",
        Condition: { StringEquals: { "aws:ResourceTag/AmazonBedrockAgentCoreManaged": "true" } },
      },
      {
        Sid: "AllowGetSecurityGroupsForVpc",
        Effect: "Allow",
        Action: ["ec2:GetSecurityGroupsForVPC"],
        Resource: "arn:aws:ec2:*:*:vpc/*",
      },
      {
        Sid: "AllowDescribeNetworkingResources",
        Effect: "Allow",
        Action: [
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSubnets",
          "ec2:DescribeVpcs",
        ],
        Resource: "*",
      },
    ],
  },
};

export const AWS_MANAGED_POLICIES: readonly AwsManagedPolicy[] = [
  ADMINISTRATOR_ACCESS,
  ECR_READ_ONLY,
  CLOUDWATCH_LOGS_FULL_ACCESS,
  XRAY_WRITE_ONLY,
  BEDROCK_FULL_ACCESS,
  BEDROCK_AGENTCORE_FULL_ACCESS,
  AGENTCORE_NETWORK_POLICY,
];

/** The policy's ARN in a partition: AWS managed policies are the same in each, under that partition's ARN. */
export function awsManagedArn(policy: AwsManagedPolicy, partition: string): string {
  return `arn:${partition}:iam::aws:policy${policy.path}${policy.name}`;
}

/** The managed policy an `arn:<partition>:iam::aws:policy/...` ARN names, if the emulator knows it. */
export function findAwsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return AWS_MANAGED_POLICIES.find((policy) => awsManagedArn(policy, partitionOfArn(arn)) === arn);
}

/** The document as IAM stores it: pretty-printed JSON, as the Managed Policy Reference shows it. */
export function awsManagedDocument(policy: AwsManagedPolicy): string {
  return JSON.stringify(policy.document, null, 2);
}
