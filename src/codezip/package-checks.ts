import { type Evidence, makeFinding } from "../findings/index.js";
import { firstOf, formatMiB, LIMITS_SOURCE, type ZipCheck } from "./context.js";
import { hostInterpreter } from "./entry-point.js";

/** The package's size against the direct code deployment quotas. */
export const checkSize: ZipCheck = ({ zip, limits }) => {
  const unzipped = zip.entries.reduce((sum, e) => sum + (e.type === "file" ? e.size : 0), 0);
  const evidence: Evidence[] = [];
  const source = { kind: "tool" as const, detail: `quota: ${LIMITS_SOURCE}` };
  if (zip.zipBytes > limits.zipBytes)
    evidence.push({
      fact: `the zip is ${formatMiB(zip.zipBytes)}; the limit is ${formatMiB(limits.zipBytes)}`,
      source,
    });
  if (unzipped > limits.unzippedBytes)
    evidence.push({
      fact: `its files take ${formatMiB(unzipped)} unzipped; the limit is ${formatMiB(limits.unzippedBytes)}`,
      source,
    });
  const notes =
    zip.source.kind === "directory"
      ? [
          `size measured on the directory zipped without the dependencies the packager adds: ${formatMiB(zip.zipBytes)} zipped, ${formatMiB(unzipped)} unzipped`,
        ]
      : [];
  if (evidence.length === 0) return { findings: [], notes };
  return {
    findings: [
      makeFinding("CODE_ZIP_TOO_LARGE", evidence, {
        limit: `${formatMiB(limits.zipBytes)} zipped and ${formatMiB(limits.unzippedBytes)} unzipped`,
        measured: `${formatMiB(zip.zipBytes)} zipped, ${formatMiB(unzipped)} unzipped`,
      }),
    ],
    notes,
  };
};

/** An absolute path that is not one every Linux has. */
function hostPath(path: string): boolean {
  if (/^[A-Za-z]:[\\/]/.test(path)) return true;
  return path.startsWith("/") && !/^\/(usr|bin|sbin|lib|lib64|etc|proc|dev|tmp\/?$)(\/|$)/.test(path);
}

/**
 * Paths of the machine that built the zip, baked into installed files: the
 * `#!` of console scripts in bin/, path lines of .pth files and the
 * editable finders setuptools writes, and `file://` URLs in direct_url.json.
 */
export const checkHostPaths: ZipCheck = (context) => {
  const { index } = context;
  const evidence: Evidence[] = [];
  const files: string[] = [];
  const add = (path: string, fact: string, line?: number) => {
    files.push(path);
    if (evidence.length < 12) evidence.push({ fact, source: context.cite(path, line) });
  };
  for (const [path] of index.files) {
    const text = index.text(path);
    if (text === undefined) continue;
    if (/^bin\/[^/]+$/.test(path)) {
      const interpreter = hostInterpreter(text);
      if (interpreter) add(path, `${path} starts ${interpreter}`, 1);
    } else if (path.endsWith(".pth")) {
      text.split(/\r?\n/).forEach((line, i) => {
        const value = line.trim();
        if (value !== "" && !value.startsWith("#") && !value.startsWith("import") && hostPath(value))
          add(path, `${path} adds ${value} to the import path`, i + 1);
      });
    } else if (/__editable___.*_finder\.py$/.test(path)) {
      const mapped = /MAPPING[^=]*=\s*\{([^}]*)\}/.exec(text)?.[1] ?? "";
      for (const m of mapped.matchAll(/['"]([\w.]+)['"]\s*:\s*['"]([^'"]+)['"]/g))
        if (hostPath(m[2]!)) add(path, `${path} maps ${m[1]} to ${m[2]} (an editable install)`);
    } else if (path.endsWith(".dist-info/direct_url.json")) {
      try {
        const direct = JSON.parse(text) as { url?: string; dir_info?: { editable?: boolean } };
        if (direct.url?.startsWith("file://"))
          add(
            path,
            `${path} records ${direct.url}${direct.dir_info?.editable ? ", an editable install whose code stays there" : ""}`,
          );
      } catch {
        // Not JSON: nothing to read.
      }
    }
  }
  if (evidence.length === 0) return { findings: [], notes: [] };
  if (files.length > evidence.length)
    evidence.push({
      fact: `and ${files.length - evidence.length} more like these`,
      source: { kind: "tool", detail: "static reading of the zip" },
    });
  return {
    findings: [makeFinding("CODE_ZIP_HOST_PATHS", evidence, { files: firstOf(files, 5) })],
    notes: [],
  };
};

/** Entries the reader refused: unsafe names, encryption. */
export const checkRefusedEntries: ZipCheck = (context) => {
  const { problems } = context.zip;
  if (problems.length === 0) return { findings: [], notes: [] };
  const evidence = problems.slice(0, 12).map((p) => ({
    fact: `${p.path}: ${p.problem}`,
    source:
      context.zip.source.kind === "zip"
        ? context.cite(p.path)
        : ({ kind: "tool", detail: "packaging" } as const),
  }));
  return {
    findings: [
      makeFinding("CODE_ZIP_ENTRIES_REFUSED", evidence, {
        entries: firstOf(
          problems.map((p) => p.path),
          5,
        ),
      }),
    ],
    notes: [],
  };
};
