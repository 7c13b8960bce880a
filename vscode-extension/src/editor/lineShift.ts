// Keeping an analysis on the right lines while the buffer changes (pure).
//
// An analysis names 1-based lines of the text it analysed. Until the next analysis of the edited buffer
// arrives, every edit that adds or removes lines moves what lies below it, so lenses and squiggles stay on
// their code instead of the saved line numbers.

import type { FileAnalysis } from "../common/types";
import { parseFailing } from "./diagnostics";

/** One content change as VS Code reports it: the replaced range's 0-based first and last line, the new text. */
export interface LineChange {
  startLine: number;
  endLine: number;
  text: string;
}

function newlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    count++;
  }
  return count;
}

/** Where 1-based `line` is after `change`: lines below the change move by the lines it added or removed;
 * a line inside the replaced range stays at the range's start. */
export function shiftLine(line: number, change: LineChange): number {
  const zero = line - 1;
  if (zero <= change.startLine) {
    return line;
  }
  const delta = newlines(change.text) - (change.endLine - change.startLine);
  if (zero > change.endLine) {
    return line + delta;
  }
  return Math.min(line, change.startLine + 1 + Math.max(0, newlines(change.text)));
}

/** Whether any change adds or removes lines (only those move anything). */
export function movesLines(changes: readonly LineChange[]): boolean {
  return changes.some((c) => newlines(c.text) !== c.endLine - c.startLine);
}

function shiftFailing(entry: string, move: (line: number) => number): string {
  const parsed = parseFailing(entry);
  return parsed ? `${parsed.path}:${move(parsed.line)}: ${parsed.text}` : entry;
}

/** The analysis with every line moved by `changes` (applied in order, as VS Code lists them). */
export function shiftAnalysis(analysis: FileAnalysis, changes: readonly LineChange[]): FileAnalysis {
  if (!movesLines(changes)) {
    return analysis;
  }
  const move = (line: number) => changes.reduce((l, c) => shiftLine(l, c), line);
  return {
    ...analysis,
    functions: analysis.functions.map((f) => ({ ...f, line: move(f.line) })),
    findings: analysis.findings.map((f) => ({ ...f, line: move(f.line) })),
    recommendations: analysis.recommendations.map((r) => (r.line === undefined ? r : { ...r, line: move(r.line) })),
    gate: { ...analysis.gate, failing: analysis.gate.failing.map((e) => shiftFailing(e, move)) },
  };
}
