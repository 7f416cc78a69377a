import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";

/**
 * The emulator's certificate authority: agents call the regional AWS host
 * names unchanged, over TLS, and trust this CA through the standard
 * variables (AWS_CA_BUNDLE, SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
 * NODE_EXTRA_CA_CERTS). Kept in the state directory so a restarted emulator
 * keeps the same CA; certificates for host names are issued on demand.
 */
export interface CertificateAuthority {
  /** The CA certificate as a PEM file, for the agents' trust variables. */
  bundlePath: string;
  certPem: string;
  /** A certificate and key for one host name (SNI), signed by the CA; cached. */
  issue(hostname: string): { cert: string; key: string };
}

const CA_CERT = "acd-ca.pem";
const CA_KEY = "acd-ca.key.pem";
const YEAR_MS = 365 * 24 * 3600 * 1000;

function rsaKeys(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey; privatePem: string } {
  // Node's native generator: forge's pure-JS RSA takes seconds.
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privatePem: privateKey,
  };
}

function serial(): string {
  // Positive: the high bit of the first byte clear.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString("hex");
}

function createCa(): { certPem: string; keyPem: string } {
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * YEAR_MS);
  const subject = [
    { name: "commonName", value: "agentcore-doctor emulator CA" },
    { name: "organizationName", value: "agentcore-doctor" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** Where the CA certificate of `dir` is (or will be): the file the trust variables name. */
export function caBundlePath(dir: string): string {
  return join(dir, CA_CERT);
}

/** Loads the CA from `dir`, creating it there on first use. */
export function loadCertificateAuthority(dir: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, CA_CERT);
  const keyPath = join(dir, CA_KEY);
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    const created = createCa();
    writeFileSync(keyPath, created.keyPem, { mode: 0o600 });
    writeFileSync(certPath, created.certPem);
  }
  const certPem = readFileSync(certPath, "utf8");
  const caCert = forge.pki.certificateFromPem(certPem);
  const caKey = forge.pki.privateKeyFromPem(readFileSync(keyPath, "utf8")) as forge.pki.rsa.PrivateKey;
  // One key for every leaf: issuing must cost a signature, not a key generation.
  const leafKeys = rsaKeys();
  const issued = new Map<string, { cert: string; key: string }>();
  return {
    bundlePath: certPath,
    certPem,
    issue(hostname) {
      const cached = issued.get(hostname);
      if (cached) return cached;
      const cert = forge.pki.createCertificate();
      cert.publicKey = leafKeys.publicKey;
      cert.serialNumber = serial();
      cert.validity.notBefore = new Date(Date.now() - 3600_000);
      cert.validity.notAfter = new Date(Date.now() + YEAR_MS);
      cert.setSubject([{ name: "commonName", value: hostname }]);
      cert.setIssuer(caCert.subject.attributes);
      cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: [{ type: 2, value: hostname }] },
      ]);
      cert.sign(caKey, forge.md.sha256.create());
      const pair = { cert: forge.pki.certificateToPem(cert), key: leafKeys.privatePem };
      issued.set(hostname, pair);
      return pair;
    },
  };
}

/** The variables that make AWS SDKs, requests, OpenSSL and Node trust the emulator's CA. */
export function trustVariables(bundlePath: string): Record<string, string> {
  return {
    AWS_CA_BUNDLE: bundlePath,
    SSL_CERT_FILE: bundlePath,
    REQUESTS_CA_BUNDLE: bundlePath,
    NODE_EXTRA_CA_CERTS: bundlePath,
  };
}
