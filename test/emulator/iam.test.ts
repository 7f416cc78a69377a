import { execFile, execFileSync } from "node:child_process";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteServiceLinkedRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemEnvironment } from "../../src/emulator/context.js";
import { iamAdapter } from "../../src/emulator/iam/adapter.js";
import { Iam } from "../../src/emulator/iam/model/iam.js";
import { callerIdentity } from "../../src/emulator/identity.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { loadServiceModel } from "../../src/emulator/protocol/service-model.js";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";
import { sdkConfig } from "../helpers/emulator.js";
import { AGENTCORE_TRUST } from "../helpers/iam.js";

const ACCOUNT = "123456789012";
const LOGS_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }],
});

let emulator: RunningEmulator;
let iam: IAMClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  iam = new IAMClient(sdkConfig(emulator));
});
afterAll(async () => {
  iam?.destroy();
  await emulator?.stop();
});

/** The error a call fails with; fails the test if it succeeds. */
async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error("expected the call to fail");
}

async function createRole(name: string, document = AGENTCORE_TRUST) {
  return iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document }));
}

describe("IAM roles through the AWS SDK", () => {
  it("serves every operation of the authored model", () => {
    const store = new SqliteStore();
    const adapter = iamAdapter(new Iam(store, systemEnvironment));
    store.close();
    expect(Object.keys(adapter).sort()).toEqual(Object.keys(loadServiceModel("iam").operations).sort());
  });

  it("creates, gets, lists, updates and deletes a role; documents come back URL-encoded", async () => {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: "LifecycleRole",
        Path: "/agents/",
        AssumeRolePolicyDocument: AGENTCORE_TRUST,
        Description: "for a test",
        Tags: [{ Key: "team", Value: "a" }],
      }),
    );
    expect(created.Role).toMatchObject({
      RoleName: "LifecycleRole",
      Path: "/agents/",
      Arn: `arn:aws:iam::${ACCOUNT}:role/agents/LifecycleRole`,
      Description: "for a test",
    });
    expect(created.Role!.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(created.Role!.CreateDate).toBeInstanceOf(Date);
    expect(created.Role!.AssumeRolePolicyDocument).toBe(encodeURIComponent(AGENTCORE_TRUST));

    const got = await iam.send(new GetRoleCommand({ RoleName: "lifecycleROLE" }));
    expect(got.Role).toMatchObject({ RoleName: "LifecycleRole", MaxSessionDuration: 3600 });
    expect(got.Role!.Tags).toEqual([{ Key: "team", Value: "a" }]);
    expect(got.Role!.RoleLastUsed).toEqual({});
    expect(JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!))).toEqual(
      JSON.parse(AGENTCORE_TRUST),
    );

    const listed = await iam.send(new ListRolesCommand({ PathPrefix: "/agents/" }));
    expect(listed.Roles?.map((r) => r.RoleName)).toEqual(["LifecycleRole"]);
    expect(listed.IsTruncated).toBe(false);

    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" },
      ],
    });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "LifecycleRole", PolicyDocument: trust }));
    const updated = await iam.send(new GetRoleCommand({ RoleName: "LifecycleRole" }));
    expect(decodeURIComponent(updated.Role!.AssumeRolePolicyDocument!)).toBe(trust);

    await iam.send(new DeleteRoleCommand({ RoleName: "LifecycleRole" }));
    const gone = await failure(iam.send(new GetRoleCommand({ RoleName: "LifecycleRole" })));
    expect(gone.name).toBe("NoSuchEntityException");
  });

  it("pages ListRoles with MaxItems and Marker", async () => {
    for (const name of ["PageA", "PageB", "PageC"]) {
      await iam.send(
        new CreateRoleCommand({ RoleName: name, Path: "/paged/", AssumeRolePolicyDocument: AGENTCORE_TRUST }),
      );
    }
    const first = await iam.send(new ListRolesCommand({ PathPrefix: "/paged/", MaxItems: 2 }));
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(["PageA", "PageB"]);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListRolesCommand({ PathPrefix: "/paged/", Marker: first.Marker! }));
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(["PageC"]);
    expect(second.IsTruncated).toBe(false);
  });

  it("puts, gets, lists and deletes inline policies; DeleteRole conflicts while any remain", async () => {
    await createRole("InlineRole");
    await iam.send(
      new PutRolePolicyCommand({ RoleName: "InlineRole", PolicyName: "logs", PolicyDocument: LOGS_POLICY }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: "InlineRole", PolicyName: "logs" }));
    expect(got).toMatchObject({ RoleName: "InlineRole", PolicyName: "logs" });
    expect(got.PolicyDocument).toBe(encodeURIComponent(LOGS_POLICY));
    const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: "InlineRole" }));
    expect(listed.PolicyNames).toEqual(["logs"]);

    const conflict = await failure(iam.send(new DeleteRoleCommand({ RoleName: "InlineRole" })));
    expect(conflict.name).toBe("DeleteConflictException");
    expect(conflict.message).toBe("Cannot delete entity, must delete policies first.");
    expect(conflict.$metadata.httpStatusCode).toBe(409);

    await iam.send(new DeleteRolePolicyCommand({ RoleName: "InlineRole", PolicyName: "logs" }));
    const missing = await failure(
      iam.send(new GetRolePolicyCommand({ RoleName: "InlineRole", PolicyName: "logs" })),
    );
    expect(missing.name).toBe("NoSuchEntityException");
    expect(missing.message).toBe("The role policy with name logs cannot be found.");
    await iam.send(new DeleteRoleCommand({ RoleName: "InlineRole" }));
  });

  it("creates customer managed policies, attaches AWS and customer ones, and counts attachments", async () => {
    await createRole("ManagedRole");
    const created = await iam.send(
      new CreatePolicyCommand({ PolicyName: "AgentLogs", PolicyDocument: LOGS_POLICY }),
    );
    const arn = `arn:aws:iam::${ACCOUNT}:policy/AgentLogs`;
    expect(created.Policy).toMatchObject({ PolicyName: "AgentLogs", Arn: arn, DefaultVersionId: "v1" });
    expect(created.Policy!.PolicyId).toMatch(/^ANPA[A-Z0-9]{17}$/);

    await iam.send(new AttachRolePolicyCommand({ RoleName: "ManagedRole", PolicyArn: arn }));
    const ecr = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly";
    await iam.send(new AttachRolePolicyCommand({ RoleName: "ManagedRole", PolicyArn: ecr }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "ManagedRole" }));
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: "AgentLogs", PolicyArn: arn },
      { PolicyName: "AmazonEC2ContainerRegistryReadOnly", PolicyArn: ecr },
    ]);

    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    expect(policy.Policy?.AttachmentCount).toBe(1);
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: "v1" }));
    expect(version.PolicyVersion).toMatchObject({ VersionId: "v1", IsDefaultVersion: true });
    expect(version.PolicyVersion!.Document).toBe(encodeURIComponent(LOGS_POLICY));

    const awsVersion = await iam.send(
      new GetPolicyVersionCommand({
        PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/BedrockAgentCoreNetworkServiceRolePolicy",
        VersionId: "v1",
      }),
    );
    const slrDocument = JSON.parse(decodeURIComponent(awsVersion.PolicyVersion!.Document!));
    expect(slrDocument.Statement.map((s: { Sid: string }) => s.Sid)).toContain("AllowCreateEniInAnySubnet");

    const local = await iam.send(new ListPoliciesCommand({ Scope: "Local" }));
    expect(local.Policies?.map((p) => p.PolicyName)).toEqual(["AgentLogs"]);
    const awsOnly = await iam.send(new ListPoliciesCommand({ Scope: "AWS", OnlyAttached: true }));
    expect(awsOnly.Policies?.map((p) => p.Arn)).toEqual([ecr]);

    const inUse = await failure(iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
    expect(inUse.name).toBe("DeleteConflictException");
    const attachedConflict = await failure(iam.send(new DeleteRoleCommand({ RoleName: "ManagedRole" })));
    expect(attachedConflict.message).toBe("Cannot delete entity, must detach all policies first.");

    await iam.send(new DetachRolePolicyCommand({ RoleName: "ManagedRole", PolicyArn: arn }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: "ManagedRole", PolicyArn: ecr }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await iam.send(new DeleteRoleCommand({ RoleName: "ManagedRole" }));
  });

  it("refuses an unknown AWS managed policy, and the service-role policy, by name", async () => {
    await createRole("AttachErrors");
    const unknown = "arn:aws:iam::aws:policy/NoSuchPolicyAtAll";
    const missing = await failure(
      iam.send(new AttachRolePolicyCommand({ RoleName: "AttachErrors", PolicyArn: unknown })),
    );
    expect(missing.name).toBe("NoSuchEntityException");
    expect(missing.message).toBe(`Policy ${unknown} does not exist or is not attachable.`);
    expect(missing.$metadata.httpStatusCode).toBe(404);

    const slrPolicy = await failure(
      iam.send(
        new AttachRolePolicyCommand({
          RoleName: "AttachErrors",
          PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/BedrockAgentCoreNetworkServiceRolePolicy",
        }),
      ),
    );
    expect(slrPolicy.name).toBe("PolicyNotAttachableException");

    const detached = await failure(
      iam.send(
        new DetachRolePolicyCommand({
          RoleName: "AttachErrors",
          PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        }),
      ),
    );
    expect(detached.name).toBe("NoSuchEntityException");
  });
});

