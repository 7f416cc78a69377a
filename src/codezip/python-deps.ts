import { NOT_ON_LINUX, PYTHON_STDLIB_SOURCE, pythonStdlibModules } from "../facts/python-stdlib-modules.js";
import { type Evidence, makeFinding } from "../findings/index.js";
import { firstOf, type ZipCheck, type ZipCheckContext } from "./context.js";
import { normalizeDistribution } from "./directory.js";
import { entryPlan } from "./entry-point.js";
import { type PythonAstReading, readPythonWithAst } from "./python-ast.js";
import { type PythonImport, pythonImports } from "./python-imports.js";

/**
 * The modules a Python entry point imports while it starts, followed
 * through the zip's own modules (those no installed distribution's RECORD
 * claims: an installed package is present as a whole, and its internals are
 * its own business), and judged against the zip and the runtime's standard
 * library.
 *
 * Where the runtime looks: the entry script's directory (sys.path[0]) and
 * the zip's root, where `pip install --target` puts dependencies. AWS does
 * not document the runtime's sys.path; both are searched, so a module is
 * missing only if it is in neither.
 */

interface Located {
  /** The file and line that import it, first seen. */
  file: string;
  line: number;
  /** The chain of own modules that led there, from the entry script. */
  via: string[];
}

type Resolution =
  | { found: "zip"; files: string[]; owned: boolean }
  | { found: "stdlib" }
  | { found: "no"; reason?: string };

const dirOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
const join = (root: string, path: string) => (root === "" ? path : `${root}/${path}`);

/** The files to run for `module` in the zip, or undefined when the zip does not have it. */
function inZip(
  context: ZipCheckContext,
  roots: readonly string[],
  module: string,
): { files: string[]; owned: boolean } | undefined {
  const { index } = context;
  const parts = module.split(".");
  for (const root of roots) {
    const files: string[] = [];
    let base = root;
    let ok = true;
    for (const [i, part] of parts.entries()) {
      const dir = join(base, part);
      const last = i === parts.length - 1;
      if (index.files.has(`${dir}/__init__.py`)) files.push(`${dir}/__init__.py`);
      else if (index.directories.has(dir)) {
        // A namespace package: nothing to run.
      } else if (last && index.files.has(`${dir}.py`)) files.push(`${dir}.py`);
      else if (
        last &&
        [...index.files.keys()].some(
          (f) =>
            dirOf(f) === base &&
            new RegExp(`^${part}(\\.[\\w-]+)?\\.(so|pyc)$`).test(f.slice(f.lastIndexOf("/") + 1)),
        )
      ) {
        // An extension module or a sourceless module: present (whether it loads is CODE_ZIP_NATIVE_ARCH's question).
      } else {
        ok = false;
        break;
      }
      base = dir;
    }
    if (!ok) continue;
    const owned =
      files.some((f) => index.ownerOf(f) !== undefined) ||
      index.distributions.some((d) => d.root === root && d.topLevel.includes(parts[0]!));
    return { files, owned };
  }
  return undefined;
}

/** How the modules were read and what counts as the standard library. */
interface Reader {
  imports(file: string, text: string): PythonImport[];
  stdlib: ReadonlySet<string>;
}

function resolve(
  context: ZipCheckContext,
  reader: Reader,
  roots: readonly string[],
  module: string,
): Resolution {
  const top = module.split(".")[0]!;
  const zip = inZip(context, roots, module);
  if (zip) return { found: "zip", ...zip };
  // A package of the zip that lacks a submodule is missing it; a third party's may make it at run time.
  const topInZip = inZip(context, roots, top);
  if (topInZip?.owned) return { found: "zip", files: [], owned: true };
  if (topInZip) return { found: "no", reason: `the zip's ${top} has no ${module.slice(top.length + 1)}` };
  if (context.language.language !== "python") return { found: "no" };
  if (NOT_ON_LINUX.has(top))
    return { found: "no", reason: `${top} is a standard module of Windows and macOS builds only` };
  if (reader.stdlib.has(top)) return { found: "stdlib" };
  return { found: "no" };
}

/** The absolute module of a relative import made in `file` (a path under `root`). */
function absolute(imp: PythonImport, file: string, root: string): string | undefined {
  if (imp.level === 0) return imp.module;
  const relativePath = root === "" ? file : file.slice(root.length + 1);
  const parts = relativePath.replace(/\.py$/, "").split("/");
  const packageParts = parts.at(-1) === "__init__" ? parts.slice(0, -1) : parts.slice(0, -1);
  const base = packageParts.slice(0, packageParts.length - (imp.level - 1));
  if (imp.level - 1 > packageParts.length) return undefined;
  return [...base, ...(imp.module ? [imp.module] : [])].join(".");
}

