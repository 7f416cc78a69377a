import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { parseException } from "../agent/crash.js";
import type { HttpExchange } from "../agent/http.js";
import { reapStaleRoots } from "../agent/isolation.js";
import { userOnThisMachine } from "../agent/launcher.js";
import { resolveLaunchPlan } from "../agent/plan.js";
import { type LaunchPlan, PING_TIMEOUT_MS, PROTOCOL_PORTS, type Protocol } from "../agent/types.js";
import { unpackCodeZip } from "../codezip/index.js";
import { startInstance } from "../executor/index.js";
import { type Finding, makeFinding, mergeFindings, sortFindings } from "../findings/index.js";
import { createNamespace, type Namespace, netnsSupport } from "../net/netns.js";
import { runStaticChecks } from "../static-checks/index.js";
import {
  type CodeZipOptions,
  checkCodeZipFile,
  directoryZipFindings,
  hostInterpreter,
  zipRunCommand,
} from "./code-zip.js";
import { commandGap, type HostGap, missingCommand, moduleGap, projectPackages } from "./host-deps.js";
import { type LiveRun, liveFindings } from "./live-findings.js";
import { describeHolder, type PortHolder, portHolders } from "./port-in-use.js";
import { probeAgent } from "./probe-agent.js";
import { type CheckReport, type CodeZipSection, reportVerdict } from "./report.js";
import { startupSection, toReportExchange } from "./report-sections.js";

export type CheckStage = "plan" | "static" | "launch" | "startup" | "probe" | "stop";

export interface CheckOptions {
  /** The agent's directory, or a code zip file. */
  dir: string;
  /** A code zip's runtime and entry point (else read from agentcore.json), and size limits. */
  codeZip?: CodeZipOptions;
  cmd?: string;
  protocol?: Protocol;
  /** AgentCore documents no start-up limit; users report 30 to 120 s. */
  startupTimeoutMs?: number;
  slowPingMs?: number;
  pingTimeoutMs?: number;
  /** The session idle timeout a HealthyBusy /ping is judged over; default AgentCore's 900 s. */
  idleTimeoutMs?: number;
  /** Run the agent inside this network namespace and reach it at `address` (its interface), as AgentCore does. */
  netns?: { name: string; address: string };
  /** Extra environment, as AgentCore's environmentVariables. */
  env?: Record<string, string>;
  onProgress?: (stage: CheckStage, detail: string) => void;
  /** Set for the run of an unpacked code zip: its own static checks were the zip's, and a missing module is the zip's, not this machine's. */
  unpackedZip?: boolean;
  /**
   * Set by check itself for a second run: the first, on this machine's
   * network, died on this "address in use" line, so the port was taken
   * between the look at it and the agent's bind (another process's race).
   */
  portRace?: string;
}

import { DEFAULT_STARTUP_TIMEOUT_MS } from "./defaults.js";

export { DEFAULT_STARTUP_TIMEOUT_MS };

const DEFAULT_SLOW_PING_MS = 1_000;

