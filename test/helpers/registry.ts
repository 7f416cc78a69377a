import { request } from "node:http";
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import type { RunningEmulator } from "../../src/emulator/index.js";

/** Where the emulator listens: an in-process one, or one started as a process. */
export type EmulatorAddress = Pick<RunningEmulator, "url" | "port">;

import { sdkConfig } from "./emulator.js";
import type { Blob, ImageBlobs } from "./oci-layout.js";

export interface RegistryAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json: () => unknown;
}

/** One raw HTTP call to the emulator's registry, with any headers (a Host naming a registry included). */
export function registryCall(
  emulator: EmulatorAddress,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RegistryAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port: emulator.port, method, path, headers: options.headers ?? {} },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (c: Buffer) => chunks.push(c));
        incoming.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: incoming.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(incoming.headers).map(([k, v]) => [
                k,
                Array.isArray(v) ? v.join(",") : (v ?? ""),
              ]),
            ),
            body,
            json: () => JSON.parse(body.toString("utf8")),
          });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

/** `docker login` as a deploy script does it: GetAuthorizationToken through the SDK, `AWS:<password>`. */
export async function registryLogin(
  emulator: EmulatorAddress,
  region = "us-east-1",
): Promise<{ password: string; basic: string }> {
  const ecr = new ECRClient({ ...sdkConfig(emulator), region });
  try {
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const token = authorizationData![0]!.authorizationToken!;
    const password = Buffer.from(token, "base64").toString("utf8").slice("AWS:".length);
    return { password, basic: `Basic ${token}` };
  } finally {
    ecr.destroy();
  }
}

export async function createRepository(
  emulator: EmulatorAddress,
  repositoryName: string,
  extra: Record<string, unknown> = {},
) {
  const ecr = new ECRClient(sdkConfig(emulator));
  try {
    return await ecr.send(new CreateRepositoryCommand({ repositoryName, ...extra }));
  } finally {
    ecr.destroy();
  }
}

/** Pushes one blob monolithically (POST with ?digest=), as crane and buildkit can. */
export function pushBlob(emulator: EmulatorAddress, auth: string, repository: string, blob: Blob) {
  return registryCall(emulator, "POST", `/v2/${repository}/blobs/uploads/?digest=${blob.digest}`, {
    headers: {
      authorization: auth,
      "content-type": "application/octet-stream",
      "content-length": `${blob.size}`,
    },
    body: blob.bytes,
  });
}

export function pushManifest(
  emulator: EmulatorAddress,
  auth: string,
  repository: string,
  reference: string,
  manifest: Blob,
) {
  return registryCall(emulator, "PUT", `/v2/${repository}/manifests/${reference}`, {
    headers: { authorization: auth, "content-type": manifest.mediaType },
    body: manifest.bytes,
  });
}

/** Pushes an image's blobs and manifest, tagged. */
export async function pushImage(
  emulator: EmulatorAddress,
  auth: string,
  repository: string,
  tag: string | undefined,
  image: ImageBlobs,
): Promise<RegistryAnswer> {
  for (const blob of [image.config, ...image.layers]) {
    const pushed = await pushBlob(emulator, auth, repository, blob);
    if (pushed.status !== 201) throw new Error(`blob push answered ${pushed.status}: ${pushed.body}`);
  }
  return pushManifest(emulator, auth, repository, tag ?? image.manifest.digest, image.manifest);
}
