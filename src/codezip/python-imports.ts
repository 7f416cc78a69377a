/**
 * The imports a Python module runs when it is imported, read from its source
 * without a Python interpreter: logical lines (strings, comments, brackets
 * and backslash continuations handled as Python's tokenizer does), their
 * block structure, and for each import the context that decides whether it
 * runs at start-up.
 */

/** How sure it is that an import runs when the module is imported. */
export type ImportGuard =
  /** At module level (or in a class body, a `with`, a loop): it runs. */
  | "required"
  /** Under `if __name__ == "__main__":`: it runs when this module is the entry script. */
  | "main"
  /** In a `try` whose handlers catch ImportError (or broader): the module copes without it. */
  | "optional"
  /** In such a `try`'s ImportError handler: it runs only when the `try` failed. */
  | "fallback"
  /** Under an `if`, `elif`, `else`, `match` or another handler: it runs only on a condition not judged here. */
  | "conditional"
  /** Under `if TYPE_CHECKING:`: never at run time. */
  | "type-checking"
  /** Inside a function: not at start-up. */
  | "deferred";

export interface PythonImport {
  /** The dotted module after the leading dots (`a.b` of `from ..a.b import c`; empty for `from . import c`). */
  module: string;
  /** Leading dots of a relative import; 0 for an absolute one. */
  level: number;
  /** What `from ... import` names (`*` included); empty for `import a.b`. */
  names: string[];
  line: number;
  guard: ImportGuard;
  /** For `fallback`: the line of the `try` whose failure runs it. */
  tryLine?: number;
}

interface LogicalLine {
  line: number;
  indent: number;
  code: string;
}

/**
 * Logical lines with comments dropped and each string literal reduced to a
 * quoted run of its word characters (`"__main__"` survives, no `:` or
 * bracket inside a string is left to confuse the structure).
 */
export function logicalLines(source: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let code = "";
  let start = 1;
  let indent = 0;
  let depth = 0;
  let line = 1;
  let atLineStart = true;
  let i = 0;
  const finish = () => {
    if (code.trim() !== "") lines.push({ line: start, indent, code: code.trim() });
    code = "";
    atLineStart = true;
  };
  while (i < source.length) {
    const ch = source[i]!;
    if (atLineStart) {
      let width = 0;
      while (source[i] === " " || source[i] === "\t" || source[i] === "\f") {
        width = source[i] === "\t" ? (Math.floor(width / 8) + 1) * 8 : width + 1;
        i++;
      }
      indent = width;
      start = line;
      atLineStart = false;
      continue;
    }
    if (ch === "#") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (ch === "\\" && (source[i + 1] === "\n" || (source[i + 1] === "\r" && source[i + 2] === "\n"))) {
      i += source[i + 1] === "\r" ? 3 : 2;
      line++;
      code += " ";
      continue;
    }
    if (ch === "\n") {
      line++;
      i++;
      if (depth > 0) code += " ";
      else finish();
      continue;
    }
    if (ch === '"' || ch === "'") {
      const quote = source.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      i += quote.length;
      let text = "";
      while (i < source.length && !source.startsWith(quote, i)) {
        if (quote.length === 1 && source[i] === "\n") break;
        if (source[i] === "\\") {
          if (source[i + 1] === "\n") line++;
          i += 2;
          continue;
        }
        if (source[i] === "\n") line++;
        text += source[i];
        i++;
      }
      i += quote.length;
      code += `"${text.replace(/\W+/g, "")}"`;
      continue;
    }
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth = Math.max(0, depth - 1);
    code += ch;
    i++;
  }
  finish();
  return lines;
}

const COMPOUND = /^(?:async\s+)?(if|elif|else|try|except\*?|finally|with|for|while|def|class|match|case)\b/;

/** The offset of the `:` ending a compound statement's header, or -1. */
function headerColon(code: string): number {
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i]!;
    if (ch === '"') {
      i = code.indexOf('"', i + 1);
      if (i < 0) return -1;
    } else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === ":" && depth === 0 && code[i + 1] !== "=") return i;
  }
  return -1;
}

/** Splits on `;` outside brackets. */
function statements(code: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i]!;
    if (ch === '"') i = Math.max(i, code.indexOf('"', i + 1));
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === ";" && depth === 0) {
      out.push(code.slice(from, i).trim());
      from = i + 1;
    }
  }
  out.push(code.slice(from).trim());
  return out.filter((s) => s !== "");
}

interface Statement {
  line: number;
  /** Inline bodies (`try: import x`) sit half a level deeper than their header. */
  indent: number;
  text: string;
  keyword?: string;
}

