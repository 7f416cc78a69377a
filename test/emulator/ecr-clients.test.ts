import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCertificateAuthority } from "../../src/emulator/aws-public/ca.js";
import { createPublicEndpointsServer, listenOn } from "../../src/emulator/aws-public/endpoints-server.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "../helpers/emulator.js";
import { imageOf, writeOciLayout } from "../helpers/oci-layout.js";
import { createRepository, pushImage, registryLogin } from "../helpers/registry.js";

const REGISTRY_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Asynchronous: the emulator answers from this process, so a blocking spawn would starve it. */
function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function installed(command: string, args: string[]): Promise<boolean> {
  return (await run(command, args)).code === 0;
}

const skopeoSkip = (await installed("skopeo", ["--version"]))
  ? undefined
  : "skopeo is not installed (scripts/ensure-system-deps.sh installs it as root on Debian)";
if (skopeoSkip) console.log(`ecr clients: skopeo tests skipped: ${skopeoSkip}`);
const hostsSkip =
  skopeoSkip ??
  (process.getuid?.() !== 0
    ? "not root: the test gives skopeo its own /etc/hosts in a private mount namespace"
    : (await installed("unshare", ["--mount", "true"]))
      ? undefined
      : "unshare --mount is not permitted here");
if (hostsSkip && !skopeoSkip) console.log(`ecr clients: registry host name test skipped: ${hostsSkip}`);
const awsSkip = (await installed("aws", ["--version"])) ? undefined : "the AWS CLI is not installed";
if (awsSkip) console.log(`ecr clients: aws ecr get-login-password skipped: ${awsSkip}`);
const dockerSkip = (await installed("docker", ["info"]))
  ? undefined
  : "no Docker engine answers here (docker info fails): the docker CLI cannot push or pull";
if (dockerSkip) console.log(`ecr clients: docker tests skipped: ${dockerSkip}`);

const work = mkdtempSync(join(tmpdir(), "acd-ecr-clients-"));
let emulator: RunningEmulator;
let password: string;
let registry: string;

const amd64 = imageOf({ architecture: "amd64", os: "linux" }, [
  { "app/main.py": "print('hello from amd64')\n" },
  { "etc/agent.conf": "port=8080\n" },
]);
const arm64 = imageOf({ architecture: "arm64", os: "linux" }, [
  { "app/main.py": "print('hello from arm64')\n" },
]);

