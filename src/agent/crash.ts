/** The exception a dying agent printed, read from its last output lines. */
export interface ParsedException {
  language: "python" | "node";
  /** e.g. "ModuleNotFoundError" or "Error [ERR_MODULE_NOT_FOUND]". */
  type: string;
  message: string;
  /** The innermost frame in the agent's own code when one can be told apart, else the innermost frame. */
  location?: { file: string; line: number };
  /** The lines of the traceback or stack, as printed. */
  lines: string[];
}

const PY_FRAME = /^\s*File "(.+)", line (\d+)/;
const PY_EXCEPTION =
  /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Fault|NotFound)\w*|[A-Z]\w*)(?::\s?(.*))?$/;

export function parsePythonTraceback(lines: readonly string[]): ParsedException | undefined {
  const start = lines.findLastIndex((line) => line.startsWith("Traceback (most recent call last):"));
  if (start < 0) return undefined;
  const block: string[] = [lines[start]!];
  let exception: { type: string; message: string } | undefined;
  let location: { file: string; line: number } | undefined;
  for (const line of lines.slice(start + 1)) {
    block.push(line);
    const frame = PY_FRAME.exec(line);
    if (frame) {
      // Frames inside the interpreter's libraries say less than the agent's own import line.
      if (!/\/(?:lib\/python[\d.]+|site-packages|<frozen)/.test(frame[1]!) || !location) {
        location = { file: frame[1]!, line: Number(frame[2]) };
      }
      continue;
    }
    if (/^\s/.test(line) || line.trim() === "") continue;
    const match = PY_EXCEPTION.exec(line.trim());
    if (match) {
      exception = { type: match[1]!, message: match[2] ?? "" };
      break;
    }
  }
  if (!exception) return undefined;
  return { language: "python", ...exception, ...(location ? { location } : {}), lines: block };
}

const NODE_ERROR = /^([A-Za-z_$][\w$]*(?:Error|Exception)?(?: \[[A-Z_]+\])?): (.*)$/;
const NODE_FRAME = /^\s+at (?:.+ \()?(?:file:\/\/)?(\/[^):]+):(\d+):\d+\)?$/;

export function parseNodeStack(lines: readonly string[]): ParsedException | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const header = NODE_ERROR.exec(lines[i]!.trim());
    if (!header || !/^\s+at /.test(lines[i + 1] ?? "")) continue;
    const block = [lines[i]!];
    let location: { file: string; line: number } | undefined;
    for (const line of lines.slice(i + 1)) {
      if (!/^\s+at /.test(line)) break;
      block.push(line);
      const frame = NODE_FRAME.exec(line);
      if (frame && !location && !frame[1]!.includes("/node_modules/")) {
        location = { file: frame[1]!, line: Number(frame[2]) };
      }
    }
    return {
      language: "node",
      type: header[1]!,
      message: header[2]!,
      ...(location ? { location } : {}),
      lines: block,
    };
  }
  return undefined;
}

export function parseException(lines: readonly string[]): ParsedException | undefined {
  return parsePythonTraceback(lines) ?? parseNodeStack(lines);
}
