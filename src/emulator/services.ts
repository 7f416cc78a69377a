import { admission, type DataPlaneOptions, dataPlaneAdapter } from "./bedrock-agentcore/adapter.js";
import { InboundAuth } from "./bedrock-agentcore/inbound-auth.js";
import type { SessionManager } from "./bedrock-agentcore/sessions.js";
import { isRuntimeWebSocket, runtimeWebSocket } from "./bedrock-agentcore/websocket.js";
import { controlPlaneAdapter } from "./bedrock-agentcore-control/adapter.js";
import type { AgentRuntimes } from "./bedrock-agentcore-control/model.js";
import { ResourcePolicies, resourcePolicyAdapter } from "./bedrock-agentcore-control/resource-policies.js";
import { cloudTrailAdapter } from "./cloudtrail/adapter.js";
import type { Trail } from "./cloudtrail/model.js";
import type { Environment } from "./context.js";
import type { Dispatch, ServiceBinding } from "./dispatch.js";
import { ec2Adapter } from "./ec2/adapter.js";
import type { Ec2 } from "./ec2/model/ec2.js";
import { ecrAdapter } from "./ecr/adapter.js";
import { distributionApi } from "./ecr/distribution-api.js";
import type { Ecr } from "./ecr/model.js";
import { iamAdapter } from "./iam/adapter.js";
import type { Iam } from "./iam/model/iam.js";
import { logsAdapter } from "./logs/adapter.js";
import type { Logs } from "./logs/model.js";
import { AwsJsonCodec } from "./protocol/aws-json.js";
import { AwsQueryCodec } from "./protocol/aws-query.js";
import { Ec2QueryCodec } from "./protocol/ec2-query.js";
import { RestJsonCodec } from "./protocol/rest-json.js";
import { RestXmlCodec } from "./protocol/rest-xml.js";
import { loadServiceModel } from "./protocol/service-model.js";
import { DATA_EVENTS, s3Adapter } from "./s3/adapter.js";
import { s3HostPath, s3Patch } from "./s3/addressing.js";
import type { S3 } from "./s3/model.js";
import { secretsManagerAdapter } from "./secretsmanager/adapter.js";
import { SecretsManager } from "./secretsmanager/model.js";
import { ssmAdapter } from "./ssm/adapter.js";
import { ParameterStore } from "./ssm/model.js";
import type { Store } from "./store/store.js";
import { stsAdapter } from "./sts/adapter.js";
import type { Sts } from "./sts/model.js";

/** What service models share: the state, time and randomness, the event history, the AgentCore models. */
export interface ServiceDeps {
  store: Store;
  env: Environment;
  trail: Trail;
  runtimes: AgentRuntimes;
  sessions: SessionManager;
  /** Shared with the control plane, which places VPC runtimes' interfaces. */
  ec2: Ec2;
  /** Shared with the runtime log delivery, which writes container output. */
  logs: Logs;
  /** Shared with AgentCore: its network service-linked role, and whether an execution role may write logs. */
  iam: Iam;
  /** ECR's registry: what was pushed, and the image map's directories. Shared with sessions, which run its images. */
  ecr: Ecr;
  /** S3's buckets and objects. Shared with sessions, which fetch code zips from it. */
  s3: S3;
  log?: (line: string) => void;
  /** Shared with the server (who an access key stands for) and the sessions (the execution role's credentials). */
  sts: Sts;
  /** The one way into the services, for the calls one service makes of another on the caller's behalf. */
  dispatch: Dispatch;
  /** The data plane's dates (the MMDSv2 cutover). */
  dataPlane?: DataPlaneOptions;
}

/**
 * Every emulated service, one entry each: signing name, codec over its model,
 * adapter over its backend. A new service is one folder and one entry here.
 */
/** Who Parameter Store's calls to Secrets Manager come from in CloudTrail. */
const SSM_SERVICE = "ssm.amazonaws.com";

