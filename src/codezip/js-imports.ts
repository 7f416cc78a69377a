/**
 * The module specifiers a JavaScript (or TypeScript) file loads when it is
 * evaluated: static `import`/`export ... from` declarations (always at load
 * time), and `require("x")` calls outside any function or block (brace
 * depth 0; one inside a function runs only when it is called). Comments,
 * strings and template literals are skipped; a regular-expression literal
 * holding a quote can mislead it, as any scanner short of a parser.
 */
export interface JsImport {
  specifier: string;
  line: number;
  kind: "import" | "require";
}

export function jsStartupImports(source: string): JsImport[] {
  const found: JsImport[] = [];
  let depth = 0;
  let line = 1;
  let statementStart = true;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    const next = source[i + 1];
    if (ch === "\n") {
      line++;
      // Without semicolons a new line may start a statement.
      statementStart = true;
      continue;
    }
    if (ch === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      i--;
      continue;
    }
    if (ch === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      for (let j = i; j < stop; j++) if (source[j] === "\n") line++;
      i = stop - 1;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") {
      for (i++; i < source.length && source[i] !== ch; i++) {
        if (source[i] === "\\") i++;
        else if (source[i] === "\n") {
          line++;
          if (ch !== "`") break;
        }
      }
      statementStart = false;
      continue;
    }
    if (ch === "{") depth++;
    else if (ch === "}") depth = Math.max(0, depth - 1);
    if (/[;{}]/.test(ch)) {
      statementStart = true;
      continue;
    }
    if (/\s/.test(ch)) continue;
    const rest = source.slice(i, i + 512);
    if (statementStart && depth === 0) {
      const declaration =
        /^(?:import|export)\s*(?:type\s+)?(?:[\w*${}\s,]+?\s*from\s*)?["']([^"'\n]+)["']/.exec(rest);
      if (declaration && !/^import\s+type\b|^export\s+type\b/.test(rest)) {
        found.push({ specifier: declaration[1]!, line, kind: "import" });
      }
    }
    if (depth === 0 && /^require\s*\(\s*["']/.test(rest) && !/[\w$.]/.test(source[i - 1] ?? "")) {
      const m = /^require\s*\(\s*["']([^"'\n]+)["']\s*\)/.exec(rest);
      if (m) found.push({ specifier: m[1]!, line, kind: "require" });
    }
    statementStart = false;
  }
  return found;
}
