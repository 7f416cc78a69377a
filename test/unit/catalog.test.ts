import { describe, expect, it } from "vitest";
import { CATALOG, FINDING_IDS, makeFinding, renderFix, sortFindings } from "../../src/findings/index.js";

describe("the finding catalog", () => {
  it("keeps ids SCREAMING_SNAKE and every entry complete", () => {
    for (const id of FINDING_IDS) {
      expect(id).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      const entry = CATALOG[id];
      expect(entry.title.length).toBeGreaterThan(10);
      expect(entry.explanation.length).toBeGreaterThan(20);
      expect(entry.fix.length).toBeGreaterThan(10);
      expect(entry.docs).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(entry.emittedBy.length).toBeGreaterThan(0);
    }
  });

  it("holds every id PRODUCT.md starts from", () => {
    for (const id of [
      "BIND_LOOPBACK",
      "PYTHON_SDK_LOOPBACK_DEFAULT",
      "STARTUP_BLOCKED_ON_NETWORK",
      "ENI_LINGERING",
      "TELEMETRY_EXPORT_BLOCKED",
    ]) {
      expect(FINDING_IDS).toContain(id);
    }
  });

  it("fills fix templates and marks what is unknown", () => {
    expect(renderFix("port {port} for {protocol} on {ports}", { port: 8080, ports: [1, 2] })).toBe(
      "port 8080 for <protocol> on 1, 2",
    );
    expect(makeFinding("BIND_LOOPBACK", [], { port: 8080 }).fix).toContain("port 8080");
  });

  it("sorts errors before warnings", () => {
    const sorted = sortFindings([makeFinding("PING_SLOW", []), makeFinding("BIND_LOOPBACK", [])]);
    expect(sorted.map((f) => f.id)).toEqual(["BIND_LOOPBACK", "PING_SLOW"]);
  });
});
