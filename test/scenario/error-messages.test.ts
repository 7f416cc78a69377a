import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { causesOfShape, matchErrorShapes } from "../../src/diagnose/error-messages.js";
import { listScenarios, runScenario } from "../../src/scenario/run.js";
import { namespaceSkipReason } from "../helpers/netns.js";

/**
 * `diagnose --error` on the scenarios of issue 14: each scenario whose user pastes a
 * message (`errorText`, the text their own client printed, or `error: true`, the message
 * the emulator's AgentCore answered their invocation with) must have that message mapped
 * to the scenario's true cause, ranked first and confirmed by the evidence of the
 * scenario's own account. The scenarios are found, not listed: a new one joins by itself.
 */
const ROOT = resolve(import.meta.dirname, "../../scenarios");
const all = await listScenarios(ROOT);
const pasting = all.filter(
  (s) => s.scenario.diagnose.errorText !== undefined || s.scenario.diagnose.error === true,
);
const skip = await namespaceSkipReason();
/** What a failed run saw, for the assertion's message: a flake under load must say why. */
const why = (r: Awaited<ReturnType<typeof runScenario>>) =>
  [
    `diagnosed ${r.diagnosed}`,
    `findings ${r.diagnosis.findings.map((f) => f.id).join(", ") || "none"}`,
    `unwanted ${r.unwantedFindings.join(", ") || "none"}, missing ${r.missingFindings.join(", ") || "none"}`,
    `invocations ${JSON.stringify(r.invocations).slice(0, 1500)}`,
  ].join("\n");
if (skip) console.log(`diagnose --error on the scenarios skips the runs: ${skip}`);

describe("diagnose --error on the scenarios that paste a message", () => {
  it("there are such scenarios: the auth, MMDSv2, session id, read timeout and MCP ones", () => {
    expect(pasting.length).toBeGreaterThanOrEqual(7);
  });

  for (const s of pasting.filter((p) => p.scenario.diagnose.errorText !== undefined)) {
    it(`${s.name}: the pasted text has a known shape whose causes include the truth`, () => {
      const shapes = matchErrorShapes(s.scenario.diagnose.errorText!);
      expect(shapes.map((shape) => shape.id)).not.toEqual([]);
      const truth = s.scenario.expect.rootCause ?? s.scenario.expect.rootCauses?.[0];
      if (truth) expect(shapes.flatMap(causesOfShape)).toContain(truth);
    });
  }

  for (const s of pasting) {
    it.skipIf(skip !== undefined)(
      `${s.name}: run end to end, the message's first cause is the scenario's truth, confirmed`,
      async () => {
        const result = await runScenario(s);
        const error = result.diagnosis.error;
        if (s.scenario.expect.healthy) {
          // A healthy control: nothing failed, so no message was pasted, or none of its causes holds.
          expect(error?.causes.filter((c) => c.status === "confirmed") ?? [], why(result)).toEqual([]);
          expect(result.passed, why(result)).toBe(true);
          return;
        }
        expect(error, "diagnose was given the message").toBeDefined();
        expect(error!.matched.map((m) => m.id)).not.toEqual([]);
        const truth = s.scenario.expect.rootCauses ?? [s.scenario.expect.rootCause];
        expect(truth).toContain(error!.causes[0]!.cause);
        expect(error!.causes[0]!.status, why(result)).toBe("confirmed");
        expect(result.passed, why(result)).toBe(true);
      },
      120_000,
    );
  }
});
