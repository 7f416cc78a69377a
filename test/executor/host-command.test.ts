import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executorFor, startInstance } from "../../src/executor/index.js";
import { scratchDir } from "../helpers/scratch.js";

describe("the host-command executor behind the executor interface", () => {
  it("starts the plan's command with the platform's variables and the CA's, streams its output, stops it", async () => {
    const lines: string[] = [];
    const bundle = join(scratchDir("acd-exec-"), "ca.pem");
    writeFileSync(bundle, "");
    const artifact = {
      kind: "host-command" as const,
      plan: {
        dir: process.cwd(),
        cwd: process.cwd(),
        argv: [
          process.execPath,
          "-e",
          "console.log(process.env.AWS_REGION, process.env.AWS_CA_BUNDLE, process.env.FROM_IMAGE); setInterval(() => {}, 1000)",
        ],
        env: { FROM_IMAGE: "image" },
        origin: "test",
      },
    };
    expect(executorFor(artifact).kind).toBe("host-command");
    const instance = await startInstance({
      artifact,
      env: { AWS_REGION: "us-west-2" },
      caBundle: bundle,
      inheritAwsEnv: false,
      onOutput: (line) => line.stream === "stdout" && lines.push(line.text),
    });
    for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(lines[0]).toBe(`us-west-2 ${bundle} image`);
    expect(instance.exit).toBeUndefined();
    expect((await instance.tree()).length).toBeGreaterThan(0);
    const exit = await instance.stop(500);
    expect(exit.signal ?? exit.code).toBeTruthy();
    expect(instance.output().map((l) => l.text)).toContain(`us-west-2 ${bundle} image`);
  });
});
