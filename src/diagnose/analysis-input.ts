import type { ProjectConfig } from "../agent/project-config.js";
import type { Evidence, Finding } from "../findings/index.js";
import type { ReplayResult } from "../replay/observations.js";
import type { AwsServiceUse } from "../static-checks/aws-service-usage.js";
import type { HeaderRead } from "../static-checks/header-usage.js";
import type { TimelineEvent } from "./collect/cloudtrail.js";
import type { CodeZipEvidence } from "./collect/code-zip.js";
import type { IamEvidence } from "./collect/iam.js";
import type { ImageEvidence } from "./collect/image.js";
import type { DeployedImage } from "./collect/image-fetch.js";
import type { InvokeEvidence } from "./collect/invoke.js";
import type { LogsEvidence } from "./collect/logs.js";
import type { NetworkEvidence } from "./collect/network.js";
import type { ResourcePolicyEvidence } from "./collect/resource-policy.js";
import type { RuntimeEvidence } from "./collect/runtime.js";
import type { VersionConfig } from "./collect/versions.js";
import type { EvidenceGap, Sourced } from "./evidence.js";

/**
 * Everything the collectors found: the one input of every rule. Rules are
 * pure functions of it; a collector that could not run leaves its field
 * unset and a gap saying why, so a rule can tell "absent" from "unknown".
 */
export interface DiagnoseEvidence {
  runtime: Sourced<RuntimeEvidence>;
  timeline?: Sourced<TimelineEvent[]>;
  config?: ProjectConfig;
  /** Findings of `check`'s static checks on --source. */
  sourceFindings?: Finding[];
  iam?: IamEvidence;
  logs?: Sourced<LogsEvidence>;
  image?: Sourced<ImageEvidence>;
  /** A code runtime's zip, fetched from S3 and judged by the static zip checks. */
  codeZip?: Sourced<CodeZipEvidence>;
  /** VPC mode only: the runtime's interfaces, subnets, groups, routes, gateways, endpoints, DNS. */
  network?: Sourced<NetworkEvidence>;
  /**
   * The AWS services the agent's source (--source) calls, each at a file and
   * line (paths relative to the working directory), at start-up or in a handler.
   */
  awsServices?: AwsServiceUse[];
  /** The resource-based policies on the runtime and its endpoint (cross-account callers). */
  resourcePolicies?: Sourced<ResourcePolicyEvidence>;
  /** --error: the message the user saw, as pasted. */
  reportedError?: Sourced<string>;
  /**
   * What configures the agent (--source) to export telemetry: opentelemetry-instrument, OTel
   * exporter variables, ADOT or OTLP exporter packages. Empty: nothing in the source does.
   */
  telemetryConfig?: Evidence[];
  /** The version before the latest (GetAgentRuntime with its number): what the latest update kept and dropped. */
  previousVersion?: Sourced<VersionConfig>;
  /** The request headers the agent's source (--source) reads by name, each at a file and line. */
  headerReads?: HeaderRead[];
  /** The one invocation --invoke makes. */
  invoke?: Sourced<InvokeEvidence>;
  /** The agent (--source) run in a twin of the runtime's network: what it was seen doing, or why it could not run. */
  replay?: ReplayResult;
  /** The deployed image, fetched through ECR's pull API for the replay: its index, manifest and config read. */
  deployedImage?: Sourced<DeployedImage>;
  gaps: EvidenceGap[];
}
