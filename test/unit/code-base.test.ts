import { describe, expect, it } from "vitest";
import { codeBase, codeBaseChoice } from "../../src/emulator/bedrock-agentcore/code-base.js";

describe("where a code runtime's zip runs", () => {
  it("reads ACD_CODE_RUNTIME_BASE: auto by default, arm64 or host, anything else said", () => {
    expect(codeBaseChoice(undefined)).toBe("auto");
    expect(codeBaseChoice("")).toBe("auto");
    expect(codeBaseChoice("arm64")).toBe("arm64");
    expect(codeBaseChoice("host")).toBe("host");
    expect(codeBaseChoice("x86")).toEqual({ why: "ACD_CODE_RUNTIME_BASE=x86 is none of auto, arm64, host" });
  });

  it("says why a session runs on this machine's interpreter, and marks it when arm64 was required", async () => {
    expect(await codeBase({ choice: "host" })).toEqual({
      kind: "host",
      why: "ACD_CODE_RUNTIME_BASE=host chooses this machine's interpreter",
    });
    const auto = await codeBase({ choice: "auto", driver: "process" });
    expect(auto.kind).toBe("host");
    expect(auto.kind === "host" && auto.why).toMatch(/process driver|needs root on Linux/);
    expect(auto.required).toBeUndefined();
    const strict = await codeBase({ choice: "arm64", driver: "process" });
    expect(strict).toMatchObject({ kind: "host", required: true });
  });
});
