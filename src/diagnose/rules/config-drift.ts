import { dirname, relative } from "node:path";
import { makeFinding } from "../../findings/index.js";
import { projectConfigFindings } from "../../static-checks/config.js";
import type { Rule } from "./rule.js";

interface Difference {
  field: string;
  config: string;
  deployed: string;
  line?: number;
}

const show = (values: readonly string[]) => (values.length > 0 ? [...values].sort().join(", ") : "(none)");

/**
 * Field by field, what the project config says against what the runtime
 * runs; a config the deploy tools would reject is reported as check reports
 * it (the same static check), unless --source's static checks already
 * reported it (they read the source's own config, which --config may not be).
 */
export const configDrift: Rule = ({ runtime, config, sourceFindings }) => {
  if (!config) return [];
  const reported = sourceFindings?.some((f) => f.id === "PROJECT_CONFIG_INVALID") ?? false;
  const invalid = reported ? [] : projectConfigFindings(dirname(config.path), config);
  const r = runtime.value;
  const differences: Difference[] = [];
  if (config.networkMode && config.networkMode.value !== r.networkMode) {
    differences.push({
      field: "network mode",
      config: config.networkMode.value,
      deployed: r.networkMode,
      line: config.networkMode.line,
    });
  }
  if (config.networkMode?.value === "VPC" && r.networkMode === "VPC") {
    if (show(config.subnets) !== show(r.subnets))
      differences.push({ field: "subnets", config: show(config.subnets), deployed: show(r.subnets) });
    if (show(config.securityGroups) !== show(r.securityGroups)) {
      differences.push({
        field: "security groups",
        config: show(config.securityGroups),
        deployed: show(r.securityGroups),
      });
    }
  }
  if (config.protocol && config.protocol.value !== r.protocol) {
    differences.push({
      field: "protocol",
      config: config.protocol.value,
      deployed: r.protocol,
      line: config.protocol.line,
    });
  }
  if (config.executionRoleArn && config.executionRoleArn !== r.roleArn) {
    differences.push({ field: "execution role", config: config.executionRoleArn, deployed: r.roleArn });
  }
  const configuredVars = Object.keys(config.environment);
  const missingVars = configuredVars.filter((name) => !r.environmentVariableNames.includes(name));
  if (missingVars.length > 0)
    differences.push({
      field: "environment variables",
      config: show(configuredVars),
      deployed: show(r.environmentVariableNames),
    });
  if (differences.length === 0) return [...invalid];
  const file = relative(process.cwd(), config.path) || config.path;
  return [
    ...invalid,
    makeFinding(
      "CONFIG_DRIFT",
      differences.flatMap((d) => [
        {
          fact: `${d.field}: the config says ${d.config}`,
          source: { kind: "file" as const, path: file, ...(d.line ? { line: d.line } : {}) },
        },
        { fact: `${d.field}: the runtime has ${d.deployed}`, source: runtime.source },
      ]),
      { fields: differences.map((d) => `${d.field} (${d.config} → ${d.deployed})`).join("; ") },
    ),
  ];
};
