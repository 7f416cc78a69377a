import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { listSources } from "../agent/plan.js";
import { makeFinding } from "../findings/index.js";
import type { StaticCheck } from "./context.js";
import { readPython } from "./python-ast.js";
import { blankPythonNonCode, sdkApps } from "./python-host.js";

/** Ways a Python project starts a server for an app other than `app.run()`. */
const OTHER_SERVERS = /\buvicorn\s*\.\s*run\s*\(|\bserve_a2a\s*\(|\bweb\.run_app\s*\(|\.serve_forever\s*\(/;

/**
 * An AgentCore SDK app that nothing ever starts: the module defines it, no
 * source calls its run() and nothing else serves it, so the container stays
 * up with no listener and every health check is refused.
 */
export const checkServerStarted: StaticCheck = async ({ dir }) => {
  const files = await listSources(dir, [".py"], 3);
  const readings = await readPython(files);
  const codes = await Promise.all(
    files.map(async (file) => ({
      file,
      reading: readings.get(file),
      code: blankPythonNonCode(await readFile(file, "utf8")),
    })),
  );
  const apps: { name: string; file: string; line: number }[] = [];
  for (const { file, reading, code } of codes) {
    for (const app of reading ? reading.apps : sdkApps(code))
      apps.push({ ...app, file: relative(dir, file) });
  }
  if (apps.length === 0) return [];
  // Python's parse where it read the file, the text reading where it could not.
  if (codes.some(({ reading, code }) => (reading ? reading.otherServer : OTHER_SERVERS.test(code))))
    return [];
  const started = (name: string) =>
    codes.some(({ reading, code }) =>
      reading
        ? reading.starts.some((s) => s.callee === `${name}.run`)
        : new RegExp(`\\b${name}\\s*\\.\\s*run\\s*\\(`).test(code),
    );
  if (apps.some((app) => started(app.name))) return [];
  const app = apps[0]!;
  return [
    makeFinding(
      "NOT_LISTENING",
      [
        {
          fact: `${app.name} = BedrockAgentCoreApp() is created here, and no source calls ${app.name}.run() or starts another server`,
          source: { kind: "file", path: app.file, line: app.line },
        },
      ],
      { port: 8080 },
    ),
  ];
};
