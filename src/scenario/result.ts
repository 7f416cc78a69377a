import type { Diagnosis } from "../diagnose/run.js";
import type { InvocationOutcome, Observation } from "./incident-view.js";

/** How a diagnosis measured against its scenario's expectation (accuracy.ts judges it). */
export interface Judgement {
  /** The verdict is an acceptable root cause (or healthy, for a healthy control). */
  top1: boolean;
  /** An acceptable root cause is among the three best-ranked causes, not ruled out. */
  top3: boolean;
  /** Expected findings the report lacks. */
  missingFindings: string[];
  /** Findings the scenario says must not appear, and that the report has. */
  unwantedFindings: string[];
  /** Causes (not symptoms) the report calls confirmed that the scenario does not accept (measured, not judged). */
  confirmedWrong: string[];
  passed: boolean;
}

/** One scenario's run: what it expected, what was diagnosed, and how that was judged. */
export interface ScenarioResult extends Judgement {
  name: string;
  /** What the scenario expects, in a line (`A or B`, `healthy`). */
  expected: string;
  /** The report's root cause, or undefined when none (healthy or undetermined). */
  rootCause: string | undefined;
  /** The report's verdict in a line: the root cause, `healthy` or `(nothing certain)`. */
  diagnosed: string;
  invocations: InvocationOutcome[];
  diagnosis: Diagnosis;
  /** With `observe`: what an engineer saw of the diagnosed runtime before diagnosing. */
  observations?: Observation[];
  elapsedMs: number;
  /** With `keep`: the emulator, still running, for the user to explore (its console's URL with `console`). */
  kept?: { url: string; consoleUrl?: string; stop: () => Promise<void> };
}
