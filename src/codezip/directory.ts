import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { type Zippable, zipSync } from "fflate";
import { parse as parseToml } from "smol-toml";
import { type CodeZip, readCodeZipBuffer } from "./archive.js";
import type { RuntimeLanguage } from "./runtime.js";

/**
 * A directory judged as the zip the AgentCore CLI makes of it (`--build
 * CodeZip`). The CLI's packager (aws/agentcore-cli, src/lib/packaging/
 * helpers.ts and python.ts, read 2026-12):
 * - Python: `uv pip install -r pyproject.toml --target <staging>
 *   --python-version 3.N --python-platform aarch64-manylinux2014 (then
 *   _2_28, _2_34) --only-binary :all:`, then the source tree copied over
 *   it (files behind symlinks copied as files), then zipped;
 * - Node: main.ts bundled by esbuild into main.js, plus a few packages it
 *   cannot bundle copied to `_deps/`;
 * - left out at any depth: .git, .venv, __pycache__, .pytest_cache,
 *   .DS_Store, node_modules, .env, .env.local, .env.*; and the project's
 *   own agentcore/ directory at the top of the code;
 * - zipped with fflate's `zipSync` at level 6 and no attributes, so the zip
 *   stores no POSIX permissions (host MS-DOS, attributes 0).
 *
 * This module zips the directory the same way, with the same library. It
 * cannot run the install (no package index here) nor esbuild's bundling,
 * so: for Python the dependencies pyproject.toml declares are handed to the
 * checks as "installed by the packager"; for Node the source tree is kept
 * with its node_modules, which is what esbuild would resolve from.
 */

const EXCLUDED = new Set([".git", ".venv", "__pycache__", ".pytest_cache", ".DS_Store", "node_modules"]);
const CONFIG_DIR = "agentcore";

const isEnvFile = (name: string) => name === ".env" || name === ".env.local" || name.startsWith(".env.");

export const CLI_PACKAGER_SOURCE = "aws/agentcore-cli src/lib/packaging/helpers.ts (createZipFromDir)";

export interface DeclaredDistribution {
  /** As pyproject.toml spells it. */
  name: string;
  /** The import names it provides, when a local .venv has it installed (top_level.txt or RECORD); else unknown. */
  modules?: string[];
}

/** Python dependencies the CLI's packager installs into the zip: pyproject.toml's `[project] dependencies`. */
export interface DeclaredDependencies {
  /** Relative to the checked directory. */
  file: string;
  distributions: DeclaredDistribution[];
  /** Where the module names came from, if a .venv was read. */
  venv?: string;
}

export interface PackagedDirectory {
  zip: CodeZip;
  declared?: DeclaredDependencies;
  /** What differs from the CLI's own zip, said in the report. */
  notes: string[];
}

async function collect(
  dir: string,
  root: string,
  keepNodeModules: boolean,
  files: Zippable,
  skipped: string[],
): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const path = join(dir, name);
    const rel = relative(root, path).split("\\").join("/");
    const excluded =
      (EXCLUDED.has(name) && !(keepNodeModules && name === "node_modules")) ||
      isEnvFile(name) ||
      (name === CONFIG_DIR && dir === root);
    if (excluded) {
      skipped.push(rel);
      continue;
    }
    // stat follows symlinks, as the CLI's copy into its staging directory does.
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      skipped.push(`${rel} (a broken symlink)`);
    } else if (info.isDirectory()) {
      await collect(path, root, keepNodeModules, files, skipped);
    } else if (info.isFile()) {
      files[rel] = [await readFile(path), { level: 6 }];
    }
  }
}

/** PEP 503 normalisation: `Foo_Bar.baz` → `foo-bar-baz`. */
export const normalizeDistribution = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