describe("IAM errors as AWS answers them", () => {
  it("NoSuchEntity: 404, the SDK's NoSuchEntityException, AWS's message", async () => {
    const error = await failure(iam.send(new GetRoleCommand({ RoleName: "NobodyHere" })));
    expect(error.name).toBe("NoSuchEntityException");
    expect(error.message).toBe("The role with name NobodyHere cannot be found.");
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it("EntityAlreadyExists: 409", async () => {
    await createRole("Twice");
    const error = await failure(createRole("TWICE"));
    expect(error.name).toBe("EntityAlreadyExistsException");
    expect(error.message).toBe("Role with name TWICE already exists.");
    expect(error.$metadata.httpStatusCode).toBe(409);
  });

  it("MalformedPolicyDocument: invalid JSON, a trust policy without principals, an identity policy without resources", async () => {
    const json = await failure(createRole("BadJson", "{not json"));
    expect(json.name).toBe("MalformedPolicyDocumentException");
    expect(json.message).toBe("This policy contains invalid Json");
    expect(json.$metadata.httpStatusCode).toBe(400);

    const noPrincipal = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }],
    });
    expect((await failure(createRole("NoPrincipal", noPrincipal))).name).toBe(
      "MalformedPolicyDocumentException",
    );

    const wrongAction = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "s3:GetObject" }],
    });
    const trustAction = await failure(createRole("WrongAction", wrongAction));
    expect(trustAction.message).toBe("AssumeRole policy may only specify STS AssumeRole actions.");

    const missingRole = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Ghost` },
          Action: "sts:AssumeRole",
        },
      ],
    });
    const principal = await failure(createRole("GhostTrust", missingRole));
    expect(principal.message).toBe(`Invalid principal in policy: "AWS":"arn:aws:iam::${ACCOUNT}:role/Ghost"`);

    await createRole("PolicyErrors");
    const noResource = await failure(
      iam.send(
        new PutRolePolicyCommand({
          RoleName: "PolicyErrors",
          PolicyName: "p",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:*" }],
          }),
        }),
      ),
    );
    expect(noResource.name).toBe("MalformedPolicyDocumentException");
    expect(noResource.message).toBe("Policy statement must contain resources.");
  });

  it("ValidationError names the field that broke the model's constraint", async () => {
    const error = await failure(createRole("has spaces"));
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe(
      "1 validation error detected: Value 'has spaces' at 'roleName' failed to satisfy constraint: " +
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    expect(error.$metadata.httpStatusCode).toBe(400);

    const long = await failure(createRole("r".repeat(65)));
    expect(long.message).toContain(
      "at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
    );
  });

  it("InvalidInput for a policy ARN that is not one", async () => {
    const error = await failure(
      iam.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::123456789012:nothing" })),
    );
    expect(error.name).toBe("InvalidInputException");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe("service-linked roles", () => {
  it("makes AgentCore's network role once; a second attempt is InvalidInput", async () => {
    const created = await iam.send(
      new CreateServiceLinkedRoleCommand({ AWSServiceName: "network.bedrock-agentcore.amazonaws.com" }),
    );
    expect(created.Role).toMatchObject({
      RoleName: "AWSServiceRoleForBedrockAgentCoreNetwork",
      Path: "/aws-service-role/network.bedrock-agentcore.amazonaws.com/",
      Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/network.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreNetwork`,
    });
    const trust = JSON.parse(decodeURIComponent(created.Role!.AssumeRolePolicyDocument!));
    expect(trust.Statement[0].Principal.Service).toEqual(["network.bedrock-agentcore.amazonaws.com"]);

    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "AWSServiceRoleForBedrockAgentCoreNetwork" }),
    );
    expect(attached.AttachedPolicies).toEqual([
      {
        PolicyName: "BedrockAgentCoreNetworkServiceRolePolicy",
        PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/BedrockAgentCoreNetworkServiceRolePolicy",
      },
    ]);

    const again = await failure(
      iam.send(
        new CreateServiceLinkedRoleCommand({ AWSServiceName: "network.bedrock-agentcore.amazonaws.com" }),
      ),
    );
    expect(again.name).toBe("InvalidInputException");
    expect(again.message).toBe(
      "Service role name AWSServiceRoleForBedrockAgentCoreNetwork has been taken in this account, please try a different suffix.",
    );

    const protectedRole = await failure(
      iam.send(new DeleteRoleCommand({ RoleName: "AWSServiceRoleForBedrockAgentCoreNetwork" })),
    );
    expect(protectedRole.name).toBe("UnmodifiableEntityException");

    const simulated = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: created.Role!.Arn!,
        ActionNames: ["ec2:CreateNetworkInterface", "ec2:DescribeSubnets"],
        ResourceArns: [`arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/subnet-1`],
      }),
    );
    expect(simulated.EvaluationResults?.map((r) => r.EvalDecision)).toEqual(["allowed", "allowed"]);
  });
});

