import { defineConfig } from "vitest/config";

/**
 * Files that must run alone, after the others: each asserts something of the
 * whole machine, which another file running beside it would change.
 * - leftoverAgentProcesses() after the file: any agent another file starts
 *   from a fixture directory or isolation root would be counted as its leak;
 * - leftovers() or reapOrphans() compared whole (every acd- namespace, link
 *   or nftables table on the machine);
 * - check DIR, host mode and the emulator's process driver: agents bind the
 *   fixed ports AgentCore requires (8080, 8000, 9000) on the host itself,
 *   not in a namespace of their own;
 * - timings measured to the millisecond, which two cores shared with another
 *   file would stretch.
 * Every other file makes only what it names at random (acd-<purpose>-<hex>
 * namespaces with random link-local /30s, runc containers and bundles under
 * mkdtemp, emulators on port 0 with in-memory or temporary state, the
 * README's emulator alone on 4599); of them only the README's check binds
 * the host's 8080 (fuzz and reset use the process driver but start no
 * agent). So two run at a time.
 */
const alone = [
  // leftoverAgentProcesses()
  "test/check/fixtures.test.ts",
  "test/check/host-mode.test.ts",
  "test/emulator/agent-card.test.ts",
  "test/emulator/console.test.ts",
  "test/emulator/data-plane.test.ts",
  "test/emulator/inbound-auth.test.ts",
  "test/emulator/resource-policy.test.ts",
  "test/emulator/runtime-command.test.ts",
  "test/emulator/sessions-lifecycle.test.ts",
  "test/emulator/websocket.test.ts",
  // the machine's namespaces, tables and containers, whole
  "test/executor/oci-runc.test.ts",
  "test/net/netns-pool.test.ts",
  "test/net/reap.test.ts",
  "test/net/vpc-fabric.test.ts",
  "test/net/vpc-sessions.test.ts",
  // check DIR: the agent on this host's own port 8080 (another on it moves
  // the next into a namespace, with a note the report then carries)
  "test/check/announced-listener.test.ts",
  "test/check/cli.test.ts",
  "test/check/code-zip-cli.test.ts",
  "test/check/network-of.test.ts",
  "test/check/sarif.test.ts",
  "test/diagnose/report-html.test.ts",
  // leftoverAgentProcesses() and its emulator's namespaces, within a time
  "test/emulator/emulate-sigint.test.ts",
  // timings
  "test/unit/health-connect-probe.test.ts",
  "test/net/fabric-stop.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ["test/global-setup.ts"],
    // The SDK's notice that its 2027 releases need Node 22; the locked versions run on 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: {
          name: "together",
          include: ["test/**/*.test.ts"],
          exclude: alone,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "alone",
          include: alone,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