interface Missing {
  module: string;
  at: Located;
  reason?: string;
}

/** Walks the start-up imports from the entry script through the zip's own modules. */
function walk(
  context: ZipCheckContext,
  reader: Reader,
  script: string,
): { missing: Missing[]; unread: string[] } {
  const { index } = context;
  const roots = [...new Set([dirOf(script), ""])];
  const rootOf = (file: string) => roots.find((r) => r === "" || file.startsWith(`${r}/`)) ?? "";
  const missing = new Map<string, Missing>();
  const unread: string[] = [];
  const seen = new Set<string>();
  const queue: { file: string; main: boolean; via: string[] }[] = [{ file: script, main: true, via: [] }];
  const enqueue = (files: readonly string[], via: string[]) => {
    for (const file of files) {
      if (seen.has(file) || index.ownerOf(file)) continue;
      seen.add(file);
      queue.push({ file, main: false, via });
    }
  };
  seen.add(script);
  while (queue.length > 0) {
    const { file, main, via } = queue.shift()!;
    const text = index.text(file);
    if (text === undefined) {
      unread.push(file);
      continue;
    }
    const imports = reader.imports(file, text);
    const unresolvedLines = new Set<number>();
    for (const imp of imports) {
      const judged =
        imp.guard === "required" ||
        (imp.guard === "main" && main) ||
        (imp.guard === "fallback" &&
          [...unresolvedLines].some((line) => line > (imp.tryLine ?? 0) && line < imp.line));
      const module = absolute(imp, file, rootOf(file));
      if (module === undefined || module === "") {
        // `from . import x`: the package's own submodules.
        if (module === "" && judged) {
          const pkgDir = dirOf(file);
          enqueue(
            imp.names
              .flatMap((n) => [`${join(pkgDir, n)}.py`, `${join(pkgDir, n)}/__init__.py`])
              .filter((f) => index.files.has(f)),
            [...via, `${file}:${imp.line}`],
          );
        }
        continue;
      }
      const resolution = resolve(context, reader, roots, module);
      if (resolution.found === "no") {
        unresolvedLines.add(imp.line);
        if (!judged) continue;
        const top = module.split(".")[0]!;
        const key = resolution.reason ? module : top;
        if (!missing.has(key))
          missing.set(key, {
            module: key,
            at: { file, line: imp.line, via },
            ...(resolution.reason ? { reason: resolution.reason } : {}),
          });
        continue;
      }
      if (!judged || resolution.found !== "zip" || resolution.owned) continue;
      const next = [...via, `${file}:${imp.line}`];
      enqueue(resolution.files, next);
      // `from pkg import mod`: a submodule of an own package runs too.
      if (imp.names.length > 0) {
        const pkg = resolution.files.find((f) => f.endsWith("/__init__.py"));
        if (pkg) {
          const pkgDir = dirOf(pkg);
          enqueue(
            imp.names
              .flatMap((n) => [`${pkgDir}/${n}.py`, `${pkgDir}/${n}/__init__.py`])
              .filter((f) => index.files.has(f)),
            next,
          );
        }
      }
    }
  }
  return { missing: [...missing.values()], unread };
}

/** Whether a distribution the packager installs provides `module`: by its installed names, else by its own name. */
function declaredProvider(
  context: ZipCheckContext,
  module: string,
): { name: string; known: boolean } | undefined {
  const top = module.split(".")[0]!;
  for (const d of context.declared?.distributions ?? []) {
    if (d.modules?.includes(top)) return { name: d.name, known: true };
    if (!d.modules && normalizeDistribution(d.name).replace(/-/g, "_") === top.toLowerCase())
      return { name: d.name, known: false };
  }
  return undefined;
}

const installHint = (version: string) =>
  `install the packages that provide them for linux/arm64 into the zip's root, e.g. \`uv pip install --target <package dir> --python-version ${version} --python-platform aarch64-manylinux2014 --only-binary :all: <packages>\`, then zip that directory together with your code.`;

/** At most this many of the zip's own modules are read by Python in one run; the rest by the built-in reader. */
const AST_MAX_FILES = 3000;

/**
 * Python's own `ast` (the host's python3) reads the zip's own modules; the
 * built-in reader takes what it could not. The standard library is the host
 * interpreter's `sys.stdlib_module_names` where its minor version is the
 * runtime's, else the built-in list for that version: the notes say which.
 */
