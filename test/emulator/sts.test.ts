import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { sdkConfig } from "../helpers/emulator.js";

let emulator: RunningEmulator;
let sts: STSClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, account: "210987654321" });
  sts = new STSClient(sdkConfig(emulator));
});
afterAll(async () => {
  sts?.destroy();
  await emulator?.stop();
});

describe("STS GetCallerIdentity through the AWS SDK", () => {
  it("names the emulator's account and its one IAM user", async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe("210987654321");
    expect(identity.Arn).toBe("arn:aws:iam::210987654321:user/agentcore-doctor");
    expect(identity.UserId).toMatch(/^AIDA[0-9A-F]{17}$/);
  });

  it("answers the same identity whichever region the caller signs for", async () => {
    const elsewhere = new STSClient({ ...sdkConfig(emulator), region: "ap-southeast-2" });
    try {
      const identity = await elsewhere.send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toBe("arn:aws:iam::210987654321:user/agentcore-doctor");
    } finally {
      elsewhere.destroy();
    }
  });
});