describe("service-linked roles of other services", () => {
  it("names each service's role as AWS does, under /aws-service-role/<service>/", async () => {
    for (const [service, name] of [
      ["elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk"],
      [
        "custom-resource.application-autoscaling.amazonaws.com",
        "AWSServiceRoleForApplicationAutoScaling_CustomResource",
      ],
      ["ecs.amazonaws.com", "AWSServiceRoleForECS"],
    ] as const) {
      const { Role } = await iam.send(
        new CreateServiceLinkedRoleCommand({ AWSServiceName: service, Description: "d" }),
      );
      expect(Role).toMatchObject({
        RoleName: name,
        Path: `/aws-service-role/${service}/`,
        Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/${name}`,
        Description: "d",
      });
      // No policy document the emulator lacks is attached.
      expect(
        (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies,
      ).toEqual([]);
    }
  });

  it("takes a CustomSuffix where the service does (Auto Scaling), refuses it where not; deletion is a task that has succeeded", async () => {
    const { Role } = await iam.send(
      new CreateServiceLinkedRoleCommand({
        AWSServiceName: "autoscaling.amazonaws.com",
        CustomSuffix: "suf",
      }),
    );
    expect(Role!.RoleName).toBe("AWSServiceRoleForAutoScaling_suf");
    const trust = JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!));
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: ["autoscaling.amazonaws.com"] }, Action: ["sts:AssumeRole"] },
    ]);
    const refused = await failure(
      iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "es.amazonaws.com", CustomSuffix: "x" })),
    );
    expect([refused.name, refused.message]).toEqual([
      "InvalidInputException",
      "Custom suffix is not allowed for es.amazonaws.com",
    ]);

    const { DeletionTaskId } = await iam.send(
      new DeleteServiceLinkedRoleCommand({ RoleName: Role!.RoleName! }),
    );
    expect(DeletionTaskId).toMatch(
      /^task\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling_suf\/[0-9a-f-]{36}$/,
    );
    expect((await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId }))).Status).toBe(
      "SUCCEEDED",
    );
    expect((await failure(iam.send(new GetRoleCommand({ RoleName: Role!.RoleName! })))).name).toBe(
      "NoSuchEntityException",
    );
    const unknown = await failure(
      iam.send(
        new GetServiceLinkedRoleDeletionStatusCommand({
          DeletionTaskId: DeletionTaskId!.replace(/[0-9a-f]{12}$/, "000000000000"),
        }),
      ),
    );
    expect(unknown.name).toBe("NoSuchEntityException");
  });
});

describe("SimulatePrincipalPolicy", () => {
  beforeAll(async () => {
    await createRole("SimRole");
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "SimRole",
        PolicyName: "mixed",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "Logs",
              Effect: "Allow",
              Action: "LOGS:Put*",
              Resource: "arn:aws:logs:*:*:log-group:/aws/*",
            },
            { Sid: "NoDelete", Effect: "Deny", Action: "logs:Delete*", Resource: "*" },
            { Sid: "AllLogs", Effect: "Allow", Action: "logs:*", Resource: "*" },
            {
              Sid: "Tagged",
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: "*",
              Condition: { StringEquals: { "aws:ResourceTag/team": "a" } },
            },
          ],
        }),
      }),
    );
  });

  it("answers allowed, explicitDeny and implicitDeny with the statements that decided", async () => {
    const result = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/SimRole`,
        ActionNames: ["logs:PutLogEvents", "logs:DeleteLogGroup", "ecr:BatchGetImage"],
        ResourceArns: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/agent`],
      }),
    );
    expect(result.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([
      ["logs:PutLogEvents", "allowed"],
      ["logs:DeleteLogGroup", "explicitDeny"],
      ["ecr:BatchGetImage", "implicitDeny"],
    ]);
    expect(result.EvaluationResults?.[0]?.MatchedStatements).toEqual([
      { SourcePolicyId: "mixed", SourcePolicyType: "role" },
      { SourcePolicyId: "mixed", SourcePolicyType: "role" },
    ]);
    expect(result.EvaluationResults?.[2]?.MatchedStatements).toEqual([]);
  });

  it("evaluates conditions over the context keys the caller gives, and reports the missing ones", async () => {
    const send = (values?: string[]) =>
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/SimRole`,
          ActionNames: ["s3:GetObject"],
          ...(values
            ? {
                ContextEntries: [
                  {
                    ContextKeyName: "aws:ResourceTag/team",
                    ContextKeyValues: values,
                    ContextKeyType: "string",
                  },
                ],
              }
            : {}),
        }),
      );
    expect((await send(["a"])).EvaluationResults?.[0]?.EvalDecision).toBe("allowed");
    expect((await send(["b"])).EvaluationResults?.[0]?.EvalDecision).toBe("implicitDeny");
    const none = (await send()).EvaluationResults?.[0];
    expect(none?.EvalDecision).toBe("implicitDeny");
    expect(none?.MissingContextValues).toEqual(["aws:ResourceTag/team"]);
  });

  it("pages results with MaxItems and Marker", async () => {
    const input = {
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/SimRole`,
      ActionNames: ["logs:PutLogEvents", "logs:CreateLogStream", "logs:DeleteLogStream"],
      MaxItems: 2,
    };
    const first = await iam.send(new SimulatePrincipalPolicyCommand(input));
    expect(first.EvaluationResults).toHaveLength(2);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new SimulatePrincipalPolicyCommand({ ...input, Marker: first.Marker! }));
    expect(second.EvaluationResults?.map((r) => r.EvalActionName)).toEqual(["logs:DeleteLogStream"]);
    expect(second.IsTruncated).toBe(false);
  });

  it("answers NoSuchEntity for a role that does not exist", async () => {
    const error = await failure(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/Missing`,
          ActionNames: ["s3:GetObject"],
        }),
      ),
    );
    expect(error.name).toBe("NoSuchEntityException");
  });
});

