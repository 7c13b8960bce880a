// The Quality view's tree (pure): files, then their functions, worst first, with filters.

import { parseFailing } from "../editor/diagnostics";
import type { FileAnalysis } from "../common/types";

export type QualityFilter = "all" | "current" | "changed" | "failing";

export interface QualityFunction {
  path: string;
  qualname: string;
  kind: string;
  line: number;
  complexity: number;
  rank: string;
  /** its complexity breaks the gate (`gates.complexity_below`) */
  failing: boolean;
}

export interface QualityFile {
  path: string;
  maintainability?: number;
  miRank?: string;
  maxComplexity: number;
  gatePassed: boolean;
  failingCount: number;
  error?: string;
  functions: QualityFunction[];
}

export interface QualityOptions {
  filter: QualityFilter;
  /** workspace-relative path of the active editor's file */
  current?: string;
  /** workspace-relative paths changed in git (working tree and index against HEAD, plus untracked) */
  changed?: ReadonlySet<string>;
}

/** Lines of functions whose complexity fails the gate, from the gate's failing entries. */
export function failingFunctionLines(analysis: FileAnalysis): Set<number> {
  const lines = new Set<number>();
  for (const entry of analysis.gate.failing) {
    const parsed = parseFailing(entry);
    if (parsed && /cyclomatic complexity/.test(parsed.text)) {
      lines.add(parsed.line);
    }
  }
  return lines;
}

export function compareFunctions(a: QualityFunction, b: QualityFunction): number {
  return Number(b.failing) - Number(a.failing) || b.complexity - a.complexity || a.line - b.line;
}

/** Worst first: failing the gate, then the most complex function, then the lowest maintainability, then path. */
export function compareFiles(a: QualityFile, b: QualityFile): number {
  return (
    Number(a.gatePassed) - Number(b.gatePassed) ||
    b.maxComplexity - a.maxComplexity ||
    (a.maintainability ?? 100) - (b.maintainability ?? 100) ||
    a.path.localeCompare(b.path)
  );
}

export function toQualityFile(analysis: FileAnalysis): QualityFile {
  const failingLines = failingFunctionLines(analysis);
  const functions = analysis.functions
    .map((f) => ({
      path: analysis.path,
      qualname: f.qualname,
      kind: f.kind,
      line: f.line,
      complexity: f.complexity,
      rank: f.rank,
      failing: failingLines.has(f.line),
    }))
    .sort(compareFunctions);
  return {
    path: analysis.path,
    maintainability: analysis.maintainability,
    miRank: analysis.mi_rank,
    maxComplexity: functions.reduce((max, f) => Math.max(max, f.complexity), 0),
    gatePassed: analysis.gate.passed,
    failingCount: analysis.gate.failing_count,
    error: analysis.error,
    functions,
  };
}

export function buildQualityTree(analyses: Iterable<FileAnalysis>, options: QualityOptions): QualityFile[] {
  const files: QualityFile[] = [];
  for (const analysis of analyses) {
    if (options.filter === "current" && analysis.path !== options.current) {
      continue;
    }
    if (options.filter === "changed" && !options.changed?.has(analysis.path)) {
      continue;
    }
    const file = toQualityFile(analysis);
    if (options.filter === "failing") {
      if (file.gatePassed) {
        continue;
      }
      file.functions = file.functions.filter((f) => f.failing);
    }
    files.push(file);
  }
  return files.sort(compareFiles);
}

export function fileDescription(file: QualityFile): string {
  const parts: string[] = [];
  if (file.error) {
    parts.push("not analysed");
  }
  if (file.maintainability !== undefined) {
    parts.push(`MI ${file.maintainability.toFixed(1)}${file.miRank ? ` (${file.miRank})` : ""}`);
  }
  if (file.functions.length > 0) {
    parts.push(`max CC ${file.maxComplexity}`);
  }
  if (!file.gatePassed) {
    parts.push(`gate ✗ ${file.failingCount}`);
  }
  return parts.join(" · ");
}

export function functionDescription(f: QualityFunction): string {
  return `CC ${f.complexity} · rank ${f.rank}${f.failing ? " · fails gate" : ""}`;
}
