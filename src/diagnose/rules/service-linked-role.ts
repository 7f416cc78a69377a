import { makeFinding } from "../../findings/index.js";
import type { Rule } from "../analysis-input.js";
import { SERVICE_LINKED_ROLE_NAME } from "../collect/iam.js";

/** VPC mode makes its interfaces with this role; without it no interface, no egress. */
export const serviceLinkedRole: Rule = ({ runtime, iam }) => {
  const slr = iam?.serviceLinkedRole;
  if (runtime.value.networkMode !== "VPC" || !slr || slr.value.exists) return [];
  return [
    makeFinding("SERVICE_LINKED_ROLE_MISSING", [
      { fact: `GetRole ${SERVICE_LINKED_ROLE_NAME} answered NoSuchEntity`, source: slr.source },
    ]),
  ];
};
