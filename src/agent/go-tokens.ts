/**
 * Go source as tokens (the lexical grammar of the Go specification, reduced
 * to what a reader of names and calls needs): identifiers, string literals
 * (interpreted "…" and raw `…`) with their value, runes, numbers and
 * operators, each with its 1-based line. Comments and whitespace are
 * dropped, so a call split over lines or a string holding `//` reads as it
 * compiles. A reader matches token sequences, never a line's wording.
 */
export interface GoToken {
  kind: "ident" | "string" | "rune" | "number" | "op";
  /** An identifier's name, an operator, a number as written; a string's decoded value. */
  text: string;
  line: number;
}

/** Operators of two or more characters a reader may need to tell apart (`=` from `==`, `:=`). */
const LONG_OPS = [
  "<<=",
  ">>=",
  "&^=",
  "...",
  "&&",
  "||",
  "<-",
  "++",
  "--",
  "==",
  "!=",
  "<=",
  ">=",
  ":=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "<<",
  ">>",
  "&^",
];

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  '"': '"',
  "\\": "\\",
  "'": "'",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
};

export function goTokens(source: string): GoToken[] {
  const tokens: GoToken[] = [];
  let line = 1;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop; j++) if (source[j] === "\n") line++;
      i = stop;
    } else if (c === '"') {
      let value = "";
      let j = i + 1;
      while (j < n && source[j] !== '"' && source[j] !== "\n") {
        if (source[j] === "\\" && j + 1 < n) {
          value += ESCAPES[source[j + 1]!] ?? source[j + 1];
          j += 2;
        } else value += source[j++];
      }
      tokens.push({ kind: "string", text: value, line });
      i = j + 1;
    } else if (c === "`") {
      const end = source.indexOf("`", i + 1);
      const stop = end < 0 ? n : end;
      const value = source.slice(i + 1, stop);
      tokens.push({ kind: "string", text: value.replaceAll("\r", ""), line });
      line += value.split("\n").length - 1;
      i = stop + 1;
    } else if (c === "'") {
      let j = i + 1;
      while (j < n && source[j] !== "'" && source[j] !== "\n") j += source[j] === "\\" ? 2 : 1;
      tokens.push({ kind: "rune", text: source.slice(i, j + 1), line });
      i = j + 1;
    } else if (/[\p{L}_]/u.test(c)) {
      let j = i + 1;
      while (j < n && /[\p{L}\p{Nd}_]/u.test(source[j]!)) j++;
      tokens.push({ kind: "ident", text: source.slice(i, j), line });
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(source[i + 1] ?? ""))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(source[j]!)) j++;
      tokens.push({ kind: "number", text: source.slice(i, j), line });
      i = j;
    } else {
      const op = LONG_OPS.find((o) => source.startsWith(o, i)) ?? c;
      tokens.push({ kind: "op", text: op, line });
      i += op.length;
    }
  }
  return tokens;
}

/**
 * String constants a file declares: `const Name = "…"`, `var Name = "…"` and
 * the same inside `const ( … )` groups (a typed `Name string = "…"` too).
 */
export function goStringConstants(tokens: readonly GoToken[]): Map<string, string> {
  const constants = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== "ident" || (t.text !== "const" && t.text !== "var")) continue;
    const grouped = tokens[i + 1]?.text === "(";
    let j = grouped ? i + 2 : i + 1;
    do {
      const name = tokens[j];
      let k = j + 1;
      if (tokens[k]?.kind === "ident" && tokens[k + 1]?.text === "=") k++; // a type
      if (name?.kind === "ident" && tokens[k]?.text === "=" && tokens[k + 1]?.kind === "string") {
        const after = tokens[k + 2];
        // A lone literal, not the start of an expression ("a" + b).
        if (!after || after.line !== tokens[k + 1]!.line || after.text === ")" || after.text === ";")
          constants.set(name.text, tokens[k + 1]!.text);
      }
      if (!grouped) break;
      // The next spec of the group starts on a later line.
      const line = tokens[j]?.line ?? 0;
      while (j < tokens.length && tokens[j]!.text !== ")" && tokens[j]!.line === line) j++;
    } while (j < tokens.length && tokens[j]!.text !== ")");
  }
  return constants;
}
