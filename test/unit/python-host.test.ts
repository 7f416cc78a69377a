import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readPython } from "../../src/static-checks/python-ast.js";
import { blankPythonNonCode, findHostlessRuns, hostlessRunsOf } from "../../src/static-checks/python-host.js";

const scan = (source: string) => findHostlessRuns(blankPythonNonCode(source), "app.py");

describe("findHostlessRuns", () => {
  it("finds run() without host on a BedrockAgentCoreApp, across lines", () => {
    const source = `from bedrock_agentcore.runtime import BedrockAgentCoreApp
app = BedrockAgentCoreApp()

if __name__ == "__main__":
    app.run(
        port=8080,
    )
`;
    expect(scan(source)).toEqual([
      {
        file: "app.py",
        line: 5,
        call: expect.stringContaining("app.run("),
        fixed: 'app.run(port=8080, host="0.0.0.0")',
      },
    ]);
  });

  it("accepts host by keyword, by position, or through **kwargs", () => {
    const head =
      "import bedrock_agentcore\nmy_app: BedrockAgentCoreApp = bedrock_agentcore.BedrockAgentCoreApp()\n";
    expect(scan(`${head}my_app.run(host="0.0.0.0")`)).toEqual([]);
    expect(scan(`${head}my_app.run(8080, "0.0.0.0")`)).toEqual([]);
    expect(scan(`${head}my_app.run(**settings)`)).toEqual([]);
    expect(scan(`${head}my_app.run(8080)`)).toHaveLength(1);
  });

  it("ignores calls in comments and strings, and other objects' run()", () => {
    const source = `app = BedrockAgentCoreApp()
# app.run()
doc = """
app.run()
"""
server.run()
app.run(host=HOST)
`;
    expect(scan(source)).toEqual([]);
  });

  it("finds serve_a2a without host", () => {
    expect(scan("serve_a2a(executor, port=9000)")).toHaveLength(1);
    expect(scan("serve_a2a(executor, host='0.0.0.0')")).toEqual([]);
  });
});

describe("the same reading with Python's own ast (python3 -c, src/static-checks/python-ast.ts)", () => {
  const dir = mkdtempSync(join(tmpdir(), "acd-pyast-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const read = async (source: string) => {
    const file = join(dir, `m${n++}.py`);
    writeFileSync(file, source);
    const reading = (await readPython([file])).get(file);
    return reading ? hostlessRunsOf(reading, "app.py") : undefined;
  };
  const python = spawnSync("python3", ["--version"]).status === 0;

  it.skipIf(!python)("agrees with the text reading on the cases above", async () => {
    const head =
      "import bedrock_agentcore\nmy_app: BedrockAgentCoreApp = bedrock_agentcore.BedrockAgentCoreApp()\n";
    expect(await read(`${head}my_app.run(host="0.0.0.0")`)).toEqual([]);
    expect(await read(`${head}my_app.run(8080, "0.0.0.0")`)).toEqual([]);
    expect(await read(`${head}my_app.run(**settings)`)).toEqual([]);
    expect(await read(`${head}my_app.run(8080)`)).toHaveLength(1);
    const multiline = `from bedrock_agentcore.runtime import BedrockAgentCoreApp
app = BedrockAgentCoreApp()

if __name__ == "__main__":
    app.run(
        port=8080,
    )
`;
    expect(await read(multiline)).toEqual([
      { file: "app.py", line: 5, call: "app.run(port=8080)", fixed: 'app.run(port=8080, host="0.0.0.0")' },
    ]);
    expect(
      await read(
        'app = BedrockAgentCoreApp()\n# app.run()\ndoc = """\napp.run()\n"""\nserver.run()\napp.run(host=HOST)\n',
      ),
    ).toEqual([]);
    expect(await read("serve_a2a(executor, port=9000)")).toHaveLength(1);
  });

  it.skipIf(!python)(
    "sees what text cannot: an aliased import, and a ** dict that holds no host",
    async () => {
      const aliased =
        "from bedrock_agentcore import BedrockAgentCoreApp as App\nservice = App()\nservice.run()\n";
      expect(scan(aliased)).toEqual([]);
      expect(await read(aliased)).toEqual([
        { file: "app.py", line: 3, call: "service.run()", fixed: 'service.run(host="0.0.0.0")' },
      ]);
      expect(await read('app = BedrockAgentCoreApp()\napp.run(**{"port": 8080})\n')).toHaveLength(1);
      expect(await read('app = BedrockAgentCoreApp()\napp.run(**{"host": "0.0.0.0"})\n')).toEqual([]);
    },
  );

  it.skipIf(!python)("a file Python cannot parse is left to the text reading", async () => {
    expect(await read("app = BedrockAgentCoreApp(\napp.run()\n")).toBeUndefined();
  });
});
