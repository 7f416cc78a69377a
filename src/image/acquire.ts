import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { fromIni } from "@aws-sdk/credential-providers";
import { parseRegistryHost } from "./ecr-uri.js";

const run = promisify(execFile);

/** Where a reference was read from, said as the report says it. */
export type ImageSourceKind = "oci-layout" | "oci-archive" | "docker-archive" | "registry" | "engine";

export interface AcquiredImage {
  /** A local OCI layout holding the image (index included) under `tag`. */
  layout: string;
  tag: string;
  kind: ImageSourceKind;
  /** "OCI layout ./out:v1", "registry 127.0.0.1:4566/agents/x:v1 (skopeo copy, ECR login)". */
  description: string;
}

/** The reference cannot be read here, for a reason said plainly. */
export class ImageUnavailable extends Error {}

export interface AcquireOptions {
  /** An empty directory this call may fill. */
  work: string;
  region?: string;
  profile?: string;
  /** The AWS endpoint ECR's GetAuthorizationToken is asked at (the emulator's). */
  endpointUrl?: string;
}

const TRANSPORTS = [
  "oci:",
  "oci-archive:",
  "docker-archive:",
  "docker://",
  "docker-daemon:",
  "containers-storage:",
];

async function installed(tool: string): Promise<boolean> {
  return run("sh", ["-c", `command -v ${tool}`]).then(
    () => true,
    () => false,
  );
}

/** `DIR:TAG` or `DIR` (its only tag) of an existing OCI layout. */
function layoutRef(ref: string): { dir: string; tag?: string } | undefined {
  const plain = ref.startsWith("oci:") ? ref.slice(4) : ref;
  if (existsSync(join(plain, "index.json"))) return { dir: resolve(plain) };
  const at = plain.lastIndexOf(":");
  if (at > 0 && existsSync(join(plain.slice(0, at), "index.json")))
    return { dir: resolve(plain.slice(0, at)), tag: plain.slice(at + 1) };
  return undefined;
}

