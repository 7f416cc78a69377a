import { describe, expect, it } from "vitest";
import { parsePolicyDocument } from "../../src/emulator/iam/policy-document.js";

const doc = (statement: Record<string, unknown> | Record<string, unknown>[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statement });
const allow = (extra: Record<string, unknown>) => ({
  Effect: "Allow",
  Action: "logs:GetLogEvents",
  ...extra,
});

function refusal(text: string): string | undefined {
  try {
    parsePolicyDocument(text, "managed");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe("IAM policy grammar: what the legacy parser refuses first", () => {
  it("an Effect of Allow or Deny in another case, before any other problem of the document", () => {
    expect(refusal(doc(allow({ Effect: "ALLOW", Resource: "*" })))).toBe("The policy failed legacy parsing");
    expect(
      refusal(doc([allow({ Resource: "*" }), { Effect: "deny", Resource: "arn:aws:sqs:us-east-1:1:q" }])),
    ).toBe("The policy failed legacy parsing");
    // Any other word is a syntax error.
    expect(refusal(doc(allow({ Effect: "Permit", Resource: "*" })))).toBe("Syntax errors in policy.");
  });

  it("an ARN of four or five fields, or with no service, in a known partition", () => {
    expect(refusal(doc(allow({ Resource: "arn:aws:logs:eu-west-1" })))).toBe(
      "The policy failed legacy parsing",
    );
    expect(refusal(doc({ Effect: "Allow", Resource: "arn:aws:sqs:eu-west-1:1" }))).toBe(
      "The policy failed legacy parsing",
    );
    expect(refusal(doc(allow({ Resource: "arn:aws-cn::eu-west-1:1:x" })))).toBe(
      "The policy failed legacy parsing",
    );
    // An unknown partition is named instead; a three-field ARN is taken.
    expect(refusal(doc(allow({ Resource: "arn:nope:logs:eu-west-1" })))).toBe(
      'Partition "nope" is not valid for resource "arn:nope:logs:eu-west-1".',
    );
    expect(refusal(doc(allow({ Resource: "arn:aws:anything" })))).toBeUndefined();
  });

  it("a Date condition value that is no date; ISO 8601 forms and 64-bit epoch seconds pass", () => {
    const dated = (value: unknown) =>
      refusal(doc(allow({ Resource: "*", Condition: { DateLessThan: { "aws:CurrentTime": value } } })));
    for (const bad of [
      "yesterday",
      "2024-13-01",
      "2024-01-01T25:00:00Z",
      "2024-01-01T10:00:00.1234567890Z",
      "99999999999999999999",
    ])
      expect(dated(bad), bad).toBe("The policy failed legacy parsing");
    for (const good of [
      "2024-06-30T23:59:59Z",
      "2024-06-30",
      "2024-06-30T08:00:00.5+02:00",
      "1719792000",
      "-1",
    ])
      expect(dated(good), good).toBeUndefined();
  });
});

describe("IAM policy grammar: resources", () => {
  it("text with a colon that is not an ARN is read as one and its partition judged", () => {
    expect(refusal(doc(allow({ Resource: "logs:group" })))).toBe(
      'Partition "group" is not valid for resource "arn:group:*:*:*:*".',
    );
    expect(refusal(doc(allow({ Resource: "x:y:z:1:2:3:4" })))).toBe(
      'Partition "y" is not valid for resource "arn:y:z:1:2:3:4".',
    );
    expect(refusal(doc(allow({ Resource: "bucket" })))).toBe('Resource bucket must be in ARN format or "*".');
  });

  it("is judged before the actions, after their presence", () => {
    expect(refusal(doc({ Effect: "Allow", Action: "a:b:c", Resource: "plain" }))).toBe(
      'Resource plain must be in ARN format or "*".',
    );
    expect(refusal(doc({ Effect: "Allow", Resource: "plain" }))).toBe(
      "Policy statement must contain actions.",
    );
  });

  it("IAM ARNs hold no region and one of IAM's resource types; S3 bucket ARNs hold no region", () => {
    expect(refusal(doc(allow({ Resource: "arn:aws:iam:eu-west-1:123456789012:role/r" })))).toBe(
      "IAM resource arn:aws:iam:eu-west-1:123456789012:role/r cannot contain region information.",
    );
    expect(refusal(doc(allow({ Resource: "arn:aws:iam::123456789012:bucket" })))).toMatch(
      /^IAM resource path must either be "\*" or start with user\/, federated-user\/, role\//,
    );
    expect(refusal(doc(allow({ Resource: "arn:aws:iam::123456789012:role/*" })))).toBeUndefined();
    expect(refusal(doc(allow({ Resource: "arn:aws:s3:eu-west-1::bucket" })))).toBe(
      "Resource arn:aws:s3:eu-west-1::bucket can not contain region information.",
    );
    expect(
      refusal(doc(allow({ Resource: "arn:aws:s3:eu-west-1:123456789012:accesspoint/ap" }))),
    ).toBeUndefined();
  });

  it("Sids are compared across the document before a statement is judged", () => {
    expect(refusal(doc([allow({ Sid: "One", Resource: "*" }), { Sid: "One", Effect: "Allow" }]))).toBe(
      "Statement IDs (SID) in a single policy must be unique.",
    );
  });
});
