import { describe, expect, it } from "vitest";
import { buildRuntimeConfig, CONTAINER_CA_PATH, resolveUser } from "../../src/executor/oci/runtime-config.js";

const passwd = "root:x:0:0:root:/root:/bin/sh\nbedrock_agentcore:x:1000:1000::/app:/bin/sh\n";
const group = "root:x:0:\nbedrock_agentcore:x:1000:\nextra:x:2000:bedrock_agentcore\n";

describe("resolveUser", () => {
  it("reads a named user and its supplementary groups from the image's files", () => {
    expect(resolveUser("bedrock_agentcore", passwd, group)).toEqual({
      ok: true,
      uid: 1000,
      gid: 1000,
      additionalGids: [2000],
      home: "/app",
      name: "bedrock_agentcore",
    });
  });
  it("takes a numeric uid the image does not list, with gid 0", () => {
    expect(resolveUser("4242", passwd, group)).toMatchObject({ ok: true, uid: 4242, gid: 0 });
  });
  it("takes user:group by name or number", () => {
    expect(resolveUser("1000:extra", passwd, group)).toMatchObject({
      ok: true,
      uid: 1000,
      gid: 2000,
      additionalGids: [],
    });
    expect(resolveUser("root:7", passwd, group)).toMatchObject({ ok: true, uid: 0, gid: 7 });
  });
  it("refuses a name the image does not list", () => {
    expect(resolveUser("nobody", passwd, group)).toMatchObject({ ok: false });
  });
  it("runs as root without USER", () => {
    expect(resolveUser(undefined, passwd, group)).toMatchObject({ ok: true, uid: 0, gid: 0, home: "/root" });
  });
});

describe("buildRuntimeConfig", () => {
  const config = buildRuntimeConfig({
    image: {
      Entrypoint: ["python3"],
      Cmd: ["/app/agent.py"],
      Env: ["PATH=/usr/bin:/bin", "AWS_REGION=eu-west-1", "A=1"],
      WorkingDir: "/app",
      User: "bedrock_agentcore",
    },
    passwd,
    group,
    env: { AWS_REGION: "us-west-2", AWS_ACCESS_KEY_ID: "AKIA" },
    caBundle: "/host/ca.pem",
    netnsPath: "/var/run/netns/acd-s1",
  }) as {
    process: { args: string[]; env: string[]; cwd: string; user: { uid: number; gid: number } };
    mounts: { destination: string; source: string }[];
    linux: { namespaces: { type: string; path?: string }[] };
  };
  it("runs Entrypoint then Cmd in WorkingDir as the image's user", () => {
    expect(config.process.args).toEqual(["python3", "/app/agent.py"]);
    expect(config.process.cwd).toBe("/app");
    expect(config.process.user).toMatchObject({ uid: 1000, gid: 1000 });
  });
  it("puts the platform's variables over the image's, and trusts the mounted CA", () => {
    expect(config.process.env).toContain("AWS_REGION=us-west-2");
    expect(config.process.env).toContain("A=1");
    expect(config.process.env).toContain("HOME=/app");
    expect(config.process.env).toContain(`AWS_CA_BUNDLE=${CONTAINER_CA_PATH}`);
    expect(config.mounts).toContainEqual(
      expect.objectContaining({ destination: CONTAINER_CA_PATH, source: "/host/ca.pem" }),
    );
  });
  it("joins the session's network namespace", () => {
    expect(config.linux.namespaces).toContainEqual({ type: "network", path: "/var/run/netns/acd-s1" });
  });
  it("refuses an image with nothing to run or a user it lacks", () => {
    expect(() => buildRuntimeConfig({ image: {}, passwd, group })).toThrow(/nothing to run/);
    expect(() => buildRuntimeConfig({ image: { Cmd: ["x"], User: "ghost" }, passwd, group })).toThrow(
      /ghost/,
    );
  });
});
