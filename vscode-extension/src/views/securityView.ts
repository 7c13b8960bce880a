// The Security view: findings grouped by severity, each with its CWE and a link to the CWE's description.

import * as vscode from "vscode";
import type { Finding } from "../common/types";
import type { AnalysisStore } from "./analysisStore";
import { emptySecurityMessage, findingDescription, findingLabel, findingLink, groupFindings, hiddenFindings, type SeverityGroup } from "./securityModel";

export type SecurityNode = { kind: "group"; group: SeverityGroup } | { kind: "finding"; finding: Finding };

const ICONS: Record<string, string> = { HIGH: "error", MEDIUM: "warning", LOW: "info" };

export class SecurityView implements vscode.TreeDataProvider<SecurityNode>, vscode.Disposable {
  private readonly changes = new vscode.EventEmitter<SecurityNode | undefined>();
  readonly onDidChangeTreeData = this.changes.event;
  view: vscode.TreeView<SecurityNode> | undefined;

  private subscription: { dispose(): void };

  constructor(
    private store: AnalysisStore,
    private uriOf: (rel: string) => vscode.Uri,
    private readonly server: () => { state: string; message?: string },
    private readonly minSeverity: () => string = () => "LOW",
  ) {
    this.subscription = store.onDidChange(() => this.changes.fire(undefined));
  }

  /** Shows another folder's findings (multi-root: the folder of the active editor). */
  setSource(store: AnalysisStore, uriOf: (rel: string) => vscode.Uri): void {
    this.subscription.dispose();
    this.store = store;
    this.uriOf = uriOf;
    this.subscription = store.onDidChange(() => this.changes.fire(undefined));
    this.refresh();
  }

  refresh(): void {
    this.changes.fire(undefined);
  }

  getChildren(node?: SecurityNode): SecurityNode[] {
    if (!node) {
      const analyses = this.store.all();
      const floor = this.minSeverity();
      const groups = groupFindings(analyses, floor);
      if (this.view) {
        const { state, message } = this.server();
        const hidden = hiddenFindings(analyses, floor);
        const note = hidden ? `${hidden} finding${hidden === 1 ? "" : "s"} below ${floor} hidden (devreliab.security.minSeverity).` : undefined;
        this.view.message = groups.length === 0 ? [emptySecurityMessage(state, message, analyses.length), note].filter(Boolean).join(" ") : note;
      }
      return groups.map((group) => ({ kind: "group", group }));
    }
    return node.kind === "group" ? node.group.findings.map((finding) => ({ kind: "finding", finding })) : [];
  }

  getTreeItem(node: SecurityNode): vscode.TreeItem {
    if (node.kind === "group") {
      const g = node.group;
      const item = new vscode.TreeItem(`${g.severity} (${g.findings.length})`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `severity:${g.severity}`;
      item.iconPath = new vscode.ThemeIcon(ICONS[g.severity] ?? "question");
      item.contextValue = "severity";
      return item;
    }
    const f = node.finding;
    const item = new vscode.TreeItem(findingLabel(f), vscode.TreeItemCollapsibleState.None);
    item.id = `finding:${f.path}:${f.line}:${f.test_id}`;
    item.description = findingDescription(f);
    const link = findingLink(f);
    const tooltip = new vscode.MarkdownString(
      `**${f.test_id}** ${f.message}\n\n${f.path}:${f.line} — severity ${f.severity}, confidence ${f.confidence}` +
        (f.more_info ? `\n\n[${f.test_id} in bandit's documentation](${f.more_info})` : "") +
        (link ? `${f.more_info ? " · " : "\n\n"}[CWE-${f.cwe}](${link})` : ""),
    );
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(ICONS[f.severity.toUpperCase()] ?? "shield");
    item.contextValue = link ? "finding" : "findingNoCwe";
    item.command = {
      title: "Go to",
      command: "vscode.open",
      arguments: [this.uriOf(f.path), { selection: new vscode.Range(f.line - 1, 0, f.line - 1, 0) }],
    };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.dispose();
  }
}
