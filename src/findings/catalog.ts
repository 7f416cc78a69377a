export type Severity = "error" | "warning" | "info";

/**
 * The finding catalog: the tool's public, versioned interface. JSON reports,
 * tests and scenarios name these ids. Extend it; never rename or reuse an id.
 *
 * `fix` is a template: `{name}` placeholders are filled from the values a
 * check found (see `renderFix`); a missing value renders as `<name>`.
 */
export interface CatalogEntry {
  severity: Severity;
  title: string;
  /** A more precise title when the check knows every value it names (the call actually made); `title` otherwise. */
  titleWith?: string;
  explanation: string;
  fix: string;
  docs: string;
  /** Which commands can emit it: `check` runs the agent locally, `diagnose` reads AWS. */
  emittedBy: readonly ("check" | "diagnose")[];
}

const DEVGUIDE = "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide";
const CONTRACT = `${DEVGUIDE}/runtime-service-contract.html`;
const VPC = `${DEVGUIDE}/agentcore-vpc.html`;
const PERMISSIONS = `${DEVGUIDE}/runtime-permissions.html`;
const TROUBLESHOOTING = `${DEVGUIDE}/runtime-troubleshooting.html`;
const OBSERVABILITY = `${DEVGUIDE}/observability-configure.html`;
const LONG_RUN = `${DEVGUIDE}/runtime-long-run.html`;
const CODE_DEPLOY = `${DEVGUIDE}/runtime-get-started-code-deploy.html`;
const CODE_DEPLOY_PYTHON = `${DEVGUIDE}/runtime-get-started-code-deploy-python.html`;
const CODE_DEPLOY_ISSUES = `${DEVGUIDE}/runtime-code-deploy-common-issues.html`;
const QUOTAS = `${DEVGUIDE}/bedrock-agentcore-limits.html`;
const MCP_CONTRACT = `${DEVGUIDE}/runtime-mcp-protocol-contract.html`;
const HEADERS = `${DEVGUIDE}/runtime-header-allowlist.html`;
const VERSIONING = `${DEVGUIDE}/agent-runtime-versioning.html`;
const SESSIONS = `${DEVGUIDE}/runtime-sessions.html`;

