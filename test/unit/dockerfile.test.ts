import { describe, expect, it } from "vitest";
import { effectiveArgv, expandVariables, parseDockerfileText } from "../../src/agent/dockerfile.js";

describe("parseDockerfileText", () => {
  it("reads the final stage: platform, ENV both forms, ARG defaults, WORKDIR, USER, EXPOSE, CMD", () => {
    const spec = parseDockerfileText(
      `# syntax=docker/dockerfile:1
ARG PY=3.11
FROM --platform=linux/arm64 python:\${PY}-slim AS base
ARG APP_HOME=/app
ENV APP_HOME=$APP_HOME LOG="debug mode" \\
    PORT=8080
ENV LEGACY value with spaces
WORKDIR $APP_HOME
WORKDIR src
USER 1000:1000
EXPOSE 8080/tcp 8000-8001 53/udp
CMD ["python3", "-m", "app"]
`,
      "Dockerfile",
    );
    expect(spec.platform).toEqual({ value: "linux/arm64", line: 3 });
    expect(spec.baseImage?.value).toBe("python:3.11-slim");
    expect(spec.env.APP_HOME?.value).toBe("/app");
    expect(spec.env.LOG).toEqual({ value: "debug mode", line: 5 });
    expect(spec.env.PORT?.value).toBe("8080");
    expect(spec.env.LEGACY?.value).toBe("value with spaces");
    expect(spec.workdir).toEqual({ value: "/app/src", line: 9 });
    expect(spec.user?.value).toBe("1000:1000");
    expect(spec.expose.map((p) => p.value)).toEqual([8080, 8000, 8001]);
    expect(spec.argv).toEqual(["python3", "-m", "app"]);
    expect(spec.cmd).toMatchObject({ form: "exec", line: 12 });
  });

  it("follows a multi-stage build: ENV of the stage it builds FROM, platform of the last", () => {
    const spec = parseDockerfileText(
      `FROM python:3.11 AS deps
ENV DOCKER_CONTAINER=1
FROM deps AS runtime
CMD python3 app.py
FROM --platform=linux/amd64 deps
ENTRYPOINT ["python3"]
CMD ["serve.py"]
`,
      "Dockerfile",
    );
    expect(spec.env.DOCKER_CONTAINER?.value).toBe("1");
    expect(spec.platform?.value).toBe("linux/amd64");
    expect(spec.argv).toEqual(["python3", "serve.py"]);
  });

  it("applies Docker's ENTRYPOINT/CMD rules and SHELL", () => {
    const shell = parseDockerfileText(
      'FROM x\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT exec python3 \\\n   -u app.py\nCMD ["ignored"]\n',
      "Dockerfile",
    );
    expect(shell.argv).toEqual(["/bin/bash", "-c", "exec python3 -u app.py"]);
    const inherited = parseDockerfileText(
      'FROM x AS a\nCMD ["old"]\nFROM a\nENTRYPOINT ["new"]\n',
      "Dockerfile",
    );
    expect(inherited.argv).toEqual(["new"]);
    expect(effectiveArgv(undefined, undefined)).toBeUndefined();
  });

  it("warns instead of failing on a file Docker would reject", () => {
    expect(parseDockerfileText("ENV A=1\n", "Dockerfile").warnings.map((w) => w.value)).toEqual([
      "ENV before the first FROM",
      "no FROM instruction: not a Dockerfile Docker can build",
    ]);
    expect(parseDockerfileText("FROM x\nEXPOSE http\n", "Dockerfile").warnings[0]?.value).toMatch(
      /not a port/,
    );
  });
});

describe("expandVariables", () => {
  it("handles $V, ${V}, defaults, alternatives, escapes and build platform ARGs", () => {
    const vars = { A: "1", EMPTY: "" };
    expect(expandVariables("$A-${A}-${B:-dflt}-${A:+alt}-${EMPTY:-e}-\\$A", vars)).toBe("1-1-dflt-alt-e-$A");
    expect(expandVariables("$BUILDPLATFORM", {})).toBe("$BUILDPLATFORM");
    expect(expandVariables("$UNKNOWN/x", {})).toBe("/x");
  });
});
