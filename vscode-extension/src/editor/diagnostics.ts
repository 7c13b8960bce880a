// From an analyze_file answer to the Problems panel's entries (pure; the vscode side is in analysisController).

import { cweUrl } from "../common/constants";
import type { FileAnalysis, Finding } from "../common/types";

export type DiagnosticLevel = "error" | "warning" | "information";

export interface DiagnosticSpec {
  /** 0-based */
  line: number;
  level: DiagnosticLevel;
  message: string;
  /** bandit test id (B602) for findings, the gate rule otherwise */
  code: string;
  /** the rule's page (bandit's more_info, else the CWE description) for findings */
  href?: string;
  /** the CWE description for findings that name one */
  cweHref?: string;
  /** 0-based columns of the flagged code on `line`, when the server says (findings) */
  column?: number;
  endColumn?: number;
  kind: "finding" | "complexity" | "maintainability" | "error" | "gate";
  /** for findings: the test id, used by the `# nosec` quick fix */
  testId?: string;
}

export interface FailingEntry {
  path: string;
  line: number;
  text: string;
}

/** Parses a gate failing entry `path:line: text` (as analyze_file reports them). */
export function parseFailing(entry: string): FailingEntry | undefined {
  const match = /^(.*?):(\d+): (.*)$/s.exec(entry);
  if (!match) {
    return undefined;
  }
  return { path: match[1], line: Number(match[2]), text: match[3] };
}

function failingFinding(finding: Finding, failing: FailingEntry[]): boolean {
  return failing.some((f) => f.line === finding.line && new RegExp(`^${finding.test_id}\\b`).test(f.text));
}

function findingLevel(finding: Finding, failsGate: boolean): DiagnosticLevel {
  if (failsGate) {
    return "error";
  }
  return finding.severity === "LOW" ? "information" : "warning";
}

function ruleOf(text: string): DiagnosticSpec["kind"] {
  if (/cyclomatic complexity/.test(text)) return "complexity";
  if (/maintainability index/.test(text)) return "maintainability";
  if (/could not be analysed/.test(text)) return "error";
  return "gate";
}

/** The 0-based [start, end) columns a diagnostic covers on a line of `lineLength` characters whose first
 * non-blank character is at `firstNonBlank`: the finding's columns when they fit the line, else the line's text. */
export function diagnosticColumns(spec: DiagnosticSpec, lineLength: number, firstNonBlank: number): [number, number] {
  const start = spec.column;
  if (start === undefined || start < 0 || start >= lineLength) {
    return [firstNonBlank, lineLength];
  }
  const end = spec.endColumn;
  // bandit's end column is on the finding's last line: on a finding spanning lines it may lie before the start
  return [start, end !== undefined && end > start && end <= lineLength ? end : lineLength];
}

export function analysisDiagnostics(analysis: FileAnalysis): DiagnosticSpec[] {
  const failing = analysis.gate.failing.map(parseFailing).filter((f): f is FailingEntry => f !== undefined);
  const out: DiagnosticSpec[] = [];
  const claimed = new Set<FailingEntry>();

  for (const finding of analysis.findings) {
    const failsGate = failingFinding(finding, failing);
    for (const f of failing) {
      if (f.line === finding.line && f.text.startsWith(finding.test_id)) {
        claimed.add(f);
      }
    }
    const cwe = finding.cwe ? `CWE-${finding.cwe}, ` : "";
    out.push({
      line: Math.max(0, finding.line - 1),
      level: findingLevel(finding, failsGate),
      message:
        `${finding.message} (${cwe}severity ${finding.severity}, confidence ${finding.confidence})` +
        (failsGate ? " — fails the quality gate" : ""),
      code: finding.test_id,
      href: finding.more_info ?? (finding.cwe ? cweUrl(finding.cwe) : undefined),
      cweHref: finding.cwe ? cweUrl(finding.cwe) : undefined,
      column: finding.col_offset,
      endColumn: finding.end_col_offset,
      kind: "finding",
      testId: finding.test_id,
    });
  }

  for (const f of failing) {
    if (claimed.has(f)) {
      continue;
    }
    const kind = ruleOf(f.text);
    const recommendation = analysis.recommendations.find((r) => r.rule === kind && (r.line ?? 1) === f.line && r.fix);
    out.push({
      line: Math.max(0, f.line - 1),
      level: "error",
      message: `${f.text}${recommendation?.fix ? `\n${recommendation.fix}` : ""}`,
      code: kind,
      kind,
    });
  }

  if (analysis.error && !failing.some((f) => ruleOf(f.text) === "error")) {
    out.push({ line: 0, level: "warning", message: `could not be analysed: ${analysis.error}`, code: "error", kind: "error" });
  }
  return out.sort((a, b) => a.line - b.line || a.code.localeCompare(b.code));
}
