import { describe, expect, it } from "vitest";
import { systemEnvironment } from "../../src/emulator/context.js";
import { ec2Adapter } from "../../src/emulator/ec2/adapter.js";
import { Ec2 } from "../../src/emulator/ec2/model/ec2.js";
import type { WireRequest } from "../../src/emulator/protocol/codec.js";
import { Ec2QueryCodec } from "../../src/emulator/protocol/ec2-query.js";
import { AwsError } from "../../src/emulator/protocol/errors.js";
import { loadServiceModel } from "../../src/emulator/protocol/service-model.js";
import { SqliteStore } from "../../src/emulator/store/sqlite-store.js";

const codec = new Ec2QueryCodec(loadServiceModel("ec2"));

function form(body: Record<string, string>): WireRequest {
  return {
    method: "POST",
    path: "/",
    query: new URLSearchParams(),
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: Buffer.from(new URLSearchParams({ Version: "2016-11-15", ...body }).toString()),
  };
}

function parse(body: Record<string, string>) {
  const request = form(body);
  const matched = codec.match(request);
  if (!matched) throw new Error("no operation matched");
  return codec.parseInput(matched, request);
}

function failure(run: () => unknown): AwsError {
  try {
    run();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error("expected an AwsError");
}

describe("EC2 Query codec: requests", () => {
  it("serves every operation of the authored model, and nothing the model lacks", () => {
    const store = new SqliteStore();
    const adapter = ec2Adapter(new Ec2(store, systemEnvironment));
    store.close();
    expect(Object.keys(adapter).sort()).toEqual(Object.keys(codec.model.operations).sort());
  });

  it("matches by Action and Version, and claims only its own API version", () => {
    expect(codec.match(form({ Action: "DescribeVpcs" }))?.operation.name).toBe("DescribeVpcs");
    expect(codec.match(form({ Action: "RunInstances" }))).toBeUndefined();
    expect(codec.claims(form({ Action: "RunInstances" }))).toBe(true);
    const other = form({ Action: "DescribeVpcs" });
    other.body = Buffer.from("Action=DescribeVpcs&Version=2010-05-08");
    expect(codec.claims(other)).toBe(false);
  });

  it("binds flattened lists by locationName: SubnetId.N, Filter.N.Name, Filter.N.Value.N, in index order", () => {
    expect(
      parse({
        Action: "DescribeSubnets",
        "SubnetId.2": "subnet-b",
        "SubnetId.1": "subnet-a",
        "Filter.1.Name": "vpc-id",
        "Filter.1.Value.1": "vpc-1",
        "Filter.1.Value.2": "vpc-2",
        "Filter.2.Name": "tag:Team",
        "Filter.2.Value.1": "a*",
        MaxResults: "10",
        DryRun: "false",
      }),
    ).toEqual({
      SubnetIds: ["subnet-a", "subnet-b"],
      Filters: [
        { Name: "vpc-id", Values: ["vpc-1", "vpc-2"] },
        { Name: "tag:Team", Values: ["a*"] },
      ],
      MaxResults: 10,
      DryRun: false,
    });
  });

  it("capitalises lowerCamel locationNames: Filter for `filter`, IpPermissions.N.Groups.N for `groups`", () => {
    expect(
      parse({ Action: "DescribeNetworkInterfaces", "Filter.1.Name": "status", "Filter.1.Value.1": "in-use" }),
    ).toEqual({ Filters: [{ Name: "status", Values: ["in-use"] }] });
    expect(
      parse({
        Action: "AuthorizeSecurityGroupIngress",
        GroupId: "sg-1",
        "IpPermissions.1.IpProtocol": "tcp",
        "IpPermissions.1.FromPort": "443",
        "IpPermissions.1.ToPort": "443",
        "IpPermissions.1.IpRanges.1.CidrIp": "10.0.0.0/16",
        "IpPermissions.1.IpRanges.1.Description": "vpc",
        "IpPermissions.1.Groups.1.GroupId": "sg-2",
        "TagSpecification.1.ResourceType": "security-group-rule",
        "TagSpecification.1.Tag.1.Key": "k",
        "TagSpecification.1.Tag.1.Value": "v",
        DryRun: "true",
      }),
    ).toEqual({
      GroupId: "sg-1",
      IpPermissions: [
        {
          IpProtocol: "tcp",
          FromPort: 443,
          ToPort: 443,
          IpRanges: [{ CidrIp: "10.0.0.0/16", Description: "vpc" }],
          UserIdGroupPairs: [{ GroupId: "sg-2" }],
        },
      ],
      TagSpecifications: [{ ResourceType: "security-group-rule", Tags: [{ Key: "k", Value: "v" }] }],
      DryRun: true,
    });
  });

  it("binds members whose wire name differs from the member: GroupDescription, SecurityGroupId.N", () => {
    expect(
      parse({ Action: "CreateSecurityGroup", GroupName: "g", GroupDescription: "d", VpcId: "vpc-1" }),
    ).toEqual({
      GroupName: "g",
      Description: "d",
      VpcId: "vpc-1",
    });
    expect(
      parse({
        Action: "CreateNetworkInterface",
        SubnetId: "subnet-1",
        "SecurityGroupId.1": "sg-1",
        Description: "",
      }),
    ).toEqual({ SubnetId: "subnet-1", Groups: ["sg-1"], Description: "" });
  });

  it("answers a missing required parameter with MissingParameter, by its wire name", () => {
    const error = failure(() => parse({ Action: "CreateSecurityGroup", GroupName: "g" }));
    expect(error.code).toBe("MissingParameter");
    expect(error.message).toBe("The request must contain the parameter GroupDescription");
  });

  it("answers values the model rejects with InvalidParameterValue", () => {
    expect(failure(() => parse({ Action: "DescribeVpcs", MaxResults: "2" })).message).toBe(
      "Value ( 2 ) for parameter maxResults is invalid. Parameter must be between 5 and 1000.",
    );
    expect(
      failure(() => parse({ Action: "DescribeVpcAttribute", VpcId: "vpc-1", Attribute: "color" })).message,
    ).toBe(
      "Value (color) for parameter Attribute is invalid. Valid values are: enableDnsSupport, enableDnsHostnames, enableNetworkAddressUsageMetrics.",
    );
    expect(
      failure(() =>
        parse({
          Action: "CreateVpc",
          CidrBlock: "10.0.0.0/16",
          "TagSpecification.1.ResourceType": "spaceship",
        }),
      ).message,
    ).toMatch(
      /^Value \(spaceship\) for parameter TagSpecification\.1\.ResourceType is invalid\. Valid values are: /,
    );
    expect(failure(() => parse({ Action: "DeleteVpc", VpcId: "vpc-1", DryRun: "maybe" })).message).toBe(
      "Value (maybe) for parameter DryRun is invalid. Expected true or false.",
    );
    expect(failure(() => parse({ Action: "CreateRoute", RouteTableId: "rtb-1", DryRun: "1x" })).code).toBe(
      "InvalidParameterValue",
    );
  });
});

describe("EC2 Query codec: responses", () => {
  const describeSubnets = { ...codec.model.operations.DescribeSubnets!, name: "DescribeSubnets" };

  it("renders <OpResponse> in EC2's namespace with requestId, lowerCamel members and <item> lists", () => {
    const wire = codec.serializeOutput(
      describeSubnets,
      {
        Subnets: [
          {
            SubnetId: "subnet-1",
            AvailableIpAddressCount: 251,
            DefaultForAz: false,
            Tags: [{ Key: "Name", Value: "a<b>&'c\"" }],
          },
        ],
      },
      "req-1",
    );
    expect(wire.status).toBe(200);
    expect(wire.headers["content-type"]).toBe("text/xml;charset=UTF-8");
    expect(String(wire.body)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>' +
        "<subnetSet><item><tagSet><item><key>Name</key><value>a&lt;b&gt;&amp;&apos;c&quot;</value></item></tagSet>" +
        "<subnetId>subnet-1</subnetId><availableIpAddressCount>251</availableIpAddressCount>" +
        "<defaultForAz>false</defaultForAz></item></subnetSet></DescribeSubnetsResponse>",
    );
  });

  it("renders timestamps in ISO 8601 and empty lists as empty elements", () => {
    const operation = { ...codec.model.operations.DescribeNatGateways!, name: "DescribeNatGateways" };
    const body = String(
      codec.serializeOutput(
        operation,
        { NatGateways: [{ NatGatewayId: "nat-1", CreateTime: new Date("2026-11-25T10:00:00Z"), Tags: [] }] },
        "r",
      ).body,
    );
    expect(body).toContain("<createTime>2026-11-25T10:00:00.000Z</createTime>");
    expect(body).toContain("<tagSet/>");
  });

  it("answers operations without an output shape with <return>true</return>", () => {
    const operation = { ...codec.model.operations.DeleteVpc!, name: "DeleteVpc" };
    expect(String(codec.serializeOutput(operation, {}, "r").body)).toContain(
      "<requestId>r</requestId><return>true</return></DeleteVpcResponse>",
    );
  });

  it("renders errors as Response/Errors/Error with RequestID; DryRunOperation is 412", () => {
    const wire = codec.serializeError(
      new AwsError("InvalidSubnetID.NotFound", "The subnet ID 'subnet-1' does not exist"),
      "req-2",
    );
    expect(wire.status).toBe(400);
    expect(wire.headers["content-type"]).toBe("text/xml;charset=UTF-8");
    expect(String(wire.body)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidSubnetID.NotFound</Code>' +
        "<Message>The subnet ID &apos;subnet-1&apos; does not exist</Message></Error></Errors>" +
        "<RequestID>req-2</RequestID></Response>",
    );
    expect(codec.serializeError(new AwsError("DryRunOperation", "x")).status).toBe(412);
    expect(codec.serializeError(new AwsError("UnauthorizedOperation", "x")).status).toBe(403);
    const internal = codec.serializeError(new AwsError("InternalServerException", "stack?", {}, 500));
    expect(internal.status).toBe(500);
    expect(String(internal.body)).toContain(
      "<Code>InternalError</Code><Message>An internal error has occurred</Message>",
    );
  });
});
