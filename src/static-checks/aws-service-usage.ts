import { readFile } from "node:fs/promises";
import { relative, sep } from "node:path";
import { listSources } from "../agent/plan.js";
import type { ImageSpec } from "../agent/types.js";
import { awsEndpointHostsIn } from "../facts/addresses.js";
import { startupLines } from "./js-startup.js";
import { type PythonReading, readPython } from "./python-ast.js";
import { blankPythonNonCode } from "./python-host.js";

/**
 * Which AWS services an agent calls, read statically from its source: the
 * Python SDK (`boto3.client("x")`, `boto3.resource("x")`, `session.client("x")`),
 * model providers that imply Bedrock (Strands, LangChain, the AI SDK), and
 * the JavaScript SDK v3 (`@aws-sdk/client-x` imports, `new XClient`).
 *
 * Each use says whether the service is called while the agent starts (at
 * module top level, or in a function called there) or only inside a
 * handler: a start-up call that hangs in a private subnet keeps the server
 * from ever answering /ping, a handler call fails only its invocation.
 * Creating a client makes no connection; calling it does, so a client made
 * at import but called only in handlers counts as a handler use.
 *
 * Services are named by their endpoint prefix as VPC endpoint service names
 * spell it (`com.amazonaws.<region>.<service>`): `sts`, `bedrock-runtime`,
 * `ecr.api`, `monitoring` for CloudWatch metrics.
 */
export type UsePhase = "startup" | "handler";

export interface AwsServiceUse {
  service: string;
  /** Relative to the scanned directory, with forward slashes. */
  file: string;
  line: number;
  phase: UsePhase;
  /** What in the code shows it: `boto3.client("sts") then sts.get_caller_identity() at import`. */
  detail: string;
}

/** boto3 client names and JS SDK package names whose endpoint prefix differs from the name. */
const ENDPOINT_PREFIX: Readonly<Record<string, string>> = {
  cloudwatch: "monitoring",
  ecr: "ecr.api",
  "cloudwatch-logs": "logs",
  sfn: "states",
  stepfunctions: "states",
  eventbridge: "events",
  "secrets-manager": "secretsmanager",
  "cognito-identity-provider": "cognito-idp",
  opensearch: "es",
  "elastic-load-balancing-v2": "elasticloadbalancing",
  elbv2: "elasticloadbalancing",
  "sagemaker-runtime": "sagemaker.runtime",
  "api-gateway": "apigateway",
};

export function endpointPrefixOf(name: string): string {
  const key = name.toLowerCase();
  return ENDPOINT_PREFIX[key] ?? key;
}

/** The Python, JavaScript and TypeScript sources scanned; declaration files (`.d.ts`) are left out. */
const SOURCE_EXTENSIONS = [".py", ".js", ".cjs", ".mjs", ".ts", ".cts", ".mts", ".tsx"];
const MAX_FILES = 400;

