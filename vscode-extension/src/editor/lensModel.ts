// Which functions get a complexity lens and the line it is drawn above (pure; the provider is codeLens.ts).

import type { FileAnalysis } from "../common/types";
import { failingFunctionLines } from "../views/qualityModel";

export function lensTitle(f: { complexity: number; rank: string }, failing: boolean): string {
  return `complexity ${f.complexity} · rank ${f.rank}${failing ? " · over the gate" : ""}`;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * The 0-based line a lens for the function whose `def` is on 1-based `defLine` is drawn above: its first
 * decorator, so the lens heads the whole decorated function instead of splitting the decorators from their def.
 * Lines of a decorator's arguments (indented deeper, or closing brackets) are stepped over.
 */
export function lensAnchor(lines: readonly string[], defLine: number): number {
  const def = defLine - 1;
  if (def <= 0 || def >= lines.length) {
    return Math.max(0, Math.min(def, lines.length - 1));
  }
  const indent = indentOf(lines[def]);
  let anchor = def;
  for (let i = def - 1; i >= 0; i--) {
    const text = lines[i];
    const trimmed = text.trim();
    if (trimmed.startsWith("@") && indentOf(text) === indent) {
      anchor = i;
    } else if (!trimmed || (indentOf(text) <= indent && !/^[)\]}]/.test(trimmed))) {
      break;
    }
  }
  return anchor;
}

export interface LensSpec {
  /** 0-based line the lens is drawn above */
  anchor: number;
  /** 1-based line of the def (the branches command's argument) */
  line: number;
  qualname: string;
  complexity: number;
  title: string;
}

/** The lenses of a file: functions at or over `minComplexity` and every function over the gate. */
export function lensSpecs(analysis: FileAnalysis, lines: readonly string[], minComplexity: number): LensSpec[] {
  const failing = failingFunctionLines(analysis);
  return analysis.functions
    .filter((f) => f.line >= 1 && f.line <= lines.length && (f.complexity >= minComplexity || failing.has(f.line)))
    .map((f) => ({
      anchor: lensAnchor(lines, f.line),
      line: f.line,
      qualname: f.qualname,
      complexity: f.complexity,
      title: lensTitle(f, failing.has(f.line)),
    }));
}