describe("permissions boundaries", () => {
  it("a role's boundary is kept, shown as AWS shows it, limits what its policies grant, and keeps its policy from deletion", async () => {
    const boundary = await iam.send(
      new CreatePolicyCommand({
        PolicyName: "OnlyLogs",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "logs:*", Resource: "*" }],
        }),
      }),
    );
    const boundaryArn = boundary.Policy!.Arn!;
    // GetPolicy lists tags even when there are none; CreatePolicy and ListPolicies do not.
    expect(boundary.Policy).not.toHaveProperty("Tags");
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: boundaryArn }))).Policy?.Tags).toEqual([]);

    const missing = `arn:aws:iam::${ACCOUNT}:policy/Nope`;
    await expect(
      iam.send(
        new CreateRoleCommand({
          RoleName: "Unbounded",
          AssumeRolePolicyDocument: AGENTCORE_TRUST,
          PermissionsBoundary: missing,
        }),
      ),
    ).rejects.toMatchObject({
      name: "NoSuchEntityException",
      message: `Scope ARN: ${missing} does not exist or is not attachable.`,
    });

    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: "Bounded",
        Path: "/bounded/",
        AssumeRolePolicyDocument: AGENTCORE_TRUST,
        PermissionsBoundary: boundaryArn,
      }),
    );
    const shown = {
      PermissionsBoundaryType: "PermissionsBoundaryPolicy",
      PermissionsBoundaryArn: boundaryArn,
    };
    expect(created.Role?.PermissionsBoundary).toEqual(shown);
    expect((await iam.send(new GetRoleCommand({ RoleName: "Bounded" }))).Role?.PermissionsBoundary).toEqual(
      shown,
    );
    const listed = await iam.send(new ListRolesCommand({ PathPrefix: "/bounded/" }));
    expect(listed.Roles?.[0]).not.toHaveProperty("PermissionsBoundary");
    expect(
      (await iam.send(new GetPolicyCommand({ PolicyArn: boundaryArn }))).Policy
        ?.PermissionsBoundaryUsageCount,
    ).toBe(1);

    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "Bounded",
        PolicyName: "everything",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["logs:*", "s3:*"], Resource: "*" }],
        }),
      }),
    );
    const result = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: created.Role!.Arn!,
        ActionNames: ["logs:PutLogEvents", "s3:GetObject"],
      }),
    );
    expect(
      result.EvaluationResults?.map((r) => [
        r.EvalActionName,
        r.EvalDecision,
        r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary,
      ]),
    ).toEqual([
      ["logs:PutLogEvents", "allowed", true],
      ["s3:GetObject", "implicitDeny", false],
    ]);
    await expect(iam.send(new DeletePolicyCommand({ PolicyArn: boundaryArn }))).rejects.toMatchObject({
      name: "DeleteConflictException",
    });
  });

  it("takes a vendor with a dot in an action, as IAM does", async () => {
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: "DottedVendor",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: { Effect: "Allow", Action: "s3.s:ListBucket", Resource: "arn:aws:s3:::example_bucket" },
        }),
      }),
    );
  });
});

