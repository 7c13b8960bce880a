// Which branches make up a function's cyclomatic complexity.
//
// analyze_file gives each function's complexity (radon's) but not the branches behind it, so this is a small
// scanner of Python source that counts what radon counts: `if`/`elif` and conditional expressions, `for` and
// `while` (and their `else`), each `except` and a `try`'s `else`, comprehension `for`s and `if`s, each `and`/`or`,
// `assert`, and each `case` of a `match` except `case _`. Nested functions and classes are left out, as radon
// counts them on their own. It reads tokens, not an AST: strings and comments are skipped.

export interface LogicalLine {
  /** 1-based line of the first physical line */
  line: number;
  indent: number;
  /** keywords and identifiers, each with its own physical line */
  words: { word: string; line: number }[];
}

const STRING_PREFIX = /^(?:[rRbBuUfFtT]{1,2})$/;

/** Splits Python source into logical lines of words, without strings and comments. */
export function logicalLines(source: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const n = source.length;
  let i = 0;
  let line = 1;
  let depth = 0;
  let current: LogicalLine | undefined;
  let atLineStart = true;

  const startLine = (): void => {
    // measure the indentation of a new logical line
    let indent = 0;
    while (i < n && (source[i] === " " || source[i] === "\t" || source[i] === "\f")) {
      indent = source[i] === "\t" ? indent + 8 - (indent % 8) : source[i] === "\f" ? 0 : indent + 1;
      i++;
    }
    current = { line, indent, words: [] };
    atLineStart = false;
  };

  const endLine = (): void => {
    if (current && current.words.length > 0) {
      out.push(current);
    }
    current = undefined;
    atLineStart = true;
  };

  const skipString = (quote: string, triple: boolean): void => {
    // i points just after the opening quote(s)
    while (i < n) {
      const c = source[i];
      if (c === "\\") {
        if (source[i + 1] === "\n") {
          line++;
        }
        i += 2;
        continue;
      }
      if (c === "\n") {
        line++;
        if (!triple) {
          i++;
          return; // unterminated single-quoted string: stop at the line end
        }
      }
      if (triple) {
        if (c === quote && source[i + 1] === quote && source[i + 2] === quote) {
          i += 3;
          return;
        }
      } else if (c === quote) {
        i++;
        return;
      }
      i++;
    }
  };

  while (i < n) {
    if (atLineStart) {
      startLine();
      continue;
    }
    const c = source[i];
    if (c === "\n") {
      line++;
      i++;
      if (depth === 0) {
        endLine();
      }
      continue;
    }
    if (c === "\\" && source[i + 1] === "\n") {
      line++;
      i += 2;
      continue;
    }
    if (c === "#") {
      while (i < n && source[i] !== "\n") {
        i++;
      }
      continue;
    }
    if (c === "'" || c === '"') {
      const triple = source[i + 1] === c && source[i + 2] === c;
      i += triple ? 3 : 1;
      skipString(c, triple);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") {
      depth++;
      i++;
      continue;
    }
    if (c === ")" || c === "]" || c === "}") {
      depth = Math.max(0, depth - 1);
      i++;
      continue;
    }
    if (/[A-Za-z_\u00C0-\uFFFF]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_\u00C0-\uFFFF]/.test(source[i])) {
        i++;
      }
      const word = source.slice(start, i);
      if ((source[i] === "'" || source[i] === '"') && STRING_PREFIX.test(word)) {
        continue; // a string prefix: the string is skipped next round
      }
      current?.words.push({ word, line });
      continue;
    }
    if (c === ";" && depth === 0) {
      // `a; if b: ...` is rare; keep it as one logical line
      i++;
      continue;
    }
    i++;
  }
  endLine();
  return out;
}

export interface Branch {
  line: number;
  /** what adds to the complexity: "if", "elif", "for", "while", "except", "and", "or", "assert", "case",
   * "for-else", "while-else", "try-else", "comprehension-for", "comprehension-if", "conditional expression" */
  kind: string;
}

export interface FunctionBranches {
  /** line of the `def` */
  defLine: number;
  /** the body's last line */
  endLine: number;
  branches: Branch[];
  /** 1 + the branches: what radon reports */
  complexity: number;
}

function firstWord(ll: LogicalLine, skipAsync = true): string {
  const words = ll.words;
  if (skipAsync && words[0]?.word === "async" && words.length > 1) {
    return words[1].word;
  }
  return words[0]?.word ?? "";
}

function isDef(ll: LogicalLine): boolean {
  const w = firstWord(ll);
  return w === "def" || w === "class";
}

