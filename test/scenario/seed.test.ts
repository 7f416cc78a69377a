import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { type References, seedServices } from "../../src/scenario/build.js";
import { scenarioSchema } from "../../src/scenario/schema.js";
import { sdkConfig, TEST_CREDENTIALS } from "../helpers/emulator.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator?.stop();
});

const seedOf = (seed: unknown) =>
  scenarioSchema.parse({
    story: "Seed data for the test, in the scenario's own format, parsed by its schema.",
    runtimes: { a: { agent: "a", request: {} } },
    diagnose: { runtime: "a" },
    seed,
    expect: { healthy: true },
  }).seed;

const config = () => ({ endpoint: emulator.url, region: "us-east-1", credentials: TEST_CREDENTIALS });

describe("scenario seed data", () => {
  it("makes each call with its service's SDK client, in order, and output fields become references", async () => {
    const refs: References = new Map([["role:Known", "arn:aws:iam::123456789012:role/Known"]]);
    await seedServices(
      seedOf({
        "cloudwatch-logs": [{ action: "CreateLogGroup", input: { logGroupName: "/support-agent/app" } }],
        ecr: [
          {
            action: "CreateRepository",
            input: { repositoryName: "support-agent" },
            refs: { "repo:agent": "repository.repositoryArn" },
          },
        ],
        iam: [
          {
            action: "CreateRole",
            input: {
              RoleName: "Seeded",
              AssumeRolePolicyDocument: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                  {
                    Effect: "Allow",
                    Principal: { Service: "bedrock-agentcore.amazonaws.com" },
                    Action: "sts:AssumeRole",
                  },
                ],
              }),
            },
          },
          {
            action: "PutRolePolicy",
            input: {
              RoleName: "Seeded",
              PolicyName: "pull",
              PolicyDocument: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                  { Effect: "Allow", Action: "ecr:BatchGetImage", Resource: "${repo:agent}" },
                  { Effect: "Allow", Action: "iam:PassRole", Resource: "${role:Known}" },
                ],
              }),
            },
          },
        ],
      }),
      config(),
      refs,
    );
    expect(refs.get("repo:agent")).toMatch(/^arn:aws:ecr:us-east-1:\d{12}:repository\/support-agent$/);
    const logs = new CloudWatchLogsClient(sdkConfig(emulator));
    const iam = new IAMClient(sdkConfig(emulator));
    try {
      const { logGroups } = await logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: "/support-agent" }),
      );
      expect(logGroups?.map((g) => g.logGroupName)).toEqual(["/support-agent/app"]);
      const { PolicyDocument } = await iam.send(
        new GetRolePolicyCommand({ RoleName: "Seeded", PolicyName: "pull" }),
      );
      expect(decodeURIComponent(PolicyDocument!)).toContain(refs.get("repo:agent"));
    } finally {
      logs.destroy();
      iam.destroy();
    }
  });

  it("says which call failed, and why, for an action the SDK lacks, an AWS error, or a missing output field", async () => {
    await expect(
      seedServices(seedOf({ ssm: [{ action: "PutParameterz" }] }), config(), new Map()),
    ).rejects.toThrow(/ssm PutParameterz, which @aws-sdk\/client-ssm does not have/);
    await expect(
      seedServices(
        seedOf({
          "cloudwatch-logs": [{ action: "CreateLogGroup", input: { logGroupName: "/support-agent/app" } }],
        }),
        config(),
        new Map(),
      ),
    ).rejects.toThrow(/seeding cloudwatch-logs CreateLogGroup failed: ResourceAlreadyExistsException/);
    await expect(
      seedServices(
        seedOf({
          "cloudwatch-logs": [
            { action: "CreateLogGroup", input: { logGroupName: "/other" }, refs: { "group:x": "arn" } },
          ],
        }),
        config(),
        new Map(),
      ),
    ).rejects.toThrow(/answered no arn for group:x/);
    await expect(
      seedServices(
        seedOf({ iam: [{ action: "GetRole", input: { RoleName: "${role:Nope}" } }] }),
        config(),
        new Map(),
      ),
    ).rejects.toThrow(/names role Nope, which it does not define/);
  });
});
