import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { composeImage } from "../image/compose.js";
import { parseEcrImageUri } from "../image/ecr-uri.js";

const run = promisify(execFile);

export interface ScenarioImage {
  architecture: "arm64" | "amd64";
  cmd: string[];
  user?: string;
  env: string[];
}

/**
 * A scenario's image as a user's pipeline makes and ships it: built from
 * the agent directory on a Debian base (src/image/compose.ts), then
 * CreateRepository, GetAuthorizationToken and `skopeo copy` to the
 * emulator's registry under the runtime's containerUri.
 */
export async function pushScenarioImage(
  config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
  registryPort: number,
  containerUri: string,
  agentDir: string,
  image: ScenarioImage,
): Promise<void> {
  const uri = parseEcrImageUri(containerUri);
  if (!uri?.tag || uri.digest)
    throw new Error(`a scenario image needs an ECR containerUri with a tag (got ${containerUri})`);
  const { repositoryName, tag } = uri;
  const work = await mkdtemp(join(tmpdir(), "acd-scenario-image-"));
  const ecr = new ECRClient({ ...config, maxAttempts: 1 });
  try {
    const built = await composeImage(
      {
        architecture: image.architecture,
        appDir: agentDir,
        cmd: image.cmd,
        env: image.env,
        ...(image.user ? { user: image.user } : {}),
      },
      join(work, "layout"),
    );
    await ecr.send(new CreateRepositoryCommand({ repositoryName })).catch((error: Error) => {
      if (error.name !== "RepositoryAlreadyExistsException") throw error;
    });
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const login = Buffer.from(authorizationData?.[0]?.authorizationToken ?? "", "base64").toString("utf8");
    await run(
      "skopeo",
      [
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        "--dest-creds",
        login,
        `oci:${built.layout}:${built.tag}`,
        `docker://127.0.0.1:${registryPort}/${repositoryName}:${tag}`,
      ],
      { maxBuffer: 1 << 24 },
    );
  } finally {
    ecr.destroy();
    await rm(work, { recursive: true, force: true });
  }
}
