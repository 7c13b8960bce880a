// The Quality view: files → functions, worst first, with CC rank and maintainability.

import * as vscode from "vscode";
import { changedFiles } from "../common/git";
import type { AnalysisStore } from "./analysisStore";
import {
  buildQualityTree,
  fileDescription,
  functionDescription,
  type QualityFile,
  type QualityFilter,
  type QualityFunction,
} from "./qualityModel";

type Node = { kind: "file"; file: QualityFile } | { kind: "function"; fn: QualityFunction };

const FILTER_TITLES: Record<QualityFilter, string> = {
  all: "",
  current: "current file",
  changed: "changed files",
  failing: "failing the gate",
};

export class QualityView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changes = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changes.event;
  private filter: QualityFilter = "all";
  private changed = new Set<string>();
  private current: string | undefined;
  view: vscode.TreeView<Node> | undefined;

  private subscription: { dispose(): void };

  constructor(
    private store: AnalysisStore,
    private root: string,
    private uriOf: (rel: string) => vscode.Uri,
  ) {
    this.subscription = store.onDidChange(() => this.refresh());
  }

  /** Shows another folder's analyses (multi-root: the folder of the active editor). */
  setSource(store: AnalysisStore, root: string, uriOf: (rel: string) => vscode.Uri): void {
    this.subscription.dispose();
    this.store = store;
    this.root = root;
    this.uriOf = uriOf;
    this.subscription = store.onDidChange(() => this.refresh());
    if (this.filter === "changed") void this.setFilter("changed");
    this.refresh();
  }

  get currentFilter(): QualityFilter {
    return this.filter;
  }

  async setFilter(filter: QualityFilter): Promise<void> {
    this.filter = filter;
    if (filter === "changed") {
      this.changed = await changedFiles(this.root);
    }
    if (this.view) {
      this.view.description = FILTER_TITLES[filter];
    }
    this.refresh();
  }

  setCurrent(rel: string | undefined): void {
    if (rel !== this.current) {
      this.current = rel;
      if (this.filter === "current") {
        this.refresh();
      }
    }
  }

  refresh(): void {
    this.changes.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      const files = buildQualityTree(this.store.all(), { filter: this.filter, current: this.current, changed: this.changed });
      if (this.view) {
        this.view.message = files.length === 0 ? this.emptyMessage() : undefined;
      }
      return files.map((file) => ({ kind: "file", file }));
    }
    return node.kind === "file" ? node.file.functions.map((fn) => ({ kind: "function", fn })) : [];
  }

  private emptyMessage(): string {
    switch (this.filter) {
      case "current":
        return "The active editor holds no analysed Python file.";
      case "changed":
        return "No analysed Python file has changed since the last commit.";
      case "failing":
        return "Every analysed file passes the quality gate.";
      default:
        return this.store.all().length === 0 ? "No Python files analysed yet." : "";
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === "file") {
      const f = node.file;
      // files failing the gate open with their functions showing; the others stay folded
      const state = f.functions.length === 0 ? vscode.TreeItemCollapsibleState.None : f.gatePassed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded;
      const item = new vscode.TreeItem(f.path, state);
      item.id = `file:${f.path}`;
      item.description = fileDescription(f);
      item.resourceUri = this.uriOf(f.path);
      item.iconPath = f.gatePassed ? new vscode.ThemeIcon("pass") : new vscode.ThemeIcon("error", new vscode.ThemeColor("errorForeground"));
      item.tooltip = `${f.path}\n${fileDescription(f)}${f.error ? `\n${f.error}` : ""}`;
      item.contextValue = "qualityFile";
      item.command = { title: "Open", command: "vscode.open", arguments: [this.uriOf(f.path)] };
      return item;
    }
    const fn = node.fn;
    const item = new vscode.TreeItem(fn.qualname, vscode.TreeItemCollapsibleState.None);
    item.id = `fn:${fn.path}:${fn.line}:${fn.qualname}`;
    item.description = functionDescription(fn);
    item.tooltip = `${fn.kind} ${fn.qualname} (line ${fn.line}): cyclomatic complexity ${fn.complexity}, rank ${fn.rank}`;
    item.iconPath = new vscode.ThemeIcon(fn.failing ? "warning" : fn.kind === "method" ? "symbol-method" : "symbol-function");
    item.contextValue = "qualityFunction";
    item.command = {
      title: "Go to",
      command: "vscode.open",
      arguments: [this.uriOf(fn.path), { selection: new vscode.Range(fn.line - 1, 0, fn.line - 1, 0) }],
    };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.dispose();
  }
}