/** Runs the agent in `dir` as AgentCore would, probes its contract, and reports findings. */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const progress = options.onProgress ?? (() => {});
  const limitMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const pingTimeoutMs = options.pingTimeoutMs ?? PING_TIMEOUT_MS;

  if (statSync(options.dir, { throwIfNoEntry: false })?.isFile()) return checkZipFile(options);

  progress("plan", `reading ${options.dir}`);
  const { plan, protocol, protocolOrigin, starterToolkit, config } = await resolveLaunchPlan(options.dir, {
    ...(options.cmd !== undefined ? { cmd: options.cmd } : {}),
    ...(options.protocol ? { protocol: options.protocol } : {}),
  });
  const port = PROTOCOL_PORTS[protocol];

  progress("static", "Dockerfile, source and project config");
  const staticFindings = options.unpackedZip
    ? []
    : await runStaticChecks({
        dir: plan.dir,
        protocol,
        ...(plan.image ? { image: plan.image } : {}),
        ...(config ? { config } : {}),
      });
  const zip = options.unpackedZip
    ? { findings: [] }
    : await directoryZipFindings(plan.dir, options.codeZip ?? {}, config, options.dir);

  await reapStaleRoots();
  const packages = await projectPackages(plan.dir, plan.image);
  const hostNotes: string[] = protocolOrigin ? [`protocol ${protocol}: ${protocolOrigin}`] : [];
  if (starterToolkit)
    hostNotes.push(
      `no Dockerfile, deployed by the starter toolkit (${starterToolkit}): judged as the image its \`agentcore launch\` builds, whose generated Dockerfile sets ENV DOCKER_CONTAINER=1`,
    );
  const hostFindings: Finding[] = [];
  const venv = options.unpackedZip ? undefined : projectVenv(plan.dir, plan.env.PATH);
  if (venv) hostNotes.push(venv.note);
  const user = userFinding(plan);
  if (user) hostFindings.push(user);

  // A port taken on this machine is this machine's problem: the agent gets its own network stack where it can.
  if (options.portRace)
    hostNotes.push(
      `a first run on this machine's network died on "${options.portRace}": port ${port} was taken while the agent started, so check ran it again`,
    );
  let netns = options.netns;
  let ownNamespace: Namespace | undefined;
  let portTaken: PortHolder[] = [];
  if (!netns) {
    const holders = await portHolders(port);
    portTaken = holders;
    if (holders.length > 0 || options.portRace) {
      const support = await netnsSupport();
      const taken =
        holders.length > 0
          ? holders.map(describeHolder).join(", ")
          : `a first run on this machine's network died on "${options.portRace}"`;
      if (support.ok) {
        ownNamespace = await createNamespace("check");
        netns = { name: ownNamespace.name, address: ownNamespace.address };
        hostNotes.push(
          `port ${port} is taken on this machine (${taken}): the agent ran in its own network namespace ${ownNamespace.name}, reached on its interface ${ownNamespace.address}, with no route out of this machine`,
        );
      } else {
        return notRunReport({
          options,
          protocol,
          port,
          plan,
          configPath: config?.path,
          limitMs,
          findings: [
            ...staticFindings,
            ...zip.findings,
            ...hostFindings,
            makeFinding(
              "HOST_PORT_IN_USE",
              holders.map((h) => ({
                fact: `${describeHolder(h)} already listens on port ${port}`,
                source: { kind: "socket", table: "/proc/net/tcp, tcp6" },
              })),
              { holder: holders[0] ? describeHolder(holders[0]) : "the process that takes it", port },
            ),
          ],
          notes: [
            ...hostNotes,
            `not run: port ${port} is taken on this machine and the agent cannot get its own network namespace (${support.reason})`,
            ...(zip.note ? [zip.note] : []),
          ],
          ...(zip.section ? { codeZip: zip.section } : {}),
        });
      }
    }
  }

  progress("launch", plan.argv.join(" "));
  const agent = await startInstance({
    artifact: { kind: "host-command", plan },
    ...(netns ? { netns: netns.name } : {}),
    env: { ...venv?.env, ...options.env },
  }).catch(async (error: unknown) => {
    await ownNamespace?.destroy();
    throw error;
  });

  const probed = await probeAgent(agent, {
    dir: plan.dir,
    protocol,
    port,
    command: plan.argv,
    ...(netns ? { address: netns.address } : {}),
    limitMs,
    pingTimeoutMs,
    slowPingMs: options.slowPingMs ?? DEFAULT_SLOW_PING_MS,
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    progress,
  }).finally(() => ownNamespace?.destroy());
  let run = probed.run;
  const probes = probed.probes;

  // Free when looked at, taken when the agent bound it: another process's race, not the agent's defect.
  const inUse =
    !netns && !options.portRace && run.startup.outcome === "exited"
      ? run.output.find((l) => ADDRESS_IN_USE.test(l.text))
      : undefined;
  if (inUse) {
    const support = await netnsSupport();
    if (support.ok) {
      progress(
        "launch",
        `port ${port} was taken while the agent started: running it again in its own network namespace`,
      );
      return runCheck({ ...options, portRace: inUse.text.trim().slice(0, 200) });
    }
    const holders = await portHolders(port);
    run = {
      ...run,
      hostGap: makeFinding(
        "HOST_PORT_IN_USE",
        [
          {
            fact: `the agent stopped on "${inUse.text.trim().slice(0, 200)}" though port ${port} was free when check looked; it cannot get a network namespace of its own here (${support.reason})`,
            source: { kind: "process", detail: inUse.stream },
          },
          ...holders.map((h) => ({
            fact: `${describeHolder(h)} listens on port ${port} now`,
            source: { kind: "socket" as const, table: "/proc/net/tcp, tcp6" },
          })),
        ],
        { holder: holders[0] ? describeHolder(holders[0]) : "the process that takes it", port },
      ),
    };
  }
  const gap =
    !inUse && run.startup.outcome === "exited" && !options.unpackedZip
      ? hostGap(run, packages, plan)
      : undefined;
  if (gap) run = { ...run, hostGap: gapFinding(gap, run) };
  else if (ownNamespace && run.startup.outcome === "exited") {
    // The namespace we made for a taken port has no route out: a start-up that died reaching out died of that.
    const cut = run.output.find((l) => NO_ROUTE_OUT.test(l.text));
    if (cut)
      run = {
        ...run,
        hostGap: makeFinding(
          "HOST_PORT_IN_USE",
          [
            ...portTaken.map((h) => ({
              fact: `${describeHolder(h)} already listens on port ${port}, so the agent ran in a network namespace of its own, which has no route out of this machine`,
              source: { kind: "socket" as const, table: "/proc/net/tcp, tcp6" },
            })),
            ...(options.portRace
              ? [
                  {
                    fact: `a first run on this machine's network died on "${options.portRace}", so the agent ran again in a network namespace of its own, which has no route out of this machine`,
                    source: { kind: "process" as const, detail: "the first run's output" },
                  },
                ]
              : []),
            {
              fact: `the agent stopped reaching out, which that namespace cannot: ${cut.text.trim().slice(0, 300)}`,
              source: { kind: "process", detail: cut.stream },
            },
          ],
          { holder: portTaken[0] ? describeHolder(portTaken[0]) : "the process that takes it", port },
        ),
      };
  }
  const findings = sortFindings(
    mergeFindings([
      ...staticFindings,
      ...zip.findings,
      ...hostFindings,
      ...liveFindings(run, agent.startedAt),
    ]),
  );
  return buildReport({
    options,
    protocol,
    port,
    plan,
    configPath: config?.path,
    run,
    findings,
    probes,
    // The USER the machine lacks is a finding of its own; the launcher's note would say it twice.
    notes: [
      ...hostNotes,
      ...agent.notes.filter((n) => !(user && n.startsWith("the Dockerfile's USER"))),
      ...(zip.note ? [zip.note] : []),
    ],
    network: netns ? `network namespace ${netns.name} (${netns.address})` : "host",
    ...(zip.section ? { codeZip: zip.section } : {}),
  });
}

