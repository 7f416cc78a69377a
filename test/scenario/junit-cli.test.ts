import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { namespaceSkipReason } from "../helpers/netns.js";

const skip = await namespaceSkipReason();
if (skip) console.log(`scenario all --junit skips: ${skip}`);

const work = await mkdtemp(join(tmpdir(), "acd-junit-"));
afterAll(() => rm(work, { recursive: true, force: true }));

describe.skipIf(skip !== undefined)("scenario all --junit", () => {
  it("writes JUnit XML a CI reporter reads: one passing case per scenario, with its time", async () => {
    const root = join(work, "scenarios");
    await cp(resolve(import.meta.dirname, "../../scenarios/wrong-port"), join(root, "wrong-port"), {
      recursive: true,
    });
    // The scenario names its agent as ../../test/fixtures/...: the same relative place here.
    await symlink(resolve(import.meta.dirname, ".."), join(work, "test"));
    const out = join(work, "results.xml");
    const result = await runCli(["scenario", "all", root, "--junit", out]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const summary = execFileSync(
      "python3",
      [
        "-c",
        "import sys, xml.etree.ElementTree as ET; s = ET.parse(sys.argv[1]).getroot().find('testsuite'); print(s.get('tests'), s.get('failures'), s.get('errors'), [c.get('name') for c in s.findall('testcase')])",
        out,
      ],
      { encoding: "utf8" },
    );
    expect(summary.trim()).toBe("1 0 0 ['wrong-port']");
    expect(await readFile(out, "utf8")).toMatch(
      /<testcase classname="scenarios" name="wrong-port" time="[\d.]+" \/>/,
    );
  });
});
