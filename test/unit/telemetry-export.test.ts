import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseDockerfileText } from "../../src/agent/dockerfile.js";
import { readTelemetryExport } from "../../src/static-checks/telemetry.js";

const dirs: string[] = [];
async function agent(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "acd-telemetry-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("readTelemetryExport: what configures an agent to export telemetry", () => {
  it("finds nothing in an agent with no exporter (the seed incident's kind: stdlib and boto3)", async () => {
    const dockerfile = 'FROM python:3.12-slim\nENV DOCKER_CONTAINER=1\nCMD ["python3", "app.py"]\n';
    const dir = await agent({
      Dockerfile: dockerfile,
      "requirements.txt": "boto3\n# opentelemetry-distro later\n",
    });
    const image = parseDockerfileText(dockerfile, join(dir, "Dockerfile"));
    expect(await readTelemetryExport(dir, image)).toEqual([]);
  });

  it("the ADOT distro in requirements, opentelemetry-instrument and OTEL_ variables in the image", async () => {
    const dockerfile = [
      "FROM python:3.12-slim",
      "ENV OTEL_PYTHON_DISTRO=aws_distro",
      "ENV OTEL_TRACES_EXPORTER=otlp",
      'CMD ["opentelemetry-instrument", "python", "app.py"]',
      "",
    ].join("\n");
    const dir = await agent({
      Dockerfile: dockerfile,
      "requirements.txt": "strands-agents\naws-opentelemetry-distro>=0.10\n",
    });
    const facts = await readTelemetryExport(dir, parseDockerfileText(dockerfile, join(dir, "Dockerfile")));
    expect(facts.map((x) => x.fact)).toEqual([
      expect.stringContaining("runs under opentelemetry-instrument"),
      "the image sets OTEL_PYTHON_DISTRO=aws_distro",
      "the image sets OTEL_TRACES_EXPORTER=otlp",
      "requirements.txt declares aws-opentelemetry-distro, a telemetry exporter",
    ]);
    expect(facts[3]!.source).toEqual({ kind: "file", path: "requirements.txt", line: 2 });
  });

  it("an OTLP exporter among a Node.js agent's dependencies, not a look-alike name", async () => {
    const exporting = await agent({
      "package.json": JSON.stringify(
        { dependencies: { "@opentelemetry/exporter-trace-otlp-http": "^0.57.0" } },
        null,
        1,
      ),
    });
    expect((await readTelemetryExport(exporting))[0]!.fact).toContain(
      "@opentelemetry/exporter-trace-otlp-http",
    );
    const api = await agent({
      "package.json": JSON.stringify({ dependencies: { "@opentelemetry/api": "^1.9.0" } }),
    });
    expect(await readTelemetryExport(api)).toEqual([]);
  });
});
