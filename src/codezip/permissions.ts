import { type Evidence, makeFinding } from "../findings/index.js";
import { firstOf, type ZipCheck } from "./context.js";
import { entryPlan } from "./entry-point.js";

const MAX_EVIDENCE = 12;
const octal = (mode: number) => mode.toString(8).padStart(3, "0");

/**
 * The POSIX modes the zip stores, judged for a process that is not the
 * files' owner: the starter toolkit's zips with 600 files failed with
 * Permission denied on import (aws/bedrock-agentcore-starter-toolkit PR
 * 407). Files need read for others; directories read and execute (Python's
 * importer lists a package's directory); what the entry point executes
 * needs execute.
 */
export const checkPermissions: ZipCheck = (context) => {
  const { zip, index, target } = context;
  const plan = entryPlan(target.entryPoint, index);
  const executable = plan.command?.path;
  const evidence: Evidence[] = [];
  const affected: string[] = [];
  const add = (path: string, fact: string) => {
    affected.push(path);
    if (evidence.length < MAX_EVIDENCE) evidence.push({ fact, source: context.cite(path) });
  };
  const modeless: string[] = [];
  for (const entry of zip.entries) {
    if (entry.type === "symlink") continue;
    if (entry.mode === undefined) {
      modeless.push(entry.path);
      continue;
    }
    const mode = entry.mode;
    if (entry.type === "directory" && (mode & 0o005) !== 0o005) {
      add(
        entry.path,
        `${entry.path}/ has mode ${octal(mode)}: others cannot ${mode & 0o001 ? "list" : "enter"} it`,
      );
    } else if (entry.type === "file" && (mode & 0o004) === 0) {
      add(entry.path, `${entry.path} has mode ${octal(mode)}: others cannot read it`);
    } else if (entry.type === "file" && entry.path === executable && (mode & 0o001) === 0) {
      add(
        entry.path,
        `${entry.path} has mode ${octal(mode)} and the entry point executes it: it is not executable`,
      );
    }
  }
  const findings = [];
  if (evidence.length > 0) {
    if (affected.length > evidence.length)
      evidence.push({
        fact: `and ${affected.length - evidence.length} more entries like these`,
        source: { kind: "tool", detail: "static reading of the zip" },
      });
    findings.push(
      makeFinding("CODE_ZIP_PERMISSIONS", evidence, {
        files: firstOf(affected, 5),
        executables: executable ?? "<executables>",
      }),
    );
  }
  const notes: string[] = [];
  if (modeless.length > 0 && zip.source.kind === "zip") {
    const modeEvidence: Evidence[] = [
      {
        fact: `${modeless.length} of ${zip.entries.length} entries carry no POSIX mode (made by ${zip.madeBy.join(", ")})`,
        source: context.cite(modeless[0]!),
      },
    ];
    if (executable && modeless.includes(executable))
      modeEvidence.push({
        fact: `the entry point executes ${executable}, which has no mode in the zip`,
        source: context.cite(executable),
      });
    findings.push(
      makeFinding("CODE_ZIP_NO_POSIX_MODES", modeEvidence, {
        executables: executable && modeless.includes(executable) ? ` and \`chmod 755 ${executable}\`` : "",
      }),
    );
  } else if (modeless.length > 0) {
    notes.push(
      "the AgentCore CLI's zip stores no POSIX permissions; what AgentCore gives such files is not documented, so permissions were not judged",
    );
  }
  return { findings, notes };
};
