import { type Evidence, makeFinding } from "../findings/index.js";
import { firstOf, type ZipCheck, type ZipCheckContext } from "./context.js";
import {
  binaryKind,
  binaryMismatch,
  extensionTag,
  extensionTagMismatch,
  formatTag,
  wheelTagMismatch,
  wheelTags,
} from "./native.js";
import { MANAGED_RUNTIME_PLATFORM } from "./runtime.js";

const MAX_EVIDENCE = 12;

/** The package a file belongs to, for the fix: its distribution, else its top folder under node_modules or the root. */
function packageOf(context: ZipCheckContext, path: string): string {
  const owner = context.index.ownerOf(path);
  if (owner) return owner.name;
  const node = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (node) return node[1]!;
  return path.split("/")[0]!;
}

function binaries(context: ZipCheckContext, add: (path: string, fact: string) => void): void {
  for (const [path, entry] of context.index.files) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (context.language.language === "python" && name.endsWith(".pyd")) {
      add(path, `${path} is a Windows extension module (.pyd), which Python on Linux never loads`);
      continue;
    }
    const kind = entry.content ? binaryKind(entry.content) : undefined;
    const mismatch = kind ? binaryMismatch(kind) : undefined;
    if (mismatch) {
      add(path, `${path} is ${mismatch}; the runtime is linux/arm64 (AArch64)`);
      continue;
    }
    const tag = context.language.language === "python" ? extensionTag(name) : undefined;
    const tagMismatch =
      tag && context.language.language === "python"
        ? extensionTagMismatch(tag, context.language.minor)
        : undefined;
    if (tagMismatch)
      add(path, `${path}: ${tagMismatch}, so CPython ${context.language.version} does not import it`);
  }
}

function wheels(context: ZipCheckContext, add: (path: string, fact: string, pkg: string) => void): void {
  if (context.language.language !== "python") return;
  const minor = context.language.minor;
  for (const dist of context.index.distributions) {
    const wheelPath = `${dist.distInfo}/WHEEL`;
    const text = context.index.text(wheelPath);
    if (!text) continue;
    const tags = wheelTags(text);
    if (tags.length === 0) continue;
    const problems = tags.map((t) => wheelTagMismatch(t, minor));
    if (problems.some((p) => p === undefined)) continue;
    add(
      wheelPath,
      `${dist.name} ${dist.version} was installed from a wheel tagged ${tags.map(formatTag).join(", ")}: ${problems[0]}`,
      dist.name,
    );
  }
}

function nodePackages(
  context: ZipCheckContext,
  add: (path: string, fact: string, pkg: string) => void,
): void {
  if (context.language.language !== "node") return;
  for (const path of context.index.files.keys()) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(path);
    if (!m) continue;
    let manifest: { cpu?: unknown; os?: unknown };
    try {
      manifest = JSON.parse(context.index.text(path) ?? "{}") as typeof manifest;
    } catch {
      continue;
    }
    const allows = (list: unknown, value: string) => {
      if (!Array.isArray(list) || list.length === 0) return true;
      const items = list.map(String);
      if (items.includes(`!${value}`)) return false;
      const positive = items.filter((i) => !i.startsWith("!"));
      return positive.length === 0 || positive.includes(value);
    };
    const problems = [
      ...(allows(manifest.cpu, "arm64") ? [] : [`cpu ${JSON.stringify(manifest.cpu)}`]),
      ...(allows(manifest.os, "linux") ? [] : [`os ${JSON.stringify(manifest.os)}`]),
    ];
    if (problems.length > 0)
      add(
        path,
        `${m[1]} declares ${problems.join(" and ")} in its package.json: it is built for another platform`,
        m[1]!,
      );
  }
}

/** Native code that the linux/arm64 runtime cannot load: ELF machine, file-name ABI tags, wheel tags, package.json cpu/os. */
export const checkNativeArchitecture: ZipCheck = (context) => {
  const evidence: Evidence[] = [];
  const packages = new Set<string>();
  let extra = 0;
  const add = (path: string, fact: string, pkg = packageOf(context, path)) => {
    packages.add(pkg);
    if (evidence.length >= MAX_EVIDENCE) extra++;
    else evidence.push({ fact, source: context.cite(path) });
  };
  wheels(context, add);
  binaries(context, add);
  nodePackages(context, add);
  if (evidence.length === 0) return { findings: [], notes: [] };
  if (extra > 0)
    evidence.push({
      fact: `and ${extra} more files like these`,
      source: { kind: "tool", detail: "static reading of the zip" },
    });
  const { glibc } = MANAGED_RUNTIME_PLATFORM;
  const install =
    context.language.language === "python"
      ? `\`uv pip install --target <package dir> --python-version ${context.language.version} --python-platform aarch64-manylinux2014 --only-binary :all: ${[...packages].join(" ")}\` (any manylinux tag up to glibc ${glibc.major}.${glibc.minor} fits; the AgentCore CLI tries aarch64-manylinux2014, _2_28 and _2_34).`
      : "`npm install --os=linux --cpu=arm64` (npm 10) in the package directory, or build on linux/arm64.";
  return {
    findings: [makeFinding("CODE_ZIP_NATIVE_ARCH", evidence, { packages: firstOf([...packages]), install })],
    notes: [],
  };
};
