/**
 * Model patterns as AWS's Java services match them. botocore's `pattern`
 * traits are java.util.regex syntax; read as JavaScript they differ where it
 * matters for input validation: `\s` (Java: ASCII whitespace; JavaScript:
 * also U+00A0, U+2028, U+2003, ...), `.` (Java also stops at U+0085),
 * `\:`-style escapes of punctuation (Java: literal; JavaScript with the `u`
 * flag: a syntax error), `(?i)` inline flags, `\A` `\z` `\Z`, POSIX classes
 * (`\p{Alpha}`, ASCII in Java) and `\x{h..h}`. This translates one to the
 * other; a construct it cannot translate yields undefined (not enforced,
 * rather than enforced wrongly).
 */

/** Java's `\s` without `UNICODE_CHARACTER_CLASS`: [ \t\n\x0B\f\r]. As class members. */
const SPACE = "\\t\\n\\x0B\\f\\r ";
/** Everything but SPACE, as class members (so it can sit inside another class). */
const NON_SPACE = "\\0-\\x08\\x0E-\\x1F\\x21-\\u{10FFFF}";
/** Java's `.` without DOTALL: anything but its line terminators. */
const DOT = "[^\\n\\r\\u0085\\u2028\\u2029]";

/** POSIX classes, US-ASCII only, as class members. */
const POSIX: Record<string, string> = {
  Lower: "a-z",
  Upper: "A-Z",
  ASCII: "\\0-\\x7F",
  Alpha: "a-zA-Z",
  Digit: "0-9",
  Alnum: "a-zA-Z0-9",
  Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~",
  Print: " -~",
  Blank: " \\t",
  Cntrl: "\\0-\\x1F\\x7F",
  XDigit: "0-9a-fA-F",
  Space: SPACE,
};

/** A literal code point as a JavaScript `u`-mode escape, valid inside and outside a class. */
function literal(codePoint: number): string {
  return `\\u{${codePoint.toString(16)}}`;
}

export interface JavaPattern {
  source: string;
  flags: string;
}

/** The JavaScript source and flags (always `u`) matching as the Java pattern does, or undefined. */
export function translateJavaRegex(pattern: string): JavaPattern | undefined {
  let flags = "u";
  let rest = pattern;
  // Leading inline flags: (?i) is the one AWS's models use.
  const inline = /^\(\?([imsx]+)\)/.exec(rest);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === "i" || f === "m" || f === "s") flags += f;
      else return undefined;
    }
    rest = rest.slice(inline[0].length);
  }
  const chars = [...rest];
  let out = "";
  let inClass = 0;
  /** Whether the last thing written outside a class was a quantifier (for possessive and lazy suffixes). */
  let afterQuantifier = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c !== "*" && c !== "+" && c !== "?" && c !== "{") afterQuantifier = false;
    if (c === "\\") {
      const next = chars[i + 1];
      if (next === undefined) return undefined;
      i++;
      switch (next) {
        case "s":
          out += inClass ? SPACE : `[${SPACE}]`;
          continue;
        case "S":
          out += inClass ? NON_SPACE : `[${NON_SPACE}]`;
          continue;
        case "h":
          out += inClass
            ? " \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000"
            : "[ \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]";
          continue;
        case "A":
          if (inClass) return undefined;
          out += "^";
          continue;
        case "z":
          if (inClass) return undefined;
          out += "$";
          continue;
        case "Z":
          if (inClass) return undefined;
          out += "(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?$)";
          continue;
        case "Q": {
          // \Q...\E quotes everything between.
          let j = i + 1;
          while (j < chars.length && !(chars[j] === "\\" && chars[j + 1] === "E")) {
            out += literal(chars[j]!.codePointAt(0)!);
            j++;
          }
          i = j + 1;
          continue;
        }
        case "p":
        case "P": {
          const m = /^\{(?:Is)?([A-Za-z_]+)\}/.exec(chars.slice(i + 1).join(""));
          if (!m) {
            // \pL: one-letter category.
            const letter = chars[i + 1];
            if (!letter || !/[A-Z]/.test(letter)) return undefined;
            out += `\\${next}{${letter}}`;
            i++;
            continue;
          }
          i += m[0].length;
          const posix = POSIX[m[1]!];
          if (posix) {
            if (next === "p") out += inClass ? posix : `[${posix}]`;
            else if (inClass) return undefined;
            else out += `[^${posix}]`;
          } else {
            out += `\\${next}{${m[1]}}`;
          }
          continue;
        }
        case "x": {
          if (chars[i + 1] === "{") {
            const close = chars.indexOf("}", i);
            if (close < 0) return undefined;
            const hex = chars.slice(i + 2, close).join("");
            if (!/^[0-9a-fA-F]+$/.test(hex)) return undefined;
            out += literal(Number.parseInt(hex, 16));
            i = close;
            continue;
          }
          out += "\\x";
          continue;
        }
        default:
          // Java takes any escaped non-letter, non-digit as itself.
          if (!/[A-Za-z0-9]/.test(next)) {
            out += literal(next.codePointAt(0)!);
            continue;
          }
          // \d \D \w \W \b \B \n \t \r \f \e... and \uXXXX, back-references: the same in JavaScript's u mode.
          if ("dDwWbBntrfvu0123456789".includes(next)) {
            out += `\\${next}`;
            continue;
          }
          if (next === "e") {
            out += "\\x1B";
            continue;
          }
          if (next === "a") {
            out += "\\x07";
            continue;
          }
          return undefined;
      }
    }
    if (c === "[") {
      // Java's nested classes and intersections (&&) have no u-mode counterpart.
      if (inClass) return undefined;
      inClass++;
      out += c;
      if (chars[i + 1] === "^") {
        out += "^";
        i++;
      }
      // A `]` first in a Java class is a literal.
      if (chars[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "]" && inClass) {
      inClass--;
      out += c;
      continue;
    }
    if (inClass) {
      if (c === "&" && chars[i + 1] === "&") return undefined;
      // Characters u mode wants escaped inside a class.
      out += c === "-" || c === "^" ? c : /[[\]{}()|/]/.test(c) ? `\\${c}` : c;
      continue;
    }
    if (c === ".") {
      out += flags.includes("s") ? "[^]" : DOT;
      continue;
    }
    if (c === "*" || c === "+" || c === "?" || c === "{") {
      // Possessive quantifiers (*+, ++, ?+, {n}+) have no JavaScript form; a lazy one (*?) is the same.
      if (afterQuantifier) {
        if (c !== "?") return undefined;
        afterQuantifier = false;
        out += c;
        continue;
      }
      if (c === "{") {
        const close = chars.indexOf("}", i);
        if (close < 0) return undefined;
        out += chars.slice(i, close + 1).join("");
        i = close;
      } else {
        out += c;
      }
      afterQuantifier = true;
      continue;
    }
    afterQuantifier = false;
    if (c === "(" && chars[i + 1] === "?" && chars[i + 2] === ">") return undefined;
    out += c;
  }
  if (inClass) return undefined;
  return { source: out, flags };
}

const cache = new Map<string, RegExp | null>();

/** The model pattern as a RegExp that matches a whole value as Java's `matches()` does, or null when untranslatable. */
export function javaPattern(pattern: string): RegExp | null {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    const translated = translateJavaRegex(pattern);
    compiled = null;
    if (translated) {
      try {
        compiled = new RegExp(`^(?:${translated.source})$`, translated.flags);
      } catch {
        compiled = null;
      }
    }
    cache.set(pattern, compiled);
  }
  return compiled;
}