/** The branches of the function whose `def` (or first decorator) is on `line`; undefined when there is none. */
export function functionBranches(source: string, line: number, lines: LogicalLine[] = logicalLines(source)): FunctionBranches | undefined {
  let index = lines.findIndex((ll) => ll.line >= line);
  if (index < 0) {
    return undefined;
  }
  while (index < lines.length && firstWord(lines[index]) !== "def") {
    if (lines[index].line > line + 50) {
      return undefined;
    }
    index++;
  }
  if (index >= lines.length) {
    return undefined;
  }
  const def = lines[index];
  const body: LogicalLine[] = [];
  for (let j = index + 1; j < lines.length && lines[j].indent > def.indent; j++) {
    body.push(lines[j]);
  }
  const branches: Branch[] = [];
  let skipAbove: number | undefined;
  for (let k = 0; k < body.length; k++) {
    const ll = body[k];
    if (skipAbove !== undefined) {
      if (ll.indent > skipAbove) {
        continue;
      }
      skipAbove = undefined;
    }
    if (isDef(ll)) {
      skipAbove = ll.indent;
      continue;
    }
    branches.push(...lineBranches(ll, body, k));
  }
  const last = body.length > 0 ? body[body.length - 1] : def;
  const lastWordLine = last.words[last.words.length - 1]?.line ?? last.line;
  return { defLine: def.line, endLine: Math.max(lastWordLine, last.line), branches, complexity: 1 + branches.length };
}

function lineBranches(ll: LogicalLine, body: LogicalLine[], k: number): Branch[] {
  const out: Branch[] = [];
  const words = ll.words;
  const first = firstWord(ll);
  let start = words[0]?.word === "async" ? 1 : 0;
  switch (first) {
    case "if":
    case "elif":
    case "while":
    case "except":
    case "assert":
      out.push({ line: words[start].line, kind: first });
      start += 1;
      break;
    case "for":
      out.push({ line: words[start].line, kind: "for" });
      start += 1;
      break;
    case "else": {
      const owner = previousAtIndent(body, k);
      const w = owner ? firstWord(owner) : "";
      if (w === "for" || w === "while") {
        out.push({ line: words[0].line, kind: `${w}-else` });
      } else if (w === "except") {
        out.push({ line: words[0].line, kind: "try-else" });
      }
      start += 1;
      break;
    }
    case "case": {
      // `case _:` (the wildcard) adds nothing
      const wildcard = words.length === 2 && words[1].word === "_";
      const isCase = previousMatchOrCase(body, k);
      if (isCase && !wildcard) {
        out.push({ line: words[0].line, kind: "case" });
      }
      start += 1;
      break;
    }
    default:
      break;
  }
  for (let w = start; w < words.length; w++) {
    const { word, line } = words[w];
    if (word === "if") {
      out.push({ line, kind: hasPreviousFor(words, start, w) ? "comprehension-if" : "conditional expression" });
    } else if (word === "for") {
      out.push({ line, kind: "comprehension-for" });
    } else if (word === "and" || word === "or") {
      out.push({ line, kind: word });
    }
  }
  return out;
}

function hasPreviousFor(words: { word: string }[], start: number, end: number): boolean {
  // `[x for x in xs if x]`: an `if` after a `for` on the same line is (usually) a comprehension's filter; the
  // name is only for the reader, both add 1
  for (let i = start; i < end; i++) {
    if (words[i].word === "for") {
      return true;
    }
  }
  return false;
}

function previousAtIndent(body: LogicalLine[], k: number): LogicalLine | undefined {
  const indent = body[k].indent;
  for (let j = k - 1; j >= 0; j--) {
    if (body[j].indent < indent) {
      return undefined;
    }
    if (body[j].indent === indent) {
      const w = firstWord(body[j]);
      // an `else` belongs to the nearest if/elif/for/while/try/except at its indentation
      if (["if", "elif", "for", "while", "try", "except"].includes(w)) {
        return body[j];
      }
    }
  }
  return undefined;
}

function previousMatchOrCase(body: LogicalLine[], k: number): boolean {
  for (let j = k - 1; j >= 0; j--) {
    if (body[j].indent < body[k].indent) {
      return firstWord(body[j]) === "match";
    }
    if (body[j].indent === body[k].indent && firstWord(body[j]) !== "case") {
      return false;
    }
  }
  return false;
}

/** "line 14: for +1, and +1" lines for a quick pick, grouped by line. */
export function describeBranches(result: FunctionBranches, sourceLines: string[]): { line: number; label: string; detail: string; weight: number }[] {
  const byLine = new Map<number, string[]>();
  for (const b of result.branches) {
    const kinds = byLine.get(b.line) ?? [];
    kinds.push(b.kind);
    byLine.set(b.line, kinds);
  }
  return [...byLine.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([line, kinds]) => ({
      line,
      weight: kinds.length,
      label: `+${kinds.length}  line ${line}: ${kinds.join(", ")}`,
      detail: (sourceLines[line - 1] ?? "").trim(),
    }));
}
