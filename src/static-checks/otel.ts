import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { type Evidence, makeFinding } from "../findings/index.js";
import type { StaticCheck } from "./context.js";

const DEPENDENCY_FILES = ["requirements.txt", "pyproject.toml", "uv.lock", "poetry.lock", "Pipfile"];

/**
 * Observability only works when the entry runs under opentelemetry-instrument
 * with aws-opentelemetry-distro installed; a config flag alone changes nothing
 * in the CreateAgentRuntime request.
 */
export const checkOtelInstrumentation: StaticCheck = async ({ dir, image, config }) => {
  const wanted = config?.observability;
  if (!config || !wanted?.value || !image?.argv) return [];
  const isPython = image.argv.some((arg) =>
    /(^|\/)python[\d.]*$|\.py\b|uvicorn|opentelemetry-instrument/.test(arg),
  );
  const evidence: Evidence[] = [
    {
      fact: `${config.kind === "agentcore-json" ? "instrumentation.enableOtel" : "observability.enabled"} is true`,
      source: { kind: "file", path: relative(dir, config.path) || config.path, line: wanted.line },
    },
  ];
  const entry = image.entrypoint ?? image.cmd!;
  if (!image.argv.some((arg) => arg.includes("opentelemetry-instrument"))) {
    evidence.push({
      fact: `the entry command \`${image.argv.join(" ")}\` is not wrapped by opentelemetry-instrument`,
      source: { kind: "file", path: relative(dir, image.path), line: entry.line },
    });
  }
  const present = DEPENDENCY_FILES.filter((name) => existsSync(join(dir, name)));
  if (isPython) {
    const declares = await Promise.all(
      present.map(async (name) =>
        (await readFile(join(dir, name), "utf8")).includes("aws-opentelemetry-distro"),
      ),
    );
    if (!declares.some(Boolean)) {
      evidence.push({
        fact:
          present.length > 0
            ? `aws-opentelemetry-distro is not in ${present.join(", ")}`
            : "no dependency file declares aws-opentelemetry-distro",
        source: { kind: "file", path: present[0] ?? "requirements.txt" },
      });
    }
  }
  if (evidence.length === 1) return [];
  return [
    makeFinding("OTEL_NOT_INSTRUMENTED", evidence, {
      requirements: present[0] ?? "requirements.txt",
      command: image.argv.filter((a) => a !== "opentelemetry-instrument").join(" "),
    }),
  ];
};