/** The first MAX_FILES sources at any depth, directory by directory with each one's entries in name order. */
async function sourceFiles(dir: string): Promise<string[]> {
  const files = await listSources(dir, SOURCE_EXTENSIONS, Number.POSITIVE_INFINITY);
  const segments = (path: string) => relative(dir, path).split(sep);
  const inWalkOrder = (a: string, b: string): number => {
    const [x, y] = [segments(a), segments(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const order = x[i]!.localeCompare(y[i]!);
      if (order !== 0) return order;
    }
    return x.length - y.length;
  };
  return files
    .filter((path) => !path.endsWith(".d.ts"))
    .sort(inWalkOrder)
    .slice(0, MAX_FILES);
}

/** Every AWS service use in the agent's source directory, file by file, in file and line order. */
export async function scanAwsServiceUsage(dir: string, image?: ImageSpec): Promise<AwsServiceUse[]> {
  const uses = await scanSourceFiles(dir);
  if (image) uses.push(...endpointsInEnv(image, relative(dir, image.path).split("\\").join("/"), uses));
  return uses;
}

/**
 * AWS endpoints the image's environment points the SDKs at: AWS_ENDPOINT_URL_<SERVICE>
 * (that service's calls) and AWS_ENDPOINT_URL (every service's), when the value is an
 * AWS host. A call the source makes at start-up to the service the variable names
 * reaches that host at start-up. An endpoint's own DNS name (vpce-...) or a host
 * outside AWS is no public service name and is not listed.
 */
export function endpointsInEnv(
  image: Pick<ImageSpec, "env">,
  file: string,
  known: readonly AwsServiceUse[],
): AwsServiceUse[] {
  const found: AwsServiceUse[] = [];
  for (const [name, located] of Object.entries(image.env)) {
    const m = /^AWS_ENDPOINT_URL(?:_([A-Z0-9_]+))?$/.exec(name);
    if (!m) continue;
    const named = m[1] ? endpointPrefixOf(m[1].toLowerCase().replace(/_/g, "-")) : undefined;
    for (const endpoint of awsEndpointHostsIn(located.value)) {
      const startup = known.some(
        (u) => u.phase === "startup" && (named === undefined || u.service === named),
      );
      found.push({
        service: endpoint.service,
        file,
        line: located.line,
        phase: startup ? "startup" : "handler",
        detail: `the image sets ${name}=${located.value.slice(0, 120)}: the SDK's ${named ?? "AWS"} calls go to ${endpoint.host}`,
      });
    }
  }
  return found;
}

async function scanSourceFiles(dir: string): Promise<AwsServiceUse[]> {
  const uses: AwsServiceUse[] = [];
  const sources: { path: string; file: string; text: string }[] = [];
  for (const path of await sourceFiles(dir)) {
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text === undefined || text.length > 1_000_000) continue;
    sources.push({ path, file: relative(dir, path).split("\\").join("/"), text });
  }
  // Functions another module imports (`from agent.config import database_url`) and calls while it loads.
  const calledByImporters = new Set<string>();
  for (const { path, text } of sources) {
    if (path.endsWith(".py")) for (const key of pythonImportsCalledAtImport(text)) calledByImporters.add(key);
  }
  // Python read with its own parser where it can be (clients under any alias, code strings); the text reading otherwise.
  const readings = await readPython(sources.filter((x) => x.path.endsWith(".py")).map((x) => x.path));
  for (const { path, file, text } of sources) {
    if (!path.endsWith(".py")) {
      uses.push(...scanJavaScript(text, file));
      continue;
    }
    const parts = file.replace(/\.py$/, "").split("/");
    const module = parts.at(-1) === "__init__" ? parts.at(-2) : parts.at(-1);
    const external = new Set(
      [...calledByImporters].flatMap((key) =>
        key.startsWith(`${module}:`) ? [key.slice(module!.length + 1)] : [],
      ),
    );
    uses.push(...scanPython(text, file, external, readings.get(path)));
  }
  return uses;
}

/** One entry per service: its start-up use if it has one, else its first use. */
export function servicesUsed(uses: readonly AwsServiceUse[]): AwsServiceUse[] {
  const byService = new Map<string, AwsServiceUse>();
  for (const use of uses) {
    const known = byService.get(use.service);
    if (!known || (known.phase === "handler" && use.phase === "startup")) byService.set(use.service, use);
  }
  return [...byService.values()].sort((a, b) => a.service.localeCompare(b.service));
}

// --- Python ---------------------------------------------------------------------------------------

interface PyLine {
  number: number;
  indent: number;
  text: string;
  /** The enclosing `def`s, innermost last. */
  functions: string[];
}

