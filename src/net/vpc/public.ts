/**
 * The emulator's stand-in for the internet: AWS's public endpoints answer on
 * addresses of 198.18.0.0/15 (RFC 2544 benchmarking space, never routed on
 * the internet) inside the `acd-inet…` namespace, never on this host.
 */

/** The public resolver: AWS names → the stand-in's addresses. */
export const PUBLIC_RESOLVER = "198.18.0.2";
/** Every AWS service's public endpoint but the gateway-endpoint services'. */
export const PUBLIC_SERVICES = "198.18.0.10";
/** S3 and DynamoDB apart, so that a gateway endpoint's prefix list is a set of addresses. */
export const GATEWAY_SERVICE_ADDRESSES: Readonly<Record<string, string>> = {
  s3: "198.18.0.11",
  dynamodb: "198.18.0.12",
};
export const PUBLIC_ADDRESSES: readonly string[] = [
  PUBLIC_RESOLVER,
  PUBLIC_SERVICES,
  ...Object.values(GATEWAY_SERVICE_ADDRESSES),
];
/** Point-to-point links into the internet namespace are /30s of this /16. */
export const LINK_BLOCK = "198.19.0.0/16";

/** The endpoint prefix an AWS host name is for: `sts` for sts.us-east-1.amazonaws.com, `s3` for b.s3.us-east-1.amazonaws.com. */
export function serviceOfHost(name: string): string | undefined {
  const host = name.toLowerCase().replace(/\.$/, "");
  const match = /^(.+)\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  if (!match) {
    if (!/(^|\.)amazonaws\.com$/.test(host)) return undefined;
    // S3's global endpoint (`s3.amazonaws.com`, `bucket.s3.amazonaws.com`: boto3's default in us-east-1) is S3's, in its prefix list.
    return /(^|\.)s3(-external-1)?\.amazonaws\.com$/.test(host) ? "s3" : "global";
  }
  const labels = match[1]!.split(".");
  if (labels.includes("s3") || labels[labels.length - 1]!.startsWith("s3-")) return "s3";
  if (labels[labels.length - 1] === "dynamodb") return "dynamodb";
  if (labels.length >= 2 && labels[labels.length - 1] === "ecr") {
    return labels[labels.length - 2] === "api" ? "ecr.api" : "ecr.dkr";
  }
  return labels[labels.length - 1];
}

/** Where a name points on the internet, or undefined when it is not AWS's. */
export function publicAddressOf(name: string): string | undefined {
  const service = serviceOfHost(name);
  if (!service) return undefined;
  return GATEWAY_SERVICE_ADDRESSES[service] ?? PUBLIC_SERVICES;
}

/** Names a resolver view answers itself (private DNS of interface endpoints); `*.` matches one or more labels. */
export type DnsRecords = Record<string, readonly string[]>;

export function lookupRecords(records: DnsRecords, name: string): readonly string[] | undefined {
  const host = name.toLowerCase().replace(/\.$/, "");
  if (records[host]) return records[host];
  for (const [pattern, addresses] of Object.entries(records)) {
    if (pattern.startsWith("*.") && host.endsWith(pattern.slice(1))) return addresses;
  }
  return undefined;
}
