import { makeFinding } from "../../findings/index.js";
import { SERVICE_LINKED_ROLE_NAME } from "../collect/iam.js";
import type { Rule } from "./rule.js";

/** AgentCore's wording when it refuses the subnets or groups, before any interface or role. */
const SUBNET_CHECK =
  /subnets? (are|is|do|does) .*(unsupported availability zones|not exist)|security groups? .*(not exist|different VPC)/i;

/** VPC mode makes its interfaces with this role; without it no interface, no egress. */
export const serviceLinkedRole: Rule = ({ runtime, iam }) => {
  const slr = iam?.serviceLinkedRole;
  if (runtime.value.networkMode !== "VPC" || !slr || slr.value.exists) return [];
  // AgentCore makes the role after it has accepted the subnets and groups: a runtime refused
  // at that check (an unsupported zone, a missing subnet) never needed it.
  const { status, failureReason } = runtime.value;
  const refusedEarlier = status.endsWith("FAILED") && SUBNET_CHECK.test(failureReason ?? "");
  if (refusedEarlier) return [];
  return [
    makeFinding("SERVICE_LINKED_ROLE_MISSING", [
      { fact: `GetRole ${SERVICE_LINKED_ROLE_NAME} answered NoSuchEntity`, source: slr.source },
    ]),
  ];
};
