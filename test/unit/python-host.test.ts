import { describe, expect, it } from "vitest";
import { blankPythonNonCode, findHostlessRuns } from "../../src/static-checks/python-host.js";

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
