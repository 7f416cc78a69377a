import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Instance, startInstance } from "../../src/executor/index.js";
import { ensureEmulation } from "../../src/executor/oci/binfmt.js";
import { testImages } from "../helpers/agent-images.js";

// A code runtime's start on a base image: the image's Cmd replaced, a host directory bound at /var/task.
const images = testImages();
const emulation = images.layout ? await ensureEmulation("arm64") : undefined;
const reason = images.reason ?? (emulation?.needed && !emulation.ok ? emulation.reason : undefined);
if (reason) console.log(`oci-run-override.test: skipped (${reason})`);

const X86_SO =
  "scenarios/codezip-x86-native/code/pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu.so";
const work = mkdtempSync(join(tmpdir(), "acd-oci-override-"));
const started: Instance[] = [];
afterAll(async () => {
  await Promise.all(started.map((i) => i.stop(500)));
  if (emulation?.needed && emulation.ok) await emulation.release();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(reason !== undefined)("an OCI image run with a platform's argv, cwd and bind", () => {
  it("runs the bound directory's script on base-arm64 (qemu-user): the x86-64 extension does not load, as on arm64", async () => {
    const task = join(work, "task");
    mkdirSync(task);
    writeFileSync(
      join(task, "main.py"),
      [
        "import ctypes, os, platform, sys",
        "print('machine', platform.machine(), 'cwd', os.getcwd(), 'path', os.environ.get('PYTHONPATH'), flush=True)",
        "ctypes.CDLL('/var/task/native.so')",
        "print('loaded', flush=True)",
      ].join("\n"),
    );
    copyFileSync(X86_SO, join(task, "native.so"));
    const lines: string[] = [];
    const instance = await startInstance({
      artifact: {
        kind: "oci-image",
        image: { source: "layout", dir: images.layout!, tag: "base-arm64" },
        run: {
          argv: ["python3", "main.py"],
          cwd: "/var/task",
          env: { PYTHONPATH: "/var/task" },
          binds: [{ source: task, destination: "/var/task" }],
        },
      },
      onOutput: (line) => lines.push(`${line.stream}: ${line.text}`),
    });
    started.push(instance);
    const exit = await instance.exited;
    const out = lines.join("\n");
    expect(instance.command).toEqual(["python3", "main.py"]);
    expect(instance.notes.join("\n")).toMatch(/linux\/arm64/);
    expect(instance.notes.join("\n")).toContain(`${task} bound at /var/task (read-only)`);
    expect(out).toContain("stdout: machine aarch64 cwd /var/task path /var/task");
    expect(out).not.toContain("loaded");
    expect(out).toMatch(/OSError: .*native\.so/);
    expect(exit.code).toBe(1);
    console.log(out);
  }, 180_000);
});
