import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { DIAGNOSE_FORMATS, type DiagnoseFormat } from "../diagnose/formats.js";
import type { ScenarioSummary } from "../scenario/accuracy.js";
import type { ScenarioResult } from "../scenario/run.js";
import { UsageError } from "../util/errors.js";
import { progressReporter } from "./progress.js";

/** `scenario run` exits 3 when the verdict is not the one the scenario expects. */
export const EXIT_SCENARIO_MISMATCH = 3;

// The runner, the renderers and what they load (the emulator, the AWS SDK's clients) are imported
// by the command that needs them, not at every start of the CLI: over a second of CPU each time.
const scenarioRunner = () => import("../scenario/run.js");
const accuracy = () => import("../scenario/accuracy.js");

function verdictLine(result: ScenarioResult): string {
  const head = `scenario ${result.name}: expected ${result.expected}, diagnosed ${result.diagnosed}`;
  const wrong =
    result.confirmedWrong.length > 0 ? `; also confirmed ${result.confirmedWrong.join(", ")}` : "";
  if (result.passed) return `${head}${wrong} — as expected (${(result.elapsedMs / 1000).toFixed(1)} s)`;
  const missing =
    result.missingFindings.length > 0 ? `; missing findings ${result.missingFindings.join(", ")}` : "";
  const unwanted =
    result.unwantedFindings.length > 0 ? `; unwanted findings ${result.unwantedFindings.join(", ")}` : "";
  return `${head}${missing}${unwanted}${wrong} — NOT as expected`;
}

export function registerScenario(program: Command): void {
  const scenario = program
    .command("scenario")
    .description("replay an incident in an embedded emulator, built through the AWS API, and diagnose it");
  scenario
    .command("list [root]")
    .description("the scenarios under a directory (default: ./scenarios) with their expected root causes")
    .action(async (root: string | undefined) => {
      const [{ listScenarios }, { expectedText }] = await Promise.all([scenarioRunner(), accuracy()]);
      const all = await listScenarios(resolve(root ?? "scenarios"));
      for (const s of all) {
        process.stdout.write(
          `${s.name.padEnd(32)} ${expectedText(s.scenario.expect).padEnd(34)} ${s.scenario.story.split(/(?<=\.)\s/)[0]}\n`,
        );
      }
    });
  scenario
    .command("all [root]")
    .description(
      "run every scenario under a directory (default: ./scenarios) and print the accuracy table (top-1 and top-3 root cause)",
    )
    .option("--json <file>", "also write the results as JSON")
    .option("--junit <file>", "also write the results as JUnit XML, for CI test reporters")
    .action(async (root: string | undefined, flags: { json?: string; junit?: string }) => {
      const [{ listScenarios, runScenario }, { accuracyTable, expectedText, summarize }] = await Promise.all([
        scenarioRunner(),
        accuracy(),
      ]);
      const { junitReport } = await import("../scenario/junit.js");
      const all = await listScenarios(resolve(root ?? "scenarios"));
      const rows: ScenarioSummary[] = [];
      for (const loaded of all) {
        process.stderr.write(`${loaded.name} ...\n`);
        try {
          rows.push(summarize(await runScenario(loaded)));
        } catch (error) {
          const message = (error as Error).message.split("\n")[0] ?? String(error);
          rows.push({
            name: loaded.name,
            expected: expectedText(loaded.scenario.expect),
            diagnosed: `error: ${message}`,
            top1: false,
            top3: false,
            missingFindings: [],
            unwantedFindings: [],
            confirmedWrong: [],
            seconds: 0,
            error: message,
          });
        }
      }
      const table = accuracyTable(rows);
      process.stdout.write(table.text);
      if (flags.json) await writeFile(flags.json, `${JSON.stringify(table.json, null, 2)}\n`);
      if (flags.junit) await writeFile(flags.junit, junitReport(rows));
      process.exitCode = rows.every(
        (r) => r.top1 && r.missingFindings.length === 0 && r.unwantedFindings.length === 0,
      )
        ? 0
        : EXIT_SCENARIO_MISMATCH;
    });
  scenario
    .command("run <dir>")
    .description(
      "start an emulator, build the scenario with the AWS SDK, make its invocations, run diagnose and compare with the expected root cause",
    )
    .option("--keep", "leave the emulator running afterwards, to explore it with the AWS CLI")
    .option("--console", "with --keep: serve the emulator's read-only console page on its port")
    .option(
      "--observe",
      "before diagnosing, show what an engineer sees: status, the invocation's error, the ENI by description and by tag, CloudTrail",
    )
    .option("--format <format>", `the diagnosis as ${DIAGNOSE_FORMATS.join(" | ")}`, "text")
    .option("--out <file>", "write the diagnosis to a file")
    .action(
      async (
        dir: string,
        flags: { keep?: boolean; observe?: boolean; console?: boolean; format: string; out?: string },
      ) => {
        if (flags.console && !flags.keep)
          throw new UsageError(
            "--console needs --keep: the console shows the emulator the scenario leaves running.",
          );
        if (!(DIAGNOSE_FORMATS as readonly string[]).includes(flags.format))
          throw new UsageError(`--format must be ${DIAGNOSE_FORMATS.join(", ")} (got ${flags.format}).`);
        const [{ loadScenario, runScenario }, { renderDiagnosis }] = await Promise.all([
          scenarioRunner(),
          import("../diagnose/render.js"),
        ]);
        const loaded = await loadScenario(resolve(dir));
        process.stderr.write(`${loaded.name}: ${loaded.scenario.story.trim()}\n\n`);
        const progress = progressReporter<string>(process.stderr);
        const result = await runScenario(loaded, {
          ...(flags.keep ? { keep: true } : {}),
          ...(flags.observe ? { observe: true } : {}),
          ...(flags.console ? { console: true } : {}),
          onProgress: (step) => progress.update("scenario", step),
        }).finally(progress.done);
        for (const invocation of result.invocations) {
          process.stderr.write(
            `invoke ${invocation.runtime}: ${invocation.ok ? "OK" : "FAILED"} ${invocation.detail.replace(/\s+/g, " ").slice(0, 160)}\n`,
          );
        }
        if (result.observations) {
          const observed = result.observations.map((o) => `  ${o.call.padEnd(62)} ${o.saw}`).join("\n");
          (flags.out ? process.stderr : process.stdout).write(`What the engineer saw:\n${observed}\n\n`);
        }
        const text = renderDiagnosis(
          result.diagnosis,
          flags.format as DiagnoseFormat,
          !flags.out && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
        );
        if (flags.out) await writeFile(flags.out, text);
        else process.stdout.write(text);
        process.stderr.write(`${verdictLine(result)}\n`);
        process.exitCode = !result.passed
          ? EXIT_SCENARIO_MISMATCH
          : result.diagnosis.findings.some((f) => f.severity === "error")
            ? 1
            : 0;
        if (result.kept) {
          process.stderr.write(
            `emulator still running on ${result.kept.url} (export AWS_ENDPOINT_URL=${result.kept.url}); Ctrl-C stops it.\n`,
          );
          if (result.kept.consoleUrl) process.stderr.write(`console: ${result.kept.consoleUrl}\n`);
          await new Promise<void>((done) => {
            for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => done());
          });
          await result.kept.stop();
        }
      },
    );
}