export const CATALOG = {
  BIND_LOOPBACK: {
    severity: "error",
    title: "The agent serves only on loopback",
    explanation:
      "The server listens on 127.0.0.0/8 or ::1 only. AgentCore's health check and invocations arrive on the instance's network interface, never on loopback, so every health check fails even though a local curl to localhost works.",
    fix: 'Bind to 0.0.0.0 (all interfaces) on port {port}, e.g. `app.run(host="0.0.0.0")` or `server.listen({ host: "0.0.0.0", port: {port} })`.',
    docs: CONTRACT,
    emittedBy: ["check", "diagnose"],
  },
  PYTHON_SDK_LOOPBACK_DEFAULT: {
    severity: "error",
    title: "The AgentCore SDK's server started without host binds 127.0.0.1 in AgentCore",
    titleWith: "{call} without host binds 127.0.0.1 in AgentCore",
    explanation:
      "The Python SDK's `run()` binds 0.0.0.0 only when /.dockerenv exists or DOCKER_CONTAINER is set, and 127.0.0.1 otherwise. /.dockerenv is made by a Docker engine at run time, not baked into an image, so inside AgentCore the app serves on loopback only and fails every health check; under `docker run` it works.",
    fix: "{remedy}, or call `{fixed}` in {file}.",
    docs: CONTRACT,
    emittedBy: ["check", "diagnose"],
  },
  BIND_WRONG_PORT: {
    severity: "error",
    title: "The agent listens, but not on the protocol's port",
    explanation:
      "AgentCore sends the health check and invocations to a fixed port per protocol: HTTP 8080, MCP 8000, A2A 9000. A server on any other port is never reached.",
    fix: "Listen on port {expectedPort} for the {protocol} protocol (it listens on {actualPorts}), or declare the protocol that matches the port with `--protocol`.",
    docs: CONTRACT,
    emittedBy: ["check", "diagnose"],
  },
  NOT_LISTENING: {
    severity: "error",
    title: "The process runs but opens no listening socket",
    explanation:
      'The entry command is alive but nothing in its process tree listens on a TCP port, so the health check is refused. Often the entry command runs a script that defines the app but never starts the server (a missing `app.run()` or `if __name__ == "__main__"` guard).',
    fix: "Make the entry command start the server: call `app.run()` (Python) or `app.run()`/`listen()` (TypeScript) on port {port}.",
    docs: CONTRACT,
    emittedBy: ["check", "diagnose"],
  },
  PING_NOT_FOUND: {
    severity: "error",
    title: "GET /ping is not served",
    explanation:
      "AgentCore polls GET /ping to decide whether the instance is healthy. A 404 or 405 there means the health check fails, whatever /invocations does.",
    fix: 'Serve GET /ping returning 200 with `{"status": "Healthy", "time_of_last_update": <unix seconds>}`; the AgentCore SDKs do this for you.',
    docs: CONTRACT,
    emittedBy: ["check", "diagnose"],
  },
  PING_BAD_RESPONSE: {
    severity: "error",
    title: "/ping answers with a status or body AgentCore does not accept",
    explanation:
      'The health check needs HTTP 200 and a JSON body whose `status` is exactly "Healthy" or "HealthyBusy" (case-sensitive). Anything else is not documented to count as healthy.',
    fix: 'Answer GET /ping with 200 and `{"status": "Healthy", "time_of_last_update": <unix seconds>}` (it answered {observed}).',
    docs: CONTRACT,
    emittedBy: ["check", "diagnose"],
  },
  PING_SLOW: {
    severity: "warning",
    title: "/ping answers slowly",
    explanation:
      "A slow /ping usually means the event loop is blocked by synchronous work (a model call or file download inside an async handler). AgentCore's probe timeout is not documented; a ping that takes seconds risks failing the health check and marks the session unhealthy under load.",
    fix: "Keep /ping free of work and move blocking calls off the event loop (threads, `asyncio.to_thread`, or `@app.async_task`). It took {latencyMs} ms.",
    docs: LONG_RUN,
    emittedBy: ["check"],
  },
  INVOCATIONS_FAILED: {
    severity: "error",
    title: "The invocation endpoint is missing, errors, or answers the wrong content type",
    explanation:
      "AgentCore forwards InvokeAgentRuntime to POST /invocations (HTTP), POST /mcp (MCP) or POST / (A2A). A missing route, a 5xx, or a content type other than JSON or text/event-stream reaches the caller as a RuntimeClientError.",
    fix: "Serve POST {path} answering application/json, or text/event-stream with `data: <json>` events separated by blank lines. Observed: {observed}.",
    docs: CONTRACT,
    emittedBy: ["check", "diagnose"],
  },
  STARTUP_CRASH: {
    severity: "error",
    title: "The agent exited before it was healthy",
    explanation:
      "The entry command ended during start-up, so no server ever answered /ping. In AgentCore this shows only as a failed health check or 'Runtime initialization time exceeded'; the reason is in the container's output.",
    fix: "Fix the error the process printed ({exception}); run the entry command `{command}` locally to reproduce it.",
    docs: TROUBLESHOOTING,
    emittedBy: ["check", "diagnose"],
  },
  STARTUP_TIMEOUT: {
    severity: "error",
    title: "The agent was not healthy within the start-up limit",
    explanation:
      "AgentCore gives a new session a limited time to answer /ping. The limit is not documented (users report 30 to 120 s); this check waited {limitSeconds} s.",
    fix: "Start the server first and do slow initialisation (model downloads, client warm-up) lazily or in the background, so /ping answers within seconds.",
    docs: TROUBLESHOOTING,
    emittedBy: ["check", "diagnose"],
  },
  STARTUP_BLOCKED_ON_NETWORK: {
    severity: "error",
    title: "Start-up is blocked on an outbound connection that never completes",
    explanation:
      "While the agent was not yet healthy, its process held TCP connections stuck in SYN_SENT: the destination does not answer. In a private subnet with no NAT gateway and no VPC endpoint for the service, packets are dropped and such a call hangs until the health check gives up.",
    fix: "Give the runtime a path to {destinations}: a NAT gateway route or a VPC endpoint for the service, and set a connect timeout on start-up calls (or make them lazy).",
    docs: VPC,
    emittedBy: ["check", "diagnose"],
  },
  IMAGE_NOT_ARM64: {
    severity: "error",
    title: "The image does not target linux/arm64",
    explanation:
      "AgentCore runs linux/arm64 images only. An amd64 image fails to start ('exec format error') and shows up as a failed health check.",
    fix: "Build for arm64: `FROM --platform=linux/arm64 ...` or `docker buildx build --platform linux/arm64 ...` (found {platform}).",
    docs: `${DEVGUIDE}/getting-started-custom.html`,
    emittedBy: ["check", "diagnose"],
  },
  OTEL_NOT_INSTRUMENTED: {
    severity: "warning",
    title: "Observability is wanted but the agent is not instrumented",
    explanation:
      "Traces and metrics reach CloudWatch only when the entry command runs under `opentelemetry-instrument` with `aws-opentelemetry-distro` installed. A config that says observability is enabled changes nothing in the CreateAgentRuntime request.",
    fix: "Add `aws-opentelemetry-distro` to {requirements} and start with `opentelemetry-instrument {command}`.",
    docs: OBSERVABILITY,
    emittedBy: ["check", "diagnose"],
  },
  RUNTIME_NOT_READY: {
    severity: "error",
    title: "The runtime or its endpoint is in a failed state",
    explanation: "The control plane reports the runtime or endpoint as failed; invocations cannot succeed.",
    fix: "Read the failureReason ({failureReason}), fix it, then `aws bedrock-agentcore-control update-agent-runtime --agent-runtime-id {runtimeId} ...` to roll a new version.",
    docs: TROUBLESHOOTING,
    emittedBy: ["diagnose"],
  },
  HEALTH_CHECK_FAILING: {
    severity: "error",
    title: "Invocations fail the runtime health check",
    explanation:
      "InvokeAgentRuntime fails with RuntimeClientError ('Runtime health check failed or timed out', 'Runtime initialization time exceeded', or a bare 424). This is a symptom: the other findings explain it.",
    fix: "Fix the root cause named by the other findings, then invoke again with a new session id.",
    docs: TROUBLESHOOTING,
    emittedBy: ["diagnose"],
  },
  NO_RUNTIME_LOGS: {
    severity: "warning",
    title: "The runtime has no logs",
    explanation:
      "No log group, stream or event exists for the runtime. Either the process never started, the execution role cannot write logs, or (VPC without NAT) there is no path to CloudWatch Logs.",
    fix: "To get the runtime's logs: {remedy}",
    docs: PERMISSIONS,
    emittedBy: ["diagnose"],
  },
  EXECUTION_ROLE_CANNOT_LOG: {
    severity: "error",
    title: "The execution role may not write the runtime's logs",
    explanation:
      "AgentCore writes container output to CloudWatch Logs with the execution role's permissions. Without logs:CreateLogStream and logs:PutLogEvents there, there are no logs to read.",
    fix: "Grant {roleName} logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents and logs:DescribeLogStreams on arn:aws:logs:{region}:{account}:log-group:/aws/bedrock-agentcore/runtimes/*.",
    docs: PERMISSIONS,
    emittedBy: ["diagnose"],
  },
  EXECUTION_ROLE_TRUST_INVALID: {
    severity: "error",
    title: "The execution role does not trust bedrock-agentcore.amazonaws.com",
    explanation:
      "AgentCore assumes the execution role as bedrock-agentcore.amazonaws.com; without that trust it cannot run the image.",
    fix: "Add bedrock-agentcore.amazonaws.com as a trusted service principal in {roleName}'s trust policy (`aws iam update-assume-role-policy --role-name {roleName} --policy-document file://trust.json`).",
    docs: PERMISSIONS,
    emittedBy: ["diagnose"],
  },
  EXECUTION_ROLE_CANNOT_PULL_IMAGE: {
    severity: "error",
    title: "The execution role lacks ECR pull permissions",
    explanation:
      "Pulling the image needs ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository and ecr:GetAuthorizationToken on *.",
    fix: "Grant {roleName} ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on {repositoryArn} and ecr:GetAuthorizationToken on *.",
    docs: PERMISSIONS,
    emittedBy: ["diagnose"],
  },
  EXECUTION_ROLE_CANNOT_READ_CODE_ZIP: {
    severity: "error",
    title: "The execution role may not read the runtime's code zip",
    explanation:
      "AgentCore fetches a code runtime's zip from S3 with the execution role; without s3:GetObject on the object (and, for a KMS-encrypted object, kms:Decrypt on its key) the zip cannot be fetched and no session starts.",
    fix: "Grant {roleName} s3:GetObject on {objectArn} (and s3:GetObjectVersion when the runtime names a versionId).",
    docs: PERMISSIONS,
    emittedBy: ["diagnose"],
  },
  CONFIG_DRIFT: {
    severity: "warning",
    title: "The deployed runtime differs from the project config",
    explanation:
      "A field of the deployed runtime does not match the project's config file, so what the team reads is not what runs (for example observability settings that never reached the API).",
    fix: "Redeploy from the config, or update the config to match the runtime. Differences: {fields}.",
    docs: `${DEVGUIDE}/runtime-getting-started.html`,
    emittedBy: ["diagnose"],
  },
  SERVICE_LINKED_ROLE_MISSING: {
    severity: "error",
    title: "The AgentCore network service-linked role does not exist",
    explanation:
      "VPC mode needs AWSServiceRoleForBedrockAgentCoreNetwork to create the runtime's network interfaces. AgentCore creates it on first use if the caller may; otherwise no ENI can be made.",
    fix: "`aws iam create-service-linked-role --aws-service-name network.bedrock-agentcore.amazonaws.com`",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  ENI_MISSING: {
    severity: "error",
    title: "No AgentCore network interface in the runtime's subnets",
    explanation:
      "A VPC-mode runtime needs an ENI tagged AmazonBedrockAgentCoreManaged=true in its subnets. Searching by description finds nothing: AgentCore's ENIs have an empty description.",
    fix: "Check CloudTrail for CreateNetworkInterface by AWSServiceRoleForBedrockAgentCoreNetwork: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateNetworkInterface --region {region}`.",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  ENI_NOT_ATTACHED: {
    severity: "error",
    title: "The AgentCore network interface is not in use",
    explanation: "The ENI exists but is not `in-use` and attached, so the runtime has no network path.",
    fix: "Update the runtime to roll a new version (`aws bedrock-agentcore-control update-agent-runtime --agent-runtime-id {runtimeId} ...`); if it persists, open a support case with the ENI id {eniId}.",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  ENI_CREATE_FAILED: {
    severity: "error",
    title: "CloudTrail shows CreateNetworkInterface failing",
    explanation: "AgentCore tried to create the runtime's ENI and EC2 refused it; the error code names why.",
    fix: "Resolve the EC2 error {errorCode} ({errorMessage}), then update the runtime to retry.",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  SUBNET_AZ_UNSUPPORTED: {
    severity: "error",
    title: "A subnet is in an Availability Zone AgentCore does not support",
    explanation:
      "AgentCore places runtimes only in specific Availability Zone IDs per region; a subnet elsewhere cannot host the runtime's ENI.",
    fix: "Use subnets in {supportedAzIds} (subnet {subnetId} is in {azId}).",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  SUBNET_NO_FREE_IPS: {
    severity: "error",
    title: "A subnet has no free addresses",
    explanation:
      "Each AgentCore ENI takes a private address from the subnet; a full subnet fails ENI creation with InsufficientFreeAddressesInSubnet.",
    fix: "Free addresses in {subnetId} or add a subnet with free space to the runtime's network configuration.",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  SG_EGRESS_BLOCKED: {
    severity: "error",
    title: "Security-group egress blocks what the agent needs",
    explanation:
      "The runtime's outbound traffic leaves through its ENI under the ENI's security groups; without an egress rule for it, connections hang.",
    fix: "`aws ec2 authorize-security-group-egress --group-id {groupId} --ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]`",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  VPC_NO_EGRESS_PATH: {
    severity: "error",
    title: "No NAT route and no VPC endpoint for a destination the agent needs",
    explanation:
      "In a private subnet, traffic reaches AWS services only through a NAT gateway or VPC endpoints. A public subnet gives no internet access to AgentCore ENIs.",
    fix: "{remedy}, or add a VPC endpoint for {service}.",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  VPC_ENDPOINT_MISSING: {
    severity: "error",
    title: "A VPC endpoint the agent needs is absent",
    explanation:
      "Without a NAT gateway, every AWS service the runtime or the agent calls needs its own VPC endpoint (ecr.api, ecr.dkr, S3 gateway, logs, and the agent's own services).",
    fix: "`aws ec2 create-vpc-endpoint --vpc-id {vpcId} --vpc-endpoint-type Interface --service-name {serviceName} --subnet-ids {subnetIds} --security-group-ids {groupIds} --private-dns-enabled`",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  VPC_ENDPOINT_PRIVATE_DNS_DISABLED: {
    severity: "error",
    title: "A VPC endpoint exists but its private DNS is off",
    explanation:
      "With private DNS off, the service's regional host name still resolves to public addresses that a private subnet cannot reach.",
    fix: "`aws ec2 modify-vpc-endpoint --vpc-endpoint-id {endpointId} --private-dns-enabled`",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  VPC_ENDPOINT_SG_BLOCKS_RUNTIME: {
    severity: "error",
    title: "A VPC endpoint's security group does not admit the runtime",
    explanation:
      "Interface endpoints have security groups of their own; they must allow 443 in from the runtime's ENI.",
    fix: "`aws ec2 authorize-security-group-ingress --group-id {endpointGroupId} --protocol tcp --port 443 --source-group {runtimeGroupId}`",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  VPC_DNS_DISABLED: {
    severity: "error",
    title: "The VPC has DNS support or DNS hostnames turned off",
    explanation:
      "Private DNS for interface endpoints needs both enableDnsSupport and enableDnsHostnames on the VPC.",
    fix: "`aws ec2 modify-vpc-attribute --vpc-id {vpcId} --enable-dns-support '{\"Value\":true}'` and the same with `--enable-dns-hostnames`.",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  PING_TIMESTAMP_MISSING: {
    severity: "warning",
    title: "/ping omits time_of_last_update",
    explanation:
      "Without `time_of_last_update` (Unix seconds), AgentCore's idle timeout can end a session even while /ping says HealthyBusy, killing long-running work.",
    fix: "Include `time_of_last_update` as an integer of Unix seconds in the /ping body (it answered {observed}).",
    docs: LONG_RUN,
    emittedBy: ["check"],
  },
  PING_STUCK_BUSY: {
    severity: "warning",
    title: "/ping stays HealthyBusy with no work running",
    explanation:
      "A session that always reports HealthyBusy never idles out and keeps costing until its maximum lifetime.",
    fix: "Mark background tasks complete (`app.complete_async_task(id)`), and report Healthy when nothing runs.",
    docs: LONG_RUN,
    emittedBy: ["check"],
  },
  ENI_LINGERING: {
    severity: "info",
    title: "AgentCore network interfaces of deleted runtimes are still attached",
    explanation:
      "After a runtime is deleted, its ENIs can stay attached for up to 8 hours and block deleting the security group or subnet.",
    fix: "Wait for AgentCore to release {eniIds} (up to 8 h after deletion); they cannot be detached by the account.",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  TELEMETRY_EXPORT_BLOCKED: {
    severity: "warning",
    title: "Traces and metrics cannot leave the private subnet",
    explanation:
      "The agent exports telemetry (ADOT, an OpenTelemetry exporter), and the export to X-Ray and CloudWatch fails silently without a path: no NAT and no xray / monitoring endpoints. Reported only when the agent is seen or configured to export.",
    fix: "Add interface endpoints for xray and monitoring (and logs) in {vpcId}, or a NAT gateway route.",
    docs: OBSERVABILITY,
    emittedBy: ["diagnose"],
  },
  MCP_INITIALIZE_FAILED: {
    severity: "error",
    title: "The MCP server does not answer initialize on POST /mcp",
    explanation:
      "AgentCore forwards MCP traffic to port 8000, path /mcp, as stateless streamable HTTP. A server on another path (for example /, or /sse) or one that rejects JSON-RPC `initialize` cannot be invoked.",
    fix: 'Serve streamable HTTP on POST /mcp at port 8000 (FastMCP: `mcp.run(transport="streamable-http")` with host 0.0.0.0 and stateless_http=True). Observed: {observed}.',
    docs: `${DEVGUIDE}/runtime-mcp-protocol-contract.html`,
    emittedBy: ["check"],
  },
  A2A_AGENT_CARD_MISSING: {
    severity: "error",
    title: "The A2A server does not publish its agent card",
    explanation:
      "A2A runtimes must serve the Agent Card at /.well-known/agent-card.json on port 9000; clients discover the agent through it.",
    fix: "Serve GET /.well-known/agent-card.json on port 9000 (observed: {observed}).",
    docs: `${DEVGUIDE}/runtime-a2a-protocol-contract.html`,
    emittedBy: ["check"],
  },
  DOCKERFILE_EXPOSE_MISMATCH: {
    severity: "warning",
    title: "The Dockerfile does not EXPOSE the protocol's port",
    explanation:
      "EXPOSE is documentation only, but an EXPOSE that names another port usually means the server listens there too, which AgentCore never reaches.",
    fix: "Expose and listen on {expectedPort} for {protocol} (the Dockerfile exposes {exposed}).",
    docs: CONTRACT,
    emittedBy: ["check"],
  },
  PROJECT_CONFIG_INVALID: {
    severity: "error",
    title: "The project config does not validate",
    explanation:
      "The AgentCore CLI's agentcore/agentcore.json or the starter toolkit's .bedrock_agentcore.yaml has a field the tools reject or misread, so a deploy from it fails or deploys something else.",
    fix: "Fix {file}: {problems}.",
    docs: `${DEVGUIDE}/runtime-getting-started.html`,
    emittedBy: ["check", "diagnose"],
  },
  PROBE_DOCKERENV_VISIBLE: {
    severity: "warning",
    title: "The probe could not hide /.dockerenv from the agent",
    explanation:
      "This machine has /.dockerenv (as Docker containers and devcontainers do), but AgentCore's microVMs do not. Code that checks for it, such as the Python SDK's host default, behaves differently here than in AgentCore, so a passing probe here may fail there.",
    fix: "Run `check` as root on Linux (it then hides /.dockerenv in a private mount namespace), or on a machine without /.dockerenv. Reason: {reason}.",
    docs: CONTRACT,
    emittedBy: ["check"],
  },
  HOST_MODULE_NOT_INSTALLED: {
    severity: "warning",
    title: "A module the image would have is not installed on this machine",
    explanation:
      "`check DIR` runs the Dockerfile's command with this machine's interpreter and packages; it does not build the image or run its RUN lines. The agent stopped at start-up on a module that the project declares (requirements.txt, pyproject.toml, uv.lock, package.json) or the Dockerfile installs, so the image would have it: this says nothing about AgentCore, and start-up could not be judged past that import.",
    fix: "Install the project's dependencies here ({install}) and run check again; or check the built image itself.",
    docs: TROUBLESHOOTING,
    emittedBy: ["check"],
  },
  HOST_COMMAND_NOT_INSTALLED: {
    severity: "warning",
    title: "A command the image would have is not installed on this machine",
    explanation:
      "`check DIR` runs the Dockerfile's command on this machine, whose PATH is not the image's: the entry command (or one it starts) is missing here, while the image's base provides it or a package its build installs puts it on PATH. Start-up could not be judged.",
    fix: "Install {command} here: {install}; then run check again (or pass the command to run with `--cmd`).",
    docs: TROUBLESHOOTING,
    emittedBy: ["check"],
  },
  HOST_USER_MISSING: {
    severity: "info",
    title: "The Dockerfile's USER cannot be taken on this machine",
    explanation:
      "The image runs as its Dockerfile's USER, but this machine has no such user (or check is not root and cannot switch users), so the agent ran as the current user. File permissions and a home directory may differ from the image's; a start-up that depends on them was not judged as AgentCore would run it.",
    fix: "To run as the image does, create the user here (`useradd -m -u 1000 {user}`, as the image's build does) and run check as root.",
    docs: CONTRACT,
    emittedBy: ["check"],
  },
  HOST_PORT_IN_USE: {
    severity: "warning",
    title: "The protocol's port is taken on this machine",
    explanation:
      "Another process on this machine already listens on the port AgentCore sends this protocol to, so the agent could not be run and probed here without colliding with it. In AgentCore each instance has its own network stack: this is this machine's problem, not the agent's. As root on Linux check runs the agent in its own network namespace instead.",
    fix: "Stop {holder} (it listens on port {port}) or run check as root on Linux, where the agent gets its own network namespace.",
    docs: CONTRACT,
    emittedBy: ["check"],
  },
  CODE_ZIP_DEPS_MISSING: {
    severity: "error",
    title: "A module imported at start-up is not in the code zip",
    explanation:
      "Direct code deployment has no install step: the managed runtime runs the zip as it is, with only the language's standard library beside it. A module the entry point imports while starting (directly or through the zip's own modules) that is neither in the zip nor in the runtime's standard library stops the agent with ModuleNotFoundError (Node: Cannot find module), and AgentCore reports only 'Runtime initialization time exceeded'; the traceback is in the runtime's logs.",
    fix: "Put {modules} into the zip: {install}",
    docs: CODE_DEPLOY_PYTHON,
    emittedBy: ["check", "diagnose"],
  },
  CODE_ZIP_NATIVE_ARCH: {
    severity: "error",
    title: "Native code in the zip is built for another platform",
    explanation:
      "The managed runtime is linux/arm64 (AArch64) with glibc and one CPython (or Node) version. A shared library or extension module built for x86-64, macOS or Windows, for another CPython ABI (a cp311 module under PYTHON_3_12), for musl, or for a newer glibc cannot be loaded: the import fails at start-up even though the package is in the zip. This is what a zip built by `pip install` on an x86-64 laptop carries.",
    fix: "Reinstall {packages} for the runtime and zip again: {install}",
    docs: CODE_DEPLOY_PYTHON,
    emittedBy: ["check", "diagnose"],
  },
  CODE_ZIP_PERMISSIONS: {
    severity: "error",
    title: "Files in the zip cannot be read or executed by the runtime",
    explanation:
      "AgentCore unpacks the zip with the POSIX permissions it stores, and the agent does not run as the files' owner: a file without read permission for others (600, as Python's zipfile.writestr gives by default), a directory without execute permission, or an executable without execute permission fails with '[Errno 13] Permission denied' at start-up.",
    fix: "Before zipping, run `chmod -R a+rX .` in the package directory (and `chmod a+x {executables}`), then zip with a tool that keeps permissions (`zip -r`). Affected: {files}.",
    docs: CODE_DEPLOY_ISSUES,
    emittedBy: ["check", "diagnose"],
  },
  CODE_ZIP_NO_POSIX_MODES: {
    severity: "info",
    title: "The zip stores no POSIX permissions",
    explanation:
      "AgentCore uses the zip's POSIX permissions, but this zip stores none (it was made on Windows, or by a writer that sets none, as the AgentCore CLI's own packager does). Which permissions AgentCore then gives the files is not documented, so whether an executable among them can be run cannot be judged from the zip.",
    fix: "To be sure, zip on Linux or macOS (or WSL) with `zip -r` after `chmod -R a+rX .`{executables}.",
    docs: CODE_DEPLOY,
    emittedBy: ["check", "diagnose"],
  },
  CODE_ZIP_ENTRY_POINT_MISSING: {
    severity: "error",
    title: "The entry point is not in the code zip, or cannot start from it",
    explanation:
      'AgentCore runs `codeConfiguration.entryPoint` (one or two items, such as ["main.py"] or ["opentelemetry-instrument", "main.py"]) against the unpacked zip. A file it names that the zip does not hold (often because the zip was made from the parent directory, so everything sits one folder down), or a script whose interpreter exists only on the machine that built it, means nothing starts.',
    fix: "Make the entry point start from the zip: {remedy}",
    docs: CODE_DEPLOY,
    emittedBy: ["check", "diagnose"],
  },
  CODE_ZIP_TOO_LARGE: {
    severity: "error",
    title: "The code zip is over the direct code deployment size limit",
    explanation:
      "AgentCore's quotas cap a direct code deployment package at 250 MB zipped and 750 MB unzipped, and neither can be raised. A larger package cannot be deployed as a code zip.",
    fix: "Bring the package under {limit}: leave out tests, caches, data and packages the agent does not import, or deploy it as a container image (up to 2 GB). Measured: {measured}.",
    docs: QUOTAS,
    emittedBy: ["check", "diagnose"],
  },
  IMAGE_LAYERS_WITH_NAMED_USER: {
    severity: "error",
    title: "Too many layers for an image with a named USER",
    explanation:
      "AgentCore fails to start an image of more than about 53 layers whose USER is a name rather than a number, with 'Failed to mount overlay: No such file or directory' (AgentCore's troubleshooting page). The same image runs under Docker, which mounts its layers differently.",
    fix: "Use a numeric USER (`USER {uid}` for {user}) or squash the image to fewer layers (it has {layers}): merge RUN lines, or build a final stage that copies from the build stage.",
    docs: TROUBLESHOOTING,
    emittedBy: ["check", "diagnose"],
  },
  IMAGE_INDEX_ATTESTATION: {
    severity: "warning",
    title: "The image index carries attestation manifests",
    explanation:
      "BuildKit adds attestation entries (platform unknown/unknown) beside the image when provenance or an SBOM is on, the default of `docker buildx build`. One report ties such an index to a VPC cold start that timed out; AWS does not document it, so this is a warning.",
    fix: "Build with `--provenance=false --sbom=false` (or push with `docker buildx build --platform linux/arm64 --provenance=false ...`) so the index holds the arm64 image only; entries: {entries}.",
    docs: TROUBLESHOOTING,
    emittedBy: ["check", "diagnose"],
  },
  HOST_CANNOT_RUN_IMAGE: {
    severity: "warning",
    title: "This machine cannot run the image as AgentCore would",
    explanation:
      "Running an image needs root on Linux, an OCI runtime (runc), umoci to unpack its layers, network namespaces, and for a linux/arm64 image on another architecture qemu-user's binfmt rule. Without them the image was read but not run: its contract was not probed. This is this machine's limit, not the image's.",
    fix: "Give this machine what running the image needs: {remedy}",
    docs: CONTRACT,
    emittedBy: ["check", "diagnose"],
  },
  CODE_ZIP_HOST_PATHS: {
    severity: "warning",
    title: "Installed files point at paths on the machine that built the zip",
    explanation:
      "Installing into a folder bakes that machine's paths into some files: console scripts in bin/ start with `#!/home/me/project/.venv/bin/python`, editable installs leave .pth files and direct_url.json pointing at the source checkout. None of those paths exist in the runtime, so such a script cannot start and an editable package is simply absent.",
    fix: "Rewrite the shebangs to `#!/usr/bin/env python3` (as the AgentCore CLI does), install without `-e`/`--editable`, and rebuild the zip. Files: {files}.",
    docs: CODE_DEPLOY_PYTHON,
    emittedBy: ["check", "diagnose"],
  },
  CODE_ZIP_ENTRIES_REFUSED: {
    severity: "warning",
    title: "The zip holds entries a careful unpacker refuses",
    explanation:
      "Entries with absolute names, `..` segments or encryption cannot be unpacked safely; an unpacker skips or rejects them, so what runs may lack them (or the deployment fails).",
    fix: "Rebuild the zip from inside the package directory, without absolute paths or encryption: {entries}.",
    docs: CODE_DEPLOY,
    emittedBy: ["check", "diagnose"],
  },
  CODE_ZIP_NO_S3_PATH: {
    severity: "error",
    title: "The runtime's VPC has no way to S3 to fetch its code zip",
    explanation:
      "VPC runtimes created on or after 2026-05-05 no longer get a service-managed S3 gateway: AgentCore fetches the code zip (and image layers) through the runtime's own subnets, so the VPC needs an S3 gateway endpoint on the subnets' route tables or a NAT gateway. Without either the zip cannot be fetched and no session starts (AWS notice quoted in hashicorp/terraform-provider-aws issue 47800).",
    fix: "Add an S3 gateway endpoint to the route tables of the runtime's subnets: `aws ec2 create-vpc-endpoint --vpc-id {vpc} --vpc-endpoint-type Gateway --service-name com.amazonaws.{region}.s3 --route-table-ids {routeTables}` (or give the subnets a route to a NAT gateway).",
    docs: VPC,
    emittedBy: ["diagnose"],
  },
  INBOUND_AUTH_METHOD_MISMATCH: {
    severity: "error",
    title: "The caller authenticated another way than the runtime takes (OAuth or SigV4)",
    titleWith: "The runtime takes {expected}; the caller sent {sent}",
    explanation:
      "A runtime with an inbound JWT authorizer (authorizerConfiguration.customJWTAuthorizer) takes only `Authorization: Bearer <token>` on a plain HTTPS POST; a runtime without one takes only SigV4. AgentCore refuses the other with AccessDeniedException 'Authorization method mismatch ... (OAuth or SigV4)' before any session starts. The usual causes: an AWS SDK or CLI call (SigV4) to a JWT runtime, or a client or proxy that dropped the bearer token and signed instead.",
    fix: "Authenticate the way the runtime takes: {remedy}",
    docs: `${DEVGUIDE}/runtime-oauth.html`,
    emittedBy: ["diagnose"],
  },
  INBOUND_TOKEN_MISSING: {
    severity: "error",
    title: "The request carried neither a SigV4 signature nor a bearer token",
    explanation:
      "AgentCore answers a request with no credentials at all with 401 'Missing Authentication Token' (reported second-hand; MCP clients see it as JSON-RPC error -32001). A client that was meant to send a bearer token sent none, or an HTTP client called the data plane without signing.",
    fix: "Send the credentials the runtime takes: {remedy}",
    docs: `${DEVGUIDE}/runtime-oauth.html`,
    emittedBy: ["diagnose"],
  },
  INBOUND_TOKEN_REJECTED: {
    severity: "error",
    title: "The runtime's JWT authorizer refused the bearer token",
    titleWith: "The runtime's JWT authorizer refused the token: {check}",
    explanation:
      "The JWT authorizer validates each token against the discovery URL's issuer and keys, its expiry, and the runtime's allowedAudience (aud), allowedClients (client_id), allowedScopes (scope) and customClaims. A token from another user pool or tenant, an ID token where an access token is wanted (Cognito access tokens carry client_id, not aud), or a token without the configured scope is refused with 403.",
    fix: "Send a token the runtime's authorizer accepts: {remedy}",
    docs: `${DEVGUIDE}/inbound-jwt-authorizer.html`,
    emittedBy: ["diagnose"],
  },
  CROSS_ACCOUNT_NOT_ALLOWED: {
    severity: "error",
    title: "A caller from another account is refused: no resource-based policy allows it",
    titleWith:
      "Account {callerAccount} is refused {action}: no resource-based policy on the runtime allows it",
    explanation:
      "A principal of another account may invoke a runtime only when the runtime's (or the endpoint's) resource-based policy allows it, besides its own identity policy. Without such a policy AgentCore answers AccessDeniedException '... is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime ... because no resource-based policy allows ...' (aws/agentcore-cli issue 607).",
    fix: "Allow the calling account in the runtime's resource-based policy: {remedy}",
    docs: `${DEVGUIDE}/resource-based-policies.html`,
    emittedBy: ["diagnose"],
  },
  RUNTIME_MMDSV2_NOT_ENABLED: {
    severity: "error",
    title: "The runtime does not require MMDSv2, so AgentCore refuses every invocation",
    explanation:
      'Since 2026-06-30 AgentCore refuses InvokeAgentRuntime, ExecuteCommand, the WebSocket stream and GetAgentCard for a runtime whose metadataConfiguration does not set requireMMDSV2, with ValidationException "This runtime is not MMDSv2-enabled and can no longer be invoked". Nothing reaches the container and nothing is logged. (Whether a runtime created after that date without the field counts as enabled is not documented.)',
    fix: "Set requireMMDSV2 with the runtime's full configuration (UpdateAgentRuntime replaces it all): `aws bedrock-agentcore-control update-agent-runtime --agent-runtime-id {runtimeId} --agent-runtime-artifact <as now> --role-arn {roleArn} --network-configuration <as now> --metadata-configuration requireMMDSV2=true` (and every other field the runtime has: protocol, lifecycle, environment variables, authorizer, headers). If the agent reads the metadata service itself, use the MMDSv2 token flow (PUT for a token first).",
    docs: TROUBLESHOOTING,
    emittedBy: ["diagnose"],
  },
  SESSION_ID_TOO_SHORT: {
    severity: "error",
    title: "The runtime session id is shorter than the 33 characters AgentCore requires",
    explanation:
      'runtimeSessionId (header X-Amzn-Bedrock-AgentCore-Runtime-Session-Id) must be 33 to 256 characters. A shorter id is refused before any session starts: boto3 says so client-side ("Invalid length for parameter runtimeSessionId, value: N, valid min length: 33"); the service answers ValidationException for clients that do not check.',
    fix: "Send a session id of 33 or more characters, e.g. `str(uuid.uuid4())` (36) or `crypto.randomUUID()`; keep it for the conversation so its turns reach the same session (it was {length} characters).",
    docs: SESSIONS,
    emittedBy: ["diagnose"],
  },
  MCP_SESSION_ENDED: {
    severity: "warning",
    title: "The MCP client keeps an Mcp-Session-Id whose session has ended",
    explanation:
      "AgentCore routes an MCP client by its Mcp-Session-Id to one microVM. When that session ends (idle timeout, maximum lifetime or StopRuntimeSession) the id is dead and every request carrying it gets 404 until the client initializes a new MCP session; clients that do not re-initialize on 404 fail forever.",
    fix: "Make the client start over on 404: drop the Mcp-Session-Id and send initialize again (the MCP streamable HTTP transport requires it), or keep sessions alive within idleRuntimeSessionTimeout ({idleTimeout} s) for as long as the client holds the id.",
    docs: MCP_CONTRACT,
    emittedBy: ["diagnose"],
  },
  MCP_SESSION_ID_REJECTED: {
    severity: "error",
    title: "The MCP server rejects the Mcp-Session-Id the platform sends",
    explanation:
      'AgentCore forwards an Mcp-Session-Id with MCP requests, one it generated for a stateless server. A server that only accepts ids it issued itself (stateful mode, stateless_http=False) answers such requests with 400 or 404 ("session not found") and cannot be invoked.',
    fix: "Run the server stateless (FastMCP: `stateless_http=True`; the TypeScript SDK: `sessionIdGenerator: undefined`) or accept an unknown Mcp-Session-Id as a new session. Observed: {observed}.",
    docs: MCP_CONTRACT,
    emittedBy: ["check"],
  },
  MCP_HEALTH_PROBE_REJECTED: {
    severity: "error",
    title: "The MCP server refuses the platform's health probe",
    explanation:
      "Without GET /ping an MCP runtime is probed over MCP itself: one user report shows a JSON-RPC ping to /mcp/ without Authorization. A server that answers 401 to unauthenticated requests, or 404 on the trailing slash, fails that probe and sessions end with the health-check error (-32010) after a few minutes (the exact probe is not documented).",
    fix: "Answer the probe: serve GET /ping with 200, or let an unauthenticated JSON-RPC `ping` on /mcp and /mcp/ through (auth on tools, not on ping). Observed: {observed}.",
    docs: MCP_CONTRACT,
    emittedBy: ["check"],
  },
  HEADER_NOT_ALLOWLISTED: {
    severity: "warning",
    title: "The agent reads a request header AgentCore does not forward to it",
    explanation:
      "AgentCore passes a caller's header to the container only when the runtime's requestHeaderConfiguration allow-lists it and it is allowed at all (not restricted, not x-amz-*, not x-amzn-* except X-Amzn-Bedrock-AgentCore-Runtime-Custom-*, Authorization only with a JWT authorizer). Any other header is dropped at the platform, so the agent sees it missing. Python SDK versions before PR 483 also dropped allow-listed headers without the Custom- prefix from context.request_headers.",
    fix: "Allow-list the header with the runtime's full configuration: `aws bedrock-agentcore-control update-agent-runtime --agent-runtime-id {runtimeId} ... --request-header-configuration requestHeaderAllowlist={headers}` ({headers} read in {where}; allow-listed now: {allowlist}), and use a bedrock-agentcore Python SDK that forwards non-Custom- headers.",
    docs: HEADERS,
    emittedBy: ["diagnose"],
  },
  ENDPOINT_PINNED_OLD_VERSION: {
    severity: "warning",
    title: "The endpoint invoked still serves an older version than the latest update",
    explanation:
      "Each UpdateAgentRuntime makes a new version. Only DEFAULT follows the latest; a named endpoint keeps the version it was created or last updated with, so a redeploy 'does nothing' for callers of that endpoint. Sessions already open also keep their version until they end.",
    fix: "Point the endpoint at the new version: `aws bedrock-agentcore-control update-agent-runtime-endpoint --agent-runtime-id {runtimeId} --endpoint-name {endpoint} --agent-runtime-version {latest}` (it serves {live}); stop open sessions (StopRuntimeSession) that must pick it up.",
    docs: VERSIONING,
    emittedBy: ["diagnose"],
  },
  UPDATE_LOST_CONFIG: {
    severity: "warning",
    title: "The latest update dropped configuration the previous version had",
    explanation:
      "UpdateAgentRuntime replaces the whole configuration: whatever the request omits is gone from the new version (protocol, lifecycle, environment variables, authorizer, allowed headers, metadata settings, VPC mode). A deploy script that sends only the new image silently loses the rest.",
    fix: "Update again with the full configuration, taking what version {previous} had: {lost}. Build the request from `aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id {runtimeId} --agent-runtime-version {previous}`.",
    docs: VERSIONING,
    emittedBy: ["diagnose"],
  },
  CLIENT_READ_TIMEOUT: {
    severity: "warning",
    title: "The client gave up reading before the agent answered",
    explanation:
      '"Read timeout on endpoint URL: .../invocations" is the caller\'s SDK, not AgentCore: boto3 waits 60 s for a response by default, while an AgentCore request may run up to 15 minutes (streaming 60). The agent keeps working; the caller just stopped listening.',
    fix: "Raise the client's read timeout above the agent's work (boto3: `Config(read_timeout=900, retries={\"max_attempts\": 0})`; JavaScript v3: `requestHandler: { requestTimeout: 900000 }`), or stream the answer (SSE) so bytes flow, or return at once and finish in the background (add_async_task).",
    docs: TROUBLESHOOTING,
    emittedBy: ["diagnose"],
  },
} as const satisfies Record<string, CatalogEntry>;

export type FindingId = keyof typeof CATALOG;

export const FINDING_IDS = Object.keys(CATALOG) as FindingId[];

export function isFindingId(value: string): value is FindingId {
  return Object.hasOwn(CATALOG, value);
}