/** skopeo with its own auth file and the emulator's plain-HTTP address trusted. */
const skopeo = (...args: string[]) => run("skopeo", args, { REGISTRY_AUTH_FILE: join(work, "auth.json") });

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  registry = `127.0.0.1:${emulator.port}`;
  password = (await registryLogin(emulator)).password;
  for (const name of ["agents/single", "agents/multi", "agents/cli", "agents/hosted"])
    await createRepository(emulator, name);
  writeOciLayout(join(work, "single"), "v1", [amd64]);
  writeOciLayout(join(work, "multi"), "v1", [amd64, arm64]);
});
afterAll(async () => {
  await emulator?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skopeoSkip !== undefined)("skopeo against the emulator's ECR", () => {
  it("pushes an OCI layout, inspects it, and pulls it back byte for byte", async () => {
    const push = await skopeo(
      "copy",
      "--dest-tls-verify=false",
      "--dest-creds",
      `AWS:${password}`,
      `oci:${join(work, "single")}:v1`,
      `docker://${registry}/agents/single:v1`,
    );
    expect(push.code, push.stderr).toBe(0);

    const inspect = await skopeo(
      "inspect",
      "--tls-verify=false",
      "--creds",
      `AWS:${password}`,
      `docker://${registry}/agents/single:v1`,
    );
    expect(inspect.code, inspect.stderr).toBe(0);
    const described = JSON.parse(inspect.stdout);
    expect(described).toMatchObject({
      Digest: amd64.manifest.digest,
      Architecture: "amd64",
      Os: "linux",
      Layers: amd64.layers.map((l) => l.digest),
    });

    const out = join(work, "pulled");
    const pull = await skopeo(
      "copy",
      "--src-tls-verify=false",
      "--src-creds",
      `AWS:${password}`,
      `docker://${registry}/agents/single:v1`,
      `oci:${out}:v1`,
    );
    expect(pull.code, pull.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8"));
    expect(index.manifests[0].digest).toBe(amd64.manifest.digest);
    for (const blob of [amd64.config, ...amd64.layers, amd64.manifest]) {
      expect(readFileSync(join(out, "blobs", "sha256", blob.digest.slice(7))).equals(blob.bytes)).toBe(true);
    }
  });

  it("refuses skopeo without credentials, and with a password the emulator never issued", async () => {
    const anonymous = await skopeo(
      "inspect",
      "--tls-verify=false",
      "--no-creds",
      `docker://${registry}/agents/single:v1`,
    );
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/unauthorized|authentication required|401/i);
    const forged = await skopeo(
      "inspect",
      "--tls-verify=false",
      "--creds",
      "AWS:not-a-token",
      `docker://${registry}/agents/single:v1`,
    );
    expect(forged.code).not.toBe(0);
  });

  it("pushes a multi-platform index (--all), and the control API reports what was pushed", async () => {
    const push = await skopeo(
      "copy",
      "--all",
      "--dest-tls-verify=false",
      "--dest-creds",
      `AWS:${password}`,
      `oci:${join(work, "multi")}:v1`,
      `docker://${registry}/agents/multi:v1`,
    );
    expect(push.code, push.stderr).toBe(0);
    const raw = await skopeo(
      "inspect",
      "--raw",
      "--tls-verify=false",
      "--creds",
      `AWS:${password}`,
      `docker://${registry}/agents/multi:v1`,
    );
    const index = JSON.parse(raw.stdout);
    expect(index.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
      amd64.platform,
      arm64.platform,
    ]);

    const ecr = new ECRClient(sdkConfig(emulator));
    try {
      const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "agents/multi" }));
      const sizeOf = (image: typeof amd64) =>
        image.config.size + image.layers.reduce((s, l) => s + l.size, 0);
      const byDigest = new Map(imageDetails!.map((d) => [d.imageDigest, d]));
      expect(byDigest.get(amd64.manifest.digest)).toMatchObject({
        imageSizeInBytes: sizeOf(amd64),
        imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactMediaType: "application/vnd.oci.image.config.v1+json",
      });
      expect(byDigest.get(arm64.manifest.digest)).toMatchObject({ imageSizeInBytes: sizeOf(arm64) });
      const tagged = imageDetails!.find((d) => d.imageTags?.includes("v1"))!;
      expect(tagged).toMatchObject({
        imageManifestMediaType: "application/vnd.oci.image.index.v1+json",
        imageSizeInBytes: Math.max(sizeOf(amd64), sizeOf(arm64)),
      });
      const { images } = await ecr.send(
        new BatchGetImageCommand({ repositoryName: "agents/multi", imageIds: [{ imageTag: "v1" }] }),
      );
      expect(images![0]!.imageId?.imageDigest).toBe(tagged.imageDigest);
      expect(JSON.parse(images![0]!.imageManifest!).manifests).toHaveLength(2);
    } finally {
      ecr.destroy();
    }
  });

  it.skipIf(hostsSkip !== undefined)(
    "reaches the registry by its ECR host name through the public endpoints stand-in, over TLS",
    async () => {
      const caDir = join(work, "ca");
      const ca = loadCertificateAuthority(caDir);
      const standIn = createPublicEndpointsServer(ca, { url: emulator.url });
      const { port } = await listenOn(standIn, "127.0.0.1", 0);
      try {
        const certs = join(work, "certs");
        mkdirSync(certs, { recursive: true });
        writeFileSync(join(certs, "ca.crt"), ca.certPem);
        const hosts = join(work, "hosts");
        writeFileSync(hosts, `127.0.0.1 localhost\n127.0.0.1 ${REGISTRY_HOST}\n`);
        const target = `docker://${REGISTRY_HOST}:${port}/agents/hosted:v1`;
        // Its own /etc/hosts in a private mount namespace: the name resolves to the stand-in, as the session networks' DNS makes it.
        const inNamespace = (...args: string[]) =>
          run(
            "unshare",
            [
              "--mount",
              "--propagation",
              "private",
              "sh",
              "-c",
              'mount --bind "$0" /etc/hosts && exec "$@"',
              hosts,
              "skopeo",
              ...args,
            ],
            { REGISTRY_AUTH_FILE: join(work, "auth.json") },
          );
        const push = await inNamespace(
          "copy",
          "--dest-cert-dir",
          certs,
          "--dest-creds",
          `AWS:${password}`,
          `oci:${join(work, "single")}:v1`,
          target,
        );
        expect(push.code, push.stderr).toBe(0);
        const inspect = await inNamespace(
          "inspect",
          "--cert-dir",
          certs,
          "--creds",
          `AWS:${password}`,
          target,
        );
        expect(inspect.code, inspect.stderr).toBe(0);
        expect(JSON.parse(inspect.stdout).Digest).toBe(amd64.manifest.digest);
      } finally {
        await new Promise((resolve) => standIn.close(resolve));
      }
    },
  );

  const aws = (...args: string[]) =>
    run("aws", [...args, "--endpoint-url", emulator.url], {
      AWS_ACCESS_KEY_ID: "AKIDCLI",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_MAX_ATTEMPTS: "1",
    });

  it.skipIf(awsSkip !== undefined)(
    "takes the AWS CLI's `aws ecr get-login-password` as skopeo's password",
    async () => {
      const login = await aws("ecr", "get-login-password");
      expect(login.code, login.stderr).toBe(0);
      const push = await skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        `AWS:${login.stdout.trim()}`,
        `oci:${join(work, "single")}:v1`,
        `docker://${registry}/agents/cli:from-cli`,
      );
      expect(push.code, push.stderr).toBe(0);
    },
  );

  it.skipIf(awsSkip !== undefined)(
    "answers the AWS CLI's describe, list and delete calls in shapes botocore parses",
    async () => {
      const described = await aws(
        "ecr",
        "describe-images",
        "--repository-name",
        "agents/cli",
        "--output",
        "json",
      );
      expect(described.code, described.stderr).toBe(0);
      expect(JSON.parse(described.stdout).imageDetails).toMatchObject([
        {
          imageDigest: amd64.manifest.digest,
          imageTags: ["from-cli"],
          imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json",
        },
      ]);
      const listed = await aws("ecr", "list-images", "--repository-name", "agents/cli", "--output", "json");
      expect(JSON.parse(listed.stdout).imageIds).toEqual([
        { imageDigest: amd64.manifest.digest, imageTag: "from-cli" },
      ]);
      const refused = await aws("ecr", "delete-repository", "--repository-name", "agents/cli");
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain("RepositoryNotEmptyException");
      const deleted = await aws(
        "ecr",
        "delete-repository",
        "--repository-name",
        "agents/cli",
        "--force",
        "--output",
        "json",
      );
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(JSON.parse(deleted.stdout).repository.repositoryName).toBe("agents/cli");
    },
  );
});

describe.skipIf(dockerSkip !== undefined)("the docker CLI against the emulator's ECR", () => {
  it("logs in with the ECR password, pulls a pushed image, and pushes it under a new tag", async () => {
    await createRepository(emulator, "agents/docker");
    await pushImage(
      emulator,
      `Basic ${Buffer.from(`AWS:${password}`).toString("base64")}`,
      "agents/docker",
      "v1",
      amd64,
    );
    const login = await run("docker", ["login", "-u", "AWS", "--password-stdin", registry], {}, password);
    expect(login.code, login.stderr).toBe(0);
    const pull = await run("docker", ["pull", "--platform", "linux/amd64", `${registry}/agents/docker:v1`]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(
      (await run("docker", ["tag", `${registry}/agents/docker:v1`, `${registry}/agents/docker:again`])).code,
    ).toBe(0);
    const push = await run("docker", ["push", `${registry}/agents/docker:again`]);
    expect(push.code, push.stderr).toBe(0);
  });
});
