// The Security view's tree (pure): findings grouped by severity, most severe first.

import { cweUrl } from "../common/constants";
import type { FileAnalysis, Finding } from "../common/types";

export interface SeverityGroup {
  severity: string;
  findings: Finding[];
}

const ORDER = ["HIGH", "MEDIUM", "LOW"];

function severityRank(severity: string): number {
  const index = ORDER.indexOf(severity.toUpperCase());
  return index < 0 ? ORDER.length : index;
}

/** Findings by severity, most severe first; severities below `minSeverity` are left out. */
export function groupFindings(analyses: Iterable<FileAnalysis>, minSeverity = "LOW"): SeverityGroup[] {
  const groups = new Map<string, Finding[]>();
  const floor = severityRank(minSeverity);
  for (const analysis of analyses) {
    for (const finding of analysis.findings) {
      const key = finding.severity.toUpperCase();
      if (severityRank(key) > floor) continue;
      const list = groups.get(key) ?? [];
      list.push(finding);
      groups.set(key, list);
    }
  }
  return [...groups.entries()]
    .sort((a, b) => severityRank(a[0]) - severityRank(b[0]) || a[0].localeCompare(b[0]))
    .map(([severity, findings]) => ({
      severity,
      findings: findings.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.test_id.localeCompare(b.test_id)),
    }));
}

export function findingLabel(finding: Finding): string {
  return `${finding.test_id}: ${finding.message}`;
}

export function findingDescription(finding: Finding): string {
  return `${finding.path}:${finding.line}${finding.cwe ? ` · CWE-${finding.cwe}` : ""} · ${finding.confidence.toLowerCase()} confidence`;
}

export function findingLink(finding: Finding): string | undefined {
  return finding.cwe ? cweUrl(finding.cwe) : undefined;
}

/** How many findings `minSeverity` hides from the view. */
export function hiddenFindings(analyses: Iterable<FileAnalysis>, minSeverity: string): number {
  const floor = severityRank(minSeverity);
  let n = 0;
  for (const analysis of analyses) {
    n += analysis.findings.filter((f) => severityRank(f.severity) > floor).length;
  }
  return n;
}

/** What the view says when it lists no finding: "no findings" only from a running server that analysed files;
 * a server that is not running is not a clean project. */
export function emptySecurityMessage(serverState: string, serverMessage: string | undefined, analysedFiles: number): string {
  if (serverState === "starting") {
    return "Starting the devreliab server…";
  }
  if (serverState !== "running") {
    return `The devreliab server is not running${serverMessage ? `: ${serverMessage}` : ""}. Nothing was analysed; see DevReliab: Show Log.`;
  }
  if (analysedFiles === 0) {
    return "No file analysed yet.";
  }
  return `No security findings in the ${analysedFiles} analysed file${analysedFiles === 1 ? "" : "s"}.`;
}
