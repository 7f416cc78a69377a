import { type Evidence, type Finding, makeFinding } from "../../findings/index.js";
import { routeTableOf } from "../../net/reachability.js";
import { pathEvidence } from "../network-paths.js";
import type { Rule } from "./rule.js";

/**
 * A code runtime's zip, as AgentCore runs it: the static zip findings of the
 * object the runtime names (the same checks as `check`), each with the fact
 * of where it was read; and, for a VPC runtime created on or after the day
 * AgentCore stopped providing an S3 gateway of its own, whether its subnets
 * reach S3 at all.
 */
export const codeZipContents: Rule = ({ codeZip }) => {
  if (!codeZip) return [];
  const read: Evidence = {
    fact: `the runtime's codeConfiguration names ${codeZip.value.location} (${codeZip.value.runtime}, entry point ${JSON.stringify(codeZip.value.entryPoint)}); read ${codeZip.value.bytes} bytes`,
    source: codeZip.source,
  };
  return codeZip.value.findings.map((f) => ({ ...f, evidence: [read, ...f.evidence] }));
};

/** The day from which new VPC runtimes need their own route to S3 (AWS notice, hashicorp/terraform-provider-aws issue 47800). */
export const OWN_S3_ROUTE_FROM = new Date("2026-05-05T00:00:00Z");

export const codeZipS3Path: Rule = ({ runtime }, derived) => {
  const r = runtime.value;
  const n = derived.vpc;
  if (!r.code || r.networkMode !== "VPC" || !n) return [];
  if (!r.createdAt || r.createdAt < OWN_S3_ROUTE_FROM) return [];
  const path = derived.paths.get("s3");
  if (path?.verdict.status !== "blocked") return [];
  const tables = [
    ...new Set(
      n.subnetIds.flatMap((subnet) => {
        const table =
          n.routeTables && n.vpcId ? routeTableOf(n.routeTables.value, subnet, n.vpcId) : undefined;
        return table?.RouteTableId ? [table.RouteTableId] : [];
      }),
    ),
  ];
  const evidence: Evidence[] = [
    {
      fact: `the runtime was created ${r.createdAt.toISOString()}, on or after 2026-05-05: AgentCore fetches its code zip ${`s3://${r.code.bucket}/${r.code.prefix}`} through its own subnets`,
      source: runtime.source,
    },
    ...pathEvidence(n, path),
  ];
  const finding: Finding = makeFinding("CODE_ZIP_NO_S3_PATH", evidence, {
    vpc: n.vpcId ?? "<vpc>",
    region: derived.region,
    routeTables: tables.length > 0 ? tables.join(" ") : "<route tables>",
  });
  return [finding];
};
