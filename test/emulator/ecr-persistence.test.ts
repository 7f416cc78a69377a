import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startEmulatorProcess as startProcess, stopped } from "../helpers/emulator-process.js";
import { blobOf, imageOf } from "../helpers/oci-layout.js";
import {
  createRepository,
  type EmulatorAddress,
  pushImage,
  registryCall,
  registryLogin,
} from "../helpers/registry.js";

const stateDir = mkdtempSync(join(tmpdir(), "acd-ecr-state-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(stateDir, { recursive: true, force: true });
});

/** The emulator as a process with the state directory; the process driver, as no session runs here and a killed run must leave no namespace behind. */
async function startEmulatorProcess(): Promise<{ child: ChildProcess; emulator: EmulatorAddress }> {
  const started = await startProcess(stateDir, ["--driver", "process"]);
  children.push(started.child);
  return { child: started.child, emulator: { url: started.url, port: started.port } };
}

describe("the registry's state directory", () => {
  it("keeps every acknowledged push across kill -9, and no byte of an unacknowledged one", async () => {
    const first = await startEmulatorProcess();
    const { basic: auth } = await registryLogin(first.emulator);
    await createRepository(first.emulator, "durable");
    const image = imageOf({ architecture: "arm64", os: "linux" }, [{ "app/main.py": "print('kept')\n" }]);
    expect((await pushImage(first.emulator, auth, "durable", "v1", image)).status).toBe(201);

    // An upload with 10 bytes acknowledged, then a chunk cut off mid-body by the kill.
    const blob = blobOf("application/octet-stream", Buffer.from("ABCDEFGHIJKLMNOPQRST"));
    const started = await registryCall(first.emulator, "POST", "/v2/durable/blobs/uploads/", {
      headers: { authorization: auth },
    });
    const location = started.headers.location!;
    const acked = await registryCall(first.emulator, "PATCH", location, {
      headers: { authorization: auth, "content-range": "0-9" },
      body: blob.bytes.subarray(0, 10),
    });
    expect(acked.status).toBe(202);
    const cut = request({
      host: "127.0.0.1",
      port: first.emulator.port,
      method: "PATCH",
      path: location,
      headers: { authorization: auth, "content-range": "10-19", "content-length": "10" },
    });
    cut.on("error", () => {});
    cut.write(Buffer.from("XXXXX"));
    // Let the cut chunk's bytes reach the upload file before the kill.
    await new Promise((r) => setTimeout(r, 200));
    await stopped(first.child, "SIGKILL");

    const second = await startEmulatorProcess();
    // The login, the repository, the image, byte for byte.
    const manifest = await registryCall(second.emulator, "GET", "/v2/durable/manifests/v1", {
      headers: { authorization: auth },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.body.equals(image.manifest.bytes)).toBe(true);
    for (const part of [image.config, ...image.layers]) {
      const pulled = await registryCall(second.emulator, "GET", `/v2/durable/blobs/${part.digest}`, {
        headers: { authorization: auth },
      });
      expect(pulled.body.equals(part.bytes)).toBe(true);
    }
    // The upload resumes at what was acknowledged; the cut chunk's bytes are gone.
    const status = await registryCall(second.emulator, "GET", location, { headers: { authorization: auth } });
    expect(status.status).toBe(204);
    expect(status.headers.range).toBe("0-9");
    const rest = await registryCall(second.emulator, "PATCH", location, {
      headers: { authorization: auth, "content-range": "10-19" },
      body: blob.bytes.subarray(10),
    });
    expect(rest.headers.range).toBe("0-19");
    const done = await registryCall(second.emulator, "PUT", `${location}?digest=${blob.digest}`, {
      headers: { authorization: auth },
    });
    expect(done.status).toBe(201);
    // On disk: the blobs the records name, nothing else.
    expect(readdirSync(join(stateDir, "ecr", "uploads"))).toEqual([]);
    expect(readdirSync(join(stateDir, "ecr", "blobs", "sha256")).sort()).toEqual(
      [image.config, ...image.layers, blob].map((b) => b.digest.slice(7)).sort(),
    );
    await stopped(second.child, "SIGTERM");
  });
});
