import { execFile } from "node:child_process";
import {
  BedrockAgentCoreControlClient,
  type BedrockAgentCoreControlServiceException,
  CreateAgentRuntimeEndpointCommand,
  DeleteAgentRuntimeCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runtimeRequest, sdkConfig, seedRuntimes } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let client: BedrockAgentCoreControlClient;
let clock = new Date("2026-11-25T10:00:00Z");

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    timing: { readyAfterMs: 0, deletingForMs: 1_000 },
    env: { clock: () => clock },
  });
  client = new BedrockAgentCoreControlClient(sdkConfig(emulator));
});
afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

async function refusal(promise: Promise<unknown>): Promise<BedrockAgentCoreControlServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call was expected to fail").toBeDefined();
  return error as BedrockAgentCoreControlServiceException;
}

const tagsOf = async (resourceArn: string) =>
  (await client.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

describe("AgentCore tagging through the SDK", () => {
  it("keeps a runtime's tags from creation, adds, overwrites and removes them", async () => {
    const [created] = await seedRuntimes(
      emulator,
      runtimeRequest("tagged_agent", { tags: { team: "a", env: "dev" } }),
    );
    const arn = created!.agentRuntimeArn!;
    expect(await tagsOf(arn)).toEqual({ team: "a", env: "dev" });
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { env: "prod", cost: "42" } }));
    expect(await tagsOf(arn)).toEqual({ team: "a", env: "prod", cost: "42" });
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["team", "absent"] }));
    expect(await tagsOf(arn)).toEqual({ env: "prod", cost: "42" });
  });

  it("tags endpoints apart from their runtime, the DEFAULT endpoint too", async () => {
    const [created] = await seedRuntimes(emulator, runtimeRequest("endpoint_tags"));
    const runtimeArn = created!.agentRuntimeArn!;
    const endpoint = await client.send(
      new CreateAgentRuntimeEndpointCommand({
        agentRuntimeId: created!.agentRuntimeId!,
        name: "live",
        tags: { stage: "live" },
      }),
    );
    expect(await tagsOf(endpoint.agentRuntimeEndpointArn!)).toEqual({ stage: "live" });
    expect(await tagsOf(runtimeArn)).toEqual({});
    const defaultArn = `${runtimeArn}/runtime-endpoint/DEFAULT`;
    await client.send(new TagResourceCommand({ resourceArn: defaultArn, tags: { d: "1" } }));
    expect(await tagsOf(defaultArn)).toEqual({ d: "1" });
    expect(await tagsOf(runtimeArn)).toEqual({});
  });

  it("answers ResourceNotFoundException for a resource that is not there, gone, or elsewhere", async () => {
    const [created] = await seedRuntimes(emulator, runtimeRequest("gone_agent", { tags: { a: "b" } }));
    const arn = created!.agentRuntimeArn!;
    const elsewhere = arn.replace(":us-east-1:", ":eu-west-1:");
    const missing = arn.replace(/runtime\/.*/, "runtime/nobody-0123456789");
    const gateway = arn.replace(/runtime\/.*/, "gateway/gw-0123456789");
    for (const resourceArn of [elsewhere, missing, gateway, `${arn}/runtime-endpoint/nope`]) {
      const error = await refusal(client.send(new ListTagsForResourceCommand({ resourceArn })));
      expect(error.name, resourceArn).toBe("ResourceNotFoundException");
      expect(error.$metadata.httpStatusCode).toBe(404);
    }
    await client.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: created!.agentRuntimeId! }));
    clock = new Date(clock.getTime() + 2_000);
    const error = await refusal(client.send(new TagResourceCommand({ resourceArn: arn, tags: { x: "y" } })));
    expect(error.name).toBe("ResourceNotFoundException");
  });

  it("refuses more than 50 tags in all and keeps what was there", async () => {
    const [created] = await seedRuntimes(emulator, runtimeRequest("many_tags", { tags: { keep: "1" } }));
    const arn = created!.agentRuntimeArn!;
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
    const error = await refusal(client.send(new TagResourceCommand({ resourceArn: arn, tags: fifty })));
    expect(error.name).toBe("ValidationException");
    expect(await tagsOf(arn)).toEqual({ keep: "1" });
  });
});

const boto3 = await new Promise<boolean>((resolve) =>
  execFile("python3", ["-c", "import boto3"], (error) => resolve(!error)),
);
if (!boto3) console.log("control-plane tags: boto3 test skipped: boto3 is not installed");

describe.skipIf(!boto3)("AgentCore tagging through boto3", () => {
  it("tags, lists and untags as boto3 sends them", async () => {
    const [created] = await seedRuntimes(emulator, runtimeRequest("boto_tags"));
    const script = `
import boto3, json, sys
c = boto3.client("bedrock-agentcore-control", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
arn = sys.argv[2]
c.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
c.untag_resource(resourceArn=arn, tagKeys=["a"])
print(json.dumps(c.list_tags_for_resource(resourceArn=arn)["tags"]))
`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile("python3", ["-c", script, emulator.url, created!.agentRuntimeArn!], (error, stdout, stderr) =>
        error ? reject(new Error(stderr)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(out)).toEqual({ b: "2" });
  });
});
