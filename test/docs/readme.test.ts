import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { namespaceSkipReason } from "../helpers/netns.js";

/**
 * Every command in the README's `sh` blocks is run here, so the README
 * cannot drift from the tool. A command this file does not know fails the
 * test: a new command in the README needs a line here.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const commands = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
  m[1]!.split("\n").filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#")),
);
const skipNetns = await namespaceSkipReason();
const awsCli = spawnSync("aws", ["bedrock-agentcore-control", "help"], { encoding: "utf8", timeout: 30_000 });
const skipAws =
  awsCli.status === 0 ? undefined : "the AWS CLI with bedrock-agentcore-control is not installed here";
if (skipNetns) console.log(`README commands that need network namespaces skip: ${skipNetns}`);
if (skipAws) console.log(`README aws commands skip: ${skipAws}`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(line: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<Run> {
  return new Promise((done) => {
    execFile(
      "bash",
      ["-c", line],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const covered = new Set<string>();
const shown = (predicate: (line: string) => boolean): string[] => {
  const lines = commands.filter(predicate);
  for (const line of lines) covered.add(line);
  return lines;
};

describe("the README's commands", () => {
  it("Quick start has exactly two commands: the demo and the tests", () => {
    const quick = README.split("## Quick start")[1]!.split("\n## ")[0]!;
    const block = /```sh\n([\s\S]*?)```/.exec(quick)![1]!.trim().split("\n");
    expect(block).toEqual(["npm run demo", "npm test"]);
  });

  it("npm test is this very run: typecheck, lint, the docs check and vitest", () => {
    expect(shown((l) => l === "npm test")).toHaveLength(1);
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
    expect(scripts.test).toMatch(/typecheck.*lint.*docs:check.*vitest run/);
    expect(scripts.pretest).toMatch(/ensure-deps.*ensure-system-deps/);
  });

  it.skipIf(skipNetns !== undefined)(
    "npm run demo ends with the verdict naming the service, the PUBLIC-vs-VPC table, exit 1",
    async () => {
      const [line] = shown((l) => l === "npm run demo");
      const started = Date.now();
      const result = await run(line!);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toMatch(/What the engineer saw/);
      // likely from the collected evidence alone; confirmed once something is seen to tie the path to the start-up (a replay).
      expect(result.stdout).toMatch(/ROOT CAUSE VPC_ENDPOINT_MISSING \((?:likely|confirmed)\)/);
      expect(result.stdout).toMatch(/com\.amazonaws\.us-east-1\.sts/);
      expect(result.stdout).toMatch(/Side by side[\s\S]*network mode\s+VPC\s+PUBLIC/);
      expect(result.stdout).toMatch(/aws ec2 create-vpc-endpoint/);
      console.log(`npm run demo: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
  );

  it.skipIf(skipNetns !== undefined)(
    "the seed incident as JSON, then rendered from it as a Markdown incident report and one self-contained HTML page",
    { timeout: 180_000 },
    async () => {
      const [json] = shown((l) => l.includes("--format json --out incident.json"));
      const [markdown] = shown((l) =>
        l.includes("--from-report incident.json --format markdown --out incident.md"),
      );
      const [html] = shown((l) =>
        l.includes("--from-report incident.json --format html --out incident.html"),
      );
      const dir = mkdtempSync(join(tmpdir(), "acd-readme-"));
      const here = (line: string) => line.replaceAll(/incident\.(json|md|html)/g, (name) => join(dir, name));
      try {
        const diagnosed = await run(here(json!));
        expect(diagnosed.code, diagnosed.stderr).toBe(1);
        const saved = JSON.parse(readFileSync(join(dir, "incident.json"), "utf8"));
        expect(saved.verdict.rootCause).toBe("VPC_ENDPOINT_MISSING");

        const md = await run(here(markdown!));
        expect(md.code, md.stderr).toBe(1);
        const report = readFileSync(join(dir, "incident.md"), "utf8");
        expect(report).toMatch(/\*\*Root cause \((?:likely|confirmed)\):\*\* `VPC_ENDPOINT_MISSING`/);
        expect(report).toMatch(/## Hypotheses, ranked/);
        expect(report).toMatch(/## Next steps/);

        const page = await run(here(html!));
        expect(page.code, page.stderr).toBe(1);
        const written = readFileSync(join(dir, "incident.html"), "utf8");
        expect(written).toMatch(/^<!doctype html>/);
        expect(written).toMatch(/data-root-cause="VPC_ENDPOINT_MISSING"/);
        expect(written).toMatch(/data-service="sts" data-status="blocked"/);
        expect(written).not.toMatch(/<script/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("check finds the Python SDK's loopback default in the example", async () => {
    const [line] = shown((l) => l.includes("-- check examples/python-sdk-default-host"));
    const result = await run(line!);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/WILL FAIL IN AGENTCORE/);
    expect(result.stdout).toMatch(/PYTHON_SDK_LOOPBACK_DEFAULT/);
  });

  describe("the emulator walk-through", () => {
    let emulator: ChildProcess | undefined;
    afterAll(async () => {
      if (!emulator || emulator.exitCode !== null) return;
      const exited = new Promise((r) => emulator!.once("exit", r));
      // npm → sh → tsx → node: Ctrl-C goes to the whole process group, as a terminal sends it.
      process.kill(-emulator.pid!, "SIGINT");
      await exited;
    });

    it.skipIf(skipAws !== undefined)(
      "emulate, then a deploy script with the AWS CLI, then diagnose",
      { timeout: 180_000 },
      async () => {
        const [start] = shown((l) => l.includes("-- emulate --image"));
        emulator = spawn("bash", ["-c", `exec ${start}`], {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "pipe"],
          detached: true,
        });
        let banner = "";
        await new Promise<void>((ready, fail) => {
          const timer = setTimeout(() => fail(new Error(`emulate did not start: ${banner}`)), 60_000);
          const read = (chunk: Buffer) => {
            banner += chunk.toString();
            if (/ECR \(repositories/.test(banner)) {
              clearTimeout(timer);
              ready();
            }
          };
          emulator!.stdout!.on("data", read);
          emulator!.stderr!.on("data", read);
          emulator!.once("exit", (code) => fail(new Error(`emulate exited (${code}): ${banner}`)));
        });
        expect(banner).toMatch(/emulator on http:\/\/127\.0\.0\.1:4599/);

        const [exported] = shown((l) => l.startsWith("export AWS_ENDPOINT_URL="));
        const env = Object.fromEntries(
          exported!
            .replace(/^export /, "")
            .split(/\s+/)
            .map((pair) => pair.split("=", 2) as [string, string]),
        );
        for (const line of shown((l) => l.startsWith("aws "))) {
          const result = await run(line, env);
          expect(result.code, `${line}\n${result.stderr}`).toBe(0);
          if (line.includes("list-agent-runtimes"))
            expect(result.stdout).toMatch(/hello_agent\s+(CREATING|READY)/);
        }
        await new Promise((r) => setTimeout(r, 2500)); // the emulator's default CREATING → READY
        const [diagnose] = shown((l) => l.includes("-- diagnose hello_agent"));
        const result = await run(diagnose!, env);
        expect(result.code, result.stderr).toBe(1);
        expect(result.stdout).toMatch(/ROOT CAUSE PYTHON_SDK_LOOPBACK_DEFAULT \(confirmed\)/);
      },
    );
  });

  it("scenario list shows the shipped scenarios", async () => {
    const [line] = shown((l) => l === "npm run doctor -- scenario list");
    const result = await run(line!);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/seed-incident\s+VPC_ENDPOINT_MISSING/);
  });

  it("npm run scenarios and npm run bench: the README quotes their JSON exactly (docs:check regenerates it)", () => {
    // Running every scenario or the benchmark takes minutes; test/scenario runs the bar cases,
    // and `npm run docs:check` fails when the README's tables differ from bench/results/*.json.
    expect(shown((l) => l === "npm run scenarios")).toHaveLength(1);
    expect(shown((l) => l === "npm run bench")).toHaveLength(1);
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
    expect(scripts.scenarios).toMatch(/scenario all scenarios --json bench\/results\/scenarios\.json/);
    expect(scripts.bench).toMatch(/bench\/run\.ts/);
    expect(README).toMatch(/<!-- scenarios:start -->[\s\S]*Top-1 accuracy[\s\S]*<!-- scenarios:end -->/);
    expect(README).toMatch(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/);
  });

  it("no command in the README is left unrun", () => {
    if (skipNetns || skipAws) return;
    expect(commands.filter((c) => !covered.has(c))).toEqual([]);
  });
});
