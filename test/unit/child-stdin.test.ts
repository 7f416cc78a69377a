import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sh } from "../../src/net/netns.js";
import { childInput } from "../../src/util/child-stdin.js";

// More than a pipe holds (64 KiB), so the write is still going when the child has gone.
const BIG = "x".repeat(4 << 20);

describe("writing a child's stdin", () => {
  it("passes input to a command that reads it", async () => {
    expect(await sh("cat", [], "hello\n")).toBe("hello\n");
  });

  it("reports a command that exits 0 before reading its input, instead of crashing on EPIPE", async () => {
    await expect(sh("sh", ["-c", "exec 0<&-; exit 0"], BIG)).rejects.toThrow(
      /exited before reading its input \((EPIPE|ECONNRESET)\)/,
    );
  });

  it("reports a command that fails before reading its input by its own exit status", async () => {
    await expect(sh("sh", ["-c", "exec 0<&-; echo no >&2; exit 3"], BIG)).rejects.toMatchObject({ code: 3 });
  });

  it("survives many such commands at once", async () => {
    const runs = Array.from({ length: 20 }, () => sh("true", [], BIG).catch((error: Error) => error));
    for (const result of await Promise.all(runs)) expect(result).toBeInstanceOf(Error);
  });

  it("lets a long-lived child's writer outlive the child", async () => {
    const child = spawn("sh", ["-c", "exec 0<&-; exit 0"], { stdio: ["pipe", "ignore", "ignore"] });
    const errors: string[] = [];
    const input = childInput(child, (error) => errors.push(error.code ?? error.message));
    await new Promise((resolve) => child.once("exit", resolve));
    for (let i = 0; i < 50; i++) input.write(`${BIG.slice(0, 100_000)}\n`);
    input.end();
    await input.closed;
    expect(errors.length).toBeLessThanOrEqual(1);
    expect(input.error?.code ?? "EPIPE").toMatch(/EPIPE|ECONNRESET/);
  });
});
