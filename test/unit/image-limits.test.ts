import { describe, expect, it } from "vitest";
import type { ImageFacts } from "../../src/image/layout.js";
import { imageLimitFindings, MAX_LAYERS_WITH_NAMED_USER } from "../../src/image/limits.js";

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function facts(overrides: Partial<ImageFacts>): ImageFacts {
  return {
    manifestDigest: digest("a"),
    configDigest: digest("b"),
    os: "linux",
    architecture: "arm64",
    layers: 3,
    layerBytes: 1000,
    config: { Cmd: ["python3", "app.py"] },
    ...overrides,
  } as ImageFacts;
}

describe("the limits AgentCore puts on an image", () => {
  it("more layers than it mounts with a named USER is IMAGE_LAYERS_WITH_NAMED_USER, citing both facts", () => {
    const found = imageLimitFindings(
      facts({ layers: MAX_LAYERS_WITH_NAMED_USER + 7, config: { Cmd: ["app"], User: "agent" } }),
      "skopeo",
    );
    expect(found.map((f) => f.id)).toEqual(["IMAGE_LAYERS_WITH_NAMED_USER"]);
    expect(found[0]!.evidence.map((e) => e.fact)).toEqual([
      expect.stringMatching(/lists 60 layers/),
      expect.stringMatching(/USER is agent, a name/),
    ]);
  });

  it("is silent for a numeric USER, or a named one within the limit", () => {
    expect(
      imageLimitFindings(facts({ layers: 80, config: { Cmd: ["app"], User: "1000:1000" } }), "skopeo"),
    ).toEqual([]);
    expect(
      imageLimitFindings(
        facts({ layers: MAX_LAYERS_WITH_NAMED_USER, config: { Cmd: ["app"], User: "agent" } }),
        "skopeo",
      ),
    ).toEqual([]);
  });
});
