import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ImageSpec } from "../agent/types.js";
import type { Evidence } from "../findings/index.js";

/**
 * Whether an agent exports telemetry, read from what configures an exporter:
 * the entry command wrapped by `opentelemetry-instrument`, OpenTelemetry's
 * exporter variables in the image's ENV (or the runtime's environment), an
 * ADOT or OpenTelemetry exporter package among its dependencies or the
 * packages its Dockerfile installs. An agent with none of these sends no
 * traces, so no blocked path to X-Ray can matter to it.
 */

/** Environment variables that configure an OpenTelemetry exporter or the ADOT distro. */
export const OTEL_EXPORT_VARIABLE =
  /^(?:OTEL_EXPORTER_OTLP_\w+|OTEL_(?:TRACES|METRICS|LOGS)_EXPORTER|OTEL_PYTHON_(?:DISTRO|CONFIGURATOR)|AGENT_OBSERVABILITY_ENABLED)$/;

/** Packages that export traces or metrics (OTLP, ADOT): Python and npm names. */
const EXPORTER_PACKAGE =
  /(?<![\w-])(?:aws-opentelemetry-distro|opentelemetry-exporter-otlp(?:-proto-(?:http|grpc))?|opentelemetry-distro|@opentelemetry\/exporter-(?:trace|metrics|logs)-otlp-(?:http|grpc|proto)|@opentelemetry\/sdk-node|@aws\/aws-distro-opentelemetry-node-autoinstrumentation)(?![\w-])/;

const DEPENDENCY_FILES = [
  "requirements.txt",
  "pyproject.toml",
  "uv.lock",
  "poetry.lock",
  "Pipfile",
  "package.json",
];

/** What configures the agent to export telemetry, each fact at its file and line; empty when nothing does. */
export async function readTelemetryExport(dir: string, image?: ImageSpec): Promise<Evidence[]> {
  const facts: Evidence[] = [];
  if (image) {
    const dockerfile = relative(dir, image.path) || image.path;
    const entry = image.entrypoint ?? image.cmd;
    if (image.argv?.some((arg) => /(^|\/)opentelemetry-instrument$/.test(arg))) {
      facts.push({
        fact: `the entry command \`${image.argv.join(" ")}\` runs under opentelemetry-instrument`,
        source: { kind: "file", path: dockerfile, ...(entry ? { line: entry.line } : {}) },
      });
    }
    for (const [name, value] of Object.entries(image.env)) {
      if (!OTEL_EXPORT_VARIABLE.test(name)) continue;
      facts.push({
        fact: `the image sets ${name}=${value.value}`,
        source: { kind: "file", path: dockerfile, line: value.line },
      });
    }
    for (const run of image.runs ?? []) {
      const match = EXPORTER_PACKAGE.exec(run.value);
      if (match) {
        facts.push({
          fact: `the image installs ${match[0]}: \`${run.value.slice(0, 160)}\``,
          source: { kind: "file", path: dockerfile, line: run.line },
        });
      }
    }
  }
  for (const name of DEPENDENCY_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const lines = (await readFile(path, "utf8")).split("\n");
    const index = lines.findIndex((line) => !/^\s*#/.test(line) && EXPORTER_PACKAGE.test(line));
    if (index < 0) continue;
    facts.push({
      fact: `${name} declares ${EXPORTER_PACKAGE.exec(lines[index]!)![0]}, a telemetry exporter`,
      source: { kind: "file", path: name, line: index + 1 },
    });
  }
  return facts;
}