/**
 * `check` of a code zip file: its static findings, then, unless --no-run,
 * the agent started from the zip unpacked with its POSIX modes, on this
 * machine's interpreter for the runtime (the report names it), probed as a
 * directory is. Paths into the unpacked tree are shown as `agent.zip!/...`.
 */
async function checkZipFile(options: CheckOptions): Promise<CheckReport> {
  const progress = options.onProgress ?? (() => {});
  progress("static", `reading the code zip ${options.dir}`);
  const { codeZipTarget: target, ...read } = await checkCodeZipFile(options.dir, {
    ...options.codeZip,
    ...(options.protocol ? { protocol: options.protocol } : {}),
  });
  const notRun = (why: string): CheckReport => ({
    ...read,
    environment: { ...read.environment, notes: [`the zip was read, not run: ${why}`] },
  });
  if (options.codeZip?.noRun) return notRun("--no-run");
  if (read.findings.some((f) => f.id === "CODE_ZIP_ENTRY_POINT_MISSING"))
    return notRun(
      "its entry point is not in it (CODE_ZIP_ENTRY_POINT_MISSING), so there is nothing AgentCore could start",
    );
  const interpreter = hostInterpreter(target.runtime);
  if (!interpreter)
    return notRun(
      `this machine has no ${target.runtime === "NODE_22" ? "node" : "python3"} to start it with, so start-up, /ping and invocations were not probed`,
    );
  const root = await mkdtemp(join(tmpdir(), "acd-zip-run-"));
  try {
    progress("plan", `unpacking ${options.dir}`);
    const unpacked = await unpackCodeZip(options.dir, root);
    const command = zipRunCommand(target, interpreter, root);
    if ("why" in command) return notRun(command.why);
    const run = await runCheck({
      ...options,
      dir: root,
      cmd: command.argv.join(" "),
      env: { ...command.env, ...options.env },
      protocol: read.target.protocol,
      unpackedZip: true,
    });
    const zipFindings = read.findings;
    const findings = sortFindings(mergeFindings([...zipFindings, ...run.findings]));
    const { summary, ...header } = reportVerdict(findings);
    const report: CheckReport = {
      ...run,
      ...header,
      target: {
        ...read.target,
        argv: run.target.argv,
        origin: `${target.origin}; unpacked and started here`,
      },
      environment: {
        ...run.environment,
        notes: [
          ...command.notes,
          ...(unpacked.refused.length > 0
            ? [`not unpacked: ${unpacked.refused.map((r) => `${r.path} (${r.problem})`).join(", ")}`]
            : []),
          ...run.environment.notes,
        ],
      },
      ...(read.codeZip ? { codeZip: read.codeZip } : {}),
      findings,
      summary,
    };
    // The unpacked tree is gone when the report is read: name its files inside the zip.
    const inZip = `${basename(options.dir)}!`;
    return JSON.parse(JSON.stringify(report).split(root).join(inZip)) as CheckReport;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** What a process prints when it has no route out (errno ENETUNREACH, no resolver reachable). */
/** A bind refused because the address is taken, in Python's, Node's and Go's wording. */
const ADDRESS_IN_USE = /EADDRINUSE|Errno 98|[Aa]ddress already in use/;

const NO_ROUTE_OUT =
  /Network is unreachable|ENETUNREACH|Temporary failure in name resolution|EAI_AGAIN|Could not connect to the endpoint URL/;

/** A project's .venv stands in for the image's installed packages: first on PATH, as `. .venv/bin/activate` does. */
function projectVenv(
  dir: string,
  imagePath: string | undefined,
): { env: Record<string, string>; note: string } | undefined {
  const venv = join(dir, ".venv");
  if (!existsSync(join(venv, "bin"))) return undefined;
  return {
    env: {
      VIRTUAL_ENV: venv,
      PATH: [join(venv, "bin"), imagePath ?? process.env.PATH].filter(Boolean).join(":"),
    },
    note: "the project's .venv is first on PATH: its packages stand in for the image's",
  };
}

/** The Dockerfile's USER when it cannot be taken here: the tool's limitation, said once as a finding. */
function userFinding(plan: LaunchPlan): Finding | undefined {
  const user = plan.image?.user;
  if (!plan.user || !user) return undefined;
  const root = process.getuid?.() === 0;
  if (root && userOnThisMachine(plan.user)) return undefined;
  const path = relative(plan.dir, plan.image!.path) || plan.image!.path;
  return makeFinding(
    "HOST_USER_MISSING",
    [
      {
        fact: root
          ? `USER ${plan.user} does not exist on this machine: the agent ran as root`
          : `USER ${plan.user} cannot be taken without root: the agent ran as uid ${process.getuid?.()}`,
        source: { kind: "file", path, line: user.line },
      },
    ],
    { user: plan.user.split(":")[0] },
  );
}

/** A start-up that stopped on something the image has and this machine lacks. */
function hostGap(run: LiveRun, packages: Awaited<ReturnType<typeof projectPackages>>, plan: LaunchPlan) {
  const exception = run.exception ?? parseException(run.output.map((l) => l.text));
  if (exception) return moduleGap(exception, packages, plan.dir);
  if (run.exit?.code === 127 || run.exit?.code === 126) {
    const command = missingCommand(run.output, plan.argv);
    return command ? commandGap(command, packages, plan.image) : undefined;
  }
  return undefined;
}

function gapFinding(gap: HostGap, run: LiveRun): Finding {
  const evidence = [
    ...gap.evidence,
    {
      fact: "check ran the command with this machine's interpreters and packages; it does not build the image or run its RUN lines",
      source: { kind: "tool" as const, detail: "host mode" },
    },
    ...(gap.kind === "command"
      ? run.output
          .slice(-3)
          .map((l) => ({ fact: l.text, source: { kind: "process" as const, detail: l.stream } }))
      : []),
  ];
  return gap.kind === "module"
    ? makeFinding("HOST_MODULE_NOT_INSTALLED", evidence, { install: gap.install, module: gap.name })
    : makeFinding("HOST_COMMAND_NOT_INSTALLED", evidence, { install: gap.install, command: gap.name });
}

interface ReportInput {
  options: CheckOptions;
  protocol: Protocol;
  port: number;
  plan: { argv: string[]; origin: string; image?: { path: string } };
  configPath: string | undefined;
  run: LiveRun;
  findings: Finding[];
  probes: HttpExchange[];
  notes: readonly string[];
  network: string;
  codeZip?: CodeZipSection;
}

function buildReport({
  options,
  protocol,
  port,
  plan,
  configPath,
  run,
  findings,
  probes,
  notes,
  network,
  codeZip,
}: ReportInput): CheckReport {
  const { startup } = run;
  const { summary, ...header } = reportVerdict(findings);
  return {
    ...header,
    target: {
      dir: options.dir,
      protocol,
      port,
      argv: plan.argv,
      origin: plan.origin,
      ...(plan.image ? { dockerfile: relative(options.dir, plan.image.path) || plan.image.path } : {}),
      ...(configPath ? { config: relative(options.dir, configPath) || configPath } : {}),
    },
    environment: {
      dockerenv: run.dockerenv.state,
      ...(run.dockerenv.state === "hidden" ? { dockerenvDetail: run.dockerenv.method } : {}),
      ...(run.dockerenv.state === "visible" ? { dockerenvDetail: run.dockerenv.reason } : {}),
      network,
      socketsRead: startup.listening !== undefined,
      notes: [
        ...notes,
        ...(startup.listening === undefined
          ? [
              `listening sockets are read from /proc on Linux only; on ${process.platform} the loopback, port and stuck-connection checks were skipped`,
            ]
          : []),
      ],
    },
    startup: startupSection(startup, run.startupTimeoutMs, run.exit),
    probes: probes.map(toReportExchange),
    output: run.output.slice(-40).map((l) => ({ stream: l.stream, text: l.text })),
    ...(codeZip ? { codeZip } : {}),
    findings,
    summary,
  };
}

/** The report of a check that could not start the agent here: its static findings, and why it did not run. */
function notRunReport(input: {
  options: CheckOptions;
  protocol: Protocol;
  port: number;
  plan: LaunchPlan;
  configPath: string | undefined;
  limitMs: number;
  findings: Finding[];
  notes: string[];
  codeZip?: CodeZipSection;
}): CheckReport {
  const findings = sortFindings(mergeFindings(input.findings));
  const { summary, ...header } = reportVerdict(findings);
  const { options, plan } = input;
  return {
    ...header,
    target: {
      dir: options.dir,
      protocol: input.protocol,
      port: input.port,
      argv: plan.argv,
      origin: plan.origin,
      ...(plan.image ? { dockerfile: relative(options.dir, plan.image.path) || plan.image.path } : {}),
      ...(input.configPath ? { config: relative(options.dir, input.configPath) || input.configPath } : {}),
    },
    environment: { dockerenv: "not-run", network: "not run", socketsRead: false, notes: input.notes },
    startup: { outcome: "not-run", limitMs: input.limitMs, stuckConnections: [] },
    probes: [],
    output: [],
    ...(input.codeZip ? { codeZip: input.codeZip } : {}),
    findings,
    summary,
  };
}
