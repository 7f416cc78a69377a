import type { OutputLine } from "../../agent/launcher.js";
import { partitionOf } from "../../util/arn.js";
import type { Scope, Store } from "../store/store.js";

/** Where AgentCore writes a runtime endpoint's container output in CloudWatch Logs. */
export function runtimeLogGroup(runtimeId: string, endpointName: string): string {
  return `/aws/bedrock-agentcore/runtimes/${runtimeId}-${endpointName}`;
}

/** AgentCore's stream per instance: `YYYY/MM/DD/[runtime-logs]<uuid>`. */
export function runtimeLogStream(startedAt: Date, instanceId: string): string {
  const day = startedAt.toISOString().slice(0, 10).replaceAll("-", "/");
  return `${day}/[runtime-logs]${instanceId}`;
}

/** What delivery needs of CloudWatch Logs: the service side writes, creating group and stream. */
export interface LogSink {
  deliver(
    scope: Scope,
    groupName: string,
    streamName: string,
    events: { timestamp: number; message: string }[],
  ): void;
}

/** What delivery needs of IAM: would the execution role be allowed this action on this resource? */
export interface PermissionJudge {
  isAllowed(account: string, roleArn: string, action: string, resourceArn: string): boolean;
}

/** The instance an output line came from, and where its logs would go. */
export interface OutputSource {
  scope: Scope;
  runtimeId: string;
  endpointName: string;
  sessionId: string;
  instanceId: string;
  startedAt: Date;
  roleArn: string;
}

/** One line of container output as the emulator keeps it, whether or not CloudWatch got it. */
export interface ContainerOutput {
  runtimeId: string;
  endpointName: string;
  sessionId: string;
  logGroup: string;
  logStream: string;
  stream: OutputLine["stream"];
  text: string;
  at: number;
  /** Whether AWS would have delivered it to CloudWatch Logs, and if not, why. */
  delivered: boolean;
  notDeliveredBecause?: string;
}

const OUTPUT = "emulator.container-output";
const FLUSH_MS = 200;

/**
 * Container output → CloudWatch Logs, exactly when AWS would deliver it:
 * the execution role must be allowed to create the stream and put events
 * in the runtime's group. Every line is also kept locally, with that
 * verdict, for `emulate logs`. Lines are batched so a chatty agent costs
 * one transaction per flush, not one per line.
 */
export class RuntimeLogDelivery {
  private pending: Array<{ source: OutputSource; line: OutputLine }> = [];
  private timer: NodeJS.Timeout | undefined;
  private sequence = 0;

  constructor(
    private readonly store: Store,
    private readonly sink: LogSink,
    private readonly permissions: PermissionJudge,
  ) {}

  accept(source: OutputSource, line: OutputLine): void {
    this.pending.push({ source, line });
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Why the role could not deliver to this group and stream, or undefined when it could. */
  private refusal(source: OutputSource, group: string, stream: string): string | undefined {
    const { account, region } = source.scope;
    const groupArn = `arn:${partitionOf(region)}:logs:${region}:${account}:log-group:${group}`;
    const streamArn = `${groupArn}:log-stream:${stream}`;
    const needed = [
      ["logs:CreateLogStream", streamArn],
      ["logs:PutLogEvents", streamArn],
    ] as const;
    const denied = needed.filter(
      ([action, arn]) => !this.permissions.isAllowed(account, source.roleArn, action, arn),
    );
    if (denied.length === 0) return undefined;
    return `the execution role ${source.roleArn} is not allowed ${denied.map(([a]) => a).join(" and ")} on ${groupArn}`;
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.store.transaction(() => {
      const byStream = new Map<string, { source: OutputSource; lines: OutputLine[] }>();
      for (const { source, line } of batch) {
        const id = `${source.scope.account}/${source.scope.region}/${source.instanceId}`;
        const entry = byStream.get(id) ?? { source, lines: [] };
        entry.lines.push(line);
        byStream.set(id, entry);
      }
      for (const { source, lines } of byStream.values()) {
        const group = runtimeLogGroup(source.runtimeId, source.endpointName);
        const stream = runtimeLogStream(source.startedAt, source.instanceId);
        const refusal = this.refusal(source, group, stream);
        if (!refusal) {
          this.sink.deliver(
            source.scope,
            group,
            stream,
            lines.map((l) => ({ timestamp: l.at, message: l.text })),
          );
        }
        for (const line of lines) {
          this.store.put<ContainerOutput>(
            OUTPUT,
            source.scope,
            `${source.instanceId}-${line.at}-${++this.sequence}`,
            {
              runtimeId: source.runtimeId,
              endpointName: source.endpointName,
              sessionId: source.sessionId,
              logGroup: group,
              logStream: stream,
              stream: line.stream,
              text: line.text,
              at: line.at,
              delivered: !refusal,
              ...(refusal ? { notDeliveredBecause: refusal } : {}),
            },
          );
        }
      }
    });
  }
}

/** The container output the emulator kept, oldest first, for one runtime or all. */
export function containerOutput(store: Store, scope: Scope, runtimeId?: string): ContainerOutput[] {
  return store.list<ContainerOutput>(OUTPUT, scope).filter((o) => !runtimeId || o.runtimeId === runtimeId);
}