function makeReader(context: ZipCheckContext, notes: string[]): Reader & { how: string } {
  const version = context.language.version;
  const minor = context.language.language === "python" ? context.language.minor : 12;
  const builtIn = pythonStdlibModules(minor);
  const sources = new Map<string, string>();
  for (const path of context.index.files.keys()) {
    if (sources.size >= AST_MAX_FILES) break;
    if (!path.endsWith(".py") || context.index.ownerOf(path)) continue;
    const text = context.index.text(path);
    if (text !== undefined) sources.set(path, text);
  }
  const reading: PythonAstReading | { why: string } =
    sources.size > 0 ? readPythonWithAst(sources) : { why: "no Python source in the zip" };
  if ("why" in reading) {
    if (sources.size > 0) notes.push(`imports read by the built-in reader, not Python's ast: ${reading.why}`);
    return {
      imports: (_file, text) => pythonImports(text),
      stdlib: builtIn,
      how: `the built-in reader of imports, and Python ${version}'s standard module list (${PYTHON_STDLIB_SOURCE})`,
    };
  }
  const hostMinor = reading.version.split(".").slice(0, 2).join(".");
  const hostStdlib = hostMinor === version && reading.stdlib.length > 0;
  if (!hostStdlib)
    notes.push(
      `the host's ${reading.interpreter} is Python ${reading.version}, not ${version}: the standard module list is the built-in one for ${version} (${PYTHON_STDLIB_SOURCE})`,
    );
  const unparsed = [...reading.errors.entries()];
  if (unparsed.length > 0)
    notes.push(
      `Python ${reading.version}'s ast could not parse ${firstOf(
        unparsed.map(([f, why]) => `${f} (${why})`),
        4,
      )}: read by the built-in reader`,
    );
  return {
    imports: (file, text) => reading.imports.get(file) ?? pythonImports(text),
    stdlib: hostStdlib ? new Set(reading.stdlib) : builtIn,
    how: `Python ${reading.version}'s ast (${reading.interpreter} on this host), and ${
      hostStdlib
        ? `sys.stdlib_module_names of that interpreter`
        : `Python ${version}'s standard module list (${PYTHON_STDLIB_SOURCE})`
    }`,
  };
}

export const checkPythonDependencies: ZipCheck = (context) => {
  if (context.language.language !== "python") return { findings: [], notes: [] };
  const plan = entryPlan(context.target.entryPoint, context.index);
  const scripts = [plan.script?.present ? plan.script.path : undefined];
  // A console script run as the command (opentelemetry-instrument) is Python too, and imports at start-up.
  const command = plan.command?.path;
  if (command && /^#!.*python/.test(context.index.text(command)?.split("\n", 1)[0] ?? ""))
    scripts.push(command);
  const notes: string[] = [];
  const evidence: Evidence[] = [];
  const modules: string[] = [];
  const unjudged: string[] = [];
  const version = context.language.version;
  const present = scripts.filter((s): s is string => s !== undefined);
  if (present.length === 0) return { findings: [], notes };
  const reader = makeReader(context, notes);
  for (const script of present) {
    const { missing, unread } = walk(context, reader, script);
    if (unread.length > 0) notes.push(`not read (too large to scan): ${firstOf(unread)}`);
    for (const m of missing) {
      if (modules.includes(m.module)) continue;
      const provider = m.reason ? undefined : declaredProvider(context, m.module);
      if (provider) continue;
      if (!m.reason && context.declared?.distributions.some((d) => !d.modules)) {
        unjudged.push(m.module);
        continue;
      }
      modules.push(m.module);
      const chain = m.at.via.length > 0 ? ` (reached from ${m.at.via.join(" → ")})` : "";
      evidence.push({
        fact: m.reason
          ? `${m.module} is imported at start-up, but ${m.reason}${chain}`
          : `${m.module} is imported at start-up and is neither in the zip nor in Python ${version}'s standard library${chain}`,
        source: context.cite(m.at.file, m.at.line),
      });
    }
  }
  if (unjudged.length > 0) {
    const declared = context.declared!;
    notes.push(
      `${firstOf(unjudged)} ${unjudged.length === 1 ? "is" : "are"} imported at start-up and not in the directory; the AgentCore CLI installs ${declared.file}'s dependencies (${firstOf(declared.distributions.filter((d) => !d.modules).map((d) => d.name))}) whose module names are unknown without an installed .venv: not judged`,
    );
  }
  if (evidence.length === 0) return { findings: [], notes };
  evidence.push({
    fact: `searched the zip's root and the entry script's directory (the runtime's sys.path is not documented), and the standard library; imports read with ${reader.how}`,
    source: { kind: "tool", detail: "static reading of the zip" },
  });
  return {
    findings: [makeFinding("CODE_ZIP_DEPS_MISSING", evidence, { modules, install: installHint(version) })],
    notes,
  };
};
