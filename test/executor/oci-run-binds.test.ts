import { describe, expect, it } from "vitest";
import { arm64RunCommand, CODE_TASK_DIR } from "../../src/emulator/bedrock-agentcore/code-base.js";
import { buildRuntimeConfig } from "../../src/executor/oci/runtime-config.js";

describe("a platform's binds in the OCI runtime config", () => {
  const config = buildRuntimeConfig({
    image: { Cmd: ["python3", "main.py"], WorkingDir: "/var/task" },
    passwd: "",
    group: "",
    binds: [
      { source: "/tmp/acd-code-x", destination: "/var/task" },
      { source: "/tmp/scratch", destination: "/scratch", writable: true },
    ],
  }) as { mounts: { destination: string; source: string; type: string; options: string[] }[] };
  it("binds each host directory, read-only unless writable", () => {
    expect(config.mounts).toContainEqual({
      destination: "/var/task",
      type: "bind",
      source: "/tmp/acd-code-x",
      options: ["rbind", "ro"],
    });
    expect(config.mounts).toContainEqual({
      destination: "/scratch",
      type: "bind",
      source: "/tmp/scratch",
      options: ["rbind", "rw"],
    });
  });
});

describe("a code zip's start on the arm64 base", () => {
  const base = {
    kind: "arm64" as const,
    image: { source: "layout" as const, dir: "/cache/layout", tag: "base-arm64" },
    describe: "the linux/arm64 Debian 12 image /cache/layout:base-arm64 on runc",
    release: async () => {},
  };
  it("runs the entry script with the image's python3 from /var/task, the zip's root on PYTHONPATH", () => {
    const planned = arm64RunCommand(
      { runtime: "PYTHON_3_12", entryPoint: ["opentelemetry-instrument", "main.py"], origin: "t" },
      base,
      "/tmp/acd-code-1",
    );
    expect(planned).toMatchObject({
      run: {
        argv: ["python3", "main.py"],
        cwd: CODE_TASK_DIR,
        env: { PYTHONPATH: "/var/task" },
        binds: [{ source: "/tmp/acd-code-1", destination: "/var/task" }],
      },
    });
    const notes = "notes" in planned ? planned.notes.join("\n") : "";
    expect(notes).toMatch(/opentelemetry-instrument was not run/);
    expect(notes).toMatch(/Python 3\.11, not the PYTHON_3_12 managed runtime's own base/);
  });
  it("runs node for NODE_22 and refuses an entry point naming no script", () => {
    expect(
      arm64RunCommand({ runtime: "NODE_22", entryPoint: ["index.js"], origin: "t" }, base, "/r"),
    ).toMatchObject({ run: { argv: ["node", "index.js"] } });
    expect(
      arm64RunCommand({ runtime: "PYTHON_3_12", entryPoint: ["main"], origin: "t" }, base, "/r"),
    ).toEqual({
      why: 'the entry point ["main"] names no script to start',
    });
  });
});