describe("CloudTrail", () => {
  it("records IAM calls in us-east-1 whatever region the caller signed for", async () => {
    const elsewhere = new IAMClient({ ...sdkConfig(emulator), region: "eu-west-1" });
    const trail = new CloudTrailClient(sdkConfig(emulator));
    try {
      await elsewhere.send(
        new CreateRoleCommand({ RoleName: "TrailRole", AssumeRolePolicyDocument: AGENTCORE_TRUST }),
      );
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateRole" }],
        }),
      );
      const event = JSON.parse(events.Events![0]!.CloudTrailEvent!);
      expect(event).toMatchObject({ eventSource: "iam.amazonaws.com", awsRegion: "us-east-1" });
    } finally {
      elsewhere.destroy();
      trail.destroy();
    }
  });
});

describe("the Iam model in process", () => {
  it("ensures the network service-linked role, judges permissions, and records role use", () => {
    const store = new SqliteStore();
    try {
      const model = new Iam(store, systemEnvironment);
      const now = new Date("2026-01-02T03:04:05Z");
      const first = model.ensureServiceLinkedRole(
        ACCOUNT,
        "us-east-1",
        "network.bedrock-agentcore.amazonaws.com",
        now,
      );
      const second = model.ensureServiceLinkedRole(
        ACCOUNT,
        "us-east-1",
        "network.bedrock-agentcore.amazonaws.com",
        now,
      );
      expect(first.created).toBe(true);
      expect(second).toEqual({ role: first.role, created: false });

      const arn = first.role.Arn;
      expect(model.isAllowed(ACCOUNT, arn, "ec2:DescribeSubnets", "*")).toBe(true);
      expect(model.isAllowed(ACCOUNT, arn, "logs:PutLogEvents", "*")).toBe(false);
      // A statement whose condition needs request tags does not match without them.
      expect(
        model.isAllowed(
          ACCOUNT,
          arn,
          "ec2:DeleteNetworkInterface",
          `arn:aws:ec2:us-east-1:${ACCOUNT}:network-interface/eni-1`,
        ),
      ).toBe(false);
      expect(
        model.isAllowed(ACCOUNT, `arn:aws:iam::${ACCOUNT}:role/Nobody`, "ec2:DescribeSubnets", "*"),
      ).toBe(false);

      model.markRoleUsed(ACCOUNT, arn, "eu-west-1", now);
      const call = model.call(ACCOUNT, "us-east-1", now);
      const role = iamAdapter(model).GetRole!(
        { RoleName: first.role.RoleName },
        {
          account: ACCOUNT,
          region: "us-east-1",
          requestId: "r",
          accessKeyId: "k",
          caller: callerIdentity("k", ACCOUNT, "us-east-1"),
          now: call.now,
        },
      ) as { Role: { RoleLastUsed: unknown } };
      expect(role.Role.RoleLastUsed).toEqual({ LastUsedDate: now.toISOString(), Region: "eu-west-1" });
    } finally {
      store.close();
    }
  });
});

