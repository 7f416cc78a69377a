import { describe, expect, it } from "vitest";
import { AwsError } from "../../src/emulator/protocol/errors.js";
import { pageOutput } from "../../src/emulator/protocol/paginator.js";
import { loadServiceModel } from "../../src/emulator/protocol/service-model.js";

const names = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ logGroupName: `g${String(i).padStart(2, "0")}` }));

describe("the one paginator (botocore's paginators + models/patches)", () => {
  it("joins every served service's paginators and paging patch on load", () => {
    for (const name of [
      "ec2",
      "iam",
      "logs",
      "cloudtrail",
      "ecr",
      "secretsmanager",
      "ssm",
      "bedrock-agentcore-control",
    ]) {
      const model = loadServiceModel(name);
      expect(model.pagination, name).toBeDefined();
      expect(model.patches?.paging?.invalidToken.code, name).toBeTruthy();
    }
  });

  it("pages by offset to the end, and sets IAM's more_results", () => {
    const iam = loadServiceModel("iam");
    const roles = Array.from({ length: 5 }, (_, i) => ({ RoleName: `r${i}` }));
    const first = pageOutput(iam, "ListRoles", { MaxItems: 2 }, { Roles: roles });
    expect(first).toMatchObject({ Roles: roles.slice(0, 2), IsTruncated: true });
    const second = pageOutput(iam, "ListRoles", { MaxItems: 2, Marker: first.Marker }, { Roles: roles });
    const third = pageOutput(iam, "ListRoles", { MaxItems: 2, Marker: second.Marker }, { Roles: roles });
    expect(third).toEqual({ Roles: roles.slice(4), IsTruncated: false });
    // The patch's default page size (100) when the caller sets none.
    expect(pageOutput(iam, "ListRoles", {}, { Roles: roles })).toEqual({ Roles: roles, IsTruncated: false });
  });

  it("pages Logs' DescribeLogGroups by the last name (a keyset token) so an insert does not shift the next page", () => {
    const logs = loadServiceModel("logs");
    const groups = names(60);
    const first = pageOutput(logs, "DescribeLogGroups", {}, { logGroups: groups });
    expect((first.logGroups as unknown[]).length).toBe(50);
    const grown = [{ logGroupName: "a-new" }, ...groups];
    const second = pageOutput(
      logs,
      "DescribeLogGroups",
      { nextToken: first.nextToken },
      { logGroups: grown },
    );
    expect(second.logGroups).toEqual(groups.slice(50));
    expect(second.nextToken).toBeUndefined();
  });

  it("refuses a token it did not hand out with the service's own error", () => {
    const cases: [string, string, Record<string, unknown>, string][] = [
      ["ec2", "DescribeVpcs", { NextToken: "bogus" }, "InvalidNextToken"],
      ["logs", "DescribeLogStreams", { nextToken: "bogus" }, "InvalidParameterException"],
      ["bedrock-agentcore-control", "ListAgentRuntimes", { nextToken: "bogus" }, "ValidationException"],
    ];
    for (const [service, operation, input, code] of cases) {
      const output = { Vpcs: [], logStreams: [], agentRuntimes: [] };
      let error: unknown;
      try {
        pageOutput(loadServiceModel(service), operation, input, output);
      } catch (thrown) {
        error = thrown;
      }
      expect(error, `${service} ${operation}`).toBeInstanceOf(AwsError);
      expect((error as AwsError).code).toBe(code);
    }
    expect(() =>
      pageOutput(loadServiceModel("ec2"), "DescribeVpcs", { NextToken: "bogus" }, { Vpcs: [] }),
    ).toThrow("The token 'bogus' is invalid");
  });
});
