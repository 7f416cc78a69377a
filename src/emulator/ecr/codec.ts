import { AwsJsonCodec } from "../protocol/aws-json.js";
import type { MatchedOperation, WireRequest } from "../protocol/codec.js";
import { AwsError } from "../protocol/errors.js";
import { findViolations, type Violation } from "../protocol/validate.js";

/** ECR's wording of one broken constraint: the validator's "Member must …" without "Member", a pattern quoted. */
function ecrConstraint(violation: Violation): string {
  const constraint = violation.constraint.replace(/^Member /, "");
  const pattern = /^must satisfy regular expression pattern: (.*)$/s.exec(constraint);
  return pattern ? `must satisfy regular expression '${pattern[1]}'` : constraint;
}

/**
 * AWS JSON 1.1 as ECR speaks it: a request that breaks the model's
 * constraints is an InvalidParameterException naming the first broken one,
 * "Invalid parameter at 'repositoryName' failed to satisfy constraint:
 * 'must have length greater than or equal to 2'", not a ValidationException.
 * Checked here, while parsing, so the server's generic check finds nothing left.
 */
export class EcrJsonCodec extends AwsJsonCodec {
  override parseInput(matched: MatchedOperation, request: WireRequest): Record<string, unknown> {
    const input = super.parseInput(matched, request);
    const shape = matched.operation.input?.shape;
    const [first] = shape ? findViolations(this.model, shape, input) : [];
    if (first) {
      throw new AwsError(
        "InvalidParameterException",
        `Invalid parameter at '${first.path}' failed to satisfy constraint: '${ecrConstraint(first)}'`,
      );
    }
    return input;
  }
}
