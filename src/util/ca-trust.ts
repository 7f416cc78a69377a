/** The variables that make AWS SDKs, requests, OpenSSL and Node trust a CA bundle at `bundlePath`. */
export function trustVariables(bundlePath: string): Record<string, string> {
  return {
    AWS_CA_BUNDLE: bundlePath,
    SSL_CERT_FILE: bundlePath,
    REQUESTS_CA_BUNDLE: bundlePath,
    NODE_EXTRA_CA_CERTS: bundlePath,
  };
}