function awsCliInstalled(): boolean {
  try {
    execFileSync("aws", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!awsCliInstalled())("the AWS CLI (botocore) against IAM and STS", () => {
  // Asynchronous: the emulator answers from this same process, so a blocking spawn would starve it.
  const aws = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        "aws",
        [...args, "--endpoint-url", emulator.url, "--output", "json"],
        {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: "test",
            AWS_SECRET_ACCESS_KEY: "test",
            AWS_DEFAULT_REGION: "us-east-1",
            AWS_MAX_ATTEMPTS: "1",
          },
        },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("parses roles (documents decoded by botocore), errors and the caller identity", async () => {
    const created = await aws(
      "iam",
      "create-role",
      "--role-name",
      "CliRole",
      "--assume-role-policy-document",
      AGENTCORE_TRUST,
    );
    expect(created.status, created.stderr).toBe(0);
    const got = await aws("iam", "get-role", "--role-name", "CliRole");
    expect(got.status, got.stderr).toBe(0);
    const role = JSON.parse(got.stdout).Role;
    expect(role.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/CliRole`);
    expect(role.AssumeRolePolicyDocument).toEqual(JSON.parse(AGENTCORE_TRUST));

    const missing = await aws("iam", "get-role", "--role-name", "CliMissing");
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(
      "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name CliMissing cannot be found.",
    );

    const identity = await aws("sts", "get-caller-identity");
    expect(identity.status, identity.stderr).toBe(0);
    expect(JSON.parse(identity.stdout)).toMatchObject({ Account: ACCOUNT });
  });
});