/** An archive file is an OCI archive when it holds `oci-layout`, a docker archive when it holds `manifest.json`. */
async function archiveKind(path: string): Promise<"oci-archive" | "docker-archive"> {
  const { stdout } = await run("tar", ["-tf", path], { maxBuffer: 1 << 26 }).catch(() => ({ stdout: "" }));
  const names = new Set(stdout.split("\n").map((n) => n.replace(/^\.\//, "")));
  if (names.has("oci-layout")) return "oci-archive";
  if (names.has("manifest.json")) return "docker-archive";
  throw new ImageUnavailable(
    `${path} is neither an OCI archive (no oci-layout inside) nor a docker archive (no manifest.json inside)`,
  );
}

/** The host a registry reference names, as Docker reads one (a first part with a dot, a colon or localhost). */
export function registryHostOf(ref: string): string | undefined {
  const first = ref.split("/")[0] ?? "";
  return ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")
    ? first
    : undefined;
}

const isLocalHost = (host: string) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);

/** ECR's login: GetAuthorizationToken through the AWS SDK, for an ECR host or the emulator at --endpoint-url. */
async function ecrCredentials(host: string, options: AcquireOptions): Promise<string | undefined> {
  const ecr = parseRegistryHost(host);
  if (!ecr && !(options.endpointUrl && isLocalHost(host))) return undefined;
  const region = ecr?.region ?? options.region;
  const client = new ECRClient({
    ...(region ? { region } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    ...(options.profile ? { credentials: fromIni({ profile: options.profile }) } : {}),
  });
  try {
    const answer = await client.send(
      new GetAuthorizationTokenCommand(ecr ? { registryIds: [ecr.account] } : {}),
    );
    const token = answer.authorizationData?.[0]?.authorizationToken;
    return token ? Buffer.from(token, "base64").toString("utf8") : undefined;
  } catch (error) {
    throw new ImageUnavailable(
      `ECR's GetAuthorizationToken failed for ${host}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  } finally {
    client.destroy();
  }
}

/** Where a local engine's store answers, or why none does. */
async function engineSource(name: string): Promise<{ transport: string; engine: string } | string> {
  const reasons: string[] = [];
  if (await installed("docker")) {
    const info = await run("docker", ["info", "--format", "{{.ServerVersion}}"]).catch(() => undefined);
    if (info) return { transport: `docker-daemon:${name}`, engine: `Docker ${info.stdout.trim()}` };
    reasons.push("the docker CLI is here but no Docker engine answers (docker info fails)");
  } else reasons.push("no docker CLI");
  if (await installed("podman")) {
    const found = await run("podman", ["image", "exists", name]).then(
      () => true,
      () => false,
    );
    if (found) return { transport: `containers-storage:${name}`, engine: "Podman" };
    reasons.push(`Podman's store has no image ${name}`);
  } else if (existsSync("/var/lib/containers/storage")) {
    return {
      transport: `containers-storage:${name}`,
      engine: "containers-storage (/var/lib/containers/storage)",
    };
  } else reasons.push("no Podman or containers-storage");
  return reasons.join("; ");
}

/**
 * Brings the image a reference names into a local OCI layout with skopeo
 * (every platform of an index, so its entries can be judged): an OCI layout
 * directory (`DIR` or `DIR:TAG`), an OCI or docker archive file, a registry
 * reference (ECR's login through GetAuthorizationToken for ECR hosts and for
 * the emulator at `endpointUrl`; plain HTTP for 127.0.0.1 and localhost;
 * skopeo's own login files otherwise), or a local engine's image
 * (`docker-daemon:`/`containers-storage:`, or a bare name found there).
 */
export async function acquireImage(ref: string, options: AcquireOptions): Promise<AcquiredImage> {
  if (!(await installed("skopeo")))
    throw new ImageUnavailable(
      "skopeo is not installed: it reads images from layouts, archives, registries and engines (scripts/ensure-system-deps.sh installs it as root on Debian)",
    );
  const dest = join(options.work, "layout");
  const tag = "image";
  const copy = async (source: string, extra: string[] = [], all = true): Promise<void> => {
    try {
      await run(
        "skopeo",
        ["copy", "--quiet", ...(all ? ["--all"] : []), ...extra, source, `oci:${dest}:${tag}`],
        {
          maxBuffer: 1 << 24,
        },
      );
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
      throw new ImageUnavailable(
        `skopeo could not read ${source}: ${stderr.split("\n").slice(-2).join(" ")}`,
      );
    }
  };
  const local = layoutRef(ref);
  if (local) {
    const source = `oci:${local.dir}${local.tag ? `:${local.tag}` : ""}`;
    await copy(source);
    return {
      layout: dest,
      tag,
      kind: "oci-layout",
      description: `OCI layout ${local.dir}${local.tag ? `:${local.tag}` : ""}`,
    };
  }
  for (const prefix of ["oci-archive:", "docker-archive:"] as const) {
    if (ref.startsWith(prefix)) {
      await copy(ref, [], prefix === "oci-archive:");
      return { layout: dest, tag, kind: prefix.slice(0, -1) as ImageSourceKind, description: ref };
    }
  }
  if (existsSync(ref) && statSync(ref).isFile()) {
    const kind = await archiveKind(ref);
    await copy(`${kind}:${resolve(ref)}`, [], kind === "oci-archive");
    return {
      layout: dest,
      tag,
      kind,
      description: `${kind === "oci-archive" ? "OCI" : "docker"} archive ${ref}`,
    };
  }
  if (ref.startsWith("docker-daemon:") || ref.startsWith("containers-storage:")) {
    const name = ref.slice(ref.indexOf(":") + 1);
    const engine = await engineSource(name);
    if (typeof engine === "string")
      throw new ImageUnavailable(`no local engine store to read ${name} from: ${engine}`);
    await copy(ref.startsWith("docker-daemon:") ? ref : engine.transport, [], false);
    return { layout: dest, tag, kind: "engine", description: `${engine.engine} image ${name}` };
  }
  const name = ref.startsWith("docker://") ? ref.slice("docker://".length) : ref;
  const host = registryHostOf(name);
  if (!host && !TRANSPORTS.some((t) => ref.startsWith(t))) {
    // A bare name (`agent:latest`) is a local engine's image first, as `docker run` takes it.
    const engine = await engineSource(name);
    if (typeof engine !== "string") {
      await copy(engine.transport, [], false);
      return { layout: dest, tag, kind: "engine", description: `${engine.engine} image ${name}` };
    }
    if (!existsSync(ref) && !ref.includes("/"))
      throw new ImageUnavailable(
        `${ref} is not a path, and no local engine store holds it (${engine}); name a registry (host/repository:tag) to pull it`,
      );
  }
  const extra: string[] = [];
  if (host && isLocalHost(host)) extra.push("--src-tls-verify=false");
  const password = host ? await ecrCredentials(host, options) : undefined;
  if (password) extra.push("--src-creds", password.startsWith("AWS:") ? password : `AWS:${password}`);
  await copy(`docker://${name}`, extra);
  return {
    layout: dest,
    tag,
    kind: "registry",
    description: `registry ${name}${password ? " (ECR login: GetAuthorizationToken)" : ""}`,
  };
}
