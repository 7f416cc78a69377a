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
  },
});