/** Lines with their indentation and enclosing functions; comments and blank lines dropped. */
function pythonLines(text: string): PyLine[] {
  const out: PyLine[] = [];
  const blocks: { indent: number; name?: string }[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const code = raw.replace(/(^|\s)#.*$/, "");
    if (code.trim() === "") return;
    const indent = code.length - code.trimStart().length;
    while (blocks.length > 0 && blocks.at(-1)!.indent >= indent) blocks.pop();
    const functions = blocks.flatMap((b) => (b.name ? [b.name] : []));
    out.push({ number: index + 1, indent, text: code.trim(), functions });
    const def = /^(?:async\s+)?def\s+(\w+)/.exec(code.trim());
    if (def) blocks.push({ indent, name: def[1]! });
    else if (/:\s*$/.test(code)) blocks.push({ indent });
  });
  return out;
}

const STRANDS_OTHER_MODELS =
  /\b(OpenAIModel|AnthropicModel|LiteLLMModel|OllamaModel|LlamaAPIModel|MistralModel|GeminiModel|WriterModel|LlamaCppModel)\b/;
const BEDROCK_PROVIDERS =
  /\b(BedrockModel|ChatBedrock|ChatBedrockConverse|BedrockLLM|BedrockEmbeddings)\s*\(/;

/** `module:function` for each function a Python module imports by name and calls at module level. */
function pythonImportsCalledAtImport(text: string): string[] {
  const lines = pythonLines(text);
  const imported = new Map<string, string>();
  for (const line of lines) {
    const m = /^from\s+\.*([\w.]*)\s+import\s+\(?([\w\s,]+?)\)?\s*$/.exec(line.text);
    if (!m || line.functions.length > 0) continue;
    const module = m[1]!.split(".").at(-1)!;
    for (const spec of m[2]!.split(",")) {
      const [name, alias] = spec.trim().split(/\s+as\s+/);
      if (name) imported.set((alias ?? name).trim(), `${module}:${name.trim()}`);
    }
  }
  const keys: string[] = [];
  for (const line of lines) {
    if (line.functions.length > 0 || /^(?:async\s+def|def|class|@|from|import)\b/.test(line.text)) continue;
    for (const m of line.text.matchAll(/(?:^|[=\s(,])(\w+)\s*\(/g)) {
      const key = imported.get(m[1]!);
      if (key) keys.push(key);
    }
  }
  return keys;
}

function scanPython(
  text: string,
  file: string,
  calledElsewhere: ReadonlySet<string> = new Set(),
  reading?: PythonReading,
): AwsServiceUse[] {
  const lines = pythonLines(text);
  // Functions called at module level run at start-up too (one level deep).
  const calledAtImport = new Set<string>();
  for (const line of lines) {
    if (line.functions.length > 0 || /^(?:async\s+def|def|class|@)/.test(line.text)) continue;
    for (const m of line.text.matchAll(/(?:^|[=\s(,])(\w+)\s*\(/g)) calledAtImport.add(m[1]!);
  }
  const phaseOf = (line: PyLine): { phase: UsePhase; via?: string; elsewhere?: boolean } => {
    if (line.functions.length === 0) return { phase: "startup" };
    const outer = line.functions[0]!;
    if (calledAtImport.has(outer)) return { phase: "startup", via: outer };
    return calledElsewhere.has(outer)
      ? { phase: "startup", via: outer, elsewhere: true }
      : { phase: "handler" };
  };
  const where = (line: PyLine, phase: { via?: string; elsewhere?: boolean }) =>
    phase.via
      ? `in ${phase.via}(), called at import${phase.elsewhere ? " by a module that imports it" : ""}`
      : line.functions.length === 0
        ? "at import"
        : `in ${line.functions.at(-1)}()`;

  const sessions = new Set<string>(["boto3"]);
  for (const line of lines) {
    const s = /^(\w+)\s*=\s*(?:boto3\.(?:session\.)?Session|Session|aioboto3\.Session)\s*\(/.exec(line.text);
    if (s) sessions.add(s[1]!);
  }
  const sessionNames = [...sessions].join("|");
  const clientCall = new RegExp(
    `\\b(${sessionNames}|boto3|aioboto3|(?:boto3\\.(?:session\\.)?|aioboto3\\.)Session\\([^()]*\\))\\.(client|resource)\\(\\s*(?:service_name\\s*=\\s*)?["']([\\w.-]+)["']`,
  );
  const uses: AwsServiceUse[] = [];
  const variables: { name: string; service: string; created: PyLine; how: string }[] = [];
  // The clients made: from the syntax tree (any import alias, sessions, create_client, async with), else by text.
  const made = reading?.awsClients
    ? reading.awsClients.flatMap((c) => {
        const line = lines.find((l) => l.number === c.line);
        return line
          ? [{ line, service: c.service, how: c.how, assigned: c.assigned, chained: c.chained }]
          : [];
      })
    : lines.flatMap((line) => {
        const m = clientCall.exec(line.text);
        if (!m) return [];
        const how = `${m[1]}.${m[2]}("${m[3]}")`;
        return [
          {
            line,
            service: m[3]!,
            how,
            assigned: /^(?:self\.)?(\w+)\s*(?::[^=]+)?=\s*/.exec(line.text)?.[1],
            chained: new RegExp(`${how.replace(/[.()"]/g, "\\$&")}\\s*\\.\\s*\\w+\\(`).test(
              line.text.replaceAll("'", '"'),
            ),
          },
        ];
      });
  for (const { line, how, assigned, chained, ...client } of made) {
    const service = endpointPrefixOf(client.service);
    if (chained || !assigned) {
      const phase = phaseOf(line);
      uses.push({
        service,
        file,
        line: line.number,
        phase: phase.phase,
        detail: `${how} called ${where(line, phase)}`,
      });
    } else {
      variables.push({ name: assigned, service, created: line, how });
    }
  }

  // Strands' Agent uses Bedrock unless another model provider is given; LangChain's Bedrock classes likewise.
  const usesStrands = /^\s*from\s+strands\s+import\b.*\bAgent\b|^\s*import\s+strands\b/m.test(text);
  const otherModel = STRANDS_OTHER_MODELS.test(text);
  for (const line of lines) {
    const provider = BEDROCK_PROVIDERS.exec(line.text);
    const agent = usesStrands && !otherModel && /(?:^|[=\s(])(?:strands\.)?Agent\s*\(/.test(line.text);
    if (!provider && !agent) continue;
    const how = provider ? `${provider[1]}(...)` : "strands Agent(...) (default model: Amazon Bedrock)";
    const assigned = /^(\w+)\s*(?::[^=]+)?=\s*/.exec(line.text);
    if (assigned) variables.push({ name: assigned[1]!, service: "bedrock-runtime", created: line, how });
    else {
      const phase = phaseOf(line);
      uses.push({
        service: "bedrock-runtime",
        file,
        line: line.number,
        phase: phase.phase,
        detail: `${how} ${where(line, phase)}`,
      });
    }
  }

  for (const v of variables) {
    const called = new RegExp(
      `(?:^|[^\\w.])(?:self\\.)?${v.name}(?:\\.\\w+|\\[[^\\]]*\\])*\\s*(?:\\.\\s*\\w+\\s*)?\\(`,
    );
    const calls = lines.filter(
      (l) => l.number > v.created.number && called.test(l.text) && !/^\s*(?:async\s+)?def\b/.test(l.text),
    );
    const atStartup = calls.find((l) => phaseOf(l).phase === "startup");
    if (atStartup) {
      const phase = phaseOf(atStartup);
      uses.push({
        service: v.service,
        file,
        line: atStartup.number,
        phase: "startup",
        detail: `${v.how} (line ${v.created.number}) called ${where(atStartup, phase)}: ${atStartup.text.slice(0, 80)}`,
      });
    } else {
      const first = calls[0];
      uses.push({
        service: v.service,
        file,
        line: first?.number ?? v.created.number,
        phase: "handler",
        detail: first
          ? `${v.how} (line ${v.created.number}) called ${where(first, phaseOf(first))}`
          : `${v.how} created ${where(v.created, phaseOf(v.created))}, not called at import`,
      });
    }
  }
  // AWS endpoints reached by any HTTP client (requests, urllib, httpx): the host name in a code string
  // (from the syntax tree: docstrings left out, a module constant read where its name is), else in the text.
  const code = blankPythonNonCode(text, { keepStrings: true });
  const named = reading?.strings
    ? reading.strings.flatMap((str) =>
        awsEndpointHostsIn(str.text).map((endpoint) => ({
          endpoint,
          line: str.line,
          constant: str.constant,
        })),
      )
    : awsEndpointHostsIn(code).map((endpoint) => ({
        endpoint,
        line: code.slice(0, endpoint.index).split("\n").length,
        constant: undefined,
      }));
  for (const { endpoint, ...at } of named) {
    let line = lines.find((l) => l.number === at.line);
    if (!line) continue;
    // A module constant (`STS_URL = "https://..."`) is reached where it is used.
    const constant = at.constant
      ? [at.constant.name, at.constant.name]
      : line.functions.length === 0
        ? /^([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)/.exec(line.text)
        : null;
    if (constant) {
      const used = new RegExp(`(?<![\\w.])${constant[1]}(?!\\w)`);
      const later = lines.filter(
        (l) =>
          l.number > line!.number && (at.constant ? at.constant.uses.includes(l.number) : used.test(l.text)),
      );
      line = later.find((l) => phaseOf(l).phase === "startup") ?? later[0] ?? line;
    }
    const number = line.number;
    const phase = phaseOf(line);
    uses.push({
      service: endpoint.service,
      file,
      line: number,
      phase: phase.phase,
      detail: `names the endpoint ${endpoint.host} ${where(line, phase)} (an HTTP client, not the SDK)`,
    });
  }
  return uses.sort((a, b) => a.line - b.line || a.service.localeCompare(b.service));
}

// --- JavaScript / TypeScript --------------------------------------------------------------------

/** Brace depth at the start of each line, ignoring strings and comments (an approximation good for top level vs inside a function). */
function braceDepths(text: string): number[] {
  const depths: number[] = [0];
  let depth = 0;
  let quote: string | undefined;
  let blockComment = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === "\n") {
      depths.push(depth);
      if (quote && quote !== "`") quote = undefined;
      continue;
    }
    if (blockComment) {
      if (ch === "*" && next === "/") {
        blockComment = false;
        i++;
      }
      continue;
    }
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      i = (end === -1 ? text.length : end) - 1;
      continue;
    }
    if (ch === "/" && next === "*") {
      blockComment = true;
      i++;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "{") depth++;
    else if (ch === "}") depth = Math.max(0, depth - 1);
  }
  return depths;
}

const JS_BEDROCK = /["'](@strands-agents\/sdk|@ai-sdk\/amazon-bedrock|@langchain\/aws)["']/;

function scanJavaScript(text: string, file: string): AwsServiceUse[] {
  const rawLines = text.split(/\r?\n/);
  const depths = braceDepths(text);
  // Lines that run while the module loads, from its syntax tree; brace depth 0 when it does not parse.
  const loading = startupLines(text);
  const atLoad = (index: number) => (loading ? loading.has(index + 1) : depths[index] === 0);
  const uses: AwsServiceUse[] = [];
  /** Client class name → service, from the imports. */
  const classes = new Map<string, { service: string; line: number; pkg: string }>();
  rawLines.forEach((line, index) => {
    const pkg = /["']@aws-sdk\/(client|lib)-([\w-]+)["']/.exec(line);
    if (pkg) {
      const service = endpointPrefixOf(pkg[1] === "lib" && pkg[2] === "dynamodb" ? "dynamodb" : pkg[2]!);
      if (pkg[1] === "lib" && pkg[2] !== "dynamodb") return;
      const names = /\{([^}]*)\}/.exec(line)?.[1] ?? "";
      for (const spec of names.split(",")) {
        const [imported, alias] = spec.trim().split(/\s+as\s+/);
        if (imported && /Client$/.test(imported))
          classes.set((alias ?? imported).trim(), {
            service,
            line: index + 1,
            pkg: `@aws-sdk/${pkg[1]}-${pkg[2]}`,
          });
      }
      if (!/Client\b/.test(names)) {
        uses.push({
          service,
          file,
          line: index + 1,
          phase: "handler",
          detail: `imports @aws-sdk/${pkg[1]}-${pkg[2]}`,
        });
      }
    }
    const bedrock = JS_BEDROCK.exec(line);
    if (bedrock)
      classes.set(bedrock[1] === "@strands-agents/sdk" ? "Agent" : "__provider", {
        service: "bedrock-runtime",
        line: index + 1,
        pkg: bedrock[1]!,
      });
  });
  const provider = classes.get("__provider");
  if (provider) {
    uses.push({
      service: "bedrock-runtime",
      file,
      line: provider.line,
      phase: "handler",
      detail: `imports ${provider.pkg} (Amazon Bedrock models)`,
    });
  }
  for (const [name, info] of classes) {
    if (name === "__provider") continue;
    let found = false;
    rawLines.forEach((line, index) => {
      const created = new RegExp(`new\\s+${name}\\s*\\(`).exec(line);
      if (!created) return;
      found = true;
      const assigned = /(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=|(\w+)\s*=\s*new/.exec(line);
      const variable = assigned?.[1] ?? assigned?.[2];
      const calls = variable
        ? rawLines
            .map((l, i) => ({ l, i }))
            .filter(({ l, i }) => i > index && new RegExp(`\\b${variable}\\s*(\\.\\s*\\w+\\s*)?\\(`).test(l))
        : [];
      const atStartup = calls.find(({ i }) => atLoad(i));
      const first = atStartup ?? calls[0];
      uses.push({
        service: info.service,
        file,
        line: (first?.i ?? index) + 1,
        phase: atStartup ? "startup" : "handler",
        detail: first
          ? `new ${name}() (line ${index + 1}) called ${atLoad(first.i) ? "while the module loads" : "inside a function"}: ${first.l.trim().slice(0, 80)}`
          : `new ${name}() ${atLoad(index) ? "created while the module loads" : "created inside a function"}, not called at top level`,
      });
    });
    if (!found) {
      uses.push({
        service: info.service,
        file,
        line: info.line,
        phase: "handler",
        detail: `imports ${name} from ${info.pkg}`,
      });
    }
  }
  // AWS endpoints reached by any HTTP client (fetch, https.request, axios): the host name in a string.
  const code = text.replace(
    /\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm,
    (m, lead: string | undefined) => (lead ?? "") + m.slice((lead ?? "").length).replace(/[^\n]/g, " "),
  );
  for (const endpoint of awsEndpointHostsIn(code)) {
    let index = code.slice(0, endpoint.index).split("\n").length - 1;
    // A module constant (`const BEDROCK = "https://..."`) is reached where it is used.
    const constant = atLoad(index)
      ? /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=/.exec(rawLines[index] ?? "")
      : null;
    if (constant) {
      const used = new RegExp(`(?<![\\w$.])${constant[1]!.replace(/\$/g, "\\$")}(?![\\w$])`);
      const uses = rawLines.map((l, i) => ({ l, i })).filter(({ l, i }) => i > index && used.test(l));
      const first = uses.find(({ i }) => atLoad(i)) ?? uses[0];
      if (first) index = first.i;
    }
    uses.push({
      service: endpoint.service,
      file,
      line: index + 1,
      phase: atLoad(index) ? "startup" : "handler",
      detail: `names the endpoint ${endpoint.host} ${atLoad(index) ? "in code that runs while the module loads" : "inside a function"} (an HTTP client, not the SDK)`,
    });
  }
  return uses.sort((a, b) => a.line - b.line || a.service.localeCompare(b.service));
}
