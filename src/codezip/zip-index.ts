import type { CodeZip, ZipEntry } from "./archive.js";

/** An installed Python distribution in the zip: its `*.dist-info` directory and the files its RECORD lists. */
export interface InstalledDistribution {
  name: string;
  version: string;
  /** `pydantic_core-2.27.1.dist-info` (with its parent directory, if any). */
  distInfo: string;
  /** The directory the distribution was installed into ("" for the zip's root). */
  root: string;
  /** Import names from top_level.txt, else the RECORD's top-level entries. */
  topLevel: string[];
}

/** Lookups over a zip's entries that every check shares. */
export interface ZipIndex {
  files: ReadonlyMap<string, ZipEntry>;
  /** Every directory, listed or implied by a path under it ("" is the root). */
  directories: ReadonlySet<string>;
  distributions: InstalledDistribution[];
  /** The distribution a file belongs to, by its RECORD. */
  ownerOf(path: string): InstalledDistribution | undefined;
  text(path: string): string | undefined;
}

const parentOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");

export function indexZip(zip: CodeZip): ZipIndex {
  const files = new Map<string, ZipEntry>();
  const directories = new Set<string>([""]);
  for (const entry of zip.entries) {
    if (entry.type === "directory") directories.add(entry.path);
    else files.set(entry.path, entry);
    for (let dir = parentOf(entry.path); dir !== ""; dir = parentOf(dir)) directories.add(dir);
  }
  const text = (path: string) => {
    const entry = files.get(path);
    return entry?.content && entry.complete ? entry.content.toString("utf8") : undefined;
  };
  const distributions: InstalledDistribution[] = [];
  const owners = new Map<string, InstalledDistribution>();
  for (const dir of directories) {
    const m = /(?:^|\/)([^/]+?)-([^-/]+)\.dist-info$/.exec(dir);
    if (!m) continue;
    const root = parentOf(dir);
    const prefix = root === "" ? "" : `${root}/`;
    const record = (text(`${dir}/RECORD`) ?? "")
      .split(/\r?\n/)
      .map((line) => line.split(",")[0]!.trim())
      .filter((path) => path !== "" && !path.startsWith("../") && !path.startsWith("/"));
    const fromTopLevel = text(`${dir}/top_level.txt`)
      ?.split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "");
    const fromRecord = [
      ...new Set(
        record
          .map((path) =>
            path
              .split("/")[0]!
              .replace(/\.py$/, "")
              .replace(/\..*\.so$/, ""),
          )
          .filter((name) => !/\.(dist-info|data)$|^__pycache__$|^bin$|\.pth$/.test(name)),
      ),
    ];
    const distribution: InstalledDistribution = {
      name: m[1]!,
      version: m[2]!,
      distInfo: dir,
      root,
      topLevel: fromTopLevel ?? fromRecord,
    };
    distributions.push(distribution);
    for (const path of record) owners.set(prefix + path, distribution);
  }
  return {
    files,
    directories,
    distributions,
    ownerOf: (path) => owners.get(path),
    text,
  };
}
