import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { containerName, RuncContainer, reapOrphans, unpackImage } from "../../src/executor/oci/runc.js";

const has = (tool: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const isRoot = process.getuid?.() === 0;
const layout = (() => {
  if (!isRoot || !has("runc") || !has("umoci") || !has("mmdebstrap")) return undefined;
  try {
    return execFileSync("sh", ["scripts/build-test-images.sh"], {
      encoding: "utf8",
      timeout: 900_000,
    }).trim();
  } catch {
    return undefined;
  }
})();
const reason = !isRoot
  ? "not root"
  : !has("runc")
    ? "runc missing"
    : !has("umoci")
      ? "umoci missing"
      : "no test images";
if (!layout)
  console.log(
    `oci-runc.test: skipped (${reason}; scripts/ensure-system-deps.sh installs runc, umoci, mmdebstrap)`,
  );

const AGENT = `
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ('{"status":"Healthy","uid":%d,"region":"%s","cwd":"%s","dockerenv":%s}' % (os.getuid(), os.environ.get('AWS_REGION',''), os.getcwd(), 'true' if os.path.exists('/.dockerenv') else 'false')).encode()
        self.send_response(200); self.send_header('Content-Type','application/json'); self.end_headers(); self.wfile.write(body)
print('listening on 0.0.0.0:8080', flush=True)
http.server.HTTPServer(('0.0.0.0', 8080), H).serve_forever()
`;

const work = mkdtempSync(join(tmpdir(), "acd-oci-test-"));
const netns = `acd-t${process.pid}`;
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (existsSync(`/var/run/netns/${netns}`)) execFileSync("ip", ["netns", "delete", netns]);
});

describe.skipIf(!layout)("runc executor on base-amd64", () => {
  it("runs the image's user, env and workdir in the session's netns, answers /ping, stops and deletes", async () => {
    execFileSync("ip", ["netns", "add", netns]);
    execFileSync("ip", ["-n", netns, "link", "set", "lo", "up"]);
    const { bundle, image } = await unpackImage(`${layout}:base-amd64`, work);
    mkdirSync(join(bundle, "rootfs/app"), { recursive: true });
    // The cached base image lacks the /etc/passwd build-test-images.sh means to add (its customize hooks leave no trace): write it here.
    writeFileSync(
      join(bundle, "rootfs/etc/passwd"),
      "root:x:0:0:root:/root:/bin/sh\nbedrock_agentcore:x:1000:1000::/app:/bin/sh\n",
    );
    writeFileSync(join(bundle, "rootfs/app/agent.py"), AGENT);
    const container = new RuncContainer(containerName(), {
      bundle,
      image: { ...image, Cmd: ["python3", "/app/agent.py"], User: "bedrock_agentcore", WorkingDir: "/app" },
      env: { AWS_REGION: "us-west-2" },
      netns,
    });
    let answer = "";
    for (let i = 0; i < 100 && !answer; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        answer = execFileSync(
          "ip",
          [
            "netns",
            "exec",
            netns,
            "python3",
            "-c",
            "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:8080/ping',timeout=1).read().decode())",
          ],
          { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
        );
      } catch {}
    }
    if (!answer)
      console.log(
        "container output:",
        container
          .output()
          .map((l) => `${l.stream}: ${l.text}`)
          .join("\n"),
      );
    expect(JSON.parse(answer)).toEqual({
      status: "Healthy",
      uid: 1000,
      region: "us-west-2",
      cwd: "/app",
      dockerenv: false,
    });
    expect((await container.tree()).length).toBeGreaterThan(0);
    const exit = await container.stop(2000);
    expect(exit.code !== 0 || exit.signal !== null).toBe(true);
    expect(existsSync(bundle)).toBe(false);
    expect(() => execFileSync("runc", ["state", container.name], { stdio: "ignore" })).toThrow();
  }, 60_000);

  it("reaps a container whose owner died", async () => {
    const { bundle, image } = await unpackImage(`${layout}:base-amd64`, work);
    const name = containerName();
    const container = new RuncContainer(name, { bundle, image: { ...image, Cmd: ["sleep", "60"] } });
    await new Promise((r) => setTimeout(r, 500));
    // Pretend the owner died: rewrite its record with a pid that is gone.
    const { OCI_STATE_DIR } = await import("../../src/executor/oci/runc.js");
    writeFileSync(
      join(OCI_STATE_DIR, `${name}.json`),
      JSON.stringify({ name, ownerPid: 2 ** 22 + 1, bundle, startedAt: 0 }),
    );
    expect(await reapOrphans()).toContain(name);
    await container.exited;
    expect(existsSync(bundle)).toBe(false);
  }, 60_000);
});
