// The Conflicts view: each open conflict, its three sides in the diff editor (a `devreliab-conflict:` content
// provider, whose texts come from the server's devreliab://conflict/{conflict_id} resource), and take mine /
// take theirs / edit the merge — each a versioned write through resolve_conflict.

import * as vscode from "vscode";
import { Coalescer } from "../common/coalesce";
import { COMMANDS, CONFLICT_SCHEME } from "../common/constants";
import { errorMessage, type Logger } from "../common/logger";
import type { ServerManager } from "../common/server";
import type { ConflictSummary, ConflictTexts } from "../common/types";
import * as api from "../vscodeapi";
import {
  COMPARISONS,
  comparisonDescription,
  conflictDescription,
  conflictLabel,
  conflictUriParts,
  hasConflictMarkers,
  parseConflictUri,
  resolutionMessage,
  sideText,
  type ConflictSide,
} from "./conflictsModel";

export type ConflictNode =
  | { kind: "conflict"; conflict: ConflictSummary }
  | { kind: "compare"; conflict: ConflictSummary; left: ConflictSide; right: ConflictSide; title: string };

export function conflictUri(conflict: ConflictSummary, side: ConflictSide): vscode.Uri {
  const parts = conflictUriParts({ id: conflict.id, side, path: conflict.path });
  return vscode.Uri.from({ scheme: CONFLICT_SCHEME, path: parts.path, query: parts.query });
}