export function buildServices(deps: ServiceDeps): ServiceBinding[] {
  const { trail, runtimes, sessions } = deps;
  const policies = new ResourcePolicies(deps.store, runtimes);
  const inboundAuth = new InboundAuth();
  return [
    {
      signingName: "bedrock-agentcore",
      codec: new RestJsonCodec(loadServiceModel("bedrock-agentcore-control")),
      adapter: {
        ...controlPlaneAdapter(runtimes, (runtimeId) => void sessions.stopRuntime(runtimeId)),
        ...resourcePolicyAdapter(policies),
      },
      eventSource: "bedrock-agentcore.amazonaws.com",
      state: { kinds: ["agentcore."] },
    },
    {
      signingName: "bedrock-agentcore",
      codec: new RestJsonCodec(loadServiceModel("bedrock-agentcore")),
      adapter: dataPlaneAdapter(runtimes, sessions, policies, inboundAuth, deps.dataPlane),
      upgrade: {
        matches: isRuntimeWebSocket,
        handle: runtimeWebSocket(sessions, admission(runtimes, inboundAuth, policies), deps.log),
      },
      transactional: false,
      state: {
        kinds: ["emulator.container-output"],
        beforeReset: () => sessions.stopSessions("state reset"),
      },
    },
    {
      signingName: "cloudtrail",
      codec: new AwsJsonCodec(loadServiceModel("cloudtrail")),
      adapter: cloudTrailAdapter(trail),
      eventSource: "cloudtrail.amazonaws.com",
      state: { kinds: ["cloudtrail."] },
    },
    {
      signingName: "ec2",
      codec: new Ec2QueryCodec(loadServiceModel("ec2")),
      adapter: ec2Adapter(deps.ec2),
      eventSource: "ec2.amazonaws.com",
      state: { kinds: ["ec2."] },
    },
    {
      signingName: "logs",
      codec: new AwsJsonCodec(loadServiceModel("logs")),
      adapter: logsAdapter(deps.logs),
      eventSource: "logs.amazonaws.com",
      state: { kinds: ["logs."] },
    },
    {
      signingName: "ecr",
      codec: new AwsJsonCodec(loadServiceModel("ecr")),
      adapter: ecrAdapter(deps.ecr),
      eventSource: "ecr.amazonaws.com",
      // The blob files no record holds any more go once the records have.
      state: { kinds: ["ecr-"], afterReset: () => deps.ecr.recover() },
      pathRoutes: [
        distributionApi({
          ecr: deps.ecr,
          store: deps.store,
          env: deps.env,
          model: loadServiceModel("ecr"),
          trail,
          ...(deps.log ? { log: deps.log } : {}),
        }),
      ],
    },
    {
      signingName: "iam",
      codec: new AwsQueryCodec(loadServiceModel("iam")),
      adapter: iamAdapter(deps.iam),
      eventSource: "iam.amazonaws.com",
      state: { kinds: ["iam."] },
    },
    {
      signingName: "sts",
      codec: new AwsQueryCodec(loadServiceModel("sts")),
      adapter: stsAdapter(deps.sts),
      eventSource: "sts.amazonaws.com",
      state: { kinds: ["sts."] },
    },
    {
      signingName: "secretsmanager",
      codec: new AwsJsonCodec(loadServiceModel("secretsmanager")),
      adapter: secretsManagerAdapter(new SecretsManager(deps.store, deps.env)),
      eventSource: "secretsmanager.amazonaws.com",
      state: { kinds: ["secretsmanager."] },
    },
    {
      signingName: "ssm",
      codec: new AwsJsonCodec(loadServiceModel("ssm")),
      adapter: ssmAdapter(new ParameterStore(deps.store), (operation, input, ctx) =>
        deps.dispatch.call(
          "secretsmanager",
          operation,
          input,
          { ...ctx, caller: { ...ctx.caller, invokedBy: SSM_SERVICE } },
          { sourceIPAddress: SSM_SERVICE, userAgent: SSM_SERVICE },
        ),
      ),
      eventSource: "ssm.amazonaws.com",
      state: { kinds: ["ssm."] },
    },
    // Last: S3's URIs (`/{Bucket}/{Key+}`) would claim an unsigned request any other service names.
    {
      signingName: "s3",
      codec: new RestXmlCodec(loadServiceModel("s3"), { patch: s3Patch(), hostPath: s3HostPath }),
      adapter: s3Adapter(deps.s3),
      eventSource: "s3.amazonaws.com",
      dataEvents: DATA_EVENTS,
      // The blob files no record holds any more go once the records have.
      state: { kinds: ["s3."], afterReset: () => deps.s3.recover() },
    },
  ];
}
