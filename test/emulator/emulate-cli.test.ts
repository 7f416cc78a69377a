import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  BedrockAgentCoreControlClient,
  ListAgentRuntimesCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { loadEmulatorConfig, parseImageFlags } from "../../src/emulator/config.js";
import { repoRoot } from "../helpers/cli.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("agentcore-emulator.yaml and --image", () => {
  it("resolves image directories against the config file and rejects unknown keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acd-emu-config-"));
    dirs.push(dir);
    writeFileSync(
      join(dir, "agentcore-emulator.yaml"),
      "images:\n  123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1: ./agents/a\nstartupTimeoutSeconds: 5\n",
    );
    const config = await loadEmulatorConfig(join(dir, "agentcore-emulator.yaml"));
    expect(config.images).toEqual({
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1": join(dir, "agents/a"),
    });
    writeFileSync(join(dir, "bad.yaml"), "imagez: {}\n");
    await expect(loadEmulatorConfig(join(dir, "bad.yaml"))).rejects.toThrow(/Unrecognized key/);
    expect(() => parseImageFlags(["no-equals-sign"])).toThrow(/URI=DIR/);
  });
});

describe("agentcore-doctor emulate (CLI)", () => {
  it("serves the SDK on the printed URL and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", resolve(repoRoot, "src/cli/main.ts"), "emulate", "--port", "0"],
      { cwd: repoRoot },
    );
    let stderr = "";
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk;
        const match = /emulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match) resolveUrl(match[1]!);
      });
      child.once("exit", () => reject(new Error(`emulate exited early: ${stderr}`)));
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    const client = new BedrockAgentCoreControlClient({
      endpoint: url,
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    expect((await client.send(new ListAgentRuntimesCommand({}))).agentRuntimes).toEqual([]);
    client.destroy();
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  });
});