export class ConflictsView implements vscode.TreeDataProvider<ConflictNode>, vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changes = new vscode.EventEmitter<ConflictNode | undefined>();
  readonly onDidChangeTreeData = this.changes.event;
  private conflicts: ConflictSummary[] = [];
  private readonly texts = new Map<string, Promise<ConflictTexts>>();
  /** untitled documents holding a merge being edited → the conflict */
  private readonly editing = new Map<string, ConflictSummary>();
  view: vscode.TreeView<ConflictNode> | undefined;

  constructor(
    private server: ServerManager,
    private readonly log: Logger,
    private afterResolve: (path: string) => void,
  ) {}

  /** Shows another folder's conflicts (multi-root: the folder of the active editor). */
  setSource(server: ServerManager, afterResolve: (path: string) => void): void {
    this.server = server;
    this.afterResolve = afterResolve;
    this.texts.clear();
  }

  get openConflicts(): readonly ConflictSummary[] {
    return this.conflicts;
  }

  private readonly refresher = new Coalescer(() => this.load());

  /** Asks the server for the open conflicts; requests while one is running make one more call, not one each. */
  refresh(): Promise<void> {
    return this.refresher.run();
  }

  private async load(): Promise<void> {
    try {
      const client = await this.server.ready();
      this.conflicts = await client.listConflicts();
      this.closeResolvedDiffs();
    } catch (error) {
      this.log.debug(`list_conflicts: ${errorMessage(error)}`);
      this.conflicts = [];
    }
    if (this.view) {
      this.view.badge = this.conflicts.length ? { value: this.conflicts.length, tooltip: `${this.conflicts.length} open conflicts` } : undefined;
    }
    this.changes.fire(undefined);
  }

  getChildren(node?: ConflictNode): ConflictNode[] {
    if (!node) {
      return this.conflicts.map((conflict) => ({ kind: "conflict", conflict }));
    }
    if (node.kind === "conflict") {
      return COMPARISONS.filter(([left]) => left !== "base" || node.conflict.base_version).map(([left, right, title]) => ({
        kind: "compare",
        conflict: node.conflict,
        left,
        right,
        title,
      }));
    }
    return [];
  }

  getTreeItem(node: ConflictNode): vscode.TreeItem {
    if (node.kind === "conflict") {
      const c = node.conflict;
      const item = new vscode.TreeItem(conflictLabel(c), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `conflict:${c.id}`;
      item.description = conflictDescription(c);
      item.tooltip = `Conflict ${c.id} on ${c.path}\nfrom ${c.client}\nbase ${c.base_version ?? "(none)"}\ntheirs ${c.current_version ?? "(none)"}\nours ${c.incoming_version}`;
      item.iconPath = new vscode.ThemeIcon("git-merge");
      item.contextValue = "conflict";
      item.command = { title: "Compare", command: COMMANDS.conflictCompare, arguments: [node] };
      return item;
    }
    const item = new vscode.TreeItem(node.title, vscode.TreeItemCollapsibleState.None);
    item.id = `compare:${node.conflict.id}:${node.left}:${node.right}`;
    item.description = comparisonDescription(node.left, node.right, node.conflict);
    item.iconPath = new vscode.ThemeIcon("diff");
    item.contextValue = "conflictComparison";
    item.command = { title: "Compare", command: COMMANDS.conflictCompare, arguments: [node] };
    return item;
  }

  /** Closes the diff editors of conflicts that are no longer open (resolved here or by another agent). */
  private closeResolvedDiffs(): void {
    const open = new Set(this.conflicts.map((c) => c.id));
    api
      .closeTabsShowing((uri) => {
        if (uri.scheme !== CONFLICT_SCHEME) return false;
        const ref = parseConflictUri(uri.path, uri.query);
        return ref !== undefined && !open.has(ref.id);
      })
      .catch((error: unknown) => this.log.debug(`closing the diffs of resolved conflicts: ${errorMessage(error)}`));
  }

  /** The texts of a conflict, from the server's devreliab://conflict/{conflict_id} resource (read once per id). */
  conflictTexts(id: string): Promise<ConflictTexts> {
    let texts = this.texts.get(id);
    if (!texts) {
      texts = (async () => {
        const client = await this.server.ready();
        return await client.conflict(id);
      })();
      texts.catch(() => this.texts.delete(id));
      this.texts.set(id, texts);
    }
    return texts;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = parseConflictUri(uri.path, uri.query);
    if (!ref) {
      return "";
    }
    try {
      return sideText(await this.conflictTexts(ref.id), ref.side);
    } catch (error) {
      return `devreliab: could not read conflict ${ref.id}: ${errorMessage(error)}`;
    }
  }

  private conflictOf(arg: unknown): ConflictSummary | undefined {
    if (arg && typeof arg === "object" && "conflict" in arg) {
      return (arg as { conflict: ConflictSummary }).conflict;
    }
    if (typeof arg === "string") {
      return this.conflicts.find((c) => c.id === arg);
    }
    return this.view?.selection[0]?.conflict;
  }

  async compare(arg: unknown): Promise<void> {
    const conflict = this.conflictOf(arg);
    if (!conflict) {
      return;
    }
    const node = arg as Partial<Extract<ConflictNode, { kind: "compare" }>>;
    const [left, right, title] =
      node && node.kind === "compare" && node.left && node.right ? [node.left, node.right, node.title ?? ""] : COMPARISONS[0];
    await api.executeCommand(
      "vscode.diff",
      conflictUri(conflict, left),
      conflictUri(conflict, right),
      `${conflict.path}: ${title} — ${comparisonDescription(left, right, conflict)} (conflict ${conflict.id})`,
      { preview: true },
    );
  }

  async take(arg: unknown, resolution: "ours" | "theirs"): Promise<void> {
    const conflict = this.conflictOf(arg);
    if (conflict) {
      await this.resolve(conflict, resolution);
    }
  }

  async editMerge(arg: unknown): Promise<void> {
    const conflict = this.conflictOf(arg);
    if (!conflict) {
      return;
    }
    try {
      const texts = await this.conflictTexts(conflict.id);
      const document = await api.openUntitledDocument(texts.merged, conflict.path.endsWith(".py") ? "python" : undefined);
      this.editing.set(document.uri.toString(), conflict);
      await api.showTextDocument(document, { preview: false });
      await api.setContext("devreliab.editingMerge", true);
      void api.showInformationMessage(
        `Edit the merge of ${conflict.path}, then run "DevReliab: Accept Edited Merge" (the ✓ in the editor title).`,
      );
    } catch (error) {
      await this.log.showErrorOnce(`devreliab: could not open the merge of ${conflict.path}: ${errorMessage(error)}`);
    }
  }

  async acceptMerge(): Promise<void> {
    const editor = api.activeTextEditor();
    const conflict = editor ? this.editing.get(editor.document.uri.toString()) : undefined;
    if (!editor || !conflict) {
      await api.showInformationMessage("devreliab: the active editor holds no merge being edited (use Edit the Merge on a conflict).");
      return;
    }
    const content = editor.document.getText();
    if (hasConflictMarkers(content)) {
      const go = await api.showWarningMessage(
        "The text still holds conflict markers (<<<<<<< ======= >>>>>>>). Write it anyway?",
        { modal: true },
        "Write",
      );
      if (go !== "Write") {
        return;
      }
    }
    if (await this.resolve(conflict, "content", content)) {
      this.editing.delete(editor.document.uri.toString());
      await api.setContext("devreliab.editingMerge", this.editing.size > 0);
      await api.executeCommand("workbench.action.revertAndCloseActiveEditor");
    }
  }

  private async resolve(conflict: ConflictSummary, resolution: "ours" | "theirs" | "content", content?: string): Promise<boolean> {
    try {
      const client = await this.server.ready();
      const result = await client.resolveConflict(conflict.id, resolution, content);
      const message = resolutionMessage(conflict.path, result);
      this.log.info(`resolve_conflict ${conflict.id} ${resolution}: ${result.status}`);
      this.texts.delete(conflict.id);
      if (message.ok) {
        void api.showInformationMessage(message.text);
      } else {
        void api.showWarningMessage(message.text, {});
      }
      await this.refresh();
      this.afterResolve(conflict.path);
      return message.ok;
    } catch (error) {
      await this.log.showErrorOnce(`devreliab: resolving conflict ${conflict.id} failed: ${errorMessage(error)}`);
      await this.refresh();
      return false;
    }
  }

  dispose(): void {
    this.changes.dispose();
  }
}
