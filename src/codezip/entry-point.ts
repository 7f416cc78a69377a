import { type Evidence, makeFinding } from "../findings/index.js";
import { firstOf, type ZipCheck, type ZipCheckContext } from "./context.js";
import type { ZipIndex } from "./zip-index.js";

/**
 * How the runtime starts a zip, read from its entry point: one or two items,
 * a script (`main.py`, `main.js`) and optionally a command before it
 * (`opentelemetry-instrument`). A command is looked up as a path in the
 * zip, then in the zip's bin/ (where `pip install --target` puts console
 * scripts); the interpreters themselves (python3, node) are taken to come
 * with the managed runtime, which AWS does not list but must provide.
 */
export interface EntryPlan {
  script?: { item: string; path: string; present: boolean };
  /** The first item, when it is not a script: a program the runtime executes. */
  command?: { item: string; path?: string; fromRuntime: boolean };
  /** A second item that is not a script (an argument of the command): not judged. */
  argument?: string;
  /** Empty items, and items past the second. */
  invalid: string[];
}

const SCRIPT = /\.(py|js|mjs|cjs|ts|mts|cts)$/;
const INTERPRETER = /^(python(3(\.\d+)?)?|node)$/;

const clean = (item: string) => item.replace(/^(\.\/)+/, "");

export function entryPlan(entryPoint: readonly string[], index: ZipIndex): EntryPlan {
  const plan: EntryPlan = { invalid: entryPoint.length > 2 ? entryPoint.slice(2) : [] };
  entryPoint.slice(0, 2).forEach((raw, position) => {
    const item = clean(raw.trim());
    if (item === "") plan.invalid.push(raw);
    else if (SCRIPT.test(item) && !plan.script) {
      plan.script = { item: raw, path: item, present: index.files.has(item) };
    } else if (position === 0) {
      const path = [item, `bin/${item}`].find((p) => index.files.has(p));
      plan.command = { item: raw, ...(path ? { path } : {}), fromRuntime: !path && INTERPRETER.test(item) };
    } else plan.argument = raw;
  });
  return plan;
}

/** The interpreter a script's `#!` line names, when it is a path that exists only where the zip was built. */
export function hostInterpreter(text: string): string | undefined {
  const [first = "", second = ""] = text.split(/\r?\n/, 2);
  if (!first.startsWith("#!")) return undefined;
  const interpreter = first.slice(2).trim().split(/\s+/)[0] ?? "";
  // pip's launcher for long paths: `#!/bin/sh` then `'''exec' '/home/me/.venv/bin/python' "$0" "$@"`.
  const viaShell = /^'''exec' '?([^'\s]+)'? /.exec(second)?.[1];
  const path = viaShell ?? interpreter;
  if (/^[A-Za-z]:[\\/]/.test(path)) return path;
  if (!path.startsWith("/")) return undefined;
  if (/^\/(usr\/(local\/)?)?s?bin\/[^/]+$/.test(path)) return undefined;
  return path;
}

/** Where a script names an interpreter by a host path; shared with the host-path check. */
export function shebangProblem(context: ZipCheckContext, path: string): string | undefined {
  const text = context.index.text(path);
  return text === undefined ? undefined : hostInterpreter(text);
}

export const checkEntryPoint: ZipCheck = (context) => {
  const { index, target } = context;
  const plan = entryPlan(target.entryPoint, index);
  const evidence: Evidence[] = [];
  const remedies: string[] = [];
  const notes: string[] = [];
  const origin = {
    kind: "tool" as const,
    detail: `entry point ${JSON.stringify(target.entryPoint)} (${target.origin})`,
  };
  const topLevel = [...index.directories]
    .filter((d) => d !== "" && !d.includes("/"))
    .map((d) => `${d}/`)
    .concat([...index.files.keys()].filter((f) => !f.includes("/")))
    .sort();

  if (target.entryPoint.length === 0 || plan.invalid.length > 0) {
    evidence.push({
      fact: `the entry point must be one or two non-empty items (a script, optionally after a command); it has ${JSON.stringify(target.entryPoint)}`,
      source: origin,
    });
    remedies.push(
      'give the entry point one or two items, e.g. ["main.py"] or ["opentelemetry-instrument", "main.py"].',
    );
  }
  if (!plan.script && (!plan.command || plan.command.fromRuntime)) {
    evidence.push({
      fact: "the entry point names no script (.py or .js) for the runtime to run",
      source: origin,
    });
    remedies.push("name the script the runtime runs, e.g. main.py.");
  }
  if (plan.script && !plan.script.present) {
    evidence.push({ fact: `${plan.script.path} is not in the zip`, source: origin });
    remedies.push(
      `zip from inside the package directory so ${plan.script.path} sits where the entry point names it (the zip's top level holds ${firstOf(topLevel, 10) || "nothing"}), or change the entry point to match.`,
    );
    const name = plan.script.path.slice(plan.script.path.lastIndexOf("/") + 1);
    const elsewhere = [...index.files.keys()].filter(
      (f) => f.endsWith(`/${name}`) && f.split("/").length <= plan.script!.path.split("/").length + 2,
    );
    if (elsewhere.length > 0) {
      evidence.push({
        fact: `the zip has ${firstOf(elsewhere, 3)}: it was likely made from the directory above the code`,
        source: context.cite(elsewhere[0]!),
      });
    }
  }
  const command = plan.command;
  if (command && !command.path && !command.fromRuntime) {
    if (context.declared) {
      notes.push(
        `the entry point's command ${command.item} is not in the directory; the AgentCore CLI installs ${context.declared.file}'s dependencies, which may provide it: not judged`,
      );
    } else {
      evidence.push({
        fact: `${command.item} is neither a file of the zip nor in its bin/, and the runtime provides only its interpreter`,
        source: origin,
      });
      remedies.push(
        `install the package that provides ${command.item} into the zip (its console script lands in bin/), or drop it from the entry point.`,
      );
    }
  }
  if (command?.path) {
    const interpreter = shebangProblem(context, command.path);
    if (interpreter) {
      evidence.push({
        fact: `${command.path} starts with ${interpreter}, a path on the machine that built the zip`,
        source: context.cite(command.path, 1),
      });
      remedies.push(
        `rewrite the first line of ${command.path} to \`#!/usr/bin/env python3\`, as the AgentCore CLI does.`,
      );
    }
  }
  if (evidence.length === 0) return { findings: [], notes };
  return {
    findings: [
      makeFinding("CODE_ZIP_ENTRY_POINT_MISSING", evidence, {
        remedy: [...new Set(remedies)].join(" Also "),
      }),
    ],
    notes,
  };
};
