import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Agents bind fixed ports (8080, 8000, 9000) as AgentCore requires, so
    // files that launch agents must not run at the same time on the host.
    fileParallelism: false,
    globalSetup: ["test/global-setup.ts"],
    // The SDK's notice that its 2027 releases need Node 22; the locked versions run on 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
