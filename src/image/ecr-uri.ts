/** `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:<tag>][@sha256:<hex>]`, parsed. */
export interface EcrImageUri {
  account: string;
  region: string;
  repositoryName: string;
  tag?: string;
  digest?: string;
}

const REGISTRY_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const ECR_URI = /^([^/]+)\/([^:@]+)(?::([^:@/]+))?(?:@(sha256:[0-9a-f]{64}))?$/;

/** The registry a host name is (`123456789012.dkr.ecr.us-east-1.amazonaws.com`, a port allowed); undefined for any other host. */
export function parseRegistryHost(host: string): { account: string; region: string } | undefined {
  const match = REGISTRY_HOST.exec(host.trim().toLowerCase().replace(/:\d+$/, ""));
  return match ? { account: match[1]!, region: match[2]! } : undefined;
}

export function registryHost(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com`;
}

export function parseEcrImageUri(uri: string): EcrImageUri | undefined {
  const match = ECR_URI.exec(uri.trim());
  const registry = match ? parseRegistryHost(match[1]!) : undefined;
  if (!match || !registry) return undefined;
  const [, , repositoryName, tag, digest] = match;
  return {
    ...registry,
    repositoryName: repositoryName!,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}
