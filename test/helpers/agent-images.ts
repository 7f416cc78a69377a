import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Whether a command is on PATH. */
export function has(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The cached layout of scripts/build-test-images.sh (base-amd64, base-arm64), or why there is none. */
export function testImages(): { layout?: string; reason?: string } {
  if (process.getuid?.() !== 0) return { reason: "not root" };
  for (const tool of ["runc", "umoci", "mmdebstrap", "skopeo"])
    if (!has(tool)) return { reason: `${tool} missing (scripts/ensure-system-deps.sh installs it)` };
  try {
    const layout = execFileSync("sh", ["scripts/build-test-images.sh"], {
      encoding: "utf8",
      timeout: 900_000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return { layout };
  } catch (error) {
    return { reason: `build-test-images.sh failed: ${(error as Error).message.split("\n")[0]}` };
  }
}

/**
 * A writable OCI layout sharing the cached base images' blobs (hard links:
 * blobs are content-addressed and never rewritten), where umoci can add tags.
 */
export function workLayout(base: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(base, "index.json"), join(dir, "index.json"));
  copyFileSync(join(base, "oci-layout"), join(dir, "oci-layout"));
  execFileSync("cp", ["-al", join(base, "blobs"), join(dir, "blobs")]);
  return dir;
}

/** A small HTTP agent with the runtime contract (/ping, /invocations); BIND sets its host. */
export const HTTP_AGENT = `
import http.server, json, os, time
class H(http.server.BaseHTTPRequestHandler):
    def _send(self, code, body):
        b = body.encode(); self.send_response(code); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_GET(self):
        if self.path == "/ping": self._send(200, json.dumps({"status": "Healthy", "time_of_last_update": int(time.time())}))
        else: self._send(404, "{}")
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/invocations": self._send(200, json.dumps({"result": "ok", "uid": os.getuid(), "region": os.environ.get("AWS_REGION"), "dockerenv": os.path.exists("/.dockerenv")}))
        else: self._send(404, "{}")
    def log_message(self, *a): pass
host = os.environ.get("BIND", "0.0.0.0")
print(f"listening on {host}:8080", flush=True)
http.server.ThreadingHTTPServer((host, 8080), H).serve_forever()
`;

export interface AgentImage {
  /** Files to add in one layer (path inside the image → content). */
  files: Record<string, string>;
  cmd: string[];
  user?: string;
  env?: string[];
  workdir?: string;
}

/** Adds a tag `tag` to `layout`: `from` plus one layer of `files`, with the given config, made by umoci. */
export function addAgentImage(layout: string, from: string, tag: string, image: AgentImage): void {
  const root = join(layout, `.files-${tag}`);
  for (const [path, content] of Object.entries(image.files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const tar = join(layout, `.layer-${tag}.tar`);
  execFileSync("tar", ["--owner=0", "--group=0", "-C", root, "-cf", tar, "."]);
  execFileSync("umoci", ["raw", "add-layer", "--image", `${layout}:${from}`, "--tag", tag, tar]);
  execFileSync("rm", ["-rf", root, tar]);
  const config = ["config", "--image", `${layout}:${tag}`, "--tag", tag, "--clear=config.cmd"];
  for (const part of image.cmd) config.push("--config.cmd", part);
  if (image.user) config.push("--config.user", image.user);
  if (image.workdir) config.push("--config.workingdir", image.workdir);
  for (const env of image.env ?? []) config.push("--config.env", env);
  config.push("--config.exposedports", "8080/tcp");
  execFileSync("umoci", config);
}

function putBlob(layout: string, bytes: Buffer | string): { digest: string; size: number } {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const hex = createHash("sha256").update(buffer).digest("hex");
  writeFileSync(join(layout, "blobs", "sha256", hex), buffer);
  return { digest: `sha256:${hex}`, size: buffer.length };
}

interface IndexJson {
  manifests: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
}

function tagDescriptor(layout: string, tag: string) {
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as IndexJson;
  const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!entry) throw new Error(`no tag ${tag}`);
  return entry;
}

/**
 * Adds a tag naming an image index of the given tags' manifests (each with
 * its platform), plus, when asked, a BuildKit-style attestation manifest
 * (platform unknown/unknown, vnd.docker.reference.type attestation-manifest).
 */
export function addIndex(
  layout: string,
  tag: string,
  entries: { tag: string; architecture: string }[],
  attestation = false,
): void {
  const manifests: Record<string, unknown>[] = entries.map((e) => {
    const d = tagDescriptor(layout, e.tag);
    return {
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      platform: { os: "linux", architecture: e.architecture },
    };
  });
  if (attestation) {
    const config = putBlob(layout, "{}");
    const statement = putBlob(
      layout,
      JSON.stringify({ _type: "https://in-toto.io/Statement/v0.1", subject: [] }),
    );
    const manifest = putBlob(
      layout,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.in-toto+json", ...statement }],
      }),
    );
    manifests.push({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      ...manifest,
      platform: { os: "unknown", architecture: "unknown" },
      annotations: {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": (manifests[0] as { digest: string }).digest,
      },
    });
  }
  const index = putBlob(
    layout,
    JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests }),
  );
  const top = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as IndexJson;
  top.manifests.push({
    mediaType: "application/vnd.oci.image.index.v1+json",
    ...index,
    annotations: { "org.opencontainers.image.ref.name": tag },
  });
  writeFileSync(join(layout, "index.json"), JSON.stringify(top));
}
