import { isNodeBuiltin } from "../facts/node-builtin-modules.js";
import { type Evidence, makeFinding } from "../findings/index.js";
import { firstOf, type ZipCheck, type ZipCheckContext } from "./context.js";
import { entryPlan } from "./entry-point.js";
import { jsStartupImports } from "./js-imports.js";

/**
 * A Node entry point's start-up imports, followed through the zip's own
 * files, and the `dependencies` of its package.json: each must be a Node 22
 * built-in or be vendored in a node_modules directory the file can see (or
 * in `_deps/`, where the AgentCore CLI's bundle looks for the packages it
 * does not bundle).
 */

const dirOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");

function normalize(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}

const EXTENSIONS = [
  "",
  ".js",
  ".mjs",
  ".cjs",
  ".json",
  ".ts",
  ".mts",
  ".cts",
  "/index.js",
  "/index.mjs",
  "/index.cjs",
  "/index.ts",
];

function ownFile(context: ZipCheckContext, from: string, specifier: string): string | undefined {
  const base = normalize(`${dirOf(from)}/${specifier}`);
  if (base === undefined) return undefined;
  return EXTENSIONS.map((ext) => `${base}${ext}`.replace(/^\//, "")).find((p) => context.index.files.has(p));
}

const packageName = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;

/** The node_modules copy of a package a file at `from` would load, searching up the directories as Node does. */
function vendored(
  context: ZipCheckContext,
  from: string,
  name: string,
  scriptDir: string,
): string | undefined {
  const { directories } = context.index;
  for (let dir = dirOf(from); ; dir = dirOf(dir)) {
    const candidate = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
    if (directories.has(candidate)) return candidate;
    if (dir === "") break;
  }
  const deps = `${scriptDir === "" ? "" : `${scriptDir}/`}_deps/${name}`;
  return directories.has(deps) ? deps : undefined;
}

export const checkNodeDependencies: ZipCheck = (context) => {
  if (context.language.language !== "node") return { findings: [], notes: [] };
  const plan = entryPlan(context.target.entryPoint, context.index);
  if (!plan.script?.present) return { findings: [], notes: [] };
  const script = plan.script.path;
  const scriptDir = dirOf(script);
  const evidence: Evidence[] = [];
  const missing: string[] = [];
  const notes: string[] = [];
  const seen = new Set([script]);
  const queue = [script];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const text = context.index.text(file);
    if (text === undefined) {
      notes.push(`not read (too large to scan): ${file}`);
      continue;
    }
    for (const imp of jsStartupImports(text)) {
      const spec = imp.specifier;
      if (isNodeBuiltin(spec)) continue;
      if (spec.startsWith("node:")) {
        missing.push(spec);
        evidence.push({
          fact: `${spec} is loaded at start-up but is no built-in module of Node.js 22`,
          source: context.cite(file, imp.line),
        });
        continue;
      }
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const own = ownFile(context, file, spec);
        if (own && !seen.has(own) && /\.(m?js|cjs|ts|mts|cts)$/.test(own)) {
          seen.add(own);
          queue.push(own);
        } else if (!own) {
          missing.push(spec);
          evidence.push({
            fact: `${spec} is loaded at start-up by ${file} but no such file is in the zip`,
            source: context.cite(file, imp.line),
          });
        }
        continue;
      }
      const name = packageName(spec);
      if (missing.includes(name) || vendored(context, file, name, scriptDir)) continue;
      missing.push(name);
      evidence.push({
        fact: `${name} is loaded at start-up (${imp.kind === "import" ? "import" : "require"}) but is neither a Node.js 22 built-in nor vendored in node_modules`,
        source: context.cite(file, imp.line),
      });
    }
  }
  // The package.json that governs the entry script: its dependencies must be vendored, imported at start-up or not.
  for (let dir = scriptDir; ; dir = dirOf(dir)) {
    const manifestPath = `${dir === "" ? "" : `${dir}/`}package.json`;
    const text = context.index.text(manifestPath);
    if (text !== undefined) {
      let dependencies: Record<string, unknown> = {};
      try {
        dependencies = (JSON.parse(text) as { dependencies?: Record<string, unknown> }).dependencies ?? {};
      } catch {
        notes.push(`${manifestPath} is not valid JSON: its dependencies were not read`);
      }
      for (const name of Object.keys(dependencies)) {
        if (missing.includes(name) || vendored(context, script, name, scriptDir)) continue;
        missing.push(name);
        evidence.push({
          fact: `${manifestPath} depends on ${name}, which is not vendored in node_modules`,
          source: context.cite(manifestPath),
        });
      }
      break;
    }
    if (dir === "") break;
  }
  if (evidence.length === 0) return { findings: [], notes };
  return {
    findings: [
      makeFinding("CODE_ZIP_DEPS_MISSING", evidence, {
        modules: firstOf(missing),
        install:
          "run `npm install --omit=dev --os=linux --cpu=arm64` in the package directory and zip it with its node_modules (or bundle the code with esbuild, as the AgentCore CLI does).",
      }),
    ],
    notes,
  };
};
