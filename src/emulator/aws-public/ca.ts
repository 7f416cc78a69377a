import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import forge from "node-forge";
import { type Owner, ownerAlive, ownerLine } from "../../util/owner.js";
import { ensurePrivateDir, tightenIfPresent } from "../../util/private-files.js";

/**
 * The emulator's certificate authority: agents call the regional AWS host
 * names unchanged, over TLS, and trust this CA through the standard
 * variables (AWS_CA_BUNDLE, SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
 * NODE_EXTRA_CA_CERTS). Kept in the state directory so a restarted emulator
 * keeps the same CA; certificates for host names are issued on demand. The
 * directory is 0700 and its files 0600 (whoever holds the key can answer as
 * any AWS endpoint to the agents); agents read a public copy of the
 * certificate, since they may run as another user (a Dockerfile's USER).
 */
export interface CertificateAuthority {
  /** A copy of the CA certificate that any user can read, for the agents' trust variables. */
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

const TRUST_PREFIX = "acd-trust-";
/** Each published copy's directory is named after the process that made it (`acd-trust-<pid>.<start>-`), so a run killed before its exit hook is swept later. */
function trustPrefix(): string {
  return `${TRUST_PREFIX}${ownerLine().replace(" ", ".")}-`;
}

function ownerOfTrustDir(name: string): Owner | undefined {
  const match = /^acd-trust-(\d+)\.(\d+)-/.exec(name);
  return match ? { pid: Number(match[1]), start: match[2]! } : undefined;
}

/**
 * Removes the published copies of this user's runs that died without their
 * exit hook (a signal, kill -9). A directory whose name holds no owner
 * (made before owners were kept) goes once it is a day old.
 */
function sweepDeadOwners(): void {
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((name) => name.startsWith(TRUST_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    try {
      const info = lstatSync(dir);
      if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
      const owner = ownerOfTrustDir(name);
      const dead = owner ? !ownerAlive(owner) : Date.now() - info.mtimeMs > 86_400_000;
      if (dead) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another run may be sweeping the same directory.
    }
  }
}

/** Published copies of CA certificates, by the certificate's digest: one per process, removed when it exits. */
const published = new Map<string, string>();

function removePublished(): void {
  for (const path of published.values()) rmSync(dirname(path), { recursive: true, force: true });
}

/**
 * The certificate where any user can read it: a directory of this process's
 * own under the temporary directory (0755, its name random after its owner's
 * pid and start, so no other user can have planted it), holding the PEM as 0644. It is public: only the key is secret.
 */
function publishCertificate(certPem: string): string {
  const digest = createHash("sha256").update(certPem).digest("hex");
  const known = published.get(digest);
  if (known && existsSync(known)) return known;
  if (published.size === 0) {
    sweepDeadOwners();
    process.once("exit", removePublished);
  }
  const dir = mkdtempSync(join(tmpdir(), trustPrefix()));
  chmodSync(dir, 0o755);
  const path = join(dir, CA_CERT);
  writeFileSync(path, certPem, { mode: 0o644 });
  chmodSync(path, 0o644);
  published.set(digest, path);
  return path;
}

/** The CA's files in `dir`, created on first use: the directory 0700, the key and certificate 0600. */
function caFiles(dir: string): { certPath: string; keyPath: string } {
  ensurePrivateDir(dir, "The CA directory", (name) => name.startsWith("acd-ca"));
  const certPath = join(dir, CA_CERT);
  const keyPath = join(dir, CA_KEY);
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    const created = createCa();
    writeFileSync(keyPath, created.keyPem, { mode: 0o600 });
    writeFileSync(certPath, created.certPem, { mode: 0o600 });
  }
  tightenIfPresent(keyPath);
  tightenIfPresent(certPath);
  return { certPath, keyPath };
}

/** The file the agents' trust variables name for the CA of `dir` (created on first use): a public copy of its certificate. */
export function caBundlePath(dir: string): string {
  return publishCertificate(readFileSync(caFiles(dir).certPath, "utf8"));
}

/** Loads the CA from `dir`, creating it there on first use. */
export function loadCertificateAuthority(dir: string): CertificateAuthority {
  const { certPath, keyPath } = caFiles(dir);
  const certPem = readFileSync(certPath, "utf8");
  const caCert = forge.pki.certificateFromPem(certPem);
  const caKey = forge.pki.privateKeyFromPem(readFileSync(keyPath, "utf8")) as forge.pki.rsa.PrivateKey;
  // One key for every leaf: issuing must cost a signature, not a key generation.
  const leafKeys = rsaKeys();
  const issued = new Map<string, { cert: string; key: string }>();
  return {
    bundlePath: publishCertificate(certPem),
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
export { trustVariables } from "../../util/ca-trust.js";