function flatten(lines: readonly LogicalLine[]): Statement[] {
  const out: Statement[] = [];
  const push = (line: number, indent: number, text: string) => {
    const keyword = COMPOUND.exec(text)?.[1];
    const colon = keyword ? headerColon(text) : -1;
    // `match` and `case` are soft keywords: `match = re.match(...)` is an assignment, with no header colon.
    if (keyword && colon >= 0 && !(/^(?:match|case)$/.test(keyword) && /^\w+\s*[=.[]/.test(text))) {
      const body = text.slice(colon + 1).trim();
      out.push({ line, indent, text: text.slice(0, colon + 1), keyword });
      if (body !== "") for (const s of statements(body)) push(line, indent + 0.5, s);
      return;
    }
    out.push({ line, indent, text });
  };
  for (const l of lines) for (const s of statements(l.code)) push(l.line, l.indent, s);
  return out;
}

const IMPORT_ERRORS = /\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b/;

/** For each `try` (by index), whether one of its handlers catches a failed import. */
function tryCatchesImport(stmts: readonly Statement[]): Map<number, boolean> {
  const result = new Map<number, boolean>();
  stmts.forEach((s, index) => {
    if (s.keyword !== "try") return;
    let catches = false;
    for (let j = index + 1; j < stmts.length; j++) {
      const next = stmts[j]!;
      if (next.indent > s.indent) continue;
      if (next.indent < s.indent) break;
      if (next.keyword === "except" || next.keyword === "except*") {
        const types = next.text.replace(/^except\*?/, "").replace(/:$/, "");
        if (types.trim() === "" || IMPORT_ERRORS.test(types)) catches = true;
      } else if (next.keyword !== "else" && next.keyword !== "finally") break;
    }
    result.set(index, catches);
  });
  return result;
}

interface Frame {
  indent: number;
  index: number;
  keyword: string;
  text: string;
}

const RANK: Record<ImportGuard, number> = {
  required: 0,
  main: 1,
  fallback: 2,
  optional: 3,
  conditional: 4,
  "type-checking": 5,
  deferred: 6,
};

function guardOf(
  frames: readonly Frame[],
  stmts: readonly Statement[],
  catchesImport: ReadonlyMap<number, boolean>,
): { guard: ImportGuard; tryLine?: number } {
  let guard: ImportGuard = "required";
  let tryLine: number | undefined;
  const raise = (next: ImportGuard, line?: number) => {
    if (RANK[next] > RANK[guard]) {
      guard = next;
      tryLine = line;
    }
  };
  for (const frame of frames) {
    switch (frame.keyword) {
      case "def":
        return { guard: "deferred" };
      case "if":
        if (/^if\s+(?:typing\s*\.\s*)?TYPE_CHECKING\s*:$/.test(frame.text)) raise("type-checking");
        else if (/^if\s+(?:__name__\s*==\s*"__main__"|"__main__"\s*==\s*__name__)\s*:$/.test(frame.text))
          raise("main");
        else raise("conditional");
        break;
      case "elif":
      case "match":
      case "case":
        raise("conditional");
        break;
      case "else": {
        // The `else` of an `if` is conditional; of a `try`, `for` or `while` it runs in the normal course.
        const owner = ownerOf(frame, stmts);
        if (owner === "if" || owner === "elif") raise("conditional");
        break;
      }
      case "try":
        if (catchesImport.get(frame.index)) raise("optional");
        break;
      case "except":
      case "except*": {
        const tryIndex = tryOf(frame, stmts);
        const types = frame.text.replace(/^except\*?/, "").replace(/:$/, "");
        if (tryIndex !== undefined && (types.trim() === "" || IMPORT_ERRORS.test(types)))
          raise("fallback", stmts[tryIndex]!.line);
        else raise("conditional");
        break;
      }
      default:
        break;
    }
  }
  return tryLine === undefined ? { guard } : { guard, tryLine };
}

/** The header keyword an `else`/`except` clause belongs to: the nearest earlier sibling that is not a clause. */
function ownerIndex(frame: Frame, stmts: readonly Statement[]): number | undefined {
  for (let j = frame.index - 1; j >= 0; j--) {
    const s = stmts[j]!;
    if (s.indent > frame.indent) continue;
    if (s.indent < frame.indent) return undefined;
    if (s.keyword && !["else", "except", "except*", "elif", "finally"].includes(s.keyword)) return j;
    if (!s.keyword) return undefined;
  }
  return undefined;
}

function ownerOf(frame: Frame, stmts: readonly Statement[]): string | undefined {
  const index = ownerIndex(frame, stmts);
  return index === undefined ? undefined : stmts[index]!.keyword;
}

function tryOf(frame: Frame, stmts: readonly Statement[]): number | undefined {
  const index = ownerIndex(frame, stmts);
  return index !== undefined && stmts[index]!.keyword === "try" ? index : undefined;
}

function parseImport(text: string): { module: string; level: number; names: string[] }[] {
  const plain = /^import\s+(.+)$/.exec(text);
  if (plain) {
    return plain[1]!
      .split(",")
      .map((part) =>
        part
          .trim()
          .split(/\s+as\s+/)[0]!
          .replace(/\s+/g, ""),
      )
      .filter((module) => /^[A-Za-z_][\w.]*$/.test(module))
      .map((module) => ({ module, level: 0, names: [] }));
  }
  const from = /^from\s+(\.*)\s*([\w.]*)\s+import\s+(.+)$/.exec(text);
  if (!from) return [];
  const names = from[3]!
    .replace(/[()]/g, "")
    .split(",")
    .map((part) =>
      part
        .trim()
        .split(/\s+as\s+/)[0]!
        .trim(),
    )
    .filter((name) => name !== "");
  return [{ module: from[2]!, level: from[1]!.length, names }];
}

/** Every import statement of a module, with the guard that decides whether it runs at start-up. */
export function pythonImports(source: string): PythonImport[] {
  const stmts = flatten(logicalLines(source));
  const catchesImport = tryCatchesImport(stmts);
  const imports: PythonImport[] = [];
  const frames: Frame[] = [];
  stmts.forEach((s, index) => {
    while (frames.length > 0 && frames.at(-1)!.indent >= s.indent) frames.pop();
    if (/^(?:import|from)\s/.test(s.text)) {
      const { guard, tryLine } = guardOf(frames, stmts, catchesImport);
      for (const parsed of parseImport(s.text)) {
        imports.push({ ...parsed, line: s.line, guard, ...(tryLine !== undefined ? { tryLine } : {}) });
      }
    }
    if (s.keyword) frames.push({ indent: s.indent, index, keyword: s.keyword, text: s.text });
  });
  return imports;
}
