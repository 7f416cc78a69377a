import { xmlText } from "../util/markup.js";
import type { ScenarioSummary } from "./accuracy.js";

/**
 * `scenario all` as JUnit XML, the format CI test reporters read (GitHub,
 * GitLab, Jenkins, Azure DevOps): one test case per scenario; a wrong root
 * cause or a missing finding is a failure, a scenario that could not run an
 * error, each with what was expected and what was diagnosed.
 */

function passed(row: ScenarioSummary): boolean {
  return (
    row.top1 &&
    row.missingFindings.length === 0 &&
    row.unwantedFindings.length === 0 &&
    row.confirmedWrong.length === 0
  );
}

function testCase(row: ScenarioSummary): string[] {
  const open = `    <testcase classname="scenarios" name="${xmlText(row.name)}" time="${row.seconds}">`;
  const story = `expected ${row.expected}, diagnosed ${row.diagnosed}`;
  if (row.error !== undefined) {
    return [
      open,
      `      <error message="${xmlText(row.error)}" type="ScenarioError">${xmlText(row.error)}</error>`,
      "    </testcase>",
    ];
  }
  const problems = [
    ...(row.top1 ? [] : [`the root cause is not the expected one: ${story}`]),
    ...(row.missingFindings.length > 0 ? [`missing findings: ${row.missingFindings.join(", ")}`] : []),
    ...(row.unwantedFindings.length > 0
      ? [`findings that must not appear: ${row.unwantedFindings.join(", ")}`]
      : []),
    ...(row.confirmedWrong.length > 0
      ? [`wrong causes called confirmed: ${row.confirmedWrong.join(", ")}`]
      : []),
  ];
  if (passed(row)) return [`${open.slice(0, -1)} />`];
  const message = problems.join("; ");
  return [
    open,
    `      <failure message="${xmlText(message)}" type="ScenarioMismatch">${xmlText(`${message}\ntop-3: ${row.top3 ? "yes" : "no"}`)}</failure>`,
    "    </testcase>",
  ];
}

export function junitReport(
  rows: readonly ScenarioSummary[],
  suite = "agentcore-doctor scenarios",
  date = new Date(),
): string {
  const errors = rows.filter((r) => r.error !== undefined).length;
  const failures = rows.filter((r) => r.error === undefined && !passed(r)).length;
  const seconds = Math.round(rows.reduce((sum, r) => sum + r.seconds, 0) * 10) / 10;
  const attributes = `name="${xmlText(suite)}" tests="${rows.length}" failures="${failures}" errors="${errors}" time="${seconds}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes}>`,
    `  <testsuite ${attributes} timestamp="${date.toISOString().slice(0, 19)}">`,
    ...rows.flatMap(testCase),
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