async function venvModules(dirs: readonly string[]): Promise<{ venv: string; map: Map<string, string[]> }> {
  for (const dir of dirs) {
    const lib = join(dir, ".venv", "lib");
    if (!existsSync(lib)) continue;
    const map = new Map<string, string[]>();
    for (const python of await readdir(lib).catch(() => [])) {
      const site = join(lib, python, "site-packages");
      for (const entry of await readdir(site).catch(() => [])) {
        const m = /^(.+?)-[^-]+\.dist-info$/.exec(entry);
        if (!m) continue;
        const info = join(site, entry);
        const topLevel = await readFile(join(info, "top_level.txt"), "utf8").catch(() => undefined);
        let modules = topLevel?.split(/\r?\n/).filter((l) => l.trim() !== "");
        if (!modules) {
          const record = await readFile(join(info, "RECORD"), "utf8").catch(() => "");
          modules = [
            ...new Set(
              record
                .split(/\r?\n/)
                .map((l) => l.split(",")[0]!.split("/")[0]!.replace(/\.py$/, ""))
                .filter((t) => t !== "" && !/\.(dist-info|data)$|^\.\.$|^__pycache__$|^bin$/.test(t)),
            ),
          ];
        }
        map.set(normalizeDistribution(m[1]!), modules);
      }
    }
    return { venv: relative(dirs.at(-1)!, join(dir, ".venv")) || ".venv", map };
  }
  return { venv: "", map: new Map() };
}

async function findUp(name: string, from: string, stopAt: string): Promise<string | undefined> {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
    if (dir === resolve(stopAt) || dirname(dir) === dir) return undefined;
    dir = dirname(dir);
  }
}

async function declaredDependencies(
  codeDir: string,
  projectRoot: string,
): Promise<DeclaredDependencies | undefined> {
  const pyproject = await findUp("pyproject.toml", codeDir, projectRoot);
  if (!pyproject) return undefined;
  let parsed: { project?: { dependencies?: unknown } };
  try {
    parsed = parseToml(await readFile(pyproject, "utf8")) as typeof parsed;
  } catch {
    return { file: relative(codeDir, pyproject) || "pyproject.toml", distributions: [] };
  }
  const specs = Array.isArray(parsed.project?.dependencies) ? parsed.project.dependencies : [];
  const { venv, map } = await venvModules([dirname(pyproject), codeDir]);
  const distributions = specs
    .map((spec) => /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(String(spec))?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => {
      const modules = map.get(normalizeDistribution(name));
      return modules ? { name, modules } : { name };
    });
  return {
    file: relative(codeDir, pyproject) || "pyproject.toml",
    distributions,
    ...(venv ? { venv } : {}),
  };
}

/**
 * Zips `codeDir` as the AgentCore CLI would and reads the result back, with
 * the Python dependencies its packager would install alongside.
 */
export async function packageDirectory(
  codeDir: string,
  language: RuntimeLanguage,
  projectRoot = codeDir,
): Promise<PackagedDirectory> {
  const files: Zippable = {};
  const skipped: string[] = [];
  const node = language.language === "node";
  await collect(codeDir, codeDir, node, files, skipped);
  const buffer = Buffer.from(zipSync(files));
  const notes: string[] = [];
  const packaging = node
    ? "the source tree with its node_modules, zipped as the AgentCore CLI zips (its own packager bundles main.ts with esbuild first, which is not run here)"
    : "zipped as the AgentCore CLI's packager zips it (fflate, no POSIX attributes), before the dependencies it installs";
  if (skipped.length > 0) notes.push(`left out as the AgentCore CLI leaves them out: ${skipped.join(", ")}`);
  const zip = await readCodeZipBuffer(buffer, { kind: "directory", path: codeDir, packaging });
  const declared = node ? undefined : await declaredDependencies(codeDir, projectRoot);
  if (!node) {
    notes.push(
      declared
        ? `the AgentCore CLI installs ${declared.file}'s dependencies into the zip (${declared.distributions.map((d) => d.name).join(", ") || "none declared"}); they are not here, so the zip's size and its native code are judged without them`
        : "no pyproject.toml: the AgentCore CLI's packager needs one to install dependencies (uv pip install -r pyproject.toml), and fails without it",
    );
  }
  return { zip, ...(declared ? { declared } : {}), notes };
}
