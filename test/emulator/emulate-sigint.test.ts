import { readdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { describe, expect, it, onTestFinished } from "vitest";
import { leftovers, netnsSupport } from "../../src/net/netns.js";
import { repoRoot } from "../helpers/cli.js";
import { startEmulatorProcess } from "../helpers/emulator-process.js";
import { leftoverAgentProcesses } from "../helpers/leftovers.js";

const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const netns = await netnsSupport();

/** The namespaces whose owner record names this process. */
async function namespacesOf(pid: number): Promise<string[]> {
  const names = await readdir("/run/acd-netns").catch(() => [] as string[]);
  const owned: string[] = [];
  for (const name of names) {
    const record = await readFile(`/run/acd-netns/${name}`, "utf8").catch(() => "");
    if (Number(record.trim().split(" ")[0]) === pid) owned.push(name);
  }
  return owned;
}

describe.skipIf(!netns.ok)("Ctrl-C to agentcore-doctor emulate", () => {
  it("while a session is starting: stops within seconds, and removes the instance and its namespaces", async () => {
    // py-not-listening never opens its port: the session stays starting until its 30 s startup timeout.
    const image = `${REGISTRY}/not-listening:1`;
    // Its own process group, as a terminal's: the SIGINT below reaches every process in it.
    const {
      child,
      url,
      stderr: output,
    } = await startEmulatorProcess(
      undefined,
      [
        "--ready-after",
        "0",
        "--image",
        `${image}=${resolve(repoRoot, "test/fixtures/agents/py-not-listening")}`,
      ],
      { detached: true },
    );
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    });
    const config = {
      endpoint: url,
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    };
    const control = new BedrockAgentCoreControlClient(config);
    const data = new BedrockAgentCoreClient({ ...config, maxAttempts: 1 });
    onTestFinished(() => {
      control.destroy();
      data.destroy();
    });
    const { agentRuntimeArn } = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "not_listening",
        agentRuntimeArtifact: { containerConfiguration: { containerUri: image } },
        roleArn: "arn:aws:iam::123456789012:role/AgentRuntimeRole",
        networkConfiguration: { networkMode: "PUBLIC" },
      }),
    );
    const invoked = data
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn,
          runtimeSessionId: `session-sigint-${"x".repeat(33)}`,
          payload: new TextEncoder().encode("{}"),
        }),
      )
      .then(
        () => "answered",
        () => "failed",
      );
    // The session is starting once its instance runs, in a namespace of the emulator's.
    const until = Date.now() + 30_000;
    const instances = async () =>
      (await leftoverAgentProcesses()).filter((p) => !p.startsWith(`${child.pid}:`));
    while ((await instances()).length === 0) {
      if (Date.now() > until) throw new Error(`the session's instance never started: ${output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const made = await namespacesOf(child.pid!);
    expect(made.length).toBeGreaterThan(0);

    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const sent = Date.now();
    process.kill(-child.pid!, "SIGINT");
    const code = await exited;
    const took = Date.now() - sent;
    expect(code, output()).toBe(0);
    expect(took, output()).toBeLessThan(10_000);
    expect(await invoked).toBe("failed");
    expect(await leftoverAgentProcesses()).toEqual([]);
    expect(await namespacesOf(child.pid!)).toEqual([]);
    const present = new Set((await leftovers()).namespaces);
    expect(made.filter((name) => present.has(name))).toEqual([]);
  });
});
